//! Progress bars for pulls and pushes: shown on a terminal, silent when
//! output is redirected or `-q` is given (scripts get only the result).

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

#[derive(Clone)]
pub struct Progress {
    multi: Option<MultiProgress>,
}

impl Progress {
    /// Bars only when both stdout and stderr are terminals and not quiet.
    pub fn new(quiet: bool) -> Progress {
        let enabled = !quiet && std::io::stdout().is_terminal() && std::io::stderr().is_terminal();
        Progress {
            multi: enabled.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr())),
        }
    }

    pub fn disabled() -> Progress {
        Progress { multi: None }
    }

    /// A bar for one blob; a no-op bar when progress is off.
    pub fn bar(&self, label: &str, total: u64) -> ProgressBar {
        let Some(multi) = &self.multi else {
            return ProgressBar::hidden();
        };
        let bar = multi.add(ProgressBar::new(total));
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
            )
            .expect("static template")
            .progress_chars("=> "),
        );
        bar.set_prefix(label.to_string());
        bar
    }

    /// A line of status (e.g. "Writing manifest") shown above the bars.
    pub fn note(&self, text: &str) {
        if let Some(multi) = &self.multi {
            let _ = multi.println(text);
        }
    }
}
