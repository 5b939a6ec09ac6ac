//! Administration over the HTTP API, so it works from any machine: an organisation's admin
//! keeps its accounts, devices and units and reads its audit log (`firecheck admin …`,
//! logged in as an admin); anyone changes their own password (`firecheck password`); the
//! server's operator creates organisations (`firecheck org create`, with the operator key).
//!
//! The answers are read leniently (fields this build does not know are skipped, fields an
//! older server does not send take their defaults), so one client speaks to servers of
//! either side of an upgrade. An endpoint the server does not have — a 404 or 405 for a path
//! its OpenAPI document does not list — is [`CliError::NotOffered`], naming the endpoint,
//! never taken for "no such user".

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, Subcommand};
use firecheck_shared::i18n::{words, Lang};
use firecheck_shared::sync::ErrorCode;
use firecheck_shared::*;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::commands::Ctx;
use crate::remote::{Remote, RemoteError};
use crate::session::{self, Connection};
use crate::table::render;
use crate::CliError;

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// The organisation's accounts: role, whether disabled or waiting for a password change.
    Users,
    /// Add, change, disable, enable an account, or reset its password.
    #[command(subcommand)]
    User(UserCommand),
    /// The organisation's registered devices.
    Devices,
    /// Revoke a device.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// The units hazards are dispatched to (城管斜土中队, 斜土路派出所, 居委 …).
    Units {
        /// Also the retired ones.
        #[arg(long)]
        all: bool,
    },
    /// Add a unit.
    #[command(subcommand)]
    Unit(UnitCommand),
    /// The audit log, newest first: every admin and operator action — or, with --ops, the
    /// op log's who, what, from which device and when.
    Audit {
        /// Entries per page (1–500).
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Only entries older than this position (the `next` a page ends with).
        #[arg(long)]
        before: Option<u64>,
        /// The op log instead of the admin actions.
        #[arg(long)]
        ops: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. Its password is read from standard input with --password-stdin,
    /// else generated and shown once; hand it over and have the user change it with
    /// `firecheck password`.
    Add {
        username: String,
        /// The name people know them by, e.g. 张伟.
        #[arg(long)]
        name: String,
        /// inspector, officer or admin.
        #[arg(long)]
        role: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Change an account's role (inspector, officer or admin).
    Role { username: String, role: String },
    /// Disable an account: it can no longer log in, and its devices stop syncing at once.
    Disable { username: String },
    /// Enable a disabled account again.
    Enable { username: String },
    /// Replace an account's password with a one-time password (shown once) that the user
    /// must change at their next login (`firecheck password`).
    ResetPassword { username: String },
}

#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Revoke a device (a lost phone): it can no longer sync or log in.
    Revoke {
        /// Device id or its first or last characters (as `firecheck admin devices` shows).
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum UnitCommand {
    /// Add a unit, e.g. 城管斜土中队.
    Add { name: String },
}

/// `firecheck org create`: the operator's.
#[derive(Debug, Args)]
pub struct OrgCreate {
    /// The organisation, e.g. 枫林街道社区平安办.
    #[arg(long)]
    pub name: String,
    /// Its first admin's username.
    #[arg(long)]
    pub admin: String,
    /// The first admin's name [default: 管理员].
    #[arg(long, default_value = "管理员")]
    pub admin_name: String,
    /// The operator key's file: `operator-token` in the server's data dir.
    #[arg(long, value_name = "FILE")]
    pub operator_key_file: Option<PathBuf>,
    /// The operator key itself (prefer the file).
    #[arg(
        long,
        env = "FIRECHECK_OPERATOR_TOKEN",
        hide_env_values = true,
        hide = true
    )]
    pub operator_key: Option<String>,
    /// Read the admin's password from standard input [default: generate one, shown once].
    #[arg(long)]
    pub password_stdin: bool,
}

