//! firecheck's sync server.
//!
//! # Layout
//! - [`store`]: the only module that touches sled — op log, de-duplication runs, views, accounts.
//! - [`sequencer`]: the one writer of the log; group commit, acked ⇒ flushed.
//! - [`views`]: folds the log into per-partition views off the acknowledgment path; rebuild.
//! - [`auth`]: argon2id passwords, HS256 access tokens, rotating refresh tokens, login limits.
//! - [`api`]: the axum router — sync, auth, review, exports, admin, OpenAPI.
//! - [`console`]: the safety office's pages in the browser, in Chinese (at `/`).
//! - [`demo`]: seeds the fixtures (compiled into `firecheck_shared::fixtures`) through the
//!   sequencer.
//! - `testing` (feature `testing`, for tests and the demo only): `TestServer`, an RAII server
//!   on 127.0.0.1:0 with fixed test credentials.
//! - [`tls`]: https on the server's own listener (`--tls-cert`, `--tls-key`).
//! - [`metrics`]: the server's measurements for `GET /metrics` (Prometheus text).
//! - [`upkeep`]: chores on a thread of their own — expiring uploads no record refers to,
//!   the metrics recorder's upkeep.
//! - [`backup`]: `backup` and `restore`; the control socket in the data dir through which a
//!   running server hands out a consistent snapshot.
//!
//! The binary (`main.rs`) parses flags and environment, sets up tracing, binds, and calls
//! [`Server::open`] and [`Server::serve`] (or [`Server::serve_tls`]).

#![deny(unsafe_code)]

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use firecheck_shared::*;

pub mod api;
pub mod auth;
pub mod backup;
pub mod console;
pub mod demo;
pub mod metrics;
pub mod sequencer;
pub mod store;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tls;
pub mod upkeep;
pub mod views;

use api::AppState;

/// Tune glibc's allocator for a long-running server; call first thing in `main`, before any
/// other thread starts.
///
/// glibc raises its mmap threshold each time a large block is freed, and from then on even
/// the largest buffers — each password hash's 19 MiB, sled's big writes — come from
/// per-thread heaps that are seldom given back to the system. Pinning the threshold at 4 MiB
/// keeps those mapped on their own, returned when freed; smaller blocks stay on the heaps
/// (a lower threshold cost 40 % of ingest throughput in page faults). A background thread
/// gives the heaps' free pages back every second (`malloc_trim`). Figures in
/// `bench/RESULTS.md`.
pub fn tune_malloc() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        #[allow(unsafe_code)]
        // SAFETY: `mallopt` only sets allocator parameters; it is called before the caller
        // starts other threads, and glibc takes its own lock for it anyway.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 4 * 1024 * 1024);
        }
        let _ = std::thread::Builder::new()
            .name("firecheck-trim".into())
            .spawn(|| loop {
                std::thread::sleep(Duration::from_secs(1));
                #[allow(unsafe_code)]
                // SAFETY: `malloc_trim` only returns free memory to the system; glibc
                // locks each arena while it walks it.
                unsafe {
                    libc::malloc_trim(0);
                }
            });
    }
}

/// Lock a mutex, recovering it if a thread panicked while holding it.
///
/// The policy for poisoned locks, everywhere in the server: every mutex guards plain data
/// (counters, maps of watermarks, queues) that each critical section leaves consistent at
/// every step, so a panic elsewhere cannot leave it half-updated; the data is used as is
/// rather than turning one panic into a panic in every later request.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Resolves on Ctrl-C or SIGTERM: the signal for a graceful stop.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}
use sequencer::Sequencer;
pub use store::{BlobsAt, S3At};
use store::{Store, UploadLimits, UserRecord};
use views::Views;

/// Where the log, accounts and views are kept.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum StoreAt {
    /// Embedded sled in the data dir (the default: nothing else to set up).
    #[default]
    Sled,
    /// A PostgreSQL database (or CockroachDB, YugabyteDB): `postgres://user:pass@host/db`.
    /// Several server nodes may share it.
    Postgres(String),
}

impl StoreAt {
    /// `sled` (in the data dir), `sled:DIR` (the data dir is DIR) or a `postgres://` URL.
    pub fn parse(s: &str) -> Result<(Self, Option<PathBuf>), String> {
        let s = s.trim();
        if s == "sled" {
            Ok((StoreAt::Sled, None))
        } else if let Some(dir) = s.strip_prefix("sled:") {
            Ok((StoreAt::Sled, Some(PathBuf::from(dir))))
        } else if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Ok((StoreAt::Postgres(s.to_string()), None))
        } else {
            Err(format!(
                "--store {s:?}: expected sled, sled:DIR or postgres://user:password@host/database"
            ))
        }
    }
}

