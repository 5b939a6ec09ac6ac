//! An RAII server for tests: binds 127.0.0.1:0 (or a given address), uses its own data dir,
//! and shuts down cleanly on drop. The URL is known before `start` returns and the listener
//! is already bound, so tests never sleep to "let it come up". [`TestServer::with_tls`] serves
//! https instead.
//!
//! Compiled only with the feature `testing`: its credentials are fixed and public. They are
//! here, once, for every test that logs in or forges a token: [`ADMIN_PASSWORD`],
//! [`JWT_SECRET`], [`OPERATOR_TOKEN`], and [`password`] for any account.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};

use crate::api::AppState;
use crate::store::Store;
use crate::tls::ServerTls;
use crate::{BlobsAt, Config, Server, Startup, StoreAt};

/// The operator key of every test server (`/v1/operator/…`).
pub const OPERATOR_TOKEN: &str = "operator-test-token-operator-test-token";
/// The `admin` account's password on a [`TestServer`].
pub const ADMIN_PASSWORD: &str = "admin-test-password";
/// The key a [`TestServer`] signs access tokens with (tests forge tokens with it).
pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret";

/// The password of `user` on a [`TestServer`]: [`ADMIN_PASSWORD`] for `admin`, the fixtures'
/// demo password for the demo accounts (`zhangwei`, `lina`, `wangfang`). Panics for a user
/// the fixtures do not have, naming it.
pub fn password(user: &str) -> String {
    if user == "admin" {
        return ADMIN_PASSWORD.to_string();
    }
    firecheck_shared::fixtures::demo_password(user)
        .unwrap_or_else(|| panic!("{user:?} is not a demo account of fixtures/accounts.json"))
}

/// The variable that puts every test server on PostgreSQL: a `postgres://` URL of a
/// database the tests may create schemas in.
pub const TEST_DATABASE_VAR: &str = "FIRECHECK_TEST_DATABASE";

/// Where a test server on `dir` keeps its store: sled in `dir`, or — when
/// [`TEST_DATABASE_VAR`] is set — a PostgreSQL schema of its own named after `dir` (created
/// if missing), so a server restarted on the same dir, or a test that opens a stopped
/// server's store by its dir, finds the same data.
pub fn test_store(dir: &Path) -> StoreAt {
    let Some(url) = std::env::var(TEST_DATABASE_VAR)
        .ok()
        .filter(|u| !u.is_empty())
    else {
        return StoreAt::Sled;
    };
    use sha2::Digest;
    let digest = sha2::Sha256::digest(dir.to_string_lossy().as_bytes());
    let schema = format!("t_{}", &hex::encode(digest)[..20]);
    crate::store::kv::off_runtime(|| {
        let mut client = postgres::Client::connect(&url, postgres::NoTls)
            .unwrap_or_else(|e| panic!("{TEST_DATABASE_VAR}={url}: {e}"));
        client
            .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
            .expect("creating the test schema");
    });
    let sep = if url.contains('?') { '&' } else { '?' };
    StoreAt::Postgres(format!("{url}{sep}options=-c%20search_path%3D{schema}"))
}

/// Open the store of a stopped test server on `dir` (sled or its PostgreSQL schema).
pub fn open_store(dir: &Path) -> Store {
    let mut config = Config::new(dir);
    config.store = test_store(dir);
    config.db_connections = 4;
    config.cache_bytes = 16 * 1024 * 1024;
    crate::store::kv::off_runtime(|| config.open_store())
        .unwrap_or_else(|e| panic!("opening the store of {}: {e}", dir.display()))
}

/// The two key-value databases of a stopped test server on `dir`, opened raw (no format
/// check, no migration): the log's and accounts' (`db`) and the views' (`views`, node
/// `main`'s on PostgreSQL). Tests damage or rewind stored data through them as a bad disk
/// or an older release would, on either backend.
#[derive(Debug)]
pub struct RawDatabases {
    pub db: crate::store::kv::Db,
    pub views: crate::store::kv::Db,
}

