//! The `mxlookup` binary: parses arguments, runs one command, prints the
//! error and its hint once and maps the outcome to an exit code
//! (0 complete, 1 partial, 2 usage or input error).

mod cli;
mod commands;

use std::process::ExitCode;

use clap::ArgMatches;

use cli::args::{Cli, Command, ConfigCommand};
use cli::layers::Layers;
use cli::{generate, settings};
use commands::{Completion, JobError, Verbosity};

fn main() -> ExitCode {
    let (cli, matches) = cli::parse();
    match run(cli, &matches) {
        Ok(Completion::Complete) => ExitCode::SUCCESS,
        Ok(Completion::Partial) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            if let Some(hint) = e.hint() {
                eprintln!("hint: {hint}");
            }
            ExitCode::from(2)
        }
    }
}

/// Loads the configuration file, turns the arguments into the command's
/// settings, and runs it.
fn run(cli: Cli, matches: &ArgMatches) -> Result<Completion, JobError> {
    let verbosity = Verbosity::from_flags(cli.quiet, cli.verbose);
    let file = cli::config_file(&cli, matches)?;
    let layers = Layers::new(cli::command_matches(matches), file.loaded.as_ref());
    match cli.command {
        Command::Config(ConfigCommand::Show(args)) => cli::show::config_show(args, &file, layers),
        Command::Lookup(args) => commands::lookup(&settings::lookup(args, layers, verbosity)?),
        Command::Hash(args) => commands::hash::hash(&settings::hash(args, layers)),
        Command::Trace(args) => commands::trace(&settings::trace(args, layers)?),
        Command::Push(args) => commands::push(&settings::push(args, layers, verbosity)?),
        Command::Bind(args) => commands::bind(&settings::bind(args, layers, verbosity)?),
        Command::Unbind(args) => commands::unbind(&settings::unbind(args, layers)?),
        Command::Sandbox { federation } => commands::sandbox::sandbox(federation.as_deref()),
        Command::Manpage => generate::manpage(),
        Command::Completions { shell } => Ok(generate::completions(shell)),
        Command::Synth {
            contacts,
            seed,
            format,
        } => generate::synth(contacts, seed, format),
    }
}
