//! `firecheck-server`: flags and environment → tracing → bind → serve until SIGINT/SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use firecheck_server::tls::TlsFiles;
use firecheck_server::{BlobsAt, Config, Server, StoreAt};

/// firecheck's sync server: stores every inspector's ops durably, merges them, and serves
/// the safety office's review API. Embedded storage (sled): no other set-up. Beyond one
/// machine: several nodes on one PostgreSQL database (--store postgres://…), attachments in
/// an S3-compatible bucket (--blobs s3://…).
///
/// Secrets come from the environment only: FIRECHECK_ADMIN_PASSWORD (the `admin` account's
/// password on first start; generated and printed once when unset), FIRECHECK_JWT_SECRET
/// (token signing key; generated into the data dir when unset), FIRECHECK_OPERATOR_TOKEN
/// (the operator key that creates organisations and reads /metrics; generated into the data
/// dir as `operator-token` when unset) and FIRECHECK_METRICS_TOKEN (optional: a token that
/// reads /metrics and nothing else, for a Prometheus scraper).
///
/// The database URL carries its credentials (`postgres://user:password@host/database`); the
/// bucket's credentials, region and endpoint come from the standard AWS_* variables
/// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION, AWS_ENDPOINT_URL,
/// AWS_ALLOW_HTTP for a local server over http).
///
/// https: give --tls-cert and --tls-key, or put a TLS-terminating proxy in front.
#[derive(Debug, Parser)]
#[command(name = "firecheck-server", version, about, long_about)]
struct Cli {
    /// Data directory (created if missing): the sled store, attachments and secrets with
    /// the defaults; with PostgreSQL and a bucket, only the operator key's copy.
    /// [default: ./firecheck-data]
    #[arg(long, env = "FIRECHECK_DATA", global = true)]
    data: Option<PathBuf>,
    /// Where the log, accounts and views are: `sled` (in the data dir), `sled:DIR` (DIR is
    /// the data dir), or `postgres://user:password@host:port/database` — several nodes may
    /// share one database (PostgreSQL, or CockroachDB and YugabyteDB, which speak its
    /// protocol).
    #[arg(long, env = "FIRECHECK_STORE", default_value = "sled", value_parser = parse_store, global = true)]
    store: (StoreAt, Option<PathBuf>),
    /// Where attachments' bytes are: `file:DIR`, or `s3://bucket/prefix` on an
    /// S3-compatible object store (several nodes share it). [default: `blobs/` in the data
    /// dir]
    #[arg(long, env = "FIRECHECK_BLOBS", value_parser = parse_blobs, global = true)]
    blobs: Option<BlobsAt>,
    /// This node's name on a shared database, unique among the running nodes: its views are
    /// kept under it. [default: the host name]
    #[arg(long, env = "FIRECHECK_NODE", value_parser = parse_node, global = true)]
    node: Option<String>,
    /// Most connections this node opens to the database (PostgreSQL).
    #[arg(long, env = "FIRECHECK_DB_CONNECTIONS", default_value_t = 16,
          value_parser = clap::value_parser!(u32).range(2..=1000), global = true)]
    db_connections: u32,
    /// Address to listen on.
    #[arg(long, env = "FIRECHECK_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// sled page cache in MiB.
    #[arg(long, env = "FIRECHECK_CACHE_MB", default_value_t = 64)]
    cache_mb: u64,
    /// Log filter, e.g. `info`, `debug`, `firecheck_server=debug,tower_http=info`.
    #[arg(long, env = "FIRECHECK_LOG", default_value = "info", global = true)]
    log: String,
    /// Log as JSON lines instead of text.
    #[arg(long, env = "FIRECHECK_LOG_JSON", global = true)]
    log_json: bool,
    /// Load the demo: accounts (passwords printed), Xietu venues, templates, campaign, drill.
    #[arg(long, env = "FIRECHECK_DEMO")]
    demo: bool,
    /// Organisation created on first start.
    #[arg(long, env = "FIRECHECK_ORG_NAME", default_value = "斜土街道社区平安办")]
    org_name: String,
    /// Seconds a request may take before it is answered 408.
    #[arg(long, env = "FIRECHECK_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    request_timeout_secs: u64,
    /// Largest attachment (photo, PDF) accepted, in MiB.
    #[arg(long, env = "FIRECHECK_MAX_BLOB_MB", default_value_t = 20)]
    max_blob_mb: u64,
    /// Uploads that no record refers to (yet) an organisation may keep at once. Devices sync
    /// records before photos, so normal work never counts against it.
    #[arg(long, env = "FIRECHECK_MAX_PENDING_UPLOADS", default_value_t = 200)]
    max_pending_uploads: u64,
    /// Bytes those uploads may take per organisation, in MiB.
    #[arg(long, env = "FIRECHECK_MAX_PENDING_UPLOAD_MB", default_value_t = 1024)]
    max_pending_upload_mb: u64,
    /// Days an upload no record refers to is kept before its bytes are removed.
    #[arg(long, env = "FIRECHECK_PENDING_UPLOAD_DAYS", default_value_t = 7)]
    pending_upload_days: u64,
    /// Serve https with this certificate: PEM, the server's certificate first, then any
    /// intermediates. Needs --tls-key. Without both, plain http (e.g. behind a TLS proxy).
    #[arg(long, env = "FIRECHECK_TLS_CERT", value_name = "FILE")]
    tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert: PEM (PKCS#8, RSA or EC), unencrypted.
    #[arg(long, env = "FIRECHECK_TLS_KEY", value_name = "FILE")]
    tls_key: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve (the default).
    Serve,
    /// Drop every view and rebuild it from the op log, offline (this node's server must be
    /// stopped; on PostgreSQL, other nodes keep serving).
    Rebuild,
    /// Back up the data dir (--data) into DIR while the server runs: a consistent snapshot
    /// of the op log and the accounts, the attachments, the secrets kept in the data dir.
    /// Every op acknowledged before it began is in it. With no server running on the data
    /// dir, it opens the data dir itself. Backing up into the same DIR again replaces the
    /// snapshot and copies only new attachments.
    Backup {
        /// Where to write the backup (created if missing).
        dir: PathBuf,
    },
    /// Restore the backup in DIR as a new data dir (--data, which must be empty or not
    /// exist). Start the server on it afterwards: it folds the views from the log, and
    /// devices that synced after the backup send again what it lacks.
    Restore {
        /// A directory written by `firecheck-server backup`.
        dir: PathBuf,
    },
}

