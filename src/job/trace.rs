//! `mxlookup trace`: one address, hop by hop, for operators.

use std::io::Write;
use std::sync::Arc;

use serde::Serialize;

use super::{Completion, JobError, NetworkSettings, runtime};
use crate::plan::Address;
use crate::report::Status;
use crate::resolve::walk::Outcome;
use crate::resolve::{Hop, Progress};
use crate::sanitize::for_terminal;

/// Validated settings of `mxlookup trace`.
#[derive(Debug, Clone)]
pub struct TraceSettings {
    /// The address, normalised.
    pub address: Address,
    /// How to reach the servers.
    pub network: NetworkSettings,
    /// JSON instead of text.
    pub json: bool,
}

#[derive(Serialize)]
struct TraceReport<'a> {
    medium: crate::threepid::Medium,
    address: &'a str,
    hops: &'a [Hop],
    status: Status,
    mxids: &'a [String],
    via: &'a [String],
    reason: Option<&'a str>,
}

/// Runs the trace and prints it on stdout.
pub fn trace(settings: &TraceSettings) -> Result<Completion, JobError> {
    let runtime = runtime()?;
    let (hops, outcome, servers) = runtime.block_on(async {
        let connected = settings.network.connect(true).await?;
        if let Some(found) = &connected.discovered {
            eprintln!("{}", found.describe());
        }
        let resolution = connected
            .resolver
            .resolve_all(
                vec![settings.address.clone()],
                Arc::new(Progress::default()),
            )
            .await;
        let outcome = resolution.outcomes.get(0).cloned();
        Ok::<_, JobError>((resolution.hops, outcome, resolution.servers))
    })?;
    let outcome = outcome.unwrap_or(Outcome {
        status: Status::Error,
        mxids: vec![],
        via: Arc::from([]),
        reason: Some("no server was asked".into()),
    });
    let report = TraceReport {
        medium: settings.address.medium,
        address: &settings.address.address,
        hops: &hops,
        status: outcome.status,
        mxids: &outcome.mxids,
        via: &outcome.via,
        reason: outcome.reason.as_deref(),
    };
    let mut out = std::io::stdout().lock();
    let written = if settings.json {
        serde_json::to_writer_pretty(&mut out, &report)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out))
    } else {
        write_text(&mut out, &report)
    };
    written.map_err(|source| JobError::Output {
        target: "stdout".to_owned(),
        source,
    })?;
    Ok(if outcome.status == Status::Error {
        for hint in super::error_hints(&servers) {
            eprintln!("hint: {hint}");
        }
        Completion::Partial
    } else {
        Completion::Complete
    })
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
