//! `firecheck-bench serve`: the server as the `firecheck-server` binary runs it (same
//! library calls, flags and variables, default multi-thread runtime), so the memory and
//! start-up figures can be taken in a separate process even when no `firecheck-server`
//! binary has been built next to this one.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use firecheck_server::{Config, Server};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long, env = "FIRECHECK_DATA", default_value = "./firecheck-data")]
    data: PathBuf,
    #[arg(long, env = "FIRECHECK_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    #[arg(long, env = "FIRECHECK_CACHE_MB", default_value_t = 64)]
    cache_mb: u64,
    #[arg(long, env = "FIRECHECK_LOG", default_value = "info")]
    log: String,
    #[arg(long, env = "FIRECHECK_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    request_timeout_secs: u64,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    firecheck_server::tune_malloc();
    let filter = tracing_subscriber::EnvFilter::try_new(&args.log)
        .with_context(|| format!("bad --log filter {:?}", args.log))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(async move {
        let mut config = Config::new(&args.data);
        config.cache_bytes = args.cache_mb * 1024 * 1024;
        config.admin_password = std::env::var("FIRECHECK_ADMIN_PASSWORD").ok();
        config.jwt_secret = std::env::var("FIRECHECK_JWT_SECRET").ok();
        config.operator_token = std::env::var("FIRECHECK_OPERATOR_TOKEN").ok();
        config.request_timeout = Duration::from_secs(args.request_timeout_secs.max(1));
        let (server, _startup) = Server::open(&config)
            .await
            .with_context(|| format!("opening data dir {}", config.data_dir.display()))?;
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        println!("listening on http://{}", listener.local_addr()?);
        server
            .serve(listener, firecheck_server::shutdown_signal())
            .await?;
        anyhow::Ok(())
    })
}
