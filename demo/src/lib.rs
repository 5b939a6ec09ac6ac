//! firecheck's end-to-end demo, and the device that tests drive.
//!
//! # Layout
//! - [`device`]: [`Device`], a home dir with a client replica talking to one server; each
//!   call runs one real `firecheck` command in-process. The end-to-end tests and the crash
//!   harness use it.
//! - [`story`]: the CIIE night campaign on 小木桥路, told end to end with three devices
//!   against a given server or a [`TestServer`] it starts itself (the `firecheck-demo`
//!   binary).
//!
//! This crate is for demonstrations and tests only: it compiles the server with its
//! `testing` feature (fixed test credentials), which the field client never does.
//!
//! [`TestServer`]: firecheck_server::testing::TestServer

#![forbid(unsafe_code)]

pub mod device;
pub mod story;

pub use device::Device;