/// An account as an admin sees it. An older server sends the user alone.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Account {
    #[serde(flatten)]
    pub user: User,
    #[serde(default)]
    pub disabled: bool,
    #[serde(default)]
    pub must_change_password: bool,
    #[serde(default)]
    pub created_ms: Option<i64>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DeviceInfo {
    pub id: DeviceId,
    pub user: UserId,
    pub name: String,
    pub registered_ms: i64,
    pub revoked: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Unit {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub created_ms: Option<i64>,
    #[serde(default)]
    pub retired_ms: Option<i64>,
}

/// An endpoint: its method and its path template as the OpenAPI document names it.
struct Endpoint {
    method: Method,
    template: &'static str,
}

const USERS: Endpoint = Endpoint {
    method: Method::GET,
    template: "/v1/admin/users",
};
const USER_ADD: Endpoint = Endpoint {
    method: Method::POST,
    template: "/v1/admin/users",
};
const USER_ROLE: Endpoint = Endpoint {
    method: Method::POST,
    template: "/v1/admin/users/{username}/role",
};
const USER_DISABLE: Endpoint = Endpoint {
    method: Method::POST,
    template: "/v1/admin/users/{username}/disable",
};
const USER_ENABLE: Endpoint = Endpoint {
    method: Method::POST,
    template: "/v1/admin/users/{username}/enable",
};
const USER_RESET: Endpoint = Endpoint {
    method: Method::POST,
    template: "/v1/admin/users/{username}/reset-password",
};
const DEVICES: Endpoint = Endpoint {
    method: Method::GET,
    template: "/v1/admin/devices",
};
const DEVICE_REVOKE: Endpoint = Endpoint {
    method: Method::POST,
    template: "/v1/admin/devices/{id}/revoke",
};
const UNITS: Endpoint = Endpoint {
    method: Method::GET,
    template: "/v1/units",
};
const UNIT_ADD: Endpoint = Endpoint {
    method: Method::POST,
    template: "/v1/admin/units",
};
const AUDIT: Endpoint = Endpoint {
    method: Method::GET,
    template: "/v1/admin/audit",
};
const OP_LOG: Endpoint = Endpoint {
    method: Method::GET,
    template: "/v1/admin/log",
};
const PASSWORD: Endpoint = Endpoint {
    method: Method::POST,
    template: "/v1/auth/password",
};
const ORGS: Endpoint = Endpoint {
    method: Method::POST,
    template: "/v1/operator/orgs",
};

/// Every endpoint the administration commands use, with the command that needs it: what
/// `firecheck admin` needs of a server.
pub const ENDPOINTS: [(&str, &str, &str); 14] = [
    ("admin users", "GET", USERS.template),
    ("admin user add", "POST", USER_ADD.template),
    ("admin user role", "POST", USER_ROLE.template),
    ("admin user disable", "POST", USER_DISABLE.template),
    ("admin user enable", "POST", USER_ENABLE.template),
    ("admin user reset-password", "POST", USER_RESET.template),
    ("admin devices", "GET", DEVICES.template),
    ("admin device revoke", "POST", DEVICE_REVOKE.template),
    ("admin units", "GET", UNITS.template),
    ("admin unit add", "POST", UNIT_ADD.template),
    ("admin audit", "GET", AUDIT.template),
    ("admin audit --ops", "GET", OP_LOG.template),
    ("password", "POST", PASSWORD.template),
    ("org create", "POST", ORGS.template),
];

/// A path segment as it goes into a URL (usernames are `[A-Za-z0-9._-]`, ids UUIDs; anything
/// else is escaped).
fn segment(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Call `endpoint` at `path` (its template filled in); a 404 or 405 for an endpoint the
/// server does not list becomes [`CliError::NotOffered`].
fn call(
    rt: &tokio::runtime::Runtime,
    remote: &Remote,
    command: &str,
    endpoint: &Endpoint,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Result<Value, CliError> {
    let result = session::retrying(rt, || {
        remote.json(endpoint.method.clone(), path, token, body.as_ref())
    });
    match result {
        Err(RemoteError::Refused {
            code: ErrorCode::NotFound | ErrorCode::MethodNotAllowed,
            message,
            ..
        }) => {
            let offered = rt
                .block_on(remote.offers(endpoint.method.as_str(), endpoint.template))
                .unwrap_or(true);
            if offered {
                Err(CliError::NotFound(msg!(
                    "remote-server-says",
                    message = message
                )))
            } else {
                Err(CliError::NotOffered {
                    command: command.to_string(),
                    endpoint: format!("{} {}", endpoint.method, endpoint.template),
                })
            }
        }
        Err(RemoteError::Refused {
            code: ErrorCode::Invalid | ErrorCode::Conflict | ErrorCode::Forbidden,
            message,
            ..
        }) => Err(CliError::Invalid(msg!(
            "remote-server-says",
            message = message
        ))),
        other => Ok(other?),
    }
}

fn parse<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, CliError> {
    serde_json::from_value(v).map_err(|e| CliError::Remote(RemoteError::BadAnswer(e.to_string())))
}

/// A logged-in admin's calls.
struct AdminCall<'c> {
    conn: Connection<'c>,
}

impl<'c> AdminCall<'c> {
    fn open(ctx: &'c Ctx<'c>) -> Result<Self, CliError> {
        let mut conn = Connection::open(ctx)?;
        if conn.login.user.role != Role::Admin {
            return Err(CliError::Invalid(msg!(
                "admin-not-admin",
                username = &conn.login.user.username,
                role = conn.login.user.role.as_str()
            )));
        }
        conn.refresh_if_due()?;
        Ok(Self { conn })
    }

    fn call(
        &mut self,
        command: &str,
        endpoint: &Endpoint,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, CliError> {
        let token = self.conn.login.access_token.clone();
        match call(
            &self.conn.rt,
            &self.conn.remote,
            command,
            endpoint,
            path,
            Some(&token),
            body.clone(),
        ) {
            // The access token ran out: refresh once, then again.
            Err(CliError::Remote(RemoteError::Unauthorized { .. })) => {
                self.conn.refresh()?;
                let token = self.conn.login.access_token.clone();
                call(
                    &self.conn.rt,
                    &self.conn.remote,
                    command,
                    endpoint,
                    path,
                    Some(&token),
                    body,
                )
            }
            other => other,
        }
    }

    fn accounts(&mut self) -> Result<Vec<Account>, CliError> {
        parse(self.call("admin users", &USERS, USERS.template, None)?)
    }
}

fn when(ms: i64) -> String {
    Timestamp(ms).to_string()
}

/// A password no one chose: 20 characters from an alphabet without look-alikes.
pub fn generated_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let bytes: Vec<u8> = [uuid::Uuid::new_v4(), uuid::Uuid::new_v4()]
        .iter()
        .flat_map(|u| u.as_bytes().to_vec())
        .collect();
    bytes
        .iter()
        .take(20)
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

/// One line of standard input (a script's password), without its line end.
fn stdin_line() -> Result<String, CliError> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// `firecheck admin …`.
pub fn admin(ctx: &Ctx, cmd: AdminCommand, out: &mut dyn Write) -> Result<(), CliError> {
    let mut a = AdminCall::open(ctx)?;
    match cmd {
        AdminCommand::Users => {
            let mut list = a.accounts()?;
            list.sort_by(|x, y| x.user.username.cmp(&y.user.username));
            if !ctx.table_wanted(&list, msg!("admin-no-accounts"), out)? {
                return Ok(());
            }
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|u| {
                    vec![
                        u.user.username.clone(),
                        u.user.display_name.clone(),
                        ctx.say(words::role(u.user.role)),
                        match (u.disabled, u.must_change_password) {
                            (true, _) => t!(ctx.lang, "admin-state-disabled"),
                            (false, true) => t!(ctx.lang, "admin-state-must-change"),
                            _ => t!(ctx.lang, "admin-state-active"),
                        },
                        u.created_ms.map(when).unwrap_or_default(),
                    ]
                })
                .collect();
            let header = [
                t!(ctx.lang, "col-username"),
                t!(ctx.lang, "col-name"),
                t!(ctx.lang, "col-role"),
                t!(ctx.lang, "col-state"),
                t!(ctx.lang, "col-created"),
            ];
            write!(out, "{}", render(&header, &rows))?;
            Ok(())
        }
        AdminCommand::User(cmd) => user(ctx, &mut a, cmd, out),
        AdminCommand::Devices => {
            let list: Vec<DeviceInfo> =
                parse(a.call("admin devices", &DEVICES, DEVICES.template, None)?)?;
            if !ctx.table_wanted(&list, msg!("admin-no-devices"), out)? {
                return Ok(());
            }
            let names: std::collections::HashMap<UserId, String> = a
                .accounts()?
                .into_iter()
                .map(|u| (u.user.id, u.user.username))
                .collect();
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|d| {
                    vec![
                        d.id.to_string(),
                        names
                            .get(&d.user)
                            .cloned()
                            .unwrap_or_else(|| d.user.short()),
                        d.name.clone(),
                        when(d.registered_ms),
                        if d.revoked {
                            t!(ctx.lang, "admin-state-revoked")
                        } else {
                            t!(ctx.lang, "admin-state-active")
                        },
                    ]
                })
                .collect();
            let header = [
                t!(ctx.lang, "col-device"),
                t!(ctx.lang, "col-user"),
                t!(ctx.lang, "col-name"),
                t!(ctx.lang, "col-registered"),
                t!(ctx.lang, "col-state"),
            ];
            write!(out, "{}", render(&header, &rows))?;
            Ok(())
        }
        AdminCommand::Device(DeviceCommand::Revoke { id }) => {
            let list: Vec<DeviceInfo> =
                parse(a.call("admin device revoke", &DEVICES, DEVICES.template, None)?)?;
            let found: Vec<&DeviceInfo> = list.iter().filter(|d| d.id.matches(&id)).collect();
            let device = match found.as_slice() {
                [one] => *one,
                [] => return Err(CliError::NotFound(msg!("admin-no-device", query = &id))),
                _ => {
                    return Err(CliError::Invalid(msg!(
                        "admin-device-ambiguous",
                        query = &id,
                        count = found.len()
                    )))
                }
            };
            let path = format!("/v1/admin/devices/{}/revoke", device.id);
            let d: DeviceInfo = parse(a.call(
                "admin device revoke",
                &DEVICE_REVOKE,
                &path,
                Some(json!({})),
            )?)?;
            if ctx.json {
                return ctx.print_json(&d, out);
            }
            writeln!(
                out,
                "{}",
                t!(
                    ctx.lang,
                    "admin-device-revoked",
                    id = d.id.to_string(),
                    name = &d.name
                )
            )?;
            Ok(())
        }
        AdminCommand::Units { all } => {
            let path = if all {
                format!("{}?include_retired=true", UNITS.template)
            } else {
                UNITS.template.to_string()
            };
            let mut list: Vec<Unit> = parse(a.call("admin units", &UNITS, &path, None)?)?;
            list.sort_by(|x, y| x.name.cmp(&y.name));
            if !ctx.table_wanted(&list, msg!("admin-no-units"), out)? {
                return Ok(());
            }
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|u| {
                    vec![
                        u.name.clone(),
                        u.retired_ms
                            .map(|ms| t!(ctx.lang, "admin-unit-retired", when = when(ms)))
                            .unwrap_or_else(|| t!(ctx.lang, "admin-unit-in-service")),
                        u.id.clone(),
                    ]
                })
                .collect();
            let header = [
                t!(ctx.lang, "col-unit"),
                t!(ctx.lang, "col-state"),
                t!(ctx.lang, "col-id"),
            ];
            write!(out, "{}", render(&header, &rows))?;
            Ok(())
        }
        AdminCommand::Unit(UnitCommand::Add { name }) => {
            let u: Unit = parse(a.call(
                "admin unit add",
                &UNIT_ADD,
                UNIT_ADD.template,
                Some(json!({ "name": name.trim() })),
            )?)?;
            if ctx.json {
                return ctx.print_json(&u, out);
            }
            writeln!(out, "{}", t!(ctx.lang, "admin-unit-added", name = &u.name))?;
            Ok(())
        }
        AdminCommand::Audit { limit, before, ops } => {
            let (endpoint, command) = if ops {
                (&OP_LOG, "admin audit --ops")
            } else {
                (&AUDIT, "admin audit")
            };
            let mut path = format!("{}?limit={limit}", endpoint.template);
            if let Some(b) = before {
                path.push_str(&format!("&before={b}"));
            }
            let page = a.call(command, endpoint, &path, None)?;
            if ctx.json {
                return ctx.print_json(&page, out);
            }
            let items = page["items"].as_array().cloned().unwrap_or_default();
            let rows: Vec<Vec<String>> = items
                .iter()
                .map(|i| if ops { op_row(i) } else { audit_row(i) })
                .collect();
            if rows.is_empty() {
                writeln!(out, "{}", t!(ctx.lang, "admin-nothing-recorded"))?;
            } else if ops {
                let header = [
                    t!(ctx.lang, "col-seq"),
                    t!(ctx.lang, "col-received"),
                    t!(ctx.lang, "col-who"),
                    t!(ctx.lang, "col-device"),
                    t!(ctx.lang, "col-what"),
                    t!(ctx.lang, "col-about"),
                ];
                write!(out, "{}", render(&header, &rows))?;
            } else {
                let header = [
                    "#".to_string(),
                    t!(ctx.lang, "col-when"),
                    t!(ctx.lang, "col-who"),
                    t!(ctx.lang, "col-what"),
                ];
                write!(out, "{}", render(&header, &rows))?;
            }
            if let Some(next) = page["next_before"].as_u64() {
                writeln!(out, "{}", t!(ctx.lang, "admin-older", next = next))?;
            }
            Ok(())
        }
    }
}

