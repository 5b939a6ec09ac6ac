//! The server's chores, on a thread of their own: every few seconds the metrics recorder's
//! upkeep (histograms drained even when nobody scrapes), and at start-up and then every
//! [`SWEEP_EVERY`] the sweep of uploads no record refers to (`Store::sweep_uploads`) and of
//! failed-login counts whose window has ended.

use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use firecheck_shared::Timestamp;

use crate::metrics::Metrics;
use crate::store::Store;

/// How often expired uploads are looked for.
pub const SWEEP_EVERY: Duration = Duration::from_secs(3600);
const METRICS_EVERY: Duration = Duration::from_secs(5);

/// Ends the chores when dropped or told to.
#[derive(Debug)]
pub struct Upkeep {
    stop: mpsc::Sender<()>,
}

impl Upkeep {
    /// Start the chores: sweep once now, then keep time.
    pub fn start(
        store: Store,
        metrics: Arc<Metrics>,
        upload_ttl: Duration,
    ) -> std::io::Result<(Self, std::thread::JoinHandle<()>)> {
        let (stop, stopped) = mpsc::channel::<()>();
        let handle = std::thread::Builder::new()
            .name("firecheck-upkeep".into())
            .spawn(move || {
                let ttl_ms = upload_ttl.as_millis().min(i64::MAX as u128) as i64;
                let mut next_sweep = Instant::now();
                loop {
                    if Instant::now() >= next_sweep {
                        match store.sweep_uploads(Timestamp::now().0, ttl_ms) {
                            Ok(r) if r != Default::default() => {
                                tracing::info!(released = r.released, expired = r.expired, partials = r.partials_removed, files = r.files_removed, bytes = r.bytes_freed, "uploads swept");
                            }
                            Ok(_) => {}
                            Err(e) => tracing::error!(error = %e, "sweeping uploads failed; trying again later"),
                        }
                        match crate::auth::LoginLimiter::default().sweep(&store, Timestamp::now().0) {
                            Ok(0) => {}
                            Ok(n) => tracing::debug!(usernames = n, "ended failed-login windows forgotten"),
                            Err(e) => tracing::error!(error = %e, "sweeping failed-login counts failed; trying again later"),
                        }
                        next_sweep = Instant::now() + SWEEP_EVERY;
                    }
                    metrics.upkeep();
                    match stopped.recv_timeout(METRICS_EVERY) {
                        Err(mpsc::RecvTimeoutError::Timeout) => {}
                        _ => return,
                    }
                }
            })?;
        Ok((Self { stop }, handle))
    }

    pub fn stop(&self) {
        let _ = self.stop.send(());
    }
}
