//! firecheck-harness: proves that what inspectors typed is never lost and never doubled, by
//! killing the real binaries at random moments.
//!
//! - [`crash`]: SIGKILL loops against `firecheck-server` with concurrent client replicas.
//! - [`client_crash`]: SIGKILL of the `firecheck` CLI mid-`inspect` and mid-`sync`.
//! - [`audit`]: the server's whole log over its API, checked against every ack.
//! - [`server`], [`bins`], [`http`], [`workload`]: the pieces they share.

#![forbid(unsafe_code)]

pub mod audit;
pub mod bins;
pub mod client_crash;
pub mod crash;
pub mod http;
pub mod server;
pub mod workload;
