//! What a person sees of a sync: a spinner while a long pull runs (on a terminal only), and
//! the summary at the end. Nothing here talks to the server or the replica.

use std::io::{IsTerminal, Write};

use firecheck_shared::i18n::Lang;
use firecheck_shared::t;

use super::SyncSummary;
use crate::CliError;

/// The spinner on standard error; hidden when that is not a terminal.
#[derive(Debug)]
pub struct Progress(indicatif::ProgressBar, Lang);

impl Progress {
    pub fn start(lang: Lang) -> Self {
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
        Self(bar, lang)
    }

    /// A page of a long pull was taken in; `pulled` ops so far.
    pub fn pulled(&self, pulled: usize) {
        self.0
            .set_message(t!(self.1, "sync-pulling", count = pulled));
        self.0.tick();
    }

    /// The records are done: clear the line.
    pub fn finish(self) {
        self.0.finish_and_clear();
    }
}

/// The summary as lines of text (`--json` prints the [`SyncSummary`] itself).
pub fn summary(summary: &SyncSummary, lang: Lang, out: &mut dyn Write) -> Result<(), CliError> {
    if let Some(r) = &summary.server_restored {
        writeln!(
            out,
            "{}",
            t!(
                lang,
                "sync-server-restored",
                shared = r.shared,
                resent = r.resent
            )
        )?;
    }
    writeln!(
        out,
        "{}",
        t!(
            lang,
            "sync-summary",
            sent = summary.sent,
            acked = summary.acked,
            rejected = summary.rejected,
            pulled = summary.pulled,
            conflicts = summary.conflicts
        )
    )?;
    if summary.photos_sent > 0 {
        writeln!(
            out,
            "{}",
            t!(
                lang,
                "sync-photos",
                count = summary.photos_sent,
                kib = summary.photo_bytes.div_ceil(1024)
            )
        )?;
    }
    if summary.rejected > 0 {
        writeln!(out, "{}", t!(lang, "sync-some-rejected"))?;
    }
    if let Some(w) = &summary.clock_warning {
        writeln!(out, "{}", t!(lang, "warning-line", warning = w))?;
    }
    Ok(())
}
