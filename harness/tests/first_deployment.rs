//! README.md's "First deployment", command for command, against the real binaries.
//!
//! The test reads the section's `sh` blocks (up to the marker that ends them) and runs each
//! line with bash, in order, from the workspace root — the server started in the background,
//! `export`s kept for the lines after — with only the machine-specific parts replaced:
//! `/var/lib/firecheck`, `/var/backups/firecheck`, `~/` and `/etc/firecheck/*.pem` by paths in
//! a temp dir (the certificates made here, for 127.0.0.1, signed by a CA made here), and the
//! server's name and port by 127.0.0.1 and a free port. Every replacement must be used, so
//! the README cannot drift from what is tested. Passwords go in where a person would type
//! them: the one the first start printed, the ones `admin user add` printed, new ones for
//! `firecheck password`.
//!
//! So a non-demo server set up only with those commands lets an inspector log in, sync,
//! inspect a venue from the imported spreadsheet, and the hazard reaches the office; the
//! nightly backup's command (the crontab line's, checked to be the same) writes a backup.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use firecheck_harness::bins;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};

const END_MARKER: &str = "<!-- The end of what harness/tests/first_deployment.rs runs. -->";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The section's shell lines (continuations joined) and its crontab line.
fn readme_commands() -> (Vec<String>, String) {
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    let start = readme
        .find("## First deployment")
        .expect("README.md has a First deployment section");
    let end = readme[start..]
        .find(END_MARKER)
        .map(|e| start + e)
        .expect("the First deployment section marks the end of what the test runs");
    let mut commands = Vec::new();
    let mut cron = None;
    let mut block: Option<&str> = None;
    let mut pending = String::new();
    for line in readme[start..end].lines() {
        if let Some(tag) = line.strip_prefix("```") {
            block = match block {
                None => Some(tag.trim()),
                Some(_) => None,
            };
            continue;
        }
        match block {
            Some("sh") => {
                let l = line.trim();
                if l.is_empty() || l.starts_with('#') {
                    continue;
                }
                if let Some(head) = l.strip_suffix('\\') {
                    pending.push_str(head);
                    continue;
                }
                pending.push_str(l);
                commands.push(std::mem::take(&mut pending));
            }
            Some("cron") if !line.trim().is_empty() => cron = Some(line.trim().to_string()),
            _ => {}
        }
    }
    (
        commands,
        cron.expect("a crontab line for the nightly backup"),
    )
}

/// An office CA and a certificate for 127.0.0.1 it signed: (CA, chain, key) files.
fn certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.distinguished_name
        .push(DnType::CommonName, "斜土街道社区平安办 CA");
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    std::fs::create_dir_all(dir).unwrap();
    let files = (
        dir.join("office-ca.pem"),
        dir.join("fullchain.pem"),
        dir.join("privkey.pem"),
    );
    std::fs::write(&files.0, ca.pem()).unwrap();
    std::fs::write(&files.1, cert.pem()).unwrap();
    std::fs::write(&files.2, key.serialize_pem()).unwrap();
    files
}

/// The running deployment: the environment the lines share, what they printed, the server.
struct Deployment {
    env: HashMap<String, String>,
    path: String,
    replace: Vec<(String, String, bool)>,
    passwords: HashMap<String, String>,
    /// Who is logged in on each FIRECHECK_HOME.
    logged_in: HashMap<String, String>,
    outputs: Vec<(String, String)>,
    /// Lines the server does not offer yet (they said so, naming the endpoint).
    pending: Vec<String>,
    server: Option<(Child, PathBuf)>,
}

impl Drop for Deployment {
    fn drop(&mut self) {
        if let Some((mut child, _)) = self.server.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn after<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|l| l.split_once(prefix).map(|(_, rest)| rest))
        .and_then(|rest| rest.split_whitespace().next())
        .map(|w| w.trim_matches('`'))
}

impl Deployment {
    fn substitute(&mut self, line: &str) -> String {
        let mut out = line.to_string();
        for (from, to, used) in &mut self.replace {
            if out.contains(from.as_str()) {
                *used = true;
                out = out.replace(from.as_str(), to);
            }
        }
        out
    }

