//! Shared helpers: devices that run real `firecheck` commands, with failures that say which
//! command on which device printed what; a GET for the server's own answers (reqwest, not the
//! client's code); the test relay between devices and the server.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use firecheck_cli::CliError;
use firecheck_demo::Device;
use firecheck_server::testing::TestServer;
use serde_json::Value;

pub use firecheck_server::testing::password;
pub use firecheck_shared::fixtures::ids::{
    AFANG_THREE_IN_ONE, CIIE_CAMPAIGN, HENGYI_RESIDENTIAL, HUWEI_BREAKFAST, LAOWANG_EBIKE,
    LONGHUA_DRILL, LONGHUA_METRO, XIAOMUQIAO_SHOP,
};

/// A field device: a user's name for messages and a [`Device`] with its own home dir.
#[derive(Debug, Clone)]
pub struct Phone {
    pub who: String,
    pub dev: Device,
}

impl Phone {
    /// A device for `who` with its home under `dir`, talking to `url`.
    pub fn new(dir: &Path, who: &str, url: &str) -> Self {
        Self {
            who: who.to_string(),
            dev: Device::new(&dir.join(who), url),
        }
    }

    pub fn home(&self) -> &Path {
        &self.dev.home
    }

    fn show(&self, args: &[&str]) -> String {
        format!("[{}] firecheck {}", self.who, args.join(" "))
    }

    /// Log in as `user` with its test password.
    pub fn login(&self, user: &str) -> String {
        match self.dev.login(user, &password(user)) {
            Ok(out) => out,
            Err(e) => panic!(
                "[{}] firecheck login {user} failed (exit {}): {e}",
                self.who,
                e.exit_code()
            ),
        }
    }

    /// Run a command that must succeed; its output.
    pub fn run(&self, args: &[&str]) -> String {
        match self.dev.run(args) {
            Ok(out) => out,
            Err(e) => panic!("{} failed (exit {}): {e}", self.show(args), e.exit_code()),
        }
    }

    /// Run a command that must fail with `exit`; its error.
    pub fn fail(&self, args: &[&str], exit: i32) -> CliError {
        match self.dev.run(args) {
            Ok(out) => panic!(
                "{} should have failed with exit {exit} but succeeded, printing:\n{out}",
                self.show(args)
            ),
            Err(e) => {
                assert_eq!(
                    e.exit_code(),
                    exit,
                    "{} exit code; message: {e}",
                    self.show(args)
                );
                e
            }
        }
    }

    /// Run a command with `--json` and parse what it printed.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.run(&all);
        serde_json::from_str(&out).unwrap_or_else(|e| {
            panic!(
                "{} printed something that is not JSON ({e}):\n{out}",
                self.show(&all)
            )
        })
    }

    /// `status --json`.
    pub fn status(&self) -> Value {
        self.json(&["status"])
    }

    /// Ops still waiting to reach the server (queued or sent without an answer).
    pub fn waiting(&self) -> u64 {
        let s = self.status();
        s["queued"].as_u64().unwrap() + s["sent"].as_u64().unwrap()
    }

    /// `hazards --json`.
    pub fn hazards(&self) -> Vec<Value> {
        as_array(
            self.json(&["hazards"]),
            &format!("[{}] hazards --json", self.who),
        )
    }

    /// `hazard show ID --json` for a row of [`Self::hazards`]: the hazard with its history.
    pub fn hazard(&self, row: &Value) -> Value {
        let id = row["hazard"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("not a hazard row: {row:#}"));
        self.json(&["hazard", "show", id])
    }
}

pub fn as_array(v: Value, what: &str) -> Vec<Value> {
    match v {
        Value::Array(a) => a,
        other => panic!("{what}: expected a JSON array, got {other:#}"),
    }
}

/// A demo server and a temp dir for device homes.
#[derive(Debug)]
pub struct World {
    pub server: TestServer,
    pub dir: tempfile::TempDir,
}

impl World {
    pub fn demo() -> Self {
        Self {
            server: TestServer::demo(),
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A new device logged in as `user` (home named `name`), synced once.
    pub fn phone(&self, name: &str, user: &str) -> Phone {
        let p = Phone::new(self.dir.path(), name, &self.server.url);
        let out = p.login(user);
        assert!(out.contains("logged in as"), "[{name}] login said:\n{out}");
        let out = p.run(&["sync"]);
        assert!(out.contains("sync:"), "[{name}] sync said:\n{out}");
        p
    }
}

/// The numbers of a `sync: sent 2, acked 2, rejected 0, pulled 0, conflicts 0` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Synced {
    pub sent: u64,
    pub acked: u64,
    pub rejected: u64,
    pub pulled: u64,
    pub conflicts: u64,
}

pub fn parse_sync(out: &str) -> Synced {
    let line = out
        .lines()
        .find(|l| l.starts_with("sync: "))
        .unwrap_or_else(|| panic!("no `sync:` summary line in:\n{out}"));
    let num = |name: &str| -> u64 {
        line.split(", ")
            .find_map(|part| part.trim_start_matches("sync: ").strip_prefix(name))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name:?} count in the sync line {line:?}"))
    };
    Synced {
        sent: num("sent "),
        acked: num("acked "),
        rejected: num("rejected "),
        pulled: num("pulled "),
        conflicts: num("conflicts "),
    }
}

/// A runtime for one async call from a synchronous test.
pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// An access token for `user` from a device made up for the purpose.
pub fn token(url: &str, user: &str) -> String {
    use firecheck_shared::sync::LoginRequest;
    let remote =
        firecheck_cli::remote::Remote::connect(url, None).expect("a client for the test server");
    let t = rt()
        .block_on(remote.login(&LoginRequest {
            username: user.to_string(),
            password: password(user),
            device_id: firecheck_shared::DeviceId::new(),
            device_name: "firecheck-e2e review client".into(),
        }))
        .unwrap_or_else(|e| panic!("API login as {user} at {url} failed: {e}"));
    t.access_token
}