fn role(s: &str) -> Result<Role, CliError> {
    Ok(s.parse::<Role>()?)
}

fn user(
    ctx: &Ctx,
    a: &mut AdminCall,
    cmd: UserCommand,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let account_line = |u: &Account| {
        let line = t!(
            ctx.lang,
            "admin-account-line",
            username = &u.user.username,
            name = &u.user.display_name,
            role = words::role(u.user.role)
        );
        if u.disabled {
            t!(ctx.lang, "admin-account-disabled", account = line)
        } else {
            line
        }
    };
    match cmd {
        UserCommand::Add {
            username,
            name,
            role: r,
            password_stdin,
        } => {
            let role = role(&r)?;
            let (password, generated) = if password_stdin {
                (stdin_line()?, false)
            } else {
                (generated_password(), true)
            };
            let created: Account = parse(a.call(
                "admin user add",
                &USER_ADD,
                USER_ADD.template,
                Some(json!({
                    "username": username,
                    "display_name": name,
                    "password": password,
                    "role": role,
                })),
            )?)?;
            if ctx.json {
                return ctx.print_json(
                    &json!({"account": created, "password": generated.then_some(&password)}),
                    out,
                );
            }
            writeln!(
                out,
                "{}",
                t!(
                    ctx.lang,
                    "admin-account-created",
                    account = account_line(&created)
                )
            )?;
            if generated {
                writeln!(
                    out,
                    "{}",
                    t!(
                        ctx.lang,
                        "admin-password-generated",
                        password = &password,
                        username = &username
                    )
                )?;
            }
            Ok(())
        }
        UserCommand::Role { username, role: r } => {
            let role = role(&r)?;
            let path = format!("/v1/admin/users/{}/role", segment(&username));
            let u: Account = parse(a.call(
                "admin user role",
                &USER_ROLE,
                &path,
                Some(json!({ "role": role })),
            )?)?;
            if ctx.json {
                return ctx.print_json(&u, out);
            }
            writeln!(
                out,
                "{}",
                t!(
                    ctx.lang,
                    "admin-role-changed",
                    username = &u.user.username,
                    role = u.user.role.as_str()
                )
            )?;
            Ok(())
        }
        UserCommand::Disable { username } => {
            let path = format!("/v1/admin/users/{}/disable", segment(&username));
            let u: Account =
                parse(a.call("admin user disable", &USER_DISABLE, &path, Some(json!({})))?)?;
            if ctx.json {
                return ctx.print_json(&u, out);
            }
            writeln!(
                out,
                "{}",
                t!(ctx.lang, "admin-user-disabled", account = account_line(&u))
            )?;
            Ok(())
        }
        UserCommand::Enable { username } => {
            let path = format!("/v1/admin/users/{}/enable", segment(&username));
            let u: Account =
                parse(a.call("admin user enable", &USER_ENABLE, &path, Some(json!({})))?)?;
            if ctx.json {
                return ctx.print_json(&u, out);
            }
            writeln!(
                out,
                "{}",
                t!(ctx.lang, "admin-user-enabled", account = account_line(&u))
            )?;
            Ok(())
        }
        UserCommand::ResetPassword { username } => {
            let path = format!("/v1/admin/users/{}/reset-password", segment(&username));
            let otp = a.call(
                "admin user reset-password",
                &USER_RESET,
                &path,
                Some(json!({})),
            )?;
            if ctx.json {
                return ctx.print_json(&otp, out);
            }
            let password = otp["one_time_password"].as_str().unwrap_or_default();
            writeln!(
                out,
                "{}",
                t!(
                    ctx.lang,
                    "admin-password-reset",
                    username = &username,
                    password = password
                )
            )?;
            Ok(())
        }
    }
}

