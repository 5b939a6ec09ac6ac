//! `firecheck`: the inspector's offline-first field client.
//!
//! # Layout
//! - [`replica`]: the local replica (the only module that touches sled): partitions (ops
//!   and folded states), the outbox, attachments, the meta records, format migrations.
//! - [`remote`]: HTTP to the server (login, refresh, bincode sync, attachments).
//! - [`commands`]: the offline field commands, one module per family — venue, inspect,
//!   inspection (corrections), hazard, drill, campaign, report (citizen reports), visit.
//! - [`session`]: login, logout, status, fetching an attachment; the login's tokens.
//! - [`admin`]: administration over the API — accounts, devices, units, the audit log
//!   (`firecheck admin`), one's own password, organisations (the operator's).
//! - [`sync`]: `firecheck sync` — the protocol rounds, the photo upload, and what the
//!   person sees (progress, summary) apart from them.
//! - [`table`]: aligned tables for Chinese text.
//! - [`sheet`]: the office's spreadsheets (`.xlsx`, `.csv`) as rows of text.
//! - `channels`: the command line of corrections, citizen reports and visits (re-exported).
//!
//! The field commands' command line is declared here (clap's derive, about 600 lines with
//! the error type) so it reads as one piece beside `run`.
//!
//! [`run`] takes parsed arguments and a writer, so tests drive real replicas in-process.

#![forbid(unsafe_code)]

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, FromArgMatches, Parser, Subcommand};
use firecheck_shared::i18n::{Lang, Msg};
use firecheck_shared::msg;

pub mod admin;
pub use channels::{
    InspectionCommand, ReportArgs, ReportCommand, TakeReport, VisitArgs, VisitCommand,
};

mod channels;
pub mod commands;
pub mod lang;
pub mod remote;
pub mod replica;
pub mod session;
pub mod sheet;
pub mod sync;
pub mod table;

