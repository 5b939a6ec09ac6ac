//! End-to-end tests: a real firecheck server on 127.0.0.1 (`TestServer`, its own temp dir)
//! and real field replicas, each in its own home dir, running `firecheck` commands in-process
//! (`firecheck_demo::Device`). One test binary; the modules:
//!
//! - `util`: devices whose failures name the command, device and output; sync-line
//!   parsing; a GET for the server's review and admin API; the test relay that watches or
//!   breaks the traffic between a device and the server.
//! - `admin`: administration from the command line over the API — accounts added, listed,
//!   a device revoked (its sync then exit 3); roles, disabling, one-time passwords, one's own
//!   password, units and the audit log (the server's OpenAPI document lists each endpoint
//!   the client checks for); the operator creates an organisation that sees nothing
//!   of another, and a wrong or missing operator key is refused.
//! - `campaign`: the CIIE night campaign on 小木桥路: two inspectors offline with the
//!   server stopped, the office online; merged findings, dispatch, a close that conflicts
//!   with a later finding, a verified fix, a drill, coverage; every replica (and the
//!   server) ends with the same hazards.
//! - `console`: the office console in headless Chromium (chromedriver, fantoccini): log in,
//!   filter the board, open the conflicted hazard, dispatch it, export the list as CSV,
//!   screenshots that are not blank; an inspector's device pulls the dispatch.
//! - `channels`: a 一网统管 case delivered twice (one hazard) dispatched to the 居委, fixed,
//!   verified, replied to and read back by the platform, the contact for officers only; the
//!   龙华中路站 drill's two findings (one verified, one overdue on the board); a visit to
//!   恒益居民区 raising three problems and the next visit's report on them; an amended
//!   inspection closing the hazard its wrong item opened; a late entry; a venue closed.
//! - `lang`: an inspector with a Chinese locale reads Chinese from login to the sync back —
//!   offline inspection, hazards, a hazard's history, a refused office action, status, the
//!   server unreachable — with the same `--json` keys as in English; an English reader sees
//!   no Chinese prose, only data.
//! - `interrupted`: a pull broken after two pages (the server stopped mid-sync) resumes
//!   from its cursor and ends with exactly the server's ops.
//! - `rejected`: a restored backup reuses outbox positions: the op is rejected, kept and
//!   shown by `status`; logging in again registers the device and sends it.
//! - `reference`: reference data without the demo, on a fresh server whose admin adds the
//!   accounts: the sample venue spreadsheet (CSV and xlsx) imports as the fixtures' venues,
//!   a dry run records nothing, importing again (or on a second device, offline) adds
//!   nothing, a corrected sheet writes only corrections and reports each mistake by row and
//!   column; on the demo the sheet matches the venues by name and address; templates load as
//!   versions, never rewritten, and an inspection made against v1 keeps v1; a campaign
//!   defined from the command line reaches the inspectors.
//! - `restore`: the server backed up while it runs, then devices sync more, then it is
//!   restored from that backup: each device's next sync hears the log is not the one it
//!   pulled from, sends again its ops acknowledged after the backup, pulls again from where
//!   the logs agree; every op of every outbox ends on the server exactly once, at the place
//!   its ack names, and every replica shows the server's hazards.
//! - `photos`: evidence photos travel apart from ops: records first, then photos; an
//!   upload cut mid-way resumes; corrupted, oversized and wrong-type uploads are refused
//!   with nothing stored; the same photo from two devices is stored once; another
//!   organisation cannot fetch it.
//! - `errors`: wrong venue, unknown item, unreadable date, wrong role, server down:
//!   exit codes and one-line messages; nothing queued by a failed command.
//! - `faults`: each device behind its own fault-injecting proxy (answers dropped after the
//!   server committed, requests and answers cut mid-body, delays, duplicated requests, a
//!   network that goes dark), at random with a fixed seed: no op lost or doubled, and
//!   `status` tells the truth after every sync (acked only what the server stored, queued
//!   only what never left, sent for what may have arrived); and a server whose disk is full
//!   (a real tmpfs, as root): the ops stay queued, then are acked once after the restart.
//! - `tls`: the server terminates https with a certificate from an office CA made in the
//!   test; devices trusting it (`--ca-cert`) log in, sync, upload and fetch a photo, across
//!   a restart; without it: exit 4, a message naming `--ca-cert`, nothing queued lost; an
//!   https URL for a plain http server; CA files that are missing or not certificates.

#[path = "e2e/util.rs"]
mod util;

#[path = "e2e/admin.rs"]
mod admin;
#[path = "e2e/campaign.rs"]
mod campaign;
#[path = "e2e/channels.rs"]
mod channels;
#[path = "e2e/console.rs"]
mod console;
#[path = "e2e/errors.rs"]
mod errors;
#[path = "e2e/faults.rs"]
mod faults;
#[path = "e2e/interrupted.rs"]
mod interrupted;
#[path = "e2e/lang.rs"]
mod lang;
#[path = "e2e/photos.rs"]
mod photos;
#[path = "e2e/reference.rs"]
mod reference;
#[path = "e2e/rejected.rs"]
mod rejected;
#[path = "e2e/restore.rs"]
mod restore;
#[path = "e2e/tls.rs"]
mod tls;
