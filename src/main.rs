//! The `mxlookup` binary: parses arguments, runs one command, prints the error
//! chain once and maps the outcome to an exit code (0 complete, 1 partial,
//! 2 usage or input error).

mod cli;

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use cli::{Cli, Command, HashArgs};
use mxlookup::job::{self, Completion, JobError, TraceSettings, Verbosity};
use mxlookup::plan::Address;
use mxlookup::sandbox::{Federation, Sandbox};
use mxlookup::threepid::{
    Algorithm, Medium, MsisdnOptions, lookup_hash, normalise, plaintext_form,
};

/// An error for the user: the message, and what to do about it.
struct Failure {
    message: String,
    hint: Option<String>,
}

impl Failure {
    /// Arguments that do not make a run: no hint beyond the message.
    fn usage(message: String) -> Self {
        Failure {
            message,
            hint: None,
        }
    }
}

impl From<JobError> for Failure {
    fn from(e: JobError) -> Self {
        Failure {
            hint: e.hint(),
            message: e.to_string(),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(Completion::Complete) => ExitCode::SUCCESS,
        Ok(Completion::Partial) => ExitCode::from(1),
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            if let Some(hint) = failure.hint {
                eprintln!("hint: {hint}");
            }
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<Completion, Failure> {
    let verbosity = Verbosity::from_flags(cli.quiet, cli.verbose);
    match cli.command {
        Command::Lookup(args) => {
            let settings = args.settings(verbosity).map_err(Failure::usage)?;
            job::lookup(&settings).map_err(Failure::from)
        }
        Command::Hash(args) => hash(&args),
        Command::Trace(args) => trace(args),
        Command::Push(args) => {
            let settings = args.settings(verbosity).map_err(Failure::usage)?;
            job::push(&settings).map_err(Failure::from)
        }
        Command::Bind(args) => {
            let settings = args.settings(verbosity).map_err(Failure::usage)?;
            job::bind(&settings).map_err(Failure::from)
        }
        Command::Unbind(args) => {
            let settings = args.settings().map_err(Failure::usage)?;
            job::unbind(&settings).map_err(Failure::from)
        }
        Command::Sandbox { federation } => sandbox(federation),
        Command::Manpage => {
            clap_mangen::Man::new(Cli::command())
                .render(&mut std::io::stdout())
                .map_err(|e| Failure {
                    message: format!("cannot write stdout: {e}"),
                    hint: None,
                })?;
            Ok(Completion::Complete)
        }
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "mxlookup",
                &mut std::io::stdout(),
            );
            Ok(Completion::Complete)
        }
        Command::Synth {
            contacts,
            seed,
            format,
        } => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            mxlookup::synthetic::write_book(&mut out, contacts, seed, format)
                .and_then(|()| out.flush())
                .map_err(|e| Failure {
                    message: format!("cannot write stdout: {e}"),
                    hint: None,
                })?;
            Ok(Completion::Complete)
        }
    }
}

fn hash(args: &HashArgs) -> Result<Completion, Failure> {
    let medium = args.medium();
    let address = normalise(&args.address, medium, &args.msisdn()).map_err(|e| Failure {
        message: format!("cannot hash `{}` as {medium}: {e}", args.address),
        hint: None,
    })?;
    let line = match (args.algorithm(), &args.pepper) {
        (Algorithm::Sha256, Some(pepper)) => lookup_hash(&address, medium, pepper),
        (Algorithm::Sha256, None) => {
            return Err(Failure {
                message: "the sha256 algorithm needs the server's pepper: pass --pepper".to_owned(),
                hint: Some(
                    "the pepper is `lookup_pepper` in GET /_matrix/identity/v2/hash_details"
                        .to_owned(),
                ),
            });
        }
        (Algorithm::None, _) => plaintext_form(&address, medium),
    };
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}").map_err(|e| Failure {
        message: format!("cannot write stdout: {e}"),
        hint: None,
    })?;
    Ok(Completion::Complete)
}

fn trace(args: cli::TraceArgs) -> Result<Completion, Failure> {
    let medium = args
        .medium
        .as_deref()
        .and_then(|m| m.parse().ok())
        .unwrap_or_else(|| Medium::infer(&args.address));
    let msisdn = MsisdnOptions {
        region: args.region.region,
        bare_digits_are_international: true,
    };
    let address = normalise(&args.address, medium, &msisdn).map_err(|e| Failure {
        message: format!("cannot trace `{}` as {medium}: {e}", args.address),
        hint: None,
    })?;
    let settings = TraceSettings {
        address: Address { medium, address },
        network: args.network.settings().map_err(Failure::usage)?,
        json: args.format == "json",
    };
    job::trace(&settings).map_err(Failure::from)
}

fn sandbox(federation: Option<std::path::PathBuf>) -> Result<Completion, Failure> {
    let fail = |message: String| Failure {
        message,
        hint: None,
    };
    let runtime = job::runtime().map_err(|e| fail(e.to_string()))?;
    runtime.block_on(async {
        let spec = match &federation {
            Some(path) => Federation::load(path).map_err(|e| fail(e.to_string()))?,
            None => Federation::default_federation(),
        };
        let sandbox = Sandbox::start(spec)
            .await
            .map_err(|e| fail(format!("cannot start the sandbox: {e}")))?;
        println!("{}", sandbox.describe());
        // `mxlookup bind` against it: the "mail" is printed here.
        sandbox.echo_tokens(true);
        eprintln!("Serving until Ctrl-C; validation tokens (mxlookup bind) are printed here.");
        tokio::signal::ctrl_c()
            .await
            .map_err(|e| fail(format!("cannot wait for Ctrl-C: {e}")))?;
        drop(sandbox);
        Ok(Completion::Complete)
    })
}
