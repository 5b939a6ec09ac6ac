//! firecheck-harness: proves that what inspectors typed is never lost and never doubled, by
//! killing the real binaries at random moments.
//!
//! - [`crash`]: SIGKILL loops against `firecheck-server` with concurrent client replicas.
//! - [`client_crash`]: SIGKILL of the `firecheck` CLI mid-`inspect` and mid-`sync`.
//! - [`two_nodes`]: two server nodes on one PostgreSQL database, one killed with SIGKILL
//!   while devices push to both; the log and the review answers checked on each.
//! - [`audit`]: the server's whole log over its API, checked against every ack.
//! - [`server`], [`bins`], [`http`], [`workload`]: the pieces they share.

#![forbid(unsafe_code)]

pub mod audit;
pub mod bins;
pub mod client_crash;
pub mod crash;
pub mod http;
pub mod server;
pub mod two_nodes;
pub mod workload;

/// Lock a mutex, recovering it if a thread panicked while holding it (the data behind the
/// harness's mutexes is plain records, consistent at every step).
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
