//! The sync server's integration tests: one test binary (`cargo test -p firecheck-server
//! --test api`), each test against its own real server on 127.0.0.1:0
//! (`firecheck_server::testing::TestServer`) with the demo fixtures.
//!
//! - `util`: logins, sync round trips in bincode or JSON, devices that stamp ops (HLC clock,
//!   increasing `device_seq`), digests of the pulled log and of a stopped server's store.
//! - `sync`: idempotent pushes (sequential and concurrent retries), a reused `device_seq`
//!   refused until the device registers again, 32 concurrent clients with gap-free seqs.
//! - `durability`: acked ops survive a restart; views rebuilt from the log equal the live
//!   views; a crash between log write and view update heals at start-up.
//! - `indexes`: a property test — random op sets in random orders and batch splits: the
//!   indexes, counts and coverage kept as ops arrive equal a rebuild, and every listing read
//!   through them equals the same question answered by a full scan of the folded partitions.
//! - `isolation`: organisations never see each other's ops; paging with `has_more`.
//! - `tenancy`: an admin manages only their own organisation (accounts, devices, stats,
//!   role changes, disabling, password resets, units, the audit and op logs);
//!   organisations are created with the operator key only, which opens no organisation.
//! - `backup`: a backup taken while three devices push holds every op acknowledged before
//!   it began, cut cleanly (the restored log is the original's prefix, op for op); restored
//!   into a fresh data dir, the folded views equal a rebuild and the log has a new id with
//!   its lineage; a device naming the old log, or past the restored log's end, gets 409
//!   `log_restored` with how far the logs agree and nothing stored; its ops sent again are
//!   stored once (duplicates answered as such) and its outbox positions go on; damaged or
//!   cut snapshots, and non-empty data dirs, restore nothing.
//! - `blobs`: photos stay inside their organisation — HEAD, GET and PUT of another
//!   organisation's photo, naming its hash in an op, and its upload in progress all find
//!   nothing; uploads no record refers to are bounded per organisation and expire (the
//!   sweep's clock injected; the start-up sweep with a zero time).
//! - `administration`: role changes at once, disabled and enabled accounts, one-time
//!   passwords that must be changed, one's own password, the last admin kept, units added,
//!   renamed and retired (hazards keep theirs), the audit log and the op log paged newest
//!   first and durable.
//! - `monitoring`: `/metrics` counters move after syncs, duplicates, rejections and failed
//!   logins and need the operator key or the metrics token; `/readyz` answers 503 while the
//!   views heal after a start and 200 once they have.
//! - `auth`: roles per op kind, the token's identity on every op, revoked devices, forged
//!   and expired tokens, admin-only endpoints, rotating refresh tokens, login rate limit.
//! - `bad_input`: malformed, unknown, oversized and mistyped bodies, invalid ops and absurd
//!   timestamps — clear errors, and nothing stored changes.
//! - `review`: the safety office's read API, `/healthz`, the OpenAPI document.
//! - `intake`: the city platform's intake — keys made, listed and revoked by admins only,
//!   audited; a case delivered twice is one hazard; wrong, missing and revoked keys 401;
//!   another organisation's case numbers apart; bad deliveries 4xx with nothing stored; the
//!   reporter's contact for officers only; the read-back following dispatch, link and reply;
//!   drills with their findings and an area's visit report.
//! - `lang`: an error's code the same whatever `Accept-Language` says, its message Chinese
//!   for `zh-CN` and English otherwise; the sync answer's clock warning and a refused op's
//!   reason too.
//! - `handlers`: the review API without a socket (`api::app(state)` called with
//!   `tower::ServiceExt::oneshot`): each route's status and JSON shape, 404 for another
//!   organisation's ids, 401 without a token, 400 / 422 for bad query parameters, the error
//!   codes in the OpenAPI document.
//! - `console`: the office console without a socket, cookies kept by hand: every page for an
//!   officer and an inspector, escaping, CSRF, roles, another organisation's hazard, expired
//!   sessions, a dispatch sent twice stored once and pulled by a device, the exports (CSV
//!   with a BOM, XLSX read back) holding the API's rows.
//! - `console_channels`: the console's pages for the other channels — a citizen report's
//!   case and reporter (officers only), a reply from the page read back by the platform,
//!   linked reports listed; a drill's findings with their status, one recorded from the
//!   page; visits and an area's report; a closed venue marked; the hazards export's source
//!   record and case number, the visits export.
//! - `formats`: a data dir of a newer format refuses to open naming both formats; views of
//!   another format (format 1, or none recorded) are dropped and folded again with the same
//!   answers.
//! - `scale`: a venue inspected 100,000 times with a hazard found again 10,000 times — a
//!   bounded state, paged history, every review read answering, a late op re-folding it.
//! - `hostile`: one table of 88 hostile requests (lying bincode lengths, deeply nested and
//!   enormous JSON, invalid UTF-8, forged admin tokens, replayed refresh tokens, revoked
//!   devices, role escalation, forged authors, absurd timestamps, path traversal, bad query
//!   parameters, wrong methods, missing bodies, ops about another organisation's venue) —
//!   each its status and JSON error, no 5xx, both organisations' logs unchanged after every
//!   row and the store's digest unchanged; and what hyper answers before the app.
//! - `disk`: the data dir on a real tmpfs (as root; skipped where mount is refused): a full
//!   disk refuses writes with 503 and acks nothing it could not flush, reads answer (or get
//!   the same 503 where sled must restructure a node) and never show unflushed ops, the same
//!   ops are stored once afterwards; a read-only data dir refuses to start with a clear error.
//! - `storage_flags`: `--store`, `--blobs`, `--node`, `--db-connections` and their variables:
//!   what cannot be used is refused naming it before the data dir is touched; a database or
//!   bucket out of reach is named with the cause, never with the password.
//! - `tls`: `--tls-cert`/`--tls-key` both or neither (the binary refuses one alone, by flag
//!   or environment, before touching the data dir); missing, swapped, damaged and mismatched
//!   PEM files named; the binary's banner says `https://` and SIGTERM stops it cleanly;
//!   `TestServer::with_tls` answers only trusted https and stops with a connection kept alive.

mod util;

mod administration;
mod auth;
mod backup;
mod bad_input;
mod blobs;
mod console;
mod console_channels;
mod disk;
mod durability;
mod formats;
mod handlers;
mod hostile;
mod indexes;
mod intake;
mod isolation;
mod lang;
mod monitoring;
mod review;
mod scale;
mod storage_flags;
mod sync;
mod tenancy;
mod tls;