    fn bash(&self, line: &str) -> Command {
        let mut cmd = Command::new("bash");
        cmd.arg("-c").arg(line).current_dir(workspace());
        for (k, _) in std::env::vars() {
            if k.starts_with("FIRECHECK_") {
                cmd.env_remove(k);
            }
        }
        // The outputs are read in English, whatever the machine's locale.
        cmd.envs(&self.env)
            .env("PATH", &self.path)
            .env("FIRECHECK_LANG", "en");
        cmd
    }

    fn run(&mut self, readme_line: &str) {
        let line = self.substitute(readme_line);
        if let Some(assign) = line.strip_prefix("export ") {
            let (k, v) = assign.split_once('=').expect("export NAME=VALUE");
            self.env
                .insert(k.to_string(), v.trim_matches('"').to_string());
            return;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.first() == Some(&"firecheck-server")
            && !words
                .iter()
                .any(|w| ["backup", "restore", "rebuild"].contains(w))
        {
            self.start_server(readme_line, &line);
            return;
        }
        let home = self.env.get("FIRECHECK_HOME").cloned().unwrap_or_default();
        let stdin = match words.as_slice() {
            ["firecheck", "login", user] => {
                self.logged_in.insert(home.clone(), user.to_string());
                format!("{}\n", self.passwords[*user])
            }
            ["firecheck", "password"] => {
                let user = self.logged_in[&home].clone();
                let new = format!("{user}-chose-this-one");
                let input = format!("{}\n{new}\n", self.passwords[&user]);
                self.passwords.insert(user, new);
                input
            }
            _ => String::new(),
        };
        let mut child = self
            .bash(&line)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr);
        // A server without the endpoint yet (`POST /v1/auth/password` comes with the
        // administration API): the command says so, and the person keeps their password.
        if words.as_slice() == ["firecheck", "password"]
            && !out.status.success()
            && stderr.contains("does not offer `firecheck password`")
        {
            let user = self.logged_in[&home].clone();
            let old = stdin.lines().next().unwrap_or_default().to_string();
            self.passwords.insert(user, old);
            self.pending.push(readme_line.to_string());
            return;
        }
        assert!(
            out.status.success(),
            "README line `{readme_line}` (run as `{line}`) failed ({}):\nstdout:\n{stdout}\nstderr:\n{}",
            out.status,
            stderr
        );
        if let ["firecheck", "admin", "user", "add", user, ..] = words.as_slice() {
            let p = after(&stdout, "password: ").expect("user add prints the password");
            self.passwords.insert(user.to_string(), p.to_string());
        }
        if let ["firecheck", "org", "create", ..] = words.as_slice() {
            let admin = words[words.iter().position(|w| *w == "--admin").unwrap() + 1];
            let p = after(&stdout, "admin password: ").expect("org create prints the password");
            self.passwords.insert(admin.to_string(), p.to_string());
        }
        self.outputs.push((readme_line.to_string(), stdout));
    }