/// firecheck: record fire-safety inspections offline, sync them when there is a network.
///
/// Every command except `login` and `sync` works with no network at all.
#[derive(Debug, Parser)]
#[command(name = "firecheck", version, about)]
pub struct Cli {
    /// Where this device keeps its replica [default on Linux: $XDG_DATA_HOME/firecheck or ~/.local/share/firecheck].
    #[arg(long, env = "FIRECHECK_HOME", global = true)]
    pub home: Option<PathBuf>,
    /// Server URL, e.g. http://127.0.0.1:8080 or https://firecheck.example.org (remembered at login).
    #[arg(long, env = "FIRECHECK_SERVER", global = true)]
    pub server: Option<String>,
    /// Also trust the certificate authority in FILE (PEM) for an https server, e.g. an
    /// office's private CA; the system's roots are always trusted.
    #[arg(long, env = "FIRECHECK_CA_CERT", value_name = "FILE", global = true)]
    pub ca_cert: Option<PathBuf>,
    /// Print listings as JSON, for scripts.
    #[arg(long, global = true)]
    pub json: bool,
    /// The language to speak: zh or en [default: FIRECHECK_LANG, else the locale].
    #[arg(long, global = true, value_name = "zh|en")]
    pub lang: Option<Lang>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Log in (online) as USER from this device; the password is prompted for.
    Login {
        username: String,
        /// Read the password from standard input instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Forget the login on this device (queued ops stay queued).
    Logout,
    /// List venues, by street then address.
    Venues {
        /// Only this street, e.g. 小木桥路.
        #[arg(long)]
        street: Option<String>,
        /// Only this kind: street-shop, ebike-point, three-in-one, metro-station, residential, office-tower, other.
        #[arg(long)]
        kind: Option<String>,
    },
    /// Add or change a venue.
    #[command(subcommand)]
    Venue(VenueCommand),
    /// Record an inspection of VENUE (id, id prefix or name) against a checklist template.
    ///
    /// On a terminal with no answers given, asks item by item. Otherwise: --pass-all, --fail
    /// CODE[:note] (repeatable), --na CODE (repeatable), or --from FILE (JSON:
    /// {"items": [{"code": "EB-EXIT", "outcome": "fail", "note": "…"}], "note": "…"}).
    Inspect(InspectArgs),
    /// List hazards: overdue first, then by deadline.
    Hazards {
        /// Only hazards still needing work.
        #[arg(long)]
        open: bool,
        /// Only hazards past their deadline.
        #[arg(long)]
        overdue: bool,
        #[arg(long)]
        street: Option<String>,
        /// Only hazards I found or acted on.
        #[arg(long)]
        mine: bool,
        /// Only this status: open, dispatched, reported-fixed, verified, closed, reopened.
        #[arg(long)]
        status: Option<String>,
        /// Only hazards from this source: inspection, citizen_report, drill, visit.
        #[arg(long)]
        source: Option<String>,
    },
    /// Show or act on one hazard (ID: full id or its first characters).
    #[command(subcommand)]
    Hazard(HazardCommand),
    /// Correct an inspection already recorded, or show one.
    #[command(subcommand)]
    Inspection(InspectionCommand),
    /// Log an emergency drill, record its findings, show one.
    #[command(subcommand)]
    Drill(DrillCommand),
    /// List drills, most recent first.
    Drills,
    /// Campaigns and their coverage.
    #[command(subcommand)]
    Campaign(CampaignCommand),
    /// List checklist templates and their items.
    Templates,
    /// Load checklist templates from a file (office).
    #[command(subcommand)]
    Template(TemplateCommand),
    /// Take a citizen report by phone (officers), or show, link or reply to one.
    ///
    /// `firecheck report --text … --street …` takes one; `report show|link|reply REPORT`
    /// acts on one (REPORT: the platform's case number, or the report's id).
    Report(ReportArgs),
    /// List citizen reports, newest first, with how each is handled.
    Reports,
    /// Resident visits (走访): record one, or report back on an area's earlier problems.
    #[command(subcommand)]
    Visit(VisitCommand),
    /// List resident visits, most recent first.
    Visits,
    /// Attachments (photos, PDFs) by their SHA-256.
    #[command(subcommand)]
    Blob(BlobCommand),
    /// Push queued ops and pull everything new, in pages; retries on network errors.
    Sync,
    /// What is queued, sent, acknowledged or rejected; last sync; clock warnings.
    Status,
    /// Administer the organisation (online, logged in as an admin): accounts, devices,
    /// units, the audit log.
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// Change your password (online) — also the one-time password an admin gave you — then
    /// log in with the new one. Asks for the current and the new password; with
    /// --password-stdin reads them as two lines.
    Password {
        /// Whose [default: the user logged in on this device].
        #[arg(long)]
        user: Option<String>,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Organisations, for the server's operator (with the operator key).
    #[command(subcommand)]
    Org(OrgCommand),
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Create an organisation (a subdistrict's safety office) with its first admin.
    Create(admin::OrgCreate),
}

#[derive(Debug, Subcommand)]
pub enum BlobCommand {
    /// Save an attachment to a file: from this device if it holds it, else from the server.
    Get {
        /// SHA-256, hex (as shown in `hazard show --json`).
        hash: String,
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum VenueCommand {
    /// Record premises that are not on the list yet.
    Add {
        #[arg(long)]
        name: String,
        /// street-shop, ebike-point, three-in-one, metro-station, residential, office-tower, other
        #[arg(long)]
        kind: String,
        #[arg(long)]
        street: String,
        #[arg(long)]
        address: String,
    },
    /// Change a venue's name, kind, street or address (only what is given changes).
    Edit {
        /// Venue id, id prefix, or name.
        venue: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        kind: Option<String>,
        #[arg(long)]
        street: Option<String>,
        #[arg(long)]
        address: Option<String>,
    },
    /// Mark a venue closed (关停), or moved away with --moved: no longer a campaign target;
    /// its open hazards stay on the lists.
    Close {
        venue: String,
        /// Why, e.g. 已关停 or 搬至斜土路 1101号.
        #[arg(long)]
        reason: String,
        /// The business moved away from this address (rather than closed).
        #[arg(long)]
        moved: bool,
    },
    /// Mark a closed or moved venue active again.
    Reopen {
        venue: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Import the office's venue spreadsheet (office): .xlsx or .csv, Chinese or English
    /// column headers (名称/场所名称, 类型/场所类型, 地址, 街道/路段, 经度, 纬度, 编号 — or
    /// name, kind, address, street, lon, lat, id). Each row becomes a new venue, changes an
    /// existing one (only the changed fields), or is unchanged; rows with mistakes are
    /// reported (row, column, what is wrong) and not imported, and the command then exits 6.
    /// Importing the same file again changes nothing. Sync afterwards to send the venues.
    Import {
        /// The spreadsheet (.xlsx, .xls, .ods, or .csv in UTF-8 or GB18030).
        file: PathBuf,
        /// The workbook's sheet [default: its first].
        #[arg(long)]
        sheet: Option<String>,
        /// Show what would change (new, changed fields, unchanged, errors); record nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TemplateCommand {
    /// Load checklist templates from a JSON or TOML file (see fixtures/import/templates.toml).
    /// A version already defined is unchanged if the file says the same and refused if it
    /// says something else: a changed template is a new, higher version, and inspections made
    /// against an older one keep it. Sync afterwards to send them.
    Load {
        file: PathBuf,
        /// Show what would be loaded; record nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Venue id, id prefix, or name.
    pub venue: String,
    /// Template code (e.g. ebike-point) or id [default: the one for the venue's kind].
    #[arg(long)]
    pub template: Option<String>,
    /// Pass every item not named by --fail or --na.
    #[arg(long)]
    pub pass_all: bool,
    /// A failed item, with an optional note: CODE or CODE:note. Repeatable.
    #[arg(long = "fail", value_name = "CODE[:NOTE]")]
    pub fail: Vec<String>,
    /// An item that does not apply. Repeatable.
    #[arg(long = "na", value_name = "CODE")]
    pub na: Vec<String>,
    /// Read the answers from a JSON file.
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    /// Overall note.
    #[arg(long, default_value = "")]
    pub note: String,
    /// Campaign id [default: the running campaign that targets this venue, if any].
    #[arg(long)]
    pub campaign: Option<String>,
    /// When it took place, for an inspection typed in after the fact: YYYY-MM-DD HH:MM
    /// (Shanghai time), at most 7 days ago [default: now].
    #[arg(long, value_name = "WHEN")]
    pub at: Option<String>,
    /// A photo (JPEG, PNG, HEIC) or PDF for an item: CODE=PATH. Repeatable. Copied into this
    /// device at once; uploaded after the records on sync.
    #[arg(long = "photo", value_name = "CODE=PATH")]
    pub photo: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum HazardCommand {
    /// Full history, with conflict notes.
    Show { id: String },
    /// Dispatch to a responsible unit with a deadline (office).
    Dispatch {
        id: String,
        /// The unit, e.g. 城管斜土中队.
        #[arg(long)]
        to: String,
        /// Deadline: YYYY-MM-DD, or +N (days from today).
        #[arg(long)]
        due: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Report it fixed, awaiting re-inspection.
    Fixed {
        id: String,
        #[arg(long)]
        note: String,
        /// Proof of the fix (photo or signed notice). Repeatable.
        #[arg(long = "photo", value_name = "PATH")]
        photo: Vec<PathBuf>,
    },
    /// Verify the fix (office).
    Verify {
        id: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Reopen it (office).
    Reopen {
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// Close it with a written reason (office).
    Close {
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// Add a comment.
    Comment { id: String, text: String },
    /// Reply to the citizen(s) who reported it (反馈; office): the city platform reads it back,
    /// and every report linked to the hazard gets it.
    Reply {
        id: String,
        #[arg(long)]
        text: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum DrillCommand {
    /// Record a drill that took place.
    Log(DrillArgs),
    /// Record a "must improve" point of a drill as a tracked item (assigned, fixed and
    /// verified like any hazard).
    Finding {
        /// Drill id or its first characters (see `firecheck drills`).
        drill: String,
        /// The point, e.g. 出入口应急广播声音偏小.
        #[arg(long)]
        point: String,
        /// critical, major or minor.
        #[arg(long, default_value = "major")]
        severity: String,
        /// A photo or PDF. Repeatable.
        #[arg(long = "photo", value_name = "PATH")]
        photo: Vec<PathBuf>,
    },
    /// A drill with its findings and where each stands.
    Show { drill: String },
}

#[derive(Debug, Args)]
pub struct DrillArgs {
    /// Where, e.g. 龙华中路站.
    #[arg(long)]
    pub place: String,
    /// What was rehearsed.
    #[arg(long)]
    pub scenario: String,
    /// Participating units, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub units: Vec<String>,
    #[arg(long)]
    pub participants: u32,
    /// Seconds the evacuation took.
    #[arg(long)]
    pub evacuation_secs: u32,
    /// Organiser [default: your organisation].
    #[arg(long)]
    pub organiser: Option<String>,
    /// When it was held, YYYY-MM-DD HH:MM (Shanghai time) [default: now].
    #[arg(long)]
    pub when: Option<String>,
    /// The venue it was held at (id, prefix or name), if it is one.
    #[arg(long)]
    pub venue: Option<String>,
    #[arg(long, default_value = "")]
    pub went_well: String,
    #[arg(long, default_value = "")]
    pub to_improve: String,
    /// A photo or PDF of the drill. Repeatable.
    #[arg(long = "photo", value_name = "PATH")]
    pub photo: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum CampaignCommand {
    /// Targets not yet inspected first, then hazards found, rectified and overdue.
    Coverage {
        /// Campaign id or id prefix [default: the newest campaign].
        id: Option<String>,
    },
    /// List campaigns.
    List,
    /// Define a campaign (office): its period, target streets and venue kinds, and its goal.
    /// Its targets are every venue on those streets of those kinds. Defining it again under
    /// the same name (or --id) replaces its definition; running the same command twice
    /// changes nothing. Sync afterwards to send it.
    Define {
        /// e.g. 进博会“三合一”场所夜查整治
        #[arg(long)]
        name: String,
        /// First day, YYYY-MM-DD.
        #[arg(long)]
        from: String,
        /// Last day, YYYY-MM-DD.
        #[arg(long)]
        to: String,
        /// Target streets, comma-separated or repeated [default: every street].
        #[arg(long = "street", value_name = "STREET")]
        streets: Vec<String>,
        /// Target venue kinds (codes or Chinese names), comma-separated or repeated
        /// [default: every kind].
        #[arg(long = "kind", value_name = "KIND")]
        kinds: Vec<String>,
        #[arg(long, default_value = "")]
        goal: String,
        /// Redefine this campaign (id, id prefix or name) instead of the one named --name.
        #[arg(long)]
        id: Option<String>,
    },
}

/// What went wrong, for a person, with the exit code it maps to ([`CliError::exit_code`]).
/// Variants with a cause keep it typed; the messages say what to do, in the person's
/// language ([`CliError::render`]; `Display` is English).
#[derive(Debug)]
pub enum CliError {
    /// No login on this device yet (exit 3).
    NotLoggedIn,
    /// The server refused the username or password (exit 3); its words, in the language
    /// the client asked for.
    LoginRefused { message: String },
    /// The server no longer takes this device's login (exit 3); the ops wait for a new one.
    LoginEnded {
        message: String,
        username: String,
        waiting: usize,
    },
    /// Talking to the server failed: exit 4 when it cannot be reached or its certificate is
    /// not trusted, 3 when it refuses the login, 6 for an unusable `--ca-cert`, else 1.
    Remote(remote::RemoteError),
    /// The records were synced, the photos not (yet): the exit code of why (3 or 4), else 1.
    PhotosNotSent {
        waiting: usize,
        cause: Box<CliError>,
    },
    /// No such venue, hazard, template, campaign or attachment (exit 5).
    NotFound(Msg),
    /// The server does not have the endpoint a command needs: an older server (exit 1).
    NotOffered { command: String, endpoint: String },
    /// Input that cannot be used, with how to put it (exit 6).
    Invalid(Msg),
    /// A value `shared`'s rules refuse: a kind, a status, a bound, a role (exit 6).
    Validation(firecheck_shared::validate::ValidationError),
    /// The command line could not be read (exit 6).
    Usage(clap::Error),
    /// A file named on the command line cannot be read (exit 6).
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A spreadsheet that cannot be read (exit 6).
    Sheet(sheet::SheetError),
    /// Rows of an imported spreadsheet had mistakes and were not imported (exit 6); the
    /// others were.
    RowsRefused { rows: usize, file: PathBuf },
    /// An answers file (`inspect --from`) is not the JSON it should be (exit 6).
    AnswerFile {
        path: PathBuf,
        source: serde_json::Error,
    },
    /// An attachment over [`commands::MAX_ATTACHMENT_BYTES`] (exit 6).
    AttachmentTooLarge { path: PathBuf, size: u64 },
    /// An attachment this device cannot take in (exit 6).
    Attachment {
        path: PathBuf,
        source: replica::AttachError,
    },
    /// The local replica (exit 1).
    Replica(replica::ReplicaError),
    /// The replica's folder cannot be created (exit 1).
    Home {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Reading the terminal, writing the output, reading a held attachment (exit 1).
    Io(std::io::Error),
    /// Listings as JSON could not be written (exit 1).
    Output(serde_json::Error),
    /// The async runtime for talking to the server (exit 1).
    Runtime(std::io::Error),
    /// A fetched attachment cannot be saved (exit 1).
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A fetched attachment does not hash to its name (exit 1).
    CorruptDownload(firecheck_shared::BlobHash),
    /// An attachment waiting for upload is gone from this device's blob store (exit 1).
    BlobMissing(firecheck_shared::BlobHash),
}

impl From<sheet::SheetError> for CliError {
    fn from(e: sheet::SheetError) -> Self {
        CliError::Sheet(e)
    }
}
impl From<remote::RemoteError> for CliError {
    fn from(e: remote::RemoteError) -> Self {
        CliError::Remote(e)
    }
}
impl From<firecheck_shared::validate::ValidationError> for CliError {
    fn from(e: firecheck_shared::validate::ValidationError) -> Self {
        CliError::Validation(e)
    }
}
impl From<clap::Error> for CliError {
    fn from(e: clap::Error) -> Self {
        CliError::Usage(e)
    }
}
impl From<replica::ReplicaError> for CliError {
    fn from(e: replica::ReplicaError) -> Self {
        CliError::Replica(e)
    }
}
impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Io(e)
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(Lang::En))
    }
}

impl std::error::Error for CliError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CliError::Remote(e) => Some(e),
            CliError::Validation(e) => Some(e),
            CliError::Usage(e) => Some(e),
            CliError::Replica(e) => Some(e),
            CliError::Unreadable { source, .. }
            | CliError::Home { source, .. }
            | CliError::Write { source, .. }
            | CliError::Io(source)
            | CliError::Runtime(source) => Some(source),
            CliError::AnswerFile { source, .. } => Some(source),
            CliError::Output(e) => Some(e),
            _ => None,
        }
    }
}

/// An I/O failure's cause in words (the system's own text for the rare ones).
fn io_cause(e: &std::io::Error) -> Msg {
    match e.kind() {
        std::io::ErrorKind::NotFound => msg!("io-not-found"),
        std::io::ErrorKind::PermissionDenied => msg!("io-permission"),
        std::io::ErrorKind::StorageFull => msg!("io-disk-full"),
        _ => msg!("io-other", detail = e.to_string()),
    }
}

impl CliError {
    /// What went wrong and what to do, in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        match self {
            CliError::Usage(e) => lang::usage_error(e, lang),
            _ => self.msg().render(lang),
        }
    }

    /// The message of every error but a usage error (which clap words: [`CliError::render`]).
    pub fn msg(&self) -> Msg {
        use remote::RemoteError;
        let path = |p: &std::path::Path| p.display().to_string();
        match self {
            CliError::NotLoggedIn => msg!("error-not-logged-in"),
            CliError::LoginRefused { message } => msg!("remote-server-says", message = message),
            CliError::LoginEnded {
                message,
                username,
                waiting,
            } => msg!(
                "error-login-ended",
                message = message,
                username = username,
                waiting = *waiting
            ),
            CliError::Remote(e) => match e {
                RemoteError::Unreachable { .. } => msg!("error-unreachable", cause = e.msg()),
                RemoteError::Tls { .. } => msg!("error-tls", cause = e.msg()),
                RemoteError::Unauthorized { message } => {
                    msg!("error-unauthorized", message = message)
                }
                RemoteError::CaCert { .. }
                | RemoteError::Refused { .. }
                | RemoteError::BadAnswer(_)
                | RemoteError::LogRestored { .. } => e.msg(),
            },
            CliError::PhotosNotSent { waiting, cause } => {
                let cause = cause.msg();
                match self.exit_code() {
                    4 => msg!(
                        "error-photos-unreachable",
                        waiting = *waiting,
                        cause = cause
                    ),
                    3 => msg!("error-photos-login", waiting = *waiting, cause = cause),
                    _ => msg!("error-photos-other", waiting = *waiting, cause = cause),
                }
            }
            CliError::NotFound(m) | CliError::Invalid(m) => m.clone(),
            CliError::Sheet(e) => e.msg(),
            CliError::RowsRefused { rows, file } => msg!(
                "error-rows-refused",
                rows = *rows,
                file = file.display().to_string()
            ),
            CliError::NotOffered { command, endpoint } => {
                msg!("error-not-offered", command = command, endpoint = endpoint)
            }
            CliError::Validation(e) => e.msg(),
            CliError::Usage(e) => msg!("remote-server-says", message = e.to_string()),
            CliError::Unreadable { path: p, source } => {
                msg!("error-unreadable", path = path(p), cause = io_cause(source))
            }
            CliError::AnswerFile { path: p, source } => msg!(
                "error-answer-file",
                path = path(p),
                detail = source.to_string()
            ),
            CliError::AttachmentTooLarge { path: p, size } => msg!(
                "error-attachment-too-large",
                path = path(p),
                mib = size / (1024 * 1024),
                max = commands::MAX_ATTACHMENT_BYTES / (1024 * 1024)
            ),
            CliError::Attachment { path: p, source } => {
                msg!("error-attachment", path = path(p), cause = source.msg())
            }
            CliError::Replica(e) => e.msg(),
            CliError::Home { path: p, source } => {
                msg!("error-home", path = path(p), cause = io_cause(source))
            }
            CliError::Io(e) => msg!("error-io", cause = io_cause(e)),
            CliError::Output(e) => msg!("error-output", detail = e.to_string()),
            CliError::Runtime(e) => msg!("error-runtime", cause = io_cause(e)),
            CliError::Write { path: p, source } => {
                msg!("error-write", path = path(p), cause = io_cause(source))
            }
            CliError::CorruptDownload(h) => msg!("error-corrupt-download", hash = h.to_hex()),
            CliError::BlobMissing(h) => msg!("error-blob-missing", hash = h.to_hex()),
        }
    }

    pub fn exit_code(&self) -> i32 {
        use remote::RemoteError;
        match self {
            CliError::NotLoggedIn | CliError::LoginRefused { .. } | CliError::LoginEnded { .. } => {
                3
            }
            CliError::Remote(e) => match e {
                RemoteError::Unauthorized { .. } => 3,
                RemoteError::Unreachable { .. } | RemoteError::Tls { .. } => 4,
                RemoteError::CaCert { .. } => 6,
                RemoteError::Refused { .. }
                | RemoteError::BadAnswer(_)
                | RemoteError::LogRestored { .. } => 1,
            },
            CliError::PhotosNotSent { cause, .. } => match cause.exit_code() {
                code @ (3 | 4) => code,
                _ => 1,
            },
            CliError::NotFound(_) => 5,
            CliError::Invalid(_)
            | CliError::Validation(_)
            | CliError::Usage(_)
            | CliError::Unreadable { .. }
            | CliError::Sheet(_)
            | CliError::RowsRefused { .. }
            | CliError::AnswerFile { .. }
            | CliError::AttachmentTooLarge { .. }
            | CliError::Attachment { .. } => 6,
            CliError::Replica(_)
            | CliError::NotOffered { .. }
            | CliError::Home { .. }
            | CliError::Io(_)
            | CliError::Output(_)
            | CliError::Runtime(_)
            | CliError::Write { .. }
            | CliError::CorruptDownload(_)
            | CliError::BlobMissing(_) => 1,
        }
    }
}

/// The replica's folder: `--home` or `FIRECHECK_HOME`, else the platform's data folder for
/// firecheck (on Linux `$XDG_DATA_HOME/firecheck`, or `~/.local/share/firecheck` when that
/// is unset), else `.firecheck` in the working folder when there is no home folder at all.
pub fn home_dir(cli: &Cli) -> PathBuf {
    if let Some(h) = &cli.home {
        return h.clone();
    }
    directories::ProjectDirs::from("", "", "firecheck")
        .map(|dirs| dirs.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".firecheck"))
}

/// The language `cli` asks for: `--lang`, else the environment ([`lang::from_env`]).
pub fn language(cli: &Cli) -> Lang {
    cli.lang
        .unwrap_or_else(|| lang::from_env(|name| std::env::var_os(name)))
}

/// Run one command, writing what it says to `out` in [`language`].
pub fn run(cli: Cli, out: &mut dyn Write) -> Result<(), CliError> {
    let lang = language(&cli);
    // The operator's command needs no replica (and no login).
    if let Command::Org(OrgCommand::Create(o)) = cli.command {
        return admin::org_create(cli.server, cli.ca_cert.as_deref(), cli.json, lang, o, out);
    }
    let home = home_dir(&cli);
    std::fs::create_dir_all(&home).map_err(|source| CliError::Home {
        path: home.clone(),
        source,
    })?;
    let replica = replica::LocalReplica::open(&home)?;
    let ctx = commands::Ctx {
        replica: &replica,
        json: cli.json,
        lang,
        server: cli.server.clone(),
        ca_cert: cli.ca_cert.clone(),
    };
    match cli.command {
        Command::Login {
            username,
            password_stdin,
        } => session::login(&ctx, &username, password_stdin, out),
        Command::Logout => session::logout(&ctx, out),
        Command::Sync => sync::sync(&ctx, out).map(|_| ()),
        Command::Status => session::status(&ctx, out),
        Command::Venues { street, kind } => commands::venue::list(&ctx, street, kind, out),
        Command::Venue(VenueCommand::Add {
            name,
            kind,
            street,
            address,
        }) => commands::venue::add(&ctx, name, kind, street, address, out),
        Command::Venue(VenueCommand::Import {
            file,
            sheet,
            dry_run,
        }) => commands::venue_import::import(&ctx, &file, sheet.as_deref(), dry_run, out),
        Command::Template(TemplateCommand::Load { file, dry_run }) => {
            commands::template::load(&ctx, &file, dry_run, out)
        }
        Command::Campaign(CampaignCommand::Define {
            name,
            from,
            to,
            streets,
            kinds,
            goal,
            id,
        }) => commands::campaign::define(
            &ctx,
            commands::campaign::Define {
                name,
                from,
                to,
                streets,
                kinds,
                goal,
                id,
            },
            out,
        ),
        Command::Venue(cmd) => commands::venue::change(&ctx, cmd, out),
        Command::Inspection(cmd) => commands::inspection::run(&ctx, cmd, out),
        Command::Report(args) => commands::report::run(&ctx, args, out),
        Command::Reports => commands::report::list(&ctx, out),
        Command::Visit(VisitCommand::Log(args)) => commands::visit::log(&ctx, args, out),
        Command::Visit(VisitCommand::Report { area }) => commands::visit::report(&ctx, &area, out),
        Command::Visits => commands::visit::list(&ctx, out),
        Command::Inspect(args) => commands::inspect::inspect(&ctx, args, out),
        Command::Hazards {
            open,
            overdue,
            street,
            mine,
            status,
            source,
        } => commands::hazard::list(
            &ctx,
            commands::hazard::ListArgs {
                open,
                overdue,
                street,
                mine,
                status,
                source,
            },
            out,
        ),
        Command::Hazard(cmd) => commands::hazard::act(&ctx, cmd, out),
        Command::Drill(DrillCommand::Log(args)) => commands::drill::log(&ctx, args, out),
        Command::Drill(DrillCommand::Finding {
            drill,
            point,
            severity,
            photo,
        }) => commands::drill::finding(&ctx, &drill, point, &severity, &photo, out),
        Command::Drill(DrillCommand::Show { drill }) => commands::drill::show(&ctx, &drill, out),
        Command::Drills => commands::drill::list(&ctx, out),
        Command::Campaign(CampaignCommand::Coverage { id }) => {
            commands::campaign::coverage(&ctx, id, out)
        }
        Command::Campaign(CampaignCommand::List) => commands::campaign::list(&ctx, out),
        Command::Templates => commands::inspect::templates(&ctx, out),
        Command::Blob(BlobCommand::Get { hash, output }) => {
            session::blob_get(&ctx, &hash, &output, out)
        }
        Command::Admin(cmd) => admin::admin(&ctx, cmd, out),
        Command::Password {
            user,
            password_stdin,
        } => admin::password(&ctx, user, password_stdin, out),
        Command::Org(OrgCommand::Create(o)) => admin::org_create(
            ctx.server.clone(),
            ctx.ca_cert.as_deref(),
            ctx.json,
            ctx.lang,
            o,
            out,
        ),
    }
}

/// Parse `args` (the first is the program name) with the help and errors in `lang`.
pub fn parse<I, S>(args: I, lang: Lang) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = S>,
    S: Into<std::ffi::OsString> + Clone,
{
    let matches = lang::command(lang).try_get_matches_from(args)?;
    Cli::from_arg_matches(&matches)
}

/// Parse `args` (the first is the program name) and run, as the binary does.
pub fn run_args<I, S>(args: I, out: &mut dyn Write) -> Result<(), CliError>
where
    I: IntoIterator<Item = S>,
    S: Into<std::ffi::OsString> + Clone,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
    let cli = parse(&args, lang::detect(&args))?;
    run(cli, out)
}
