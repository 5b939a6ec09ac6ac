//! firecheck's shared core, compiled by the server and the field client alike.
//!
//! # Layout
//! - [`ids`]: newtype ids (UUID v7; hazard ids derived with UUID v5) and evidence hashes.
//! - [`hlc`]: the hybrid logical clock that orders ops across devices with wrong clocks.
//! - [`domain`]: venues, checklists, inspections, hazards, drills, campaigns, reports,
//!   visits.
//! - [`op`]: operations — the only thing that changes state and the only thing that travels.
//! - [`fold`]: the deterministic merge of one partition's ops into its bounded state and
//!   its records.
//! - [`merge`]: the one merge step (append in order, else re-fold) every replica calls, and
//!   in-memory records.
//! - [`replica`]: an in-memory op set with its folded partitions (the reference merge).
//! - [`query`]: the read-side questions both sides answer the same way.
//! - [`validate`]: bounds, op shapes and role rules, checked on both sides.
//! - [`sync`]: the sync, login and error messages; [`codec`]: their bincode and JSON forms.
//! - [`admin`]: the administration messages (accounts, units, intake keys, the audit and op
//!   logs).
//! - [`intake`]: what the city platform (一网统管) delivers and reads back.
//! - [`fixtures`]: typed loading of the seed data in `fixtures/`.
//! - [`i18n`]: the message catalogs (Fluent, Simplified Chinese and English) every
//!   sentence for a person comes from, and the domain's codes in words.
//! - [`listing`]: the office's reference lists (venue spreadsheet, template files,
//!   campaigns): the ids that make loading one again change nothing, and venue kinds as
//!   people write them.
//!
//! This crate does no I/O and knows nothing of axum or sled.

#![forbid(unsafe_code)]

pub mod admin;
pub mod codec;
pub mod domain;
pub mod fixtures;
pub mod fold;
#[doc(hidden)]
pub mod fuzzing;
pub mod hlc;
pub mod i18n;
pub mod ids;
pub mod intake;
pub mod listing;
pub mod merge;
pub mod op;
pub mod query;
pub mod replica;
pub mod sync;
pub mod validate;

pub use domain::*;
pub use fold::PartitionState;
pub use hlc::{Hlc, HlcClock};
pub use ids::*;
pub use merge::Folded;
pub use op::*;
pub use replica::Replica;