/// Open [`RawDatabases`] of a stopped test server on `dir`. sled lets go of its files a
/// moment after a stopped server drops them, so its opens wait a little.
pub fn raw_databases(dir: &Path) -> RawDatabases {
    use crate::store::kv;
    match test_store(dir) {
        StoreAt::Sled => {
            let open = |name: &str| {
                let path = dir.join(name);
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
                loop {
                    match sled::open(&path) {
                        Ok(db) => return kv::Db::sled(db),
                        Err(_) if std::time::Instant::now() < deadline => {
                            std::thread::sleep(std::time::Duration::from_millis(20))
                        }
                        Err(e) => panic!("cannot open {}: {e}", path.display()),
                    }
                }
            };
            RawDatabases {
                db: open("db"),
                views: open("views"),
            }
        }
        StoreAt::Postgres(url) => {
            let pool = kv::off_runtime(|| kv::Pg::connect(&url, 2))
                .unwrap_or_else(|e| panic!("connecting to {TEST_DATABASE_VAR}: {e}"));
            RawDatabases {
                db: pool.db("db"),
                views: pool.db("views:main"),
            }
        }
    }
}

/// Lose a stopped test server's views entirely, as a lost disk would: the `views/` sled
/// database removed, or every row of node `main`'s views on PostgreSQL deleted.
pub fn lose_views(dir: &Path) {
    match test_store(dir) {
        StoreAt::Sled => std::fs::remove_dir_all(dir.join("views"))
            .unwrap_or_else(|e| panic!("removing {}: {e}", dir.join("views").display())),
        StoreAt::Postgres(_) => {
            let raw = raw_databases(dir);
            crate::store::kv::off_runtime(|| raw.views.clear_all())
                .unwrap_or_else(|e| panic!("deleting the views: {e}"));
        }
    }
}

/// Drop the PostgreSQL schema of a test server on `dir` (nothing on sled).
fn drop_test_schema(dir: &Path) {
    if let StoreAt::Postgres(url) = test_store(dir) {
        if let Some(schema) = url.rsplit("search_path%3D").next() {
            let base = std::env::var(TEST_DATABASE_VAR).unwrap_or_default();
            crate::store::kv::off_runtime(|| {
                if let Ok(mut c) = postgres::Client::connect(&base, postgres::NoTls) {
                    let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
                }
            });
        }
    }
}

#[derive(Debug)]
pub struct TestServer {
    pub addr: SocketAddr,
    pub url: String,
    pub data_dir: PathBuf,
    pub startup: Startup,
    /// The running server's state, held weakly so a stopped server's store can be opened.
    state: Weak<AppState>,
    /// Set when it serves https (kept for `restart`).
    tls: Option<ServerTls>,
    /// Where its attachments are (kept for `restart`).
    blobs: BlobsAt,
    /// Kept alive while the server runs when the server made its own temp dir.
    _temp: Option<tempfile::TempDir>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    /// A demo server (fixtures loaded) on a fresh temp dir.
    pub fn demo() -> Self {
        let temp = tempfile::tempdir().expect("temp dir");
        let mut s = Self::start(temp.path(), "127.0.0.1:0".parse().expect("addr"), true);
        s._temp = Some(temp);
        s
    }

