//! What the binary writes about itself or for benchmarks: shell
//! completions, the manual page, a synthetic address book.

use std::io::Write;

use clap::CommandFactory;

use super::args::Cli;
use crate::commands::{Completion, JobError};

/// A failure to write stdout.
fn stdout_error(source: std::io::Error) -> JobError {
    JobError::Output {
        target: "stdout".to_owned(),
        source,
    }
}

/// `mxlookup manpage`: the manual page (roff) on stdout.
pub fn manpage() -> Result<Completion, JobError> {
    clap_mangen::Man::new(Cli::command())
        .render(&mut std::io::stdout())
        .map_err(stdout_error)?;
    Ok(Completion::Complete)
}

/// `mxlookup completions SHELL`: the completion script on stdout.
pub fn completions(shell: clap_complete::Shell) -> Completion {
    clap_complete::generate(
        shell,
        &mut Cli::command(),
        "mxlookup",
        &mut std::io::stdout(),
    );
    Completion::Complete
}

/// `mxlookup synth`: a synthetic address book on stdout.
pub fn synth(
    contacts: usize,
    seed: u64,
    format: mxlookup::synthetic::SynthFormat,
) -> Result<Completion, JobError> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    mxlookup::synthetic::write_book(&mut out, contacts, seed, format)
        .and_then(|()| out.flush())
        .map_err(stdout_error)?;
    Ok(Completion::Complete)
}
