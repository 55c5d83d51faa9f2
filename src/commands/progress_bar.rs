//! The progress bar the long commands draw on stderr (`audit verify`, `audit archive`,
//! `ranking`'s catch-up): records done of records ahead, the rate and the time left. Drawn
//! only when stderr is a terminal, so pipes, files and log collectors never see it.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::progress::Progress;

/// The figures first, so a narrow terminal cuts the bar, not them.
const TEMPLATE: &str = "{prefix} {pos}/{len} records, ETA {eta} [{bar:30}] {percent}% {per_sec}";

/// A bar on stderr (hidden off a terminal), labelled `what`.
pub struct Bar(ProgressBar);

impl Bar {
    pub fn new(what: &'static str) -> Bar {
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(0), target);
        let style = ProgressStyle::with_template(TEMPLATE)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(what);
        Bar(bar)
    }

    /// Leave the final state on the terminal (the figures the run ended with).
    pub fn finish(&self) {
        self.0.finish();
    }
}

impl Progress for Bar {
    fn add_total(&self, n: u64) {
        self.0.inc_length(n);
    }
    fn advance(&self, n: u64) {
        self.0.inc(n);
    }
}

#[cfg(test)]
mod tests {
    use super::Bar;
    use crate::progress::Progress;

    #[test]
    fn counts_what_the_walk_reports() {
        let bar = Bar::new("test");
        bar.add_total(7);
        bar.add_total(3);
        bar.advance(4);
        assert_eq!((bar.0.position(), bar.0.length()), (4, Some(10)));
        bar.finish();
    }
}
