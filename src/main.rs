//! The `mxlookup` binary: parses arguments, runs one command, prints the error
//! chain once and maps the outcome to an exit code (0 complete, 1 partial,
//! 2 usage or input error).

mod cli;
mod sources;

use std::io::Write;
use std::process::ExitCode;

use clap::{ArgMatches, CommandFactory, FromArgMatches};

use cli::{Cli, Command, ConfigCommand, HashArgs};
use mxlookup::config::ConfigError;
use mxlookup::job::{self, Completion, JobError, TraceSettings, Verbosity};
use mxlookup::plan::Address;
use mxlookup::sandbox::{Federation, Sandbox};
use mxlookup::threepid::{
    Algorithm, Medium, MsisdnOptions, lookup_hash, normalise, plaintext_form,
};
use sources::{ConfigFile, Sources};

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

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Self {
        Failure {
            hint: Some(e.hint()),
            message: e.to_string(),
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
    let matches = Cli::command()
        .try_get_matches()
        .unwrap_or_else(|e| usage_error(e));
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    match run(cli, &matches) {
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

/// Prints clap's error (or help) and exits, adding a hint for mistakes
/// clap cannot explain.
fn usage_error(e: clap::Error) -> ! {
    use clap::error::{ContextKind, ErrorKind};
    if e.kind() != ErrorKind::ValueValidation {
        e.exit();
    }
    let arg = e.get(ContextKind::InvalidArg).map(|a| a.to_string());
    let _ = e.print();
    if arg.as_deref().is_some_and(|a| a.starts_with("--region")) {
        eprintln!(
            "hint: pass the country the national numbers are from, as its two-letter ISO 3166 code (-r FR, -r US; also MXLOOKUP_REGION or `region` in the config file); numbers written with +CC need no region"
        );
    }
    std::process::exit(2);
}

/// Loads the configuration file for the commands that read settings, and
/// fills from it what flags and variables left unset.
fn settings(cli: &mut Cli, matches: &ArgMatches) -> Result<(ConfigFile, Sources), Failure> {
    let reads_settings = matches!(
        cli.command,
        Command::Lookup(_)
            | Command::Trace(_)
            | Command::Push(_)
            | Command::Bind(_)
            | Command::Unbind(_)
            | Command::Hash(_)
            | Command::Config(_)
    );
    if !reads_settings {
        let none = ConfigFile {
            loaded: None,
            path: None,
        };
        return Ok((none, Sources::new()));
    }
    let file = ConfigFile::load(cli, matches)?;
    let sources = sources::apply(cli, matches, &file);
    Ok((file, sources))
}

fn run(mut cli: Cli, matches: &ArgMatches) -> Result<Completion, Failure> {
    let verbosity = Verbosity::from_flags(cli.quiet, cli.verbose);
    let (file, sources) = settings(&mut cli, matches)?;
    match cli.command {
        Command::Config(ConfigCommand::Show(args)) => config_show(args, &file, sources),
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

fn config_show(
    args: cli::ConfigShowArgs,
    file: &ConfigFile,
    sources: Sources,
) -> Result<Completion, Failure> {
    // With no server anywhere, show what a run would discover.
    let net = &args.network;
    let discovered = if net.servers.is_empty() && net.homeserver.is_some() && !net.sandbox {
        let settings = net.clone().settings().map_err(Failure::usage)?;
        let runtime = job::runtime()?;
        match runtime.block_on(settings.discover_servers()) {
            Ok(found) => Some((found.servers, found.url)),
            Err(e) => {
                eprintln!("warning: {e}");
                None
            }
        }
    } else {
        None
    };
    sources::show(args, file, sources, discovered).map_err(|e| Failure {
        message: format!("cannot write stdout: {e}"),
        hint: None,
    })?;
    Ok(Completion::Complete)
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
