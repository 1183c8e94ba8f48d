//! The `mxlookup` binary: parses arguments, runs one command, prints the error
//! chain once and maps the outcome to an exit code (0 complete, 1 partial,
//! 2 usage or input error).

mod cli;
mod commands;

use std::io::Write;
use std::process::ExitCode;

use clap::{ArgMatches, CommandFactory, FromArgMatches};

use crate::commands::{self as job, Completion, JobError, Verbosity};
use cli::args::{Cli, Command, ConfigCommand};
use cli::config_file::ConfigError;
use cli::layers::{ConfigFile, Sources};

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
    let sources = cli::layers::apply(cli, matches, &file);
    Ok((file, sources))
}

fn run(mut cli: Cli, matches: &ArgMatches) -> Result<Completion, Failure> {
    let verbosity = Verbosity::from_flags(cli.quiet, cli.verbose);
    let (file, sources) = settings(&mut cli, matches)?;
    match cli.command {
        Command::Config(ConfigCommand::Show(args)) => cli::show::config_show(args, &file, sources),
        Command::Lookup(args) => {
            let settings = args.settings(verbosity).map_err(Failure::usage)?;
            job::lookup(&settings).map_err(Failure::from)
        }
        Command::Hash(args) => job::hash::hash(&args.settings()).map_err(Failure::from),
        Command::Trace(args) => {
            let settings = args.settings().map_err(Failure::usage)?;
            job::trace(&settings).map_err(Failure::from)
        }
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
        Command::Sandbox { federation } => {
            job::sandbox::sandbox(federation.as_deref()).map_err(Failure::from)
        }
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
