//! The commands, one file each: they take validated settings, do the work
//! through the library's stages, and return how the run ended or a typed
//! error with its hint. `main` only parses, calls and maps the exit code.

pub mod bind;
pub mod connect;
pub mod dav_login;
pub mod dav_source;
pub mod dav_write;
pub mod hash;
pub mod interrupt;
pub mod login;
pub mod lookup;
pub mod output_file;
pub mod progress;
pub mod push;
pub mod sandbox;
pub mod terminal;
pub mod tokens;
pub mod trace;
pub mod write_back;

pub use bind::{BindFormat, BindSettings, UnbindSettings, bind, unbind};
pub use connect::{Connected, NetworkSettings};
pub use lookup::{LookupSettings, Mode, OutputSettings, lookup};
pub use push::{PushFormat, PushSettings, push};
pub use trace::{TraceSettings, trace};

use std::io;
use std::time::Instant;

use mxlookup::addressbook::ReadError;
use mxlookup::resolve::server::ServerStats;

/// How much mxlookup says on stderr (`-q`, default, `-v`, `-vv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// Errors only.
    Quiet,
    /// Warnings and the closing summary.
    Normal,
    /// Also the stages and their timings.
    Verbose,
    /// Also per-item detail, which may include addresses.
    Debug,
}

impl Verbosity {
    /// From the `-q` flag and the number of `-v`.
    pub fn from_flags(quiet: bool, verbose: u8) -> Self {
        match (quiet, verbose) {
            (true, _) => Verbosity::Quiet,
            (false, 0) => Verbosity::Normal,
            (false, 1) => Verbosity::Verbose,
            (false, _) => Verbosity::Debug,
        }
    }
}

/// How a run ended, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completion {
    /// Every address got a definite answer (exit 0).
    Complete,
    /// Some addresses ended in `error` (exit 1).
    Partial,
}

/// Why a run stopped (exit 2): a usage or configuration mistake found
/// before any command ran, or one that stopped a command. `main` prints
/// it and its [`JobError::hint`] once.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// An input file could not be read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The output could not be written.
    #[error("cannot write {target}: {source}")]
    Output {
        /// The file, or `stdout`.
        target: String,
        /// What the system said.
        source: io::Error,
    },
    /// The options, the configuration file or the address given do not
    /// make a run.
    #[error("{message}")]
    Config {
        /// What is wrong.
        message: String,
        /// What to do.
        hint: Option<String>,
    },
}

impl JobError {
    /// Options that do not make a run, and what to do about them.
    pub fn config(message: impl Into<String>, hint: Option<&str>) -> Self {
        JobError::Config {
            message: message.into(),
            hint: hint.map(str::to_owned),
        }
    }

    /// What the user can do about it, when there is something to say.
    pub fn hint(&self) -> Option<String> {
        match self {
            JobError::Config { hint, .. } => hint.clone(),
            JobError::Read(ReadError::Io { file, source }) => read_hint(file, source),
            JobError::Read(ReadError::NotAnAddressBook { .. }) => Some(
                "mxlookup reads vCard, CSV and text files; pass --input-format if the content is one of those"
                    .to_owned(),
            ),
            JobError::Read(ReadError::Column { hint, .. }) => Some(hint.clone()),
            JobError::Read(ReadError::NoCards { folder }) => Some(format!(
                "a folder is read as a vdir (vdirsyncer, khard): one .vcf file per contact, in it or in its sub-folders; for other address books in `{folder}`, name the files"
            )),
            _ => None,
        }
    }
}

/// What to do about a file that cannot be read, by what the system said.
fn read_hint(file: &str, error: &io::Error) -> Option<String> {
    Some(match error.kind() {
        io::ErrorKind::NotFound => {
            format!(
                "check the path `{file}` (relative to the current folder); `-` reads standard input"
            )
        }
        io::ErrorKind::PermissionDenied => format!(
            "mxlookup needs to read `{file}`: check its permissions (ls -l) or pass a copy you can read"
        ),
        io::ErrorKind::IsADirectory => format!(
            "`{file}` is a folder: pass the address books in it, e.g. {}/*.vcf",
            file.trim_end_matches('/')
        ),
        _ => return None,
    })
}

/// A tokio runtime with a worker per core.
pub fn runtime() -> Result<tokio::runtime::Runtime, JobError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| JobError::config(format!("cannot start the async runtime: {e}"), None))
}

/// What to do about the errors of a partial run: the servers' own hints,
/// else where to look.
pub(crate) fn error_hints(servers: &[ServerStats]) -> Vec<String> {
    let mut hints: Vec<String> = Vec::new();
    for hint in servers.iter().flat_map(|s| &s.hints) {
        if !hints.contains(hint) {
            hints.push(hint.clone());
        }
    }
    if hints.is_empty() {
        hints.push(
            "the `reason` of each result in error says why; `mxlookup trace ADDRESS` shows every request and answer for one address"
                .to_owned(),
        );
    }
    hints
}

/// Says on stderr, with -v, that a stage ended and when.
fn stage(verbosity: Verbosity, started: Instant, what: &str) {
    if verbosity >= Verbosity::Verbose {
        eprintln!("[{:>7.3}s] {what}", started.elapsed().as_secs_f64());
    }
}

/// What reading the books said: warnings (and their hints), and at `-v`
/// the notes.
fn tell_notices(books: &[mxlookup::addressbook::Opened], verbosity: Verbosity) {
    for notice in books.iter().flat_map(|book| &book.notices) {
        if notice.warning && verbosity >= Verbosity::Normal {
            eprintln!("warning: {notice}");
            if let Some(hint) = &notice.hint {
                eprintln!("hint: {hint}");
            }
        } else if !notice.warning && verbosity >= Verbosity::Verbose {
            eprintln!("note: {notice}");
        }
    }
}