impl std::fmt::Debug for StoreAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreAt::Sled => f.write_str("Sled"),
            // The URL may carry the password: only what comes after the `@`.
            StoreAt::Postgres(url) => write!(
                f,
                "Postgres({})",
                url.rsplit_once('@').map_or("…", |(_, host)| host)
            ),
        }
    }
}

/// How the server runs. Built by the binary from flags and `FIRECHECK_*` variables.
#[derive(Clone)]
pub struct Config {
    /// The node's own directory: the sled store (when there), secrets not given in the
    /// environment (with sled), attachments on the file system, the control socket.
    pub data_dir: PathBuf,
    /// Where the log, accounts and views are.
    pub store: StoreAt,
    /// Where attachments' bytes are (which organisations hold them is in the store).
    pub blobs: BlobsAt,
    /// This node's name on a shared database: its views are kept under it (each node folds
    /// the log into views of its own). Unique per running node.
    pub node: String,
    /// Most connections this node opens to the database.
    pub db_connections: u32,
    /// sled page cache, bytes.
    pub cache_bytes: u64,
    /// Name of the organisation created on first start.
    pub org_name: String,
    /// Password for the `admin` account created on first start; generated when absent.
    pub admin_password: Option<String>,
    /// HS256 secret; when absent, one is generated into the data dir.
    pub jwt_secret: Option<String>,
    /// The operator key (creates organisations); when absent, one is generated into the
    /// data dir as `operator-token`.
    pub operator_token: Option<String>,
    /// Load the demo accounts, venues, templates, campaign and drill from `fixtures/`.
    pub demo: bool,
    pub request_timeout: Duration,
    /// Largest attachment accepted, bytes.
    pub max_blob_bytes: u64,
    /// How many uploads no record refers to an organisation may keep at once.
    pub upload_limits: UploadLimits,
    /// How long an upload no record refers to is kept (then its bytes are removed).
    pub pending_upload_ttl: Duration,
    /// A token that reads `/metrics` (besides the operator key), for a scraper that should
    /// hold nothing else.
    pub metrics_token: Option<String>,
    /// Hold the view updater from the start (`Views::hold`): tests of a server whose views
    /// lag its log.
    #[cfg(feature = "testing")]
    pub hold_views: bool,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("data_dir", &self.data_dir)
            .field("store", &self.store)
            .field("blobs", &self.blobs)
            .field("node", &self.node)
            .field("cache_bytes", &self.cache_bytes)
            .field("org_name", &self.org_name)
            .field(
                "admin_password",
                &self.admin_password.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "jwt_secret",
                &self.jwt_secret.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "operator_token",
                &self.operator_token.as_ref().map(|_| "<redacted>"),
            )
            .field("demo", &self.demo)
            .field("request_timeout", &self.request_timeout)
            .field("max_blob_bytes", &self.max_blob_bytes)
            .field("upload_limits", &self.upload_limits)
            .field("pending_upload_ttl", &self.pending_upload_ttl)
            .field(
                "metrics_token",
                &self.metrics_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl Config {
    /// Open the store this configuration names (blocking: call off the async workers).
    pub fn open_store(&self) -> Result<Store, store::StoreError> {
        match &self.store {
            StoreAt::Sled => Store::open_sled(&self.data_dir, self.cache_bytes, &self.blobs),
            StoreAt::Postgres(url) => {
                let pool = store::kv::Pg::connect(url, self.db_connections)?;
                Store::open_postgres(&pool, &self.node, &self.data_dir, &self.blobs)
            }
        }
    }

    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            store: StoreAt::Sled,
            blobs: BlobsAt::DataDir,
            node: "main".into(),
            db_connections: 16,
            cache_bytes: 64 * 1024 * 1024,
            org_name: "斜土街道社区平安办".into(),
            admin_password: None,
            jwt_secret: None,
            operator_token: None,
            demo: false,
            request_timeout: Duration::from_secs(30),
            max_blob_bytes: 20 * 1024 * 1024,
            upload_limits: UploadLimits::default(),
            pending_upload_ttl: Duration::from_secs(7 * 24 * 3600),
            metrics_token: None,
            #[cfg(feature = "testing")]
            hold_views: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot use data dir {dir}: {source}")]
    DataDir {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("loading demo data: {0}")]
    Demo(String),
    #[error("serving: {0}")]
    Io(#[from] std::io::Error),
}

/// What a start did that the operator must hear about once.
#[derive(Debug, Default)]
pub struct Startup {
    pub first_start: bool,
    /// The generated admin password (only when it was generated now).
    pub generated_admin_password: Option<String>,
    /// Where the operator key is kept (`None` when it comes from the environment).
    pub operator_key_file: Option<PathBuf>,
    /// Demo logins (username, role, password) when `--demo` loaded them.
    pub demo_logins: Vec<(String, Role, String)>,
    /// Ops the demo seed stored now (0 when the log already had them).
    pub demo_ops: usize,
}

/// An open server: store, sequencer and view updater running; not yet listening.
#[derive(Debug)]
pub struct Server {
    state: Arc<AppState>,
    upkeep: upkeep::Upkeep,
    threads: Vec<std::thread::JoinHandle<()>>,
    /// Answers `firecheck-server backup` while the server runs (Unix only).
    #[cfg(unix)]
    control: Option<backup::ControlSocket>,
}

impl Server {
    pub async fn open(config: &Config) -> Result<(Server, Startup), ServerError> {
        let dir = &config.data_dir;
        std::fs::create_dir_all(dir).map_err(|source| ServerError::DataDir {
            dir: dir.clone(),
            source,
        })?;
        let store = {
            let config = config.clone();
            tokio::task::spawn_blocking(move || config.open_store())
                .await
                .map_err(|e| ServerError::Io(std::io::Error::other(e)))??
        };
        let (keys, operator) = if store.on_postgres() {
            // Every node on the database signs and checks with the same keys: kept there
            // when the environment does not give them.
            let store = store.clone();
            let dir = dir.clone();
            let (jwt, op) = (config.jwt_secret.clone(), config.operator_token.clone());
            tokio::task::spawn_blocking(move || {
                let jwt = match jwt.filter(|s| !s.is_empty()) {
                    Some(s) => s,
                    None => store.shared_secret("jwt-secret")?,
                };
                let op = match op.filter(|s| !s.trim().is_empty()) {
                    Some(s) => auth::OperatorKey::from_secret(&s),
                    None => {
                        // The operator reads it on any node, as with sled.
                        let secret = store.shared_secret("operator-token")?;
                        let path = dir.join("operator-token");
                        auth::write_private(&path, secret.as_bytes()).map_err(|source| {
                            ServerError::DataDir {
                                dir: dir.clone(),
                                source,
                            }
                        })?;
                        auth::OperatorKey::from_secret(&secret).in_file(path)
                    }
                };
                Ok::<_, ServerError>((auth::JwtKeys::new(jwt.as_bytes()), op))
            })
            .await
            .map_err(|e| ServerError::Io(std::io::Error::other(e)))??
        } else {
            let keys =
                auth::JwtKeys::load(dir, config.jwt_secret.as_deref()).map_err(|source| {
                    ServerError::DataDir {
                        dir: dir.clone(),
                        source,
                    }
                })?;
            let operator = auth::OperatorKey::load(dir, config.operator_token.as_deref()).map_err(
                |source| ServerError::DataDir {
                    dir: dir.clone(),
                    source,
                },
            )?;
            (keys, operator)
        };
        let operator_key_file = operator.file.clone();
        let metrics = Arc::new(metrics::Metrics::new());
        let views = Views::new();
        #[cfg(feature = "testing")]
        views.hold(config.hold_views);
        let view_thread = views.start(store.clone())?;
        let (sequencer, seq_thread) =
            Sequencer::start(store.clone(), Arc::clone(&views), Arc::clone(&metrics));
        let (upkeep, upkeep_thread) = upkeep::Upkeep::start(
            store.clone(),
            Arc::clone(&metrics),
            config.pending_upload_ttl,
        )?;
        let state = Arc::new(AppState {
            store,
            sequencer,
            views,
            keys,
            operator,
            metrics_key: config
                .metrics_token
                .as_deref()
                .filter(|t| !t.trim().is_empty())
                .map(auth::MetricsKey::new),
            metrics,
            limiter: auth::LoginLimiter::default(),
            request_timeout: config.request_timeout,
            max_blob_bytes: config.max_blob_bytes,
            upload_limits: config.upload_limits,
            console: Default::default(),
            intake: Default::default(),
        });
        #[cfg(unix)]
        let control = match backup::ControlSocket::start(dir, state.store.clone()) {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::warn!(error = %e, "no control socket: `firecheck-server backup` needs the server stopped");
                None
            }
        };
        let server = Server {
            state,
            upkeep,
            threads: vec![seq_thread, view_thread, upkeep_thread],
            #[cfg(unix)]
            control,
        };
        let mut startup = server.bootstrap(config).await?;
        startup.operator_key_file = operator_key_file;
        if config.demo {
            server.load_demo(&mut startup).await?;
        }
        Ok((server, startup))
    }

    /// First start on an empty data dir: the organisation and its `admin` account.
    async fn bootstrap(&self, config: &Config) -> Result<Startup, ServerError> {
        let store = &self.state.store;
        let mut startup = Startup::default();
        if !store.orgs()?.is_empty() {
            return Ok(startup);
        }
        startup.first_start = true;
        let org = Org {
            id: OrgId::new(),
            name: config.org_name.clone(),
        };
        let password = match &config.admin_password {
            Some(p) if !p.is_empty() => p.clone(),
            _ if config.demo => firecheck_shared::fixtures::demo_password("admin")
                .ok_or_else(|| ServerError::Demo("the fixtures have no admin account".into()))?,
            _ => {
                let p: String = auth::random_token().chars().take(20).collect();
                startup.generated_admin_password = Some(p.clone());
                p
            }
        };
        let password_hash = auth::hash_password_bounded(password)
            .await
            .map_err(|e| ServerError::Io(std::io::Error::other(e)))?;
        let admin = UserRecord {
            user: User {
                id: UserId::new(),
                org: org.id,
                username: "admin".into(),
                display_name: "系统管理员".into(),
                role: Role::Admin,
            },
            password_hash,
            created_ms: Timestamp::now().0,
            status: Default::default(),
        };
        // The organisation, its admin and the audit record of both, in one write: the
        // operator's act of starting the server for it.
        let created = {
            let store = store.clone();
            let org = org.clone();
            tokio::task::spawn_blocking(move || store.create_org(&org, &admin, admin.created_ms))
                .await
                .map_err(|e| ServerError::Io(std::io::Error::other(e)))?
        };
        match created {
            Ok(_) => {}
            // Another node on the same database made its first start at the same moment.
            Err(store::AccountError::Conflict(_)) if !store.orgs()?.is_empty() => {
                return Ok(Startup::default())
            }
            Err(store::AccountError::Store(e)) => return Err(ServerError::Store(e)),
            Err(other) => return Err(ServerError::Io(std::io::Error::other(other.to_string()))),
        }
        tracing::info!(org = %org.id, name = %org.name, "first start: organisation and admin account created");
        Ok(startup)
    }

    async fn load_demo(&self, startup: &mut Startup) -> Result<(), ServerError> {
        let report = demo::seed(&self.state).await?;
        startup.demo_logins = report.logins;
        startup.demo_ops = report.ops;
        Ok(())
    }

    pub fn state(&self) -> &Arc<AppState> {
        &self.state
    }

    pub fn router(&self) -> axum::Router {
        api::app(Arc::clone(&self.state))
    }

    /// Serve until `shutdown` resolves; then stop accepting, let in-flight requests finish,
    /// commit what the sequencer holds, bring views up to date, flush, and return.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        self.serve_on(listener, shutdown).await
    }

    /// [`serve`](Self::serve), speaking https with `tls` on `listener`; the same graceful
    /// shutdown (handshakes not yet finished are dropped with the listener).
    pub async fn serve_tls(
        self,
        listener: tokio::net::TcpListener,
        tls: &tls::ServerTls,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        let listener = tls.listener(listener)?;
        // The console's session cookies are `Secure` from now on.
        self.state.console.set_tls();
        self.serve_on(listener, shutdown).await
    }

    async fn serve_on<L>(
        self,
        listener: L,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError>
    where
        L: axum::serve::Listener,
        L::Addr: std::fmt::Debug,
    {
        let router = self.router();
        axum::serve(listener, router)
            .with_graceful_shutdown(shutdown)
            .await?;
        self.close().await
    }

    /// Stop the writer threads and flush. Used by `serve`, and by tests that open a server
    /// without listening.
    pub async fn close(self) -> Result<(), ServerError> {
        #[cfg(unix)]
        if let Some(control) = self.control {
            // Waits for a snapshot under way: on the blocking pool, off the async workers.
            let _ = tokio::task::spawn_blocking(move || control.stop()).await;
        }
        self.state.sequencer.stop().await;
        self.state.views.stop();
        self.upkeep.stop();
        let state = self.state;
        let threads = self.threads;
        tokio::task::spawn_blocking(move || {
            for t in threads {
                let _ = t.join();
            }
            state.store.flush()
        })
        .await
        .map_err(|e| ServerError::Io(std::io::Error::other(e)))??;
        tracing::info!("stopped cleanly");
        Ok(())
    }
}
