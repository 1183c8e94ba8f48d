//! `mxlookup sandbox`: the embedded federation on loopback, until Ctrl-C.

use std::path::Path;

use super::{Completion, JobError, runtime};
use mxlookup::sandbox::{Federation, Sandbox, Sent};

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
        echo_tokens(&sandbox);
        eprintln!("Serving until Ctrl-C; validation tokens (mxlookup bind) are printed here.");
        tokio::signal::ctrl_c()
            .await
            .map_err(|e| failed(format!("cannot wait for Ctrl-C: {e}")))?;
        drop(sandbox);
        Ok(Completion::Complete)
    })
}

/// Prints each validation token a sandbox identity server sends on stderr,
/// as it is sent: the "mail" of `mxlookup bind` against the sandbox, for a
/// person at its prompt.
pub fn echo_tokens(sandbox: &Sandbox) {
    sandbox.on_mail(|sent| eprintln!("{}", mail_line(sent)));
}

/// The line a sent token is echoed as.
fn mail_line(sent: &Sent) -> String {
    format!(
        "[sandbox] {} sent a token to {} {}: {}",
        sent.server, sent.medium, sent.address, sent.token
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use mxlookup::threepid::Medium;

    #[test]
    fn a_sent_token_is_echoed_on_one_line_naming_server_address_and_token() {
        let sent = Sent {
            server: "matrix.example:443".into(),
            medium: Medium::Msisdn,
            address: "33612345678".into(),
            token: "123456".into(),
        };
        assert_eq!(
            mail_line(&sent),
            "[sandbox] matrix.example:443 sent a token to msisdn 33612345678: 123456"
        );
    }
}
