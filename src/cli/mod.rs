//! The binary's side of settings: the clap arguments ([`args`], with their
//! long help in [`help`]), the configuration file ([`config_file`]), the
//! layering of flags, variables and the file ([`layers`]), the typed
//! settings the commands take ([`settings`]), `config show` ([`show`]),
//! and what the binary generates ([`generate`]).

pub mod args;
pub mod config_file;
pub mod generate;
pub mod help;
pub mod layers;
pub mod settings;
pub mod show;

use clap::{ArgMatches, CommandFactory, FromArgMatches};

use crate::commands::JobError;
use args::{Cli, Command};
use layers::ConfigFile;

/// Parses the command line; on a mistake, prints clap's error (with a hint
/// for the mistakes clap cannot explain) or the help, and exits.
pub fn parse() -> (Cli, ArgMatches) {
    let matches = Cli::command()
        .try_get_matches()
        .unwrap_or_else(|e| usage_error(e));
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    (cli, matches)
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

/// The matches of the command that runs (`config show`'s, not `config`'s).
pub fn command_matches(matches: &ArgMatches) -> &ArgMatches {
    match matches.subcommand() {
        Some((_, sub)) => command_matches(sub),
        None => matches,
    }
}

/// The configuration file, for the commands that read settings; none for
/// the others.
pub fn config_file(cli: &Cli, matches: &ArgMatches) -> Result<ConfigFile, JobError> {
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
        return Ok(ConfigFile {
            loaded: None,
            path: None,
        });
    }
    Ok(ConfigFile::load(cli.config.as_ref(), matches)?)
}