    /// A demo server on a fresh temp dir with its configuration changed by `adjust` (limits,
    /// times, a held view updater).
    pub fn demo_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let temp = tempfile::tempdir().expect("temp dir");
        let mut config = Self::config(temp.path(), true);
        adjust(&mut config);
        let mut s = Self::with_config(config, "127.0.0.1:0".parse().expect("addr"));
        s._temp = Some(temp);
        s
    }

    /// A demo server on a fresh temp dir, serving https with `tls` on 127.0.0.1; its `url`
    /// is `https://127.0.0.1:PORT`, so the certificate must name the IP address 127.0.0.1.
    pub fn with_tls(tls: ServerTls) -> Self {
        let temp = tempfile::tempdir().expect("temp dir");
        let config = Self::config(temp.path(), true);
        let mut s = Self::spawn(config, "127.0.0.1:0".parse().expect("addr"), Some(tls));
        s._temp = Some(temp);
        s
    }

    /// A server on `dir` listening on `addr` (port 0: any free port).
    pub fn start(dir: &Path, addr: SocketAddr, demo: bool) -> Self {
        Self::with_config(Self::config(dir, demo), addr)
    }

    /// What every test server runs with: known secrets, a small page cache, and the store
    /// [`test_store`] names for `dir`.
    pub fn config(dir: &Path, demo: bool) -> Config {
        let mut config = Config::new(dir);
        config.store = test_store(dir);
        config.db_connections = 6;
        config.demo = demo;
        config.admin_password = Some(ADMIN_PASSWORD.into());
        config.jwt_secret = Some(JWT_SECRET.into());
        config.operator_token = Some(OPERATOR_TOKEN.into());
        config.cache_bytes = 16 * 1024 * 1024;
        config
    }

    pub fn with_config(config: Config, addr: SocketAddr) -> Self {
        Self::spawn(config, addr, None)
    }

    fn spawn(config: Config, addr: SocketAddr, tls: Option<ServerTls>) -> Self {
        let listener = std::net::TcpListener::bind(addr).expect("bind test server");
        listener
            .set_nonblocking(true)
            .expect("nonblocking listener");
        let addr = listener.local_addr().expect("local addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let data_dir = config.data_dir.clone();
        let blobs = config.blobs.clone();
        let serve_tls = tls.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("test runtime");
            rt.block_on(async move {
                let (server, startup) = match Server::open(&config).await {
                    Ok(v) => v,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e.to_string()));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok((startup, Arc::downgrade(server.state()))));
                let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                let shutdown = async move {
                    let _ = rx.await;
                };
                let served = match &serve_tls {
                    Some(tls) => server.serve_tls(listener, tls, shutdown).await,
                    None => server.serve(listener, shutdown).await,
                };
                if let Err(e) = served {
                    eprintln!("test server stopped with an error: {e}");
                }
            });
        });
        let (startup, state) = ready_rx
            .recv()
            .expect("test server thread")
            .unwrap_or_else(|e| panic!("test server failed to start: {e}"));
        let scheme = if tls.is_some() { "https" } else { "http" };
        Self {
            addr,
            url: format!("{scheme}://{addr}"),
            data_dir,
            startup,
            state,
            tls,
            blobs,
            _temp: None,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// A second node on this server's store, named `node`, on a free port — only when the
    /// store is PostgreSQL (`None` on sled, which one process owns). It shares the data
    /// dir's schema and attachments, folds views of its own, and leaves the schema to this
    /// server when dropped.
    pub fn another_node(&self, node: &str) -> Option<TestServer> {
        if test_store(&self.data_dir) == StoreAt::Sled {
            return None;
        }
        // A data dir of its own (as every node has), on this server's database.
        let dir = self.data_dir.join(format!("node-{node}"));
        let mut config = Self::config(&dir, false);
        config.store = test_store(&self.data_dir);
        config.node = node.to_string();
        config.blobs = self.blobs.clone();
        Some(Self::spawn(
            config,
            "127.0.0.1:0".parse().expect("addr"),
            self.tls.clone(),
        ))
    }

    /// The running server's state (store, views, metrics), for tests that look inside. Drop it
    /// before stopping the server, or its store stays open. Panics when the server is stopped.
    pub fn state(&self) -> Arc<AppState> {
        self.state.upgrade().expect("the test server is running")
    }

    /// Shut down cleanly (graceful, flushed) and wait for it.
    pub fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// Stop, then start again on the same data dir and the same address (and the same
    /// attachment store).
    pub fn restart(&mut self) {
        self.restart_with(|_| {});
    }

    /// [`restart`](Self::restart) with the configuration changed by `adjust`.
    pub fn restart_with(&mut self, adjust: impl FnOnce(&mut Config)) {
        self.stop();
        let temp = self._temp.take();
        let demo = false;
        let mut config = Self::config(&self.data_dir, demo);
        config.blobs = self.blobs.clone();
        adjust(&mut config);
        let mut next = Self::spawn(config, self.addr, self.tls.clone());
        self.shutdown = next.shutdown.take();
        self.thread = next.thread.take();
        self.startup = std::mem::take(&mut next.startup);
        self.state = next.state.clone();
        self._temp = temp;
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop();
        // A server on a temp dir of its own is gone for good: so is its schema.
        if self._temp.is_some() {
            drop_test_schema(&self.data_dir);
        }
    }
}

/// A local S3-compatible server for tests of attachments in a bucket: moto's `moto_server`
/// (PyPI package `moto[server]`), started once per test process on a free port of
/// 127.0.0.1 and stopped when the process ends (a shell beside it waits on a pipe from this
/// process and stops it once the pipe closes).
#[derive(Debug)]
pub struct S3Server {
    pub endpoint: String,
    port: u16,
    /// The pipe whose closing stops the server (held for the process's lifetime).
    _stop: Mutex<Option<std::process::ChildStdin>>,
}

static S3_SERVER: std::sync::OnceLock<Result<S3Server, String>> = std::sync::OnceLock::new();

