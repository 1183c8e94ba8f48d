//! Progress of a walk, on stderr and only on a terminal: one line that
//! says how many addresses have their answer, of all read so far, how many
//! requests were sent (every try counted, so that a line waiting on slow
//! servers still moves) and how many addresses were found. indicatif
//! redraws it on a thread of its own, five times a second, whatever the
//! walk is doing.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressState, ProgressStyle};

use mxlookup::identity::http::SentCount;
use mxlookup::resolve::{Reporter, Warning};

use super::Verbosity;

/// How often the line is redrawn.
const TICK: Duration = Duration::from_millis(200);

/// What the walk reports: its warnings on stderr as they come (at any
/// verbosity, above the progress line when there is one), and counters
/// the progress line reads.
#[derive(Debug, Default)]
pub(crate) struct StderrReporter {
    /// Addresses received so far.
    addresses: AtomicU64,
    /// Addresses with their final outcome.
    answered: AtomicU64,
    /// Addresses a server mapped.
    found: AtomicU64,
    /// The line shown, once there is one.
    bar: OnceLock<ProgressBar>,
}

impl Reporter for StderrReporter {
    fn warn(&self, warning: &Warning) {
        match self.bar.get() {
            Some(bar) => bar.suspend(|| eprintln!("warning: {warning}")),
            None => eprintln!("warning: {warning}"),
        }
    }

    fn received(&self, count: usize) {
        self.addresses.fetch_add(count as u64, Ordering::Relaxed);
    }

    fn task_done(&self, found: usize) {
        self.found.fetch_add(found as u64, Ordering::Relaxed);
    }

    fn answered(&self, count: usize) {
        self.answered.fetch_add(count as u64, Ordering::Relaxed);
    }
}

/// The counters at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counts {
    answered: u64,
    addresses: u64,
    requests: u64,
    found: u64,
}

impl StderrReporter {
    fn counts(&self, sent: &SentCount) -> Counts {
        Counts {
            answered: self.answered.load(Ordering::Relaxed),
            addresses: self.addresses.load(Ordering::Relaxed),
            requests: sent.get(),
            found: self.found.load(Ordering::Relaxed),
        }
    }
}

/// The progress line: `12 of 250 addresses answered · 7 requests sent · 3 found`.
fn line(counts: Counts) -> String {
    let plural = |n: u64, one: &str, many: &str| {
        if n == 1 {
            format!("{n} {one}")
        } else {
            format!("{n} {many}")
        }
    };
    format!(
        "{} of {} answered · {} sent · {} found",
        counts.answered,
        plural(counts.addresses, "address", "addresses"),
        plural(counts.requests, "request", "requests"),
        counts.found,
    )
}

/// The progress line while it is shown; cleared when dropped.
pub(crate) struct Progress(Option<ProgressBar>);

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.0 {
            super::interrupt::progress_shown(None);
            bar.finish_and_clear();
        }
    }
}

/// Shows the progress of the walk that `reporter` hears about, whose
/// requests `sent` counts, until the returned value is dropped: only on a
/// terminal and not with `-q`.
pub(crate) fn show(
    verbosity: Verbosity,
    reporter: &Arc<StderrReporter>,
    sent: SentCount,
) -> Progress {
    if verbosity < Verbosity::Normal || !std::io::stderr().is_terminal() {
        return Progress(None);
    }
    let counters = Arc::clone(reporter);
    let style = ProgressStyle::with_template("{spinner} {counts}")
        .expect("a valid template")
        .with_key(
            "counts",
            move |_: &ProgressState, out: &mut dyn std::fmt::Write| {
                let _ = out.write_str(&line(counters.counts(&sent)));
            },
        );
    let bar = ProgressBar::new_spinner().with_style(style);
    bar.enable_steady_tick(TICK);
    let _ = reporter.bar.set(bar.clone());
    super::interrupt::progress_shown(Some(bar.clone()));
    Progress(Some(bar))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_counts_addresses_answered_of_all_and_requests_sent() {
        let counts = Counts {
            answered: 12,
            addresses: 250,
            requests: 7,
            found: 3,
        };
        assert_eq!(
            line(counts),
            "12 of 250 addresses answered · 7 requests sent · 3 found"
        );
        let one = Counts {
            answered: 0,
            addresses: 1,
            requests: 1,
            found: 0,
        };
        assert_eq!(
            line(one),
            "0 of 1 address answered · 1 request sent · 0 found"
        );
    }

    #[test]
    fn the_reporter_counts_what_the_walk_tells() {
        let reporter = StderrReporter::default();
        let sent = SentCount::default();
        reporter.received(200);
        reporter.received(50);
        reporter.task_started();
        reporter.task_done(2);
        reporter.task_done(1);
        reporter.answered(100);
        reporter.answered(12);
        assert_eq!(
            reporter.counts(&sent),
            Counts {
                answered: 112,
                addresses: 250,
                requests: 0,
                found: 3,
            }
        );
    }
}