    fn start_server(&mut self, readme_line: &str, line: &str) {
        let log = PathBuf::from(&self.env["FIRECHECK_DATA"]).with_extension("log");
        let file = std::fs::File::create(&log).unwrap();
        let child = self
            .bash(&format!("exec {line}"))
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap();
        self.server = Some((child, log.clone()));
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if text.contains("listening on https://") {
                let p = after(&text, "created account `admin` with password ")
                    .expect("the first start prints the admin's password");
                self.passwords.insert("admin".into(), p.to_string());
                self.outputs.push((readme_line.to_string(), text));
                return;
            }
            if let Some((child, _)) = &mut self.server {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!("README line `{readme_line}`: the server exited ({status}):\n{text}");
                }
            }
            assert!(
                Instant::now() < deadline,
                "the server did not start:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// What the README line that starts with `prefix` printed (the last such line).
    fn output(&self, prefix: &str) -> &str {
        self.outputs
            .iter()
            .rev()
            .find(|(l, _)| l.starts_with(prefix))
            .map(|(_, o)| o.as_str())
            .unwrap_or_else(|| panic!("no README line starts with {prefix:?}"))
    }
}

#[test]
fn the_first_deployment_in_the_readme_gets_inspectors_syncing() {
    let built = bins::build_for_tests(&["firecheck-server", "firecheck"])
        .expect("building firecheck-server and firecheck");
    let bin_dir = built[0].parent().unwrap().to_path_buf();
    let root = tempfile::tempdir().unwrap();
    let (ca, chain, key) = certificates(&root.path().join("etc"));
    let port = firecheck_harness::server::free_addr().unwrap().port();
    let at = |p: &str| root.path().join(p).display().to_string();
    let mut d = Deployment {
        env: HashMap::new(),
        path: format!(
            "{}:{}",
            bin_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        ),
        replace: [
            ("/etc/firecheck/fullchain.pem", chain.display().to_string()),
            ("/etc/firecheck/privkey.pem", key.display().to_string()),
            ("/etc/firecheck/office-ca.pem", ca.display().to_string()),
            ("/var/lib/firecheck", at("var-lib-firecheck")),
            ("/var/backups/firecheck", at("backups")),
            ("~/", format!("{}/", at("home"))),
            ("firecheck.example.org:8443", format!("127.0.0.1:{port}")),
            ("0.0.0.0:8443", format!("127.0.0.1:{port}")),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b, false))
        .collect(),
        passwords: HashMap::new(),
        logged_in: HashMap::new(),
        outputs: Vec::new(),
        pending: Vec::new(),
        server: None,
    };
    let (commands, cron) = readme_commands();
    assert!(commands.len() > 20, "{commands:#?}");
    for c in &commands {
        d.run(c);
    }
    let unused: Vec<&String> = d
        .replace
        .iter()
        .filter(|(_, _, used)| !used)
        .map(|(from, _, _)| from)
        .collect();
    assert!(unused.is_empty(), "the README no longer says {unused:?}");
    if !d.pending.is_empty() {
        println!("not offered by this server yet: {:?}", d.pending);
    }

    // What the steps did.
    let dry = d.output("firecheck venue import fixtures/import/斜土街道场所.xlsx --dry-run");
    assert!(
        dry.contains("48 new, 0 changed, 0 unchanged (would be)"),
        "{dry}"
    );
    let import = d.output("firecheck venue import fixtures/import/斜土街道场所.xlsx");
    assert!(import.contains("48 new"), "{import}");
    let templates = d.output("firecheck template load");
    assert_eq!(templates.matches(": new").count(), 3, "{templates}");
    assert!(d.output("firecheck campaign define").contains(": defined;"));
    let users = d.output("firecheck admin users");
    for u in ["wangfang", "zhangwei", "lina"] {
        assert!(users.contains(u), "{users}");
    }
    let venues = d.output("firecheck venues --street 小木桥路");
    assert!(
        venues.contains("老王电动车维修"),
        "the inspector has the imported venues:\n{venues}"
    );
    let inspect = d.output("firecheck inspect 老王电动车维修");
    assert!(inspect.contains("EB-CHARGE"), "{inspect}");
    let hazards = d.output("firecheck hazards --open");
    assert!(
        hazards.contains("老王电动车维修")
            && hazards.contains("EB-CHARGE")
            && hazards.contains("1 hazards"),
        "the hazard reached the office:\n{hazards}"
    );
    let coverage = d.output("firecheck campaign coverage");
    assert!(coverage.contains("inspected 1/"), "{coverage}");

    // The backup the README's command wrote, and the crontab line runs the same command.
    let weekday =
        String::from_utf8(Command::new("date").arg("+%a").output().unwrap().stdout).unwrap();
    let backup = PathBuf::from(at("backups")).join(weekday.trim());
    assert!(backup.join("firecheck.snapshot").is_file());
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(backup.join("backup.json")).unwrap())
            .unwrap();
    assert!(
        manifest["from_running_server"].as_bool().unwrap(),
        "{manifest}"
    );
    let backup_line = commands
        .iter()
        .find(|c| c.starts_with("firecheck-server backup "))
        .unwrap();
    let target = backup_line.trim_start_matches("firecheck-server backup ");
    assert!(
        cron.replace("\\%", "%").ends_with(&format!(
            "/usr/local/bin/firecheck-server --data /var/lib/firecheck backup {target}"
        )),
        "the crontab line runs the README's backup command: {cron}"
    );
}
