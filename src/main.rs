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
    std::panic::set_hook(Box::new(report_panic));
    let (cli, matches) = cli::parse();
    // The sandbox ends on Ctrl-C its own way; every other command stops
    // cleanly (see `commands::interrupt`).
    if !matches!(cli.command, Command::Sandbox { .. }) {
        commands::interrupt::install();
    }
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
    let layers = layers.with_kept_session(commands::login::kept_session);
    match cli.command {
        Command::Config(ConfigCommand::Show(args)) => cli::show::config_show(args, &file, layers),
        Command::Lookup(args) => commands::lookup(&settings::lookup(args, layers, verbosity)?),
        Command::Hash(args) => commands::hash::hash(&settings::hash(args, layers)),
        Command::Trace(args) => commands::trace(&settings::trace(args, layers)?),
        Command::Push(args) => commands::push(&settings::push(args, layers, verbosity)?),
        Command::Bind(args) => commands::bind(&settings::bind(args, layers, verbosity)?),
        Command::Unbind(args) => commands::unbind(&settings::unbind(args, layers)?),
        Command::Login(args) => commands::login::login(&settings::login(args, verbosity)?),
        Command::Logout(args) => commands::login::logout(&settings::logout(args)?, verbosity),
        Command::Sandbox { federation } => commands::sandbox::sandbox(federation.as_deref()),
        Command::Manpage { dir } => generate::manpage(dir.as_deref()),
        Command::Completions { shell } => Ok(generate::completions(shell)),
        Command::Synth {
            contacts,
            seed,
            format,
        } => generate::synth(contacts, seed, format),
    }
}

/// Says a panic the way every other error is said, instead of Rust's panic
/// text: an `error:` line, then a `hint:`; the backtrace follows only when
/// `RUST_BACKTRACE` asks for it.
fn report_panic(info: &std::panic::PanicHookInfo<'_>) {
    let message = info
        .payload()
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| info.payload().downcast_ref::<String>().cloned());
    let at = info
        .location()
        .map(|l| format!("{}:{}", l.file(), l.line()));
    let (error, hint) = panic_lines(message.as_deref(), at.as_deref());
    eprintln!("{error}");
    eprintln!("{hint}");
    let backtrace = std::backtrace::Backtrace::capture();
    if backtrace.status() == std::backtrace::BacktraceStatus::Captured {
        eprintln!("{backtrace}");
    }
}

/// The `error:` and `hint:` lines for a panic with `message`, at `at`.
fn panic_lines(message: Option<&str>, at: Option<&str>) -> (String, String) {
    let what = message.map_or_else(
        || "an internal error".to_owned(),
        |m| format!("internal error: {}", mxlookup::sanitize::for_terminal(m)),
    );
    let error = match at {
        Some(at) => format!("error: {what} (at {at})"),
        None => format!("error: {what}"),
    };
    let hint = "hint: this is a bug in mxlookup, not in your input or servers: please report it with the command you ran and what RUST_BACKTRACE=1 adds to this message".to_owned();
    (error, hint)
}

#[cfg(test)]
mod tests {
    use super::panic_lines;

    #[test]
    fn a_panic_is_said_as_one_error_and_a_hint() {
        let (error, hint) = panic_lines(
            Some("walk tasks do not panic"),
            Some("src/resolve/mod.rs:9"),
        );
        assert_eq!(
            error,
            "error: internal error: walk tasks do not panic (at src/resolve/mod.rs:9)"
        );
        assert!(
            hint.starts_with("hint: this is a bug in mxlookup")
                && hint.contains("RUST_BACKTRACE=1")
        );
        let (error, _) = panic_lines(None, None);
        assert_eq!(error, "error: an internal error");
        // Nothing from the message can drive the terminal, nor add a line.
        let (error, _) = panic_lines(Some("a\x1b[2Jb\nthread 'main' panicked"), None);
        assert!(!error.contains('\x1b') && !error.contains('\n'), "{error}");
    }
}
