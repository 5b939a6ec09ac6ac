//! Administration from the command line, over the HTTP API: an organisation's admin adds
//! accounts, lists them and the devices, revokes a device; changes roles, disables and
//! enables accounts, resets a password to a one-time password the user must change, keeps
//! the units and reads the audit log; the operator creates an organisation that sees nothing
//! of another.
//!
//! The client asks the server's OpenAPI document for the endpoints an older server may lack
//! (and then names the endpoint it is missing); this server lists every one of them, and the
//! tests assert that it does before checking that each command does what it says.

use firecheck_cli::remote::Remote;

use crate::reference::{printed_password, Office};
use crate::util::*;

/// Whether the server lists `method` on `template`.
fn offered(url: &str, method: &str, template: &str) -> bool {
    let remote = Remote::connect(url, None).unwrap();
    rt().block_on(remote.offers(method, template)).unwrap()
}

#[test]
fn an_admin_adds_accounts_lists_them_and_revokes_a_device() {
    let o = Office::new();
    let users = as_array(o.admin.json(&["admin", "users"]), "admin users");
    let summary: Vec<(String, String)> = users
        .iter()
        .map(|u| {
            (
                u["username"].as_str().unwrap().to_string(),
                u["role"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("admin".to_string(), "admin".to_string()),
            ("wangfang".into(), "officer".into()),
            ("zhangwei".into(), "inspector".into()),
        ]
    );
    let table = o.admin.run(&["admin", "users"]);
    assert!(
        table.contains("张伟") && table.contains("active"),
        "{table}"
    );

    // Three devices, each with its user's name.
    let devices = o.admin.run(&["admin", "devices"]);
    for user in ["admin", "wangfang", "zhangwei"] {
        assert!(devices.contains(user), "{devices}");
    }
    // Revoke the inspector's phone by the last characters of its id.
    let id = o.inspector.status()["device"].as_str().unwrap().to_string();
    let out = o
        .admin
        .run(&["admin", "device", "revoke", &id[id.len() - 8..]]);
    assert!(out.contains("revoked"), "{out}");
    let e = o.inspector.fail(&["sync"], 3);
    assert!(e.to_string().contains("log in"), "{e}");
    let listed = as_array(o.admin.json(&["admin", "devices"]), "devices");
    let revoked = listed.iter().find(|d| d["id"] == id.as_str()).unwrap();
    assert_eq!(revoked["revoked"], true);

    // Mistakes: a taken username, an unknown role, a device that is not there; and the
    // commands are an admin's only.
    let e = o.admin.fail(
        &[
            "admin",
            "user",
            "add",
            "zhangwei",
            "--name",
            "张伟",
            "--role",
            "inspector",
        ],
        6,
    );
    assert!(e.to_string().contains("taken"), "{e}");
    let e = o.admin.fail(
        &[
            "admin", "user", "add", "lina", "--name", "李娜", "--role", "boss",
        ],
        6,
    );
    assert!(e.to_string().contains("role"), "{e}");
    o.admin.fail(&["admin", "device", "revoke", "ffffffff"], 5);
    let e = o.officer.fail(&["admin", "users"], 6);
    assert!(e.to_string().contains("log in as an admin"), "{e}");
}

#[test]
fn roles_disabling_one_time_passwords_units_and_the_audit() {
    let o = Office::new();
    let url = o.server.url.clone();

    // A role changes.
    let role = ["admin", "user", "role", "zhangwei", "officer"];
    assert!(
        offered(&url, "post", "/v1/admin/users/{username}/role"),
        "the server offers this endpoint"
    );
    let out = o.admin.run(&role);
    assert!(out.contains("zhangwei is now an officer"), "{out}");
    o.admin
        .run(&["admin", "user", "role", "zhangwei", "inspector"]);
    o.admin
        .fail(&["admin", "user", "role", "nobody", "officer"], 5);

    // An account is disabled, then enabled.
    let disable = ["admin", "user", "disable", "zhangwei"];
    assert!(
        offered(&url, "post", "/v1/admin/users/{username}/disable"),
        "the server offers this endpoint"
    );
    let out = o.admin.run(&disable);
    assert!(out.contains("disabled"), "{out}");
    o.inspector.fail(&["sync"], 3);
    let e = o
        .inspector
        .dev
        .login("zhangwei", &o.passwords["zhangwei"])
        .unwrap_err();
    assert_eq!(e.exit_code(), 3, "{e}");
    let out = o.admin.run(&["admin", "user", "enable", "zhangwei"]);
    assert!(out.contains("enabled"), "{out}");
    o.inspector
        .dev
        .login("zhangwei", &o.passwords["zhangwei"])
        .unwrap();
    o.inspector.run(&["sync"]);

    // A forgotten password: the admin resets it to a one-time password, which only lets the
    // user choose their own.
    let reset = ["admin", "user", "reset-password", "zhangwei"];
    assert!(
        offered(&url, "post", "/v1/admin/users/{username}/reset-password"),
        "the server offers this endpoint"
    );
    let out = o.admin.run(&reset);
    let otp = out
        .split("one-time password ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("{out}"))
        .to_string();
    let e = o.inspector.dev.login("zhangwei", &otp).unwrap_err();
    assert_eq!(e.exit_code(), 3);
    assert!(e.to_string().contains("firecheck password"), "{e}");
    let out = o
        .inspector
        .dev
        .change_password("zhangwei", &otp, "zhangwei-own-choice")
        .unwrap();
    assert!(
        out.contains("password of zhangwei changed") && out.contains("logged in as"),
        "{out}"
    );
    o.inspector.run(&["sync"]);

    // One's own password.
    assert!(
        offered(&url, "post", "/v1/auth/password"),
        "the server offers this endpoint"
    );
    let out = o
        .officer
        .dev
        .change_password("wangfang", &o.passwords["wangfang"], "wangfang-new-secret")
        .unwrap();
    assert!(out.contains("logged in as"), "{out}");
    let e = o
        .officer
        .dev
        .change_password("wangfang", "not-the-password", "whatever-else")
        .unwrap_err();
    assert_eq!(e.exit_code(), 3, "{e}");
    let e = o
        .officer
        .dev
        .change_password("wangfang", "wangfang-new-secret", "short")
        .unwrap_err();
    assert_eq!(e.exit_code(), 6, "{e}");

    // The units hazards are dispatched to.
    let add = ["admin", "unit", "add", "城管斜土中队"];
    assert!(
        offered(&url, "post", "/v1/admin/units"),
        "the server offers this endpoint"
    );
    let out = o.admin.run(&add);
    assert!(out.contains("unit 城管斜土中队 added"), "{out}");
    o.admin.run(&["admin", "unit", "add", "斜土路派出所"]);
    let units = as_array(o.admin.json(&["admin", "units"]), "units");
    let names: Vec<&str> = units.iter().filter_map(|u| u["name"].as_str()).collect();
    assert_eq!(names, ["城管斜土中队", "斜土路派出所"]);

    // The audit log and the op log.
    assert!(
        offered(&url, "get", "/v1/admin/audit"),
        "the server offers this endpoint"
    );
    let page = o.admin.json(&["admin", "audit"]);
    let kinds: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| {
            i["action"]
                .as_object()
                .and_then(|a| a.keys().next().cloned())
        })
        .collect();
    assert!(kinds.contains(&"user_created".to_string()), "{kinds:?}");
    let text = o.admin.run(&["admin", "audit", "--limit", "50"]);
    assert!(
        text.contains("user_created") && text.contains("admin"),
        "{text}"
    );
    assert!(
        offered(&url, "get", "/v1/admin/log"),
        "the server offers this endpoint"
    );
    o.officer.run(&[
        "venue",
        "import",
        &crate::reference::fixture("import/斜土街道场所.csv")
            .display()
            .to_string(),
    ]);
    o.officer.run(&["sync"]);
    let text = o.admin.run(&["admin", "audit", "--ops", "--limit", "3"]);
    assert!(text.contains("venue_upserted"), "{text}");
}

#[test]
fn the_operator_creates_an_organisation_that_sees_nothing_of_another() {
    let w = World::demo();
    let key = w.dir.path().join("operator-token");
    std::fs::write(&key, firecheck_server::testing::OPERATOR_TOKEN).unwrap();
    let operator = Phone::new(w.dir.path(), "operator", &w.server.url);
    let key_arg = key.display().to_string();
    let create = [
        "org",
        "create",
        "--name",
        "枫林街道社区平安办",
        "--admin",
        "fenglin-admin",
        "--operator-key-file",
        &key_arg,
    ];
    let out = operator.run(&create);
    assert!(
        out.contains("organisation 枫林街道社区平安办 created"),
        "{out}"
    );
    let password = out
        .lines()
        .find_map(|l| l.strip_prefix("admin password: "))
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("{out}"))
        .to_string();
    let fenglin = Phone::new(w.dir.path(), "fenglin-admin", &w.server.url);
    fenglin.dev.login("fenglin-admin", &password).unwrap();
    let users = as_array(fenglin.json(&["admin", "users"]), "users");
    assert_eq!(users.len(), 1, "only its own admin: {users:?}");
    let out = fenglin.run(&[
        "admin",
        "user",
        "add",
        "li",
        "--name",
        "李",
        "--role",
        "inspector",
    ]);
    let li = Phone::new(w.dir.path(), "li", &w.server.url);
    li.dev.login("li", &printed_password(&out)).unwrap();
    li.run(&["sync"]);
    assert!(
        as_array(li.json(&["venues"]), "venues").is_empty(),
        "nothing of Xietu reaches 枫林"
    );
    // The same username again, a wrong key, no key: refused.
    let e = operator.fail(&create, 6);
    assert!(e.to_string().contains("taken"), "{e}");
    let wrong = w.dir.path().join("wrong");
    std::fs::write(&wrong, "not-the-key").unwrap();
    let wrong_arg = wrong.display().to_string();
    let mut with_wrong = create.to_vec();
    with_wrong[7] = &wrong_arg;
    with_wrong[5] = "someone-else";
    let e = operator.fail(&with_wrong, 6);
    assert!(e.to_string().contains("operator key"), "{e}");
    let e = operator.fail(&create[..6], 6);
    assert!(e.to_string().contains("FIRECHECK_OPERATOR_TOKEN"), "{e}");
}