/// Whether this runs in CI (`CI=true`), where a missing test tool fails instead of skipping.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The test process's [`S3Server`]. `None`, with the reason on stderr, when `moto_server`
/// is not installed or does not start — except under `CI=true`, where that fails the test
/// (`.ci/run` installs it).
pub fn s3_server(test: &str) -> Option<&'static S3Server> {
    match S3_SERVER.get_or_init(S3Server::start) {
        Ok(s) => Some(s),
        Err(why) if in_ci() => panic!("{test}: no S3-compatible server under CI: {why}"),
        Err(why) => {
            eprintln!(
                "{test}: SKIPPED — no S3-compatible server: {why}; `pip install 'moto[server]'` to run it"
            );
            None
        }
    }
}

impl S3Server {
    fn start() -> Result<S3Server, String> {
        let found = std::env::var_os("PATH").is_some_and(|paths| {
            std::env::split_paths(&paths).any(|d| d.join("moto_server").is_file())
        });
        if !found {
            return Err("`moto_server` is not on PATH".into());
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let mut child = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "moto_server -H 127.0.0.1 -p {port} >/dev/null 2>&1 & m=$!; read _; kill $m; wait $m"
            ))
            .stdin(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| format!("starting moto_server: {e}"))?;
        let stop = child.stdin.take();
        let server = S3Server {
            endpoint: format!("http://127.0.0.1:{port}"),
            port,
            _stop: Mutex::new(stop),
        };
        // Up when it answers; Python takes a second or two to start.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            if let Ok(status) = server.request("GET", "/") {
                if status == 200 {
                    return Ok(server);
                }
            }
            if let Ok(Some(exit)) = child.try_wait() {
                return Err(format!("moto_server stopped at once ({exit})"));
            }
            if std::time::Instant::now() > deadline {
                return Err(format!(
                    "moto_server did not answer on port {port} within 60 s"
                ));
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// One bare HTTP/1.1 request without a body; the status code.
    fn request(&self, method: &str, path: &str) -> std::io::Result<u16> {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        )?;
        let mut head = [0u8; 12];
        stream.read_exact(&mut head)?;
        std::str::from_utf8(&head[9..12])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other("not an HTTP answer"))
    }

    /// A new, empty bucket for one test (named after it), and where a server keeps its
    /// attachments there: the local endpoint and test keys given as settings, so the process
    /// environment is left alone.
    pub fn bucket(&self, test: &str) -> BlobsAt {
        let mut name: String = test
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .take(30)
            .collect();
        name = format!(
            "{}-{}",
            name.trim_matches('-'),
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        );
        let status = self
            .request("PUT", &format!("/{name}"))
            .unwrap_or_else(|e| panic!("creating bucket {name}: {e}"));
        assert_eq!(status, 200, "creating bucket {name}");
        BlobsAt::S3(crate::S3At {
            bucket: name,
            prefix: "attachments".into(),
            settings: self.settings(),
        })
    }

    /// The size of object `key` (under the prefix) in the bucket `at` names, `None` when it
    /// is absent: asked of the server directly, not through a firecheck store.
    pub fn object_size(&self, at: &BlobsAt, key: &str) -> Option<u64> {
        use object_store::ObjectStoreExt;
        let BlobsAt::S3(s3) = at else {
            panic!("{at:?} is not a bucket")
        };
        let mut builder = object_store::aws::AmazonS3Builder::new().with_bucket_name(&s3.bucket);
        for (k, v) in &s3.settings {
            builder = builder.with_config(k.parse().expect("an object_store setting"), v);
        }
        let objects = builder.build().expect("a client of the test server");
        let path = object_store::path::Path::from(format!("{}/{key}", s3.prefix));
        std::thread::scope(|s| {
            s.spawn(|| {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime");
                match rt.block_on(objects.head(&path)) {
                    Ok(meta) => Some(meta.size),
                    Err(object_store::Error::NotFound { .. }) => None,
                    Err(e) => panic!("HEAD {path}: {e}"),
                }
            })
            .join()
            .expect("the HEAD thread")
        })
    }

    /// The `object_store` settings that reach this server.
    pub fn settings(&self) -> Vec<(String, String)> {
        [
            ("aws_endpoint", self.endpoint.as_str()),
            ("aws_allow_http", "true"),
            ("aws_access_key_id", "testing"),
            ("aws_secret_access_key", "testing"),
            ("aws_region", "us-east-1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }
}
