//! The real server in this process, on its own tokio runtime (one worker per core, as the
//! `firecheck-server` binary does), and a tracing layer that counts the sequencer's group
//! commits (how many, how many ops, how long) without touching the server's code.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Result};
use firecheck_server::api::AppState;
use firecheck_server::{Config, Server};
use tracing::field::{Field, Visit};

/// A server running in this process.
#[derive(Debug)]
pub struct InProc {
    pub url: String,
    pub state: Arc<AppState>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl InProc {
    pub fn start(config: Config, workers: usize) -> Result<Self> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let url = format!("http://{}", listener.local_addr()?);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("srv-main".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(workers)
                    .thread_name("srv-rt")
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e.to_string()));
                        return;
                    }
                };
                rt.block_on(async move {
                    let server = match Server::open(&config).await {
                        Ok((s, _)) => s,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e.to_string()));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok(Arc::clone(server.state())));
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => l,
                        Err(e) => {
                            eprintln!("bench server: {e}");
                            return;
                        }
                    };
                    if let Err(e) = server
                        .serve(listener, async move {
                            let _ = rx.await;
                        })
                        .await
                    {
                        eprintln!("bench server stopped with an error: {e}");
                    }
                });
            })?;
        let state = ready_rx
            .recv()
            .map_err(|_| anyhow!("the server thread died"))?
            .map_err(|e| anyhow!("the server did not start: {e}"))?;
        Ok(Self {
            url,
            state,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    /// Graceful stop (drain requests, commit, bring views up to date, flush). Returns how long
    /// it took.
    pub fn stop(mut self) -> Duration {
        let started = Instant::now();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        started.elapsed()
    }
}

impl Drop for InProc {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Totals over every group commit seen so far.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Groups {
    pub groups: u64,
    pub pushes: u64,
    pub stored: u64,
    /// Time from taking the group to the flush returning (plan, batch, flush), summed.
    pub micros: u64,
}

impl Groups {
    pub fn since(&self, earlier: &Groups) -> Groups {
        Groups {
            groups: self.groups - earlier.groups,
            pushes: self.pushes - earlier.pushes,
            stored: self.stored - earlier.stored,
            micros: self.micros - earlier.micros,
        }
    }
}

static GROUPS: AtomicU64 = AtomicU64::new(0);
static PUSHES: AtomicU64 = AtomicU64::new(0);
static STORED: AtomicU64 = AtomicU64::new(0);
static MICROS: AtomicU64 = AtomicU64::new(0);

pub fn groups() -> Groups {
    Groups {
        groups: GROUPS.load(Ordering::Relaxed),
        pushes: PUSHES.load(Ordering::Relaxed),
        stored: STORED.load(Ordering::Relaxed),
        micros: MICROS.load(Ordering::Relaxed),
    }
}

/// Counts the sequencer's `group committed` debug events.
#[derive(Debug, Default)]
pub struct GroupCapture;

#[derive(Default)]
struct GroupFields {
    pushes: Option<u64>,
    stored: Option<u64>,
    micros: Option<u64>,
}

impl Visit for GroupFields {
    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            "pushes" => self.pushes = Some(value),
            "stored" => self.stored = Some(value),
            "micros" => self.micros = Some(value),
            _ => {}
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.record_u64(field, value.max(0) as u64);
    }

    fn record_debug(&mut self, _field: &Field, _value: &dyn std::fmt::Debug) {}
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for GroupCapture {
    fn on_event(
        &self,
        event: &tracing::Event<'_>,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let mut f = GroupFields::default();
        event.record(&mut f);
        if let (Some(stored), Some(micros)) = (f.stored, f.micros) {
            GROUPS.fetch_add(1, Ordering::Relaxed);
            PUSHES.fetch_add(f.pushes.unwrap_or(0), Ordering::Relaxed);
            STORED.fetch_add(stored, Ordering::Relaxed);
            MICROS.fetch_add(micros, Ordering::Relaxed);
        }
    }
}

/// Warnings and errors of every crate to stderr, plus the group-commit counter.
pub fn install_tracing() {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::prelude::*;
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(LevelFilter::WARN);
    let capture = GroupCapture.with_filter(
        Targets::new().with_target("firecheck_server::sequencer", tracing::Level::DEBUG),
    );
    let _ = tracing_subscriber::registry()
        .with(fmt)
        .with(capture)
        .try_init();
}