/// A row of the audit log: its number, when, who, what (the action's kind and fields).
fn audit_row(i: &Value) -> Vec<String> {
    let who = match &i["actor"] {
        Value::String(s) => s.clone(),
        Value::Object(o) => o
            .get("user")
            .map(|u| {
                let name = u["username"].as_str().unwrap_or("?").to_string();
                match u["device"].as_str() {
                    Some(d) => format!("{name} ({})", &d[d.len().saturating_sub(8)..]),
                    None => name,
                }
            })
            .unwrap_or_else(|| Value::Object(o.clone()).to_string()),
        other => other.to_string(),
    };
    vec![
        i["id"].as_u64().map(|n| n.to_string()).unwrap_or_default(),
        i["at_ms"].as_i64().map(when).unwrap_or_default(),
        who,
        action_text(&i["action"]),
    ]
}

/// `role_changed: username=lina from=inspector to=officer` (ids left out).
fn action_text(action: &Value) -> String {
    match action {
        Value::Object(o) => o
            .iter()
            .map(|(kind, fields)| {
                let parts: Vec<String> = fields
                    .as_object()
                    .map(|f| {
                        f.iter()
                            .filter(|(k, _)| {
                                !matches!(k.as_str(), "user" | "unit" | "org" | "device")
                            })
                            .map(|(k, v)| match v {
                                Value::String(s) => format!("{k}={s}"),
                                other => format!("{k}={other}"),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                format!("{kind}: {}", parts.join(" "))
            })
            .collect::<Vec<_>>()
            .join("; "),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A row of the op log: sequence number, received, author, device, kind, entity.
fn op_row(i: &Value) -> Vec<String> {
    let text = |k: &str| i[k].as_str().unwrap_or("").to_string();
    let short = |s: String| {
        s.chars()
            .rev()
            .take(8)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<String>()
    };
    vec![
        i["seq"].as_u64().map(|n| n.to_string()).unwrap_or_default(),
        i["received_ms"].as_i64().map(when).unwrap_or_default(),
        i["author_name"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| short(text("author"))),
        i["device_name"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| short(text("device"))),
        text("kind"),
        i["entity"]
            .as_object()
            .and_then(|o| o.keys().next().cloned())
            .unwrap_or_default(),
    ]
}

/// `firecheck password`: change one's own password (or the one-time password an admin set),
/// then log in with the new one.
pub fn password(
    ctx: &Ctx,
    user: Option<String>,
    password_stdin: bool,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let login = ctx.replica.login()?;
    let username = user
        .or_else(|| login.as_ref().map(|l| l.user.username.clone()))
        .ok_or_else(|| CliError::Invalid(msg!("password-whose")))?;
    // Which server, before asking for any password.
    session::server_url(ctx)?;
    let (old, new) = if password_stdin || !std::io::stdin().is_terminal() {
        (stdin_line()?, stdin_line()?)
    } else {
        let old = rpassword::prompt_password(format!(
            "{} ",
            t!(ctx.lang, "password-prompt-old", username = &username)
        ))?;
        let new = rpassword::prompt_password(format!("{} ", t!(ctx.lang, "password-prompt-new")))?;
        let again =
            rpassword::prompt_password(format!("{} ", t!(ctx.lang, "password-prompt-again")))?;
        if new != again {
            return Err(CliError::Invalid(msg!("password-differ")));
        }
        (old, new)
    };
    change_password(ctx, &username, old, new, out)
}

/// Change `username`'s password from `old` (or the one-time password an admin set) to `new`,
/// then log in with it: what `firecheck password` does once it has the passwords.
pub fn change_password(
    ctx: &Ctx,
    username: &str,
    old: String,
    new: String,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    if new.chars().count() < 8 {
        return Err(CliError::Invalid(msg!("password-short")));
    }
    let server = session::server_url(ctx)?;
    let remote = session::remote(ctx, &server)?;
    let rt = session::runtime()?;
    let body = json!({"username": username, "old_password": old, "new_password": new});
    match call(
        &rt,
        &remote,
        "password",
        &PASSWORD,
        PASSWORD.template,
        None,
        Some(body),
    ) {
        Ok(_) => {}
        Err(CliError::Remote(RemoteError::Unauthorized { message })) => {
            return Err(CliError::LoginRefused { message })
        }
        Err(e) => return Err(e),
    }
    drop(rt);
    writeln!(
        out,
        "{}",
        t!(ctx.lang, "password-changed", username = username)
    )?;
    session::login_with_password(ctx, username, new, out)
}

/// `firecheck org create`: the operator creates an organisation with its first admin.
pub fn org_create(
    server: Option<String>,
    ca_cert: Option<&std::path::Path>,
    json_out: bool,
    lang: Lang,
    o: OrgCreate,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let server = server.ok_or_else(|| CliError::Invalid(msg!("login-which-server")))?;
    let key = match (&o.operator_key_file, &o.operator_key) {
        (Some(path), _) => std::fs::read_to_string(path)
            .map_err(|source| CliError::Unreadable {
                path: path.clone(),
                source,
            })?
            .trim()
            .to_string(),
        (None, Some(k)) => k.trim().to_string(),
        (None, None) => return Err(CliError::Invalid(msg!("org-needs-key"))),
    };
    let (password, generated) = if o.password_stdin {
        (stdin_line()?, false)
    } else {
        (generated_password(), true)
    };
    let remote = Remote::connect_in(&server, ca_cert, lang)?;
    let rt = session::runtime()?;
    let created = match call(
        &rt,
        &remote,
        "org create",
        &ORGS,
        ORGS.template,
        Some(&key),
        Some(json!({
            "name": o.name.trim(),
            "admin": {"username": o.admin, "display_name": o.admin_name, "password": password},
        })),
    ) {
        Err(CliError::Remote(RemoteError::Unauthorized { message })) => {
            return Err(CliError::Invalid(msg!(
                "org-key-refused",
                message = message
            )))
        }
        other => other?,
    };
    if json_out {
        serde_json::to_writer_pretty(
            &mut *out,
            &json!({"created": created, "password": generated.then_some(&password)}),
        )
        .map_err(CliError::Output)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "{}",
        t!(
            lang,
            "org-created",
            name = created["org"]["name"].as_str().unwrap_or(&o.name),
            id = created["org"]["id"].as_str().unwrap_or("?"),
            admin = &o.admin
        )
    )?;
    if generated {
        writeln!(
            out,
            "{}",
            t!(lang, "org-admin-password", password = &password)
        )?;
    }
    writeln!(out, "{}", t!(lang, "org-next", admin = &o.admin))?;
    Ok(())
}
