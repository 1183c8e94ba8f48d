//! `mxlookup sandbox`: the embedded federation on loopback, until Ctrl-C.

use std::path::Path;

use super::{Completion, JobError, runtime};
use mxlookup::sandbox::{Federation, Sandbox};

fn failed(message: String) -> JobError {
    JobError::Config {
        message,
        hint: None,
    }
}

/// Serves the federation of `federation` (else the built-in one), prints its
/// servers and tokens on stdout, and the validation tokens of `mxlookup
/// bind` on stderr, until Ctrl-C.
pub fn sandbox(federation: Option<&Path>) -> Result<Completion, JobError> {
    let runtime = runtime()?;
    runtime.block_on(async {
        let spec = match federation {
            Some(path) => Federation::load(path).map_err(|e| failed(e.to_string()))?,
            None => Federation::default_federation(),
        };
        let sandbox = Sandbox::start(spec)
            .await
            .map_err(|e| failed(format!("cannot start the sandbox: {e}")))?;
        println!("{}", sandbox.describe());
        // `mxlookup bind` against it: the "mail" is printed here.
        sandbox.echo_tokens(true);
        eprintln!("Serving until Ctrl-C; validation tokens (mxlookup bind) are printed here.");
        tokio::signal::ctrl_c()
            .await
            .map_err(|e| failed(format!("cannot wait for Ctrl-C: {e}")))?;
        drop(sandbox);
        Ok(Completion::Complete)
    })
}