fn parse_store(s: &str) -> Result<(StoreAt, Option<PathBuf>), String> {
    StoreAt::parse(s)
}

fn parse_blobs(s: &str) -> Result<BlobsAt, String> {
    BlobsAt::parse(s)
}

/// A node name: what a view database is named after, so letters, digits, `-`, `_`, `.`.
fn parse_node(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty()
        || s.len() > 64
        || !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(format!(
            "{s:?}: a node name is 1 to 64 letters, digits, '-', '_' or '.'"
        ));
    }
    Ok(s.to_string())
}

/// The host's name (the default node name), `node` when it cannot be read.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .and_then(|h| parse_node(&h).ok())
        .unwrap_or_else(|| "node".into())
}

fn main() -> anyhow::Result<()> {
    firecheck_server::tune_malloc();
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_new(&cli.log)
        .with_context(|| format!("bad --log filter {:?}", cli.log))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if cli.log_json {
        builder.json().init();
    } else {
        builder.init();
    }
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(run(cli))
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let (store, sled_dir) = cli.store.clone();
    let data = match (sled_dir, &cli.data) {
        (Some(dir), Some(data)) if &dir != data => anyhow::bail!(
            "--store sled:{} and --data {} name two data dirs; give one",
            dir.display(),
            data.display()
        ),
        (Some(dir), _) => dir,
        (None, Some(data)) => data.clone(),
        (None, None) => PathBuf::from("./firecheck-data"),
    };
    let mut config = Config::new(&data);
    config.store = store;
    config.blobs = cli.blobs.clone().unwrap_or_default();
    config.node = cli.node.clone().unwrap_or_else(host_name);
    config.db_connections = cli.db_connections;
    config.cache_bytes = cli.cache_mb * 1024 * 1024;
    config.org_name = cli.org_name.clone();
    config.admin_password = std::env::var("FIRECHECK_ADMIN_PASSWORD").ok();
    config.jwt_secret = std::env::var("FIRECHECK_JWT_SECRET").ok();
    config.operator_token = std::env::var("FIRECHECK_OPERATOR_TOKEN").ok();
    config.demo = cli.demo;
    config.request_timeout = Duration::from_secs(cli.request_timeout_secs.max(1));
    config.max_blob_bytes = cli.max_blob_mb.max(1) * 1024 * 1024;
    config.upload_limits = firecheck_server::store::UploadLimits {
        max_count: cli.max_pending_uploads,
        max_bytes: cli.max_pending_upload_mb.saturating_mul(1024 * 1024),
    };
    config.pending_upload_ttl =
        Duration::from_secs(cli.pending_upload_days.saturating_mul(24 * 3600));
    config.metrics_token = std::env::var("FIRECHECK_METRICS_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty());
    if config
        .metrics_token
        .as_ref()
        .is_some_and(|t| t.trim().len() < 16)
    {
        anyhow::bail!("FIRECHECK_METRICS_TOKEN must be at least 16 characters");
    }

    if let Some(Command::Backup { dir }) = &cli.command {
        let started = std::time::Instant::now();
        let m = firecheck_server::backup::take(&config.data_dir, dir).with_context(|| {
            format!(
                "backing up {} into {}",
                config.data_dir.display(),
                dir.display()
            )
        })?;
        let ops: u64 = m.heads.iter().map(|(_, h)| h).sum();
        println!(
            "backed up {} ({}) into {}: {ops} ops of {} organisation(s), {} attachment(s) ({} MiB), secrets: {}; {:.1} s",
            config.data_dir.display(),
            if m.from_running_server { "running server" } else { "server stopped" },
            dir.display(),
            m.heads.len(),
            m.blobs,
            m.blob_bytes / (1024 * 1024),
            if m.secrets.is_empty() { "none in the data dir".to_string() } else { m.secrets.join(", ") },
            started.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    if let Some(Command::Restore { dir }) = &cli.command {
        let r = firecheck_server::backup::restore(dir, &config.data_dir).with_context(|| {
            format!(
                "restoring {} into {}",
                dir.display(),
                config.data_dir.display()
            )
        })?;
        let ops: u64 = r.snapshot.header.heads.iter().map(|(_, h)| h).sum();
        println!(
            "restored the backup of {} into {}: {ops} ops, {} attachment(s), secrets: {}",
            firecheck_shared::Timestamp(r.snapshot.header.taken_ms),
            config.data_dir.display(),
            r.blobs,
            if r.secrets.is_empty() {
                "none".to_string()
            } else {
                r.secrets.join(", ")
            },
        );
        for name in &r.damaged_blobs {
            println!("warning: attachment {name} in the backup is damaged and was left out");
        }
        println!(
            "start the server with --data {}: it folds the views from the log; devices that synced after the backup send again what it lacks",
            config.data_dir.display()
        );
        return Ok(());
    }
    if let Some(Command::Rebuild) = cli.command {
        let store = {
            let config = config.clone();
            tokio::task::spawn_blocking(move || config.open_store()).await?
        }
        .with_context(|| {
            format!(
                "opening the store of {} (is this node's server still running?)",
                config.data_dir.display()
            )
        })?;
        let started = std::time::Instant::now();
        let heads =
            tokio::task::spawn_blocking(move || firecheck_server::views::rebuild(&store)).await??;
        for (org, seq) in &heads {
            println!("rebuilt views of organisation {org}: {seq} ops");
        }
        println!("done in {:.2} s", started.elapsed().as_secs_f64());
        return Ok(());
    }

    // Before opening the data dir: a TLS mistake should cost nothing.
    let tls = TlsFiles::from_flags(cli.tls_cert.clone(), cli.tls_key.clone())?
        .map(|files| files.load())
        .transpose()?;
    let (server, startup) = Server::open(&config)
        .await
        .with_context(|| match &config.store {
            StoreAt::Sled => format!(
                "opening data dir {} (is another server using it?)",
                config.data_dir.display()
            ),
            StoreAt::Postgres(_) => format!(
                "opening the store {:?} as node {:?}",
                config.store, config.node
            ),
        })?;
    let listener = tokio::net::TcpListener::bind(cli.listen)
        .await
        .with_context(|| format!("cannot listen on {}", cli.listen))?;
    let addr = listener.local_addr()?;
    if let Some(p) = &startup.generated_admin_password {
        println!("first start: created account `admin` with password {p}  (shown once; set FIRECHECK_ADMIN_PASSWORD to choose it)");
    }
    if startup.first_start {
        match &startup.operator_key_file {
            Some(f) => println!(
                "operator key (creates organisations and their first admin): {}",
                f.display()
            ),
            None => println!("operator key: from FIRECHECK_OPERATOR_TOKEN"),
        }
    }
    if !startup.demo_logins.is_empty() {
        println!("demo accounts (demo passwords, not secrets):");
        for (user, role, password) in &startup.demo_logins {
            println!("  {user:<10} {role:<10} {password}");
        }
        if startup.demo_ops > 0 {
            println!(
                "demo data: {} ops (venues, templates, campaign, drill)",
                startup.demo_ops
            );
        }
    }
    let scheme = if tls.is_some() { "https" } else { "http" };
    let at = match &config.store {
        StoreAt::Sled => format!("data: {}", config.data_dir.display()),
        StoreAt::Postgres(_) => format!("store: {:?}, node {}", config.store, config.node),
    };
    println!(
        "firecheck-server {} listening on {scheme}://{addr}  ({at}; attachments: {})",
        env!("CARGO_PKG_VERSION"),
        config.blobs
    );
    tracing::info!(%addr, scheme, data = %config.data_dir.display(), store = ?config.store, node = %config.node, blobs = %config.blobs, "listening");
    let shutdown = firecheck_server::shutdown_signal();
    match &tls {
        Some(tls) => server.serve_tls(listener, tls, shutdown).await?,
        None => server.serve(listener, shutdown).await?,
    }
    println!("firecheck-server stopped");
    Ok(())
}