/// `GET url+path` with a bearer token; the JSON body (status must be 200).
pub fn get_json(url: &str, path: &str, token: &str) -> Value {
    let (status, text) = rt().block_on(async {
        let answer = reqwest::Client::new()
            .get(format!("{url}{path}"))
            .bearer_auth(token)
            .header(reqwest::header::ACCEPT, "application/json")
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {url}{path}: {e}"));
        let status = answer.status();
        let text = answer
            .text()
            .await
            .unwrap_or_else(|e| panic!("GET {url}{path}: reading the body: {e}"));
        (status, text)
    });
    assert_eq!(
        status,
        reqwest::StatusCode::OK,
        "GET {path} answered {status}:\n{text}"
    );
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET {path}: not JSON ({e}): {text}"))
}

/// `POST url+path` with a JSON body and a bearer token (an access token, or an intake key):
/// the status and the JSON body.
pub fn post_json(url: &str, path: &str, token: &str, body: &Value) -> (reqwest::StatusCode, Value) {
    let (status, text) = rt().block_on(async {
        let answer = reqwest::Client::new()
            .post(format!("{url}{path}"))
            .bearer_auth(token)
            .json(body)
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {url}{path}: {e}"));
        let status = answer.status();
        let text = answer
            .text()
            .await
            .unwrap_or_else(|e| panic!("POST {url}{path}: reading the body: {e}"));
        (status, text)
    });
    let v = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("POST {path}: not JSON ({e}), status {status}: {text}"));
    (status, v)
}

/// Copy a directory tree (a device's home, as a backup would).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target: PathBuf = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// The one hazard about `item`; fails listing them all otherwise.
pub fn only_hazard<'a>(hazards: &'a [Value], item: &str, ctx: &str) -> &'a Value {
    let found: Vec<&Value> = hazards
        .iter()
        .filter(|h| h["hazard"]["item"] == item)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{ctx}: expected exactly one {item} hazard; all hazards:\n{}",
        pretty(&Value::Array(hazards.to_vec()))
    );
    found[0]
}

pub fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap()
}

/// One HTTP/1.1 request as the test relay read it off the device's connection.
pub struct RelayedRequest {
    /// "METHOD /path".
    pub method_path: String,
    pub body: Vec<u8>,
}

/// What the test relay does with a request.
pub enum Verdict {
    Forward,
    /// Answer the device with these raw response bytes; the server never sees the request.
    Answer(Vec<u8>),
    /// Forward the head and this many body bytes, then drop both connections (a network
    /// that fails mid-request).
    CutAfter(usize),
    /// Drop both connections without forwarding anything.
    Drop,
}

/// A small TCP relay between a device and the server at `upstream`, for tests that watch or
/// break the traffic: each request is read whole (head and `Content-Length` body) and handed
/// to `decide`; answers flow back untouched. Returns the URL devices use.
pub fn relay(
    upstream: std::net::SocketAddr,
    decide: impl Fn(&RelayedRequest) -> Verdict + Send + Sync + 'static,
) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let decide = std::sync::Arc::new(decide);
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { continue };
            let decide = decide.clone();
            std::thread::spawn(move || relay_connection(client, upstream, &*decide));
        }
    });
    url
}

fn relay_connection(
    client: TcpStream,
    upstream: std::net::SocketAddr,
    decide: &dyn Fn(&RelayedRequest) -> Verdict,
) {
    use std::io::BufRead;
    use std::net::Shutdown;
    let Ok(up) = TcpStream::connect(upstream) else {
        // The server is down: the device sees its connection closed.
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    let (mut up_r, mut client_w) = (up.try_clone().unwrap(), client.try_clone().unwrap());
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut up_r, &mut client_w);
        let _ = client_w.shutdown(Shutdown::Both);
    });
    let mut up_w = up;
    let mut reader = std::io::BufReader::new(client);
    let drop_both = |up_w: &TcpStream, reader: &std::io::BufReader<TcpStream>| {
        let _ = up_w.shutdown(Shutdown::Both);
        let _ = reader.get_ref().shutdown(Shutdown::Both);
    };
    loop {
        let mut head = Vec::new();
        loop {
            let mut line = Vec::new();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => {
                    let _ = up_w.shutdown(Shutdown::Both);
                    return;
                }
                Ok(_) => {}
            }
            head.extend_from_slice(&line);
            if line == b"\r\n" {
                break;
            }
        }
        let text = String::from_utf8_lossy(&head).to_string();
        let first = text.lines().next().unwrap_or("");
        let method_path = first.rsplit_once(' ').map_or(first, |(a, _)| a).to_string();
        let len: usize = text
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse().ok())
                    .flatten()
            })
            .unwrap_or(0);
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            let _ = up_w.shutdown(Shutdown::Both);
            return;
        }
        let request = RelayedRequest { method_path, body };
        match decide(&request) {
            Verdict::Forward => {
                if up_w.write_all(&head).is_err() || up_w.write_all(&request.body).is_err() {
                    let _ = reader.get_ref().shutdown(Shutdown::Both);
                    return;
                }
            }
            Verdict::Answer(raw) => {
                let _ = reader.get_ref().write_all(&raw);
            }
            Verdict::CutAfter(n) => {
                let _ = up_w.write_all(&head);
                let _ = up_w.write_all(&request.body[..n.min(request.body.len())]);
                drop_both(&up_w, &reader);
                return;
            }
            Verdict::Drop => {
                drop_both(&up_w, &reader);
                return;
            }
        }
    }
}
