//! The command line of the other channels a problem reaches the office by: corrections to
//! inspections, citizen reports taken by phone and acted on, resident visits. Kept apart from
//! the field commands' definitions in `lib.rs` (re-exported there).

use std::path::PathBuf;

use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub enum InspectionCommand {
    /// Correct an item's outcome or note, with a reason (the original stays; a failed item
    /// corrected to pass or n/a closes the hazard it opened).
    Amend {
        /// Inspection id or its first characters (see `inspection show` or `hazard show`).
        inspection: String,
        /// Why it is corrected.
        #[arg(long)]
        reason: String,
        /// An item's corrected answer: CODE=pass|fail|na, with a note after a colon
        /// (CODE=fail:note). Repeatable.
        #[arg(long = "item", value_name = "CODE=OUTCOME[:NOTE]")]
        item: Vec<String>,
        /// The corrected overall note.
        #[arg(long)]
        note: Option<String>,
    },
    /// An inspection's items and its amendments, the original answers beside them.
    Show { inspection: String },
    /// A venue's inspections, newest first.
    List {
        /// Venue id, id prefix, or name.
        venue: String,
    },
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub command: Option<ReportCommand>,
    #[command(flatten)]
    pub take: TakeReport,
}

/// A citizen report taken by phone.
#[derive(Debug, Args)]
pub struct TakeReport {
    /// What the citizen reports.
    #[arg(long)]
    pub text: Option<String>,
    /// The street, e.g. 斜土路.
    #[arg(long)]
    pub street: Option<String>,
    #[arg(long, default_value = "")]
    pub address: String,
    /// The platform's case number, if the citizen has one (then the report is the platform's
    /// case: a delivery of the same case meets it).
    #[arg(long = "case")]
    pub case: Option<String>,
    /// The venue it is about (id, prefix or name); not with --case (link instead).
    #[arg(long)]
    pub venue: Option<String>,
    /// How it came in.
    #[arg(long, default_value = "电话")]
    pub channel: String,
    #[arg(long)]
    pub contact_name: Option<String>,
    #[arg(long)]
    pub contact_phone: Option<String>,
    /// critical, major or minor.
    #[arg(long, default_value = "major")]
    pub severity: String,
    /// When the citizen reported it, YYYY-MM-DD HH:MM [default: now].
    #[arg(long, value_name = "WHEN")]
    pub at: Option<String>,
    /// A photo or PDF. Repeatable.
    #[arg(long = "photo", value_name = "PATH")]
    pub photo: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The report, how it is handled, the reply; the reporter's contact for officers.
    Show { report: String },
    /// Link the report to the hazard that already tracks its problem (office): its own
    /// hazard closes, and it follows that one (status and reply).
    Link {
        report: String,
        /// The hazard (id or its first characters).
        #[arg(long)]
        to: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Reply to the citizen (反馈; office): on the hazard that follows the report.
    Reply {
        report: String,
        #[arg(long)]
        text: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum VisitCommand {
    /// Record a visit and the problems residents raised (each tracked as a hazard).
    Log(VisitArgs),
    /// Report back on an area: every visit there, newest first, with the problems raised and
    /// how each was handled.
    Report {
        /// A residential venue (id, prefix or name), or the name of an area visited by name.
        area: String,
    },
}

#[derive(Debug, Args)]
pub struct VisitArgs {
    /// A residential venue (id, prefix or name), or the name of an area with no venue.
    #[arg(long)]
    pub area: String,
    /// YYYY-MM-DD [default: today].
    #[arg(long)]
    pub date: Option<String>,
    /// Team members, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub team: Vec<String>,
    /// Partner units that came along, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub units: Vec<String>,
    /// How many residents the team met.
    #[arg(long, default_value_t = 0)]
    pub residents: u32,
    /// A topic explained. Repeatable.
    #[arg(long = "topic")]
    pub topic: Vec<String>,
    /// A problem residents raised, optionally with its severity: TEXT or TEXT::SEVERITY.
    /// Repeatable.
    #[arg(long = "problem", value_name = "TEXT[::SEVERITY]")]
    pub problem: Vec<String>,
    #[arg(long, default_value = "")]
    pub note: String,
}
