//! `mxlookup trace`: one address, hop by hop, for operators.

use std::io::Write;
use std::sync::Arc;

use super::lookup::StderrReporter;
use super::{Completion, JobError, NetworkSettings, runtime};
use mxlookup::outcome::{Address, Outcome, Status};
use mxlookup::report::trace::{self, TraceReport};
use mxlookup::threepid::{Medium, MsisdnOptions, normalise};

/// Validated settings of `mxlookup trace`.
#[derive(Debug, Clone)]
pub struct TraceSettings {
    /// The address as given.
    pub input: String,
    /// Its medium, when given (else inferred from the address).
    pub medium: Option<Medium>,
    /// How a phone number is read.
    pub msisdn: MsisdnOptions,
    /// How to reach the servers.
    pub network: NetworkSettings,
    /// JSON instead of text.
    pub json: bool,
}

/// Runs the trace and prints it on stdout.
pub fn trace(settings: &TraceSettings) -> Result<Completion, JobError> {
    let medium = settings
        .medium
        .unwrap_or_else(|| Medium::infer(&settings.input));
    let address = Address {
        medium,
        address: normalise(&settings.input, medium, &settings.msisdn).map_err(|e| {
            JobError::Config {
                message: format!("cannot trace `{}` as {medium}: {e}", settings.input),
                hint: None,
            }
        })?,
    };
    let runtime = runtime()?;
    let (hops, outcome, servers) = runtime.block_on(async {
        let connected = settings.network.connect(true).await?;
        if let Some(found) = &connected.discovered {
            eprintln!("{}", found.describe());
        }
        let resolution = connected
            .resolver
            .resolve_all(vec![address.clone()], Arc::new(StderrReporter::default()))
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
        medium: address.medium,
        address: &address.address,
        hops: &hops,
        status: outcome.status,
        mxids: &outcome.mxids,
        via: &outcome.via,
        reason: outcome.reason.as_deref(),
    };
    // Whole lines only, should Ctrl-C come while they are written.
    let mut out = super::interrupt::stdout();
    trace::write(&mut out, &report, settings.json)
        .and_then(|()| out.flush())
        .map_err(|source| JobError::Output {
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
