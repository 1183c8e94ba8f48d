//! The trace of one address (`mxlookup trace`): every hop's server, pepper,
//! hashes sent and answer, as text for people or JSON for data.

use std::io::Write;

use serde::Serialize;

use crate::outcome::Status;
use crate::resolve::Hop;
use crate::sanitize::for_terminal;

/// What `mxlookup trace` found for one address, hop by hop.
#[derive(Serialize)]
pub struct TraceReport<'a> {
    /// The medium.
    pub medium: crate::threepid::Medium,
    /// The normalised address.
    pub address: &'a str,
    /// Each request, in order.
    pub hops: &'a [Hop],
    /// The merged status.
    pub status: Status,
    /// Every distinct Matrix ID seen.
    pub mxids: &'a [String],
    /// The servers from the start server to the one that answered.
    pub via: &'a [String],
    /// Why, for error and unfollowed.
    pub reason: Option<&'a str>,
}

/// Writes `report` as JSON (pretty, one document) or as text.
pub fn write(out: &mut impl Write, report: &TraceReport<'_>, json: bool) -> std::io::Result<()> {
    if json {
        serde_json::to_writer_pretty(&mut *out, report)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out))
    } else {
        write_text(out, report)
    }
}

fn write_text(out: &mut impl Write, report: &TraceReport<'_>) -> std::io::Result<()> {
    writeln!(out, "{} {}", report.medium, for_terminal(report.address))?;
    for hop in report.hops {
        writeln!(
            out,
            "\nhop {}  {}  ({})  {} ms",
            hop.depth,
            for_terminal(&hop.server),
            hop.url,
            hop.elapsed_ms
        )?;
        let pepper = hop
            .lookup_pepper
            .as_deref()
            .map(for_terminal)
            .unwrap_or_default();
        write!(
            out,
            "  algorithm {}  pepper {pepper}",
            hop.algorithm.as_deref().unwrap_or("-")
        )?;
        if !hop.alt_lookup_peppers.is_empty() {
            let alts: Vec<_> = hop
                .alt_lookup_peppers
                .iter()
                .map(|p| format!("{:?}", for_terminal(p)))
                .collect();
            write!(out, "  alternatives {}", alts.join(", "))?;
        }
        writeln!(out)?;
        for sent in &hop.sent {
            writeln!(
                out,
                "  sent      {}  (pepper {})",
                for_terminal(&sent.key),
                for_terminal(&sent.pepper)
            )?;
        }
        let detail = hop.detail.as_deref().map(for_terminal).unwrap_or_default();
        writeln!(out, "  answer    {} {detail}", hop.answer)?;
    }
    write!(out, "\nresult: {}", report.status)?;
    if !report.mxids.is_empty() {
        write!(
            out,
            " {}",
            report
                .mxids
                .iter()
                .map(|m| for_terminal(m))
                .collect::<Vec<_>>()
                .join(", ")
        )?;
    }
    if !report.via.is_empty() {
        write!(out, " via {}", report.via.join(" > "))?;
    }
    if let Some(reason) = report.reason {
        write!(out, " ({})", for_terminal(reason))?;
    }
    writeln!(out)
}
