//! What a person sees of a sync: a spinner while a long pull runs (on a terminal only), and
//! the summary at the end. Nothing here talks to the server or the replica.

use std::io::{IsTerminal, Write};

use super::SyncSummary;
use crate::CliError;

/// The spinner on standard error; hidden when that is not a terminal.
#[derive(Debug)]
pub struct Progress(indicatif::ProgressBar);

impl Progress {
    pub fn start() -> Self {
        let bar = indicatif::ProgressBar::new_spinner();
        if !std::io::stderr().is_terminal() {
            bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
        }
        // The template is a constant that parses; were it ever refused, the default spinner
        // would do.
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        Self(bar)
    }

    /// A page of a long pull was taken in; `pulled` ops so far.
    pub fn pulled(&self, pulled: usize) {
        self.0.set_message(format!("pulled {pulled} ops…"));
        self.0.tick();
    }

    /// The records are done: clear the line.
    pub fn finish(self) {
        self.0.finish_and_clear();
    }
}

/// The summary as lines of text (`--json` prints the [`SyncSummary`] itself).
pub fn summary(summary: &SyncSummary, out: &mut dyn Write) -> Result<(), CliError> {
    if let Some(r) = &summary.server_restored {
        writeln!(
            out,
            "the server was restored from a backup (its log agrees with this device's up to #{}): sent again {} op(s) of this device it no longer had, pulled again from there",
            r.shared, r.resent
        )?;
    }
    writeln!(
        out,
        "sync: sent {}, acked {}, rejected {}, pulled {}, conflicts {}",
        summary.sent, summary.acked, summary.rejected, summary.pulled, summary.conflicts
    )?;
    if summary.photos_sent > 0 {
        writeln!(
            out,
            "photos: sent {} ({} KiB)",
            summary.photos_sent,
            summary.photo_bytes.div_ceil(1024)
        )?;
    }
    if summary.rejected > 0 {
        writeln!(
            out,
            "some ops were rejected: see `firecheck status` for the reasons"
        )?;
    }
    if let Some(w) = &summary.clock_warning {
        writeln!(out, "warning: {w}")?;
    }
    Ok(())
}
