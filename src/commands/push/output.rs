//! What `mxlookup push` writes on stdout: a line per batch for people, a
//! JSON object per batch, or one JSON document; each batch is written (and
//! flushed) as soon as the recipient has answered it.

use std::io::{self, Write};

use serde::Serialize;

use super::{
    BatchPlan, BatchReport, BatchStatus, HashStatus, IsolationReport, PepperKind, PushFormat,
    PushSummary,
};
use crate::commands::JobError;
use crate::commands::interrupt::{self, WholeLines};
use mxlookup::sanitize::for_terminal;

/// Writes batches on stdout as they are answered (a JSON document at the end).
pub(super) struct BatchWriter {
    format: PushFormat,
    batch_width: usize,
    pepper_width: usize,
    kept: Vec<BatchReport>,
}

const PEPPER_SHOWN: usize = 12;

/// A pepper as the table shows it: whole when short, else its start.
fn shown_pepper(pepper: &str, kind: PepperKind) -> String {
    let mut shown = if pepper.chars().count() > PEPPER_SHOWN {
        let start: String = pepper.chars().take(PEPPER_SHOWN - 4).collect();
        format!("{start}…")
    } else {
        pepper.to_owned()
    };
    shown = for_terminal(&shown).into_owned();
    if kind == PepperKind::Alternative {
        shown.push_str(" (alt)");
    }
    shown
}

impl BatchWriter {
    pub(super) fn new(format: PushFormat, batches: &[BatchPlan]) -> Self {
        let pepper_width = batches
            .iter()
            .map(|b| shown_pepper(&b.pepper, b.kind).chars().count())
            .chain(["PEPPER".len()])
            .max()
            .unwrap_or(0);
        BatchWriter {
            format,
            batch_width: batches.len().to_string().len().max("BATCH".len()),
            pepper_width,
            kept: Vec::new(),
        }
    }

    pub(super) fn start(&mut self) -> Result<(), JobError> {
        if self.format == PushFormat::Table {
            let (bw, pw) = (self.batch_width, self.pepper_width);
            let line = format!(
                "{:bw$}  {:pw$}  HASHES  {:8}  DETAIL",
                "BATCH", "PEPPER", "STATUS"
            );
            write_stdout(|out| writeln!(out, "{}", line.trim_end()))?;
        }
        Ok(())
    }

    pub(super) fn batch(&mut self, report: &BatchReport) -> Result<(), JobError> {
        match self.format {
            PushFormat::Json => {
                self.kept.push(report.clone());
                Ok(())
            }
            PushFormat::Ndjson => write_stdout(|out| {
                serde_json::to_writer(&mut *out, report)?;
                writeln!(out)
            }),
            PushFormat::Table => {
                let (bw, pw) = (self.batch_width, self.pepper_width);
                let status = match report.status {
                    BatchStatus::Accepted => "accepted",
                    BatchStatus::Rejected => "rejected",
                    BatchStatus::Unknown => "unknown",
                    BatchStatus::Isolated => "isolated",
                    BatchStatus::NotSent => "not_sent",
                };
                let detail = match (&report.isolation, &report.reason, report.status) {
                    (Some(isolation), _, _) => isolation_detail(report, isolation),
                    (None, Some(reason), _) => for_terminal(reason).into_owned(),
                    (None, None, BatchStatus::NotSent) => "dry run".to_owned(),
                    (None, None, _) => String::new(),
                };
                let mut lines = vec![format!(
                    "{:<bw$}  {:pw$}  {:>6}  {status:8}  {detail}",
                    report.batch,
                    shown_pepper(&report.pepper, report.pepper_kind),
                    report.hashes,
                )];
                for hash in report.isolation.iter().flat_map(|i| &i.hashes) {
                    let status = match hash.status {
                        HashStatus::Stored => "stored",
                        HashStatus::AlreadyHeld => "already_held",
                        HashStatus::Unknown => "unknown",
                    };
                    // Only an unknown hash has more to say than its status.
                    let why = match hash.status {
                        HashStatus::Unknown => for_terminal(&hash.reason).into_owned(),
                        _ => String::new(),
                    };
                    lines.push(format!(
                        "{:bw$}    {status:12}  {}  {why}",
                        "",
                        for_terminal(&hash.address),
                    ));
                }
                write_stdout(|out| {
                    lines
                        .iter()
                        .try_for_each(|line| writeln!(out, "{}", line.trim_end()))
                })
            }
        }
    }

    pub(super) fn finish(&mut self, summary: &PushSummary) -> Result<(), JobError> {
        if self.format != PushFormat::Json {
            return Ok(());
        }
        #[derive(Serialize)]
        struct Document<'a> {
            batches: &'a [BatchReport],
            summary: &'a PushSummary,
        }
        let document = Document {
            batches: &self.kept,
            summary,
        };
        write_stdout(|out| {
            serde_json::to_writer_pretty(&mut *out, &document)?;
            writeln!(out)
        })
    }
}

/// What isolation found, in the table (the batch's own reason, which said
/// its outcome was unknown, is in the JSON).
fn isolation_detail(report: &BatchReport, isolation: &IsolationReport) -> String {
    let answered = match report.http_status {
        Some(status) => format!("HTTP {status}"),
        None => "no answer".to_owned(),
    };
    let mut detail = format!(
        "{answered}, then isolated in {} more requests: {} stored, {} already held, {} unknown",
        isolation.requests,
        isolation.count(HashStatus::Stored),
        isolation.count(HashStatus::AlreadyHeld),
        isolation.count(HashStatus::Unknown),
    );
    if let Some(stopped) = &isolation.stopped {
        detail.push_str("; ");
        detail.push_str(&for_terminal(stopped));
    }
    detail
}

/// Writes and flushes stdout, so that each batch shows when it is answered,
/// in whole lines (Ctrl-C leaves none cut: [`interrupt::stdout`]). A
/// closed pipe (`| head`) is the reader's choice, not a failure.
fn write_stdout(write: impl FnOnce(&mut WholeLines) -> io::Result<()>) -> Result<(), JobError> {
    let mut out = interrupt::stdout();
    match write(&mut out).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(|source| JobError::Output {
            target: "stdout".to_owned(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_peppers_are_shortened_in_the_table() {
        assert_eq!(shown_pepper("m4Trx", PepperKind::Current), "m4Trx");
        assert_eq!(
            shown_pepper("0123456789abcdef0123456789abcdef", PepperKind::Alternative),
            "01234567… (alt)"
        );
    }
}
