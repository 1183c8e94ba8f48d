//! The lookup job, stage by stage: read the address books, build the plan,
//! resolve it through the federation (or, in a dry run, only compute what
//! would be sent), write the report. `main` only parses arguments into
//! [`LookupSettings`] and maps the result to an exit code.

pub mod bind;
mod network;
pub mod push;
mod records;
mod trace;

pub use bind::{BindFormat, BindSettings, UnbindSettings, bind, unbind};
pub use network::{Connected, NetworkSettings};
pub use push::{PushFormat, PushSettings, push};
pub use trace::{TraceSettings, trace};

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use crate::addressbook::{self, Format, ReadError, ReadOptions};
use crate::plan::{AddressId, Plan, Target};
use crate::report::{self, OutputFormat, Records, Status, Summary, TableStyle};
use crate::resolve::Progress;
use crate::resolve::server::ServerStats;
use crate::threepid::{Algorithm, MsisdnOptions};

/// Validated settings of `mxlookup lookup`.
#[derive(Debug, Clone)]
pub struct LookupSettings {
    /// Address books to read (`-` is stdin).
    pub files: Vec<String>,
    /// Forced input format, else sniffed per file.
    pub input_format: Option<Format>,
    /// How phone numbers are read.
    pub msisdn: MsisdnOptions,
    /// What to do with the addresses.
    pub mode: Mode,
    /// Where and how to write results.
    pub output: OutputSettings,
}

/// What a lookup does with the addresses it read.
#[derive(Debug, Clone)]
pub enum Mode {
    /// Compute what would be sent with this pepper and algorithm; send nothing.
    DryRun {
        /// The pepper to hash with.
        pepper: String,
        /// The algorithm to show the form of.
        algorithm: Algorithm,
    },
    /// Ask the federation; with `dry_run`, fetch the start servers'
    /// `hash_details` only and show what would be sent.
    Network {
        /// How to reach it.
        network: Box<NetworkSettings>,
        /// Send no address and no hash.
        dry_run: bool,
    },
}

/// Where and how results are written.
#[derive(Debug, Clone)]
pub struct OutputSettings {
    /// The format.
    pub format: OutputFormat,
    /// A file instead of stdout.
    pub path: Option<PathBuf>,
    /// Colour in the table.
    pub color: bool,
    /// How much goes to stderr.
    pub verbosity: Verbosity,
}

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

/// Why a job could not run (exit 2).
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
    /// The options do not make a run.
    #[error("{message}")]
    Config {
        /// What is wrong.
        message: String,
        /// What to do.
        hint: Option<String>,
    },
}

impl JobError {
    /// What the user can do about it, when there is something to say.
    pub fn hint(&self) -> Option<String> {
        match self {
            JobError::Config { hint, .. } => hint.clone(),
            JobError::Read(ReadError::Io { file, source }) => read_hint(file, source),
            JobError::Read(ReadError::NotAnAddressBook { .. }) => Some(
                "mxlookup reads vCard, CSV and text files; pass --input-format if the content is one of those"
                    .to_owned(),
            ),
            JobError::Read(ReadError::TooLarge { .. }) => {
                Some("split the address book into smaller files".to_owned())
            }
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

/// How the servers are reached while the files are read.
enum Reaching<'a> {
    /// Not at all: `--dry-run --pepper P`, with this pepper and algorithm.
    Offline(&'a str, Algorithm),
    /// Being reached on the runtime; with `--dry-run`, only for peppers.
    Network(
        tokio::runtime::Runtime,
        tokio::task::JoinHandle<Result<Connected, JobError>>,
        bool,
    ),
}

/// Runs `mxlookup lookup`.
pub fn lookup(settings: &LookupSettings) -> Result<Completion, JobError> {
    let verbosity = settings.output.verbosity;
    let started = Instant::now();
    // The cards as read are kept only to write them back.
    let read_options = ReadOptions {
        keep_cards: settings.output.format == OutputFormat::Vcard,
    };
    // The start servers are reached (registered with, their peppers
    // fetched) while the files are read; a file that cannot be read still
    // ends the run before any address is sent.
    let reaching = match &settings.mode {
        Mode::Network { network, dry_run } => {
            let runtime = runtime()?;
            let network = network.clone();
            let connecting = runtime.spawn(async move {
                let connected = network.connect(false).await?;
                connected.resolver.prepare().await;
                Ok(connected)
            });
            Reaching::Network(runtime, connecting, *dry_run)
        }
        Mode::DryRun { pepper, algorithm } => Reaching::Offline(pepper, *algorithm),
    };
    let books = addressbook::read_all(&settings.files, settings.input_format, read_options)?;
    let contacts: usize = books.iter().map(|b| b.contacts.len()).sum();
    stage(
        verbosity,
        started,
        &format!("read {contacts} contacts from {} files", books.len()),
    );
    let plan = Plan::build(books, &settings.msisdn);
    stage(
        verbosity,
        started,
        &format!(
            "normalised {} results, {} distinct addresses",
            plan.rows.len(),
            plan.addresses.len()
        ),
    );
    let done = match reaching {
        Reaching::Offline(pepper, algorithm) => {
            let records = records::dry_run(&plan, Ok((pepper, algorithm)));
            finish(
                settings,
                &records,
                &[] as &[ServerStats],
                summarise(&plan, |_| Status::NotAsked),
                "dry run, nothing sent",
            )
        }
        Reaching::Network(runtime, connecting, dry_run) => {
            runtime.block_on(ask(settings, connecting, dry_run, &plan, started))
        }
    };
    stage(verbosity, started, "wrote the results");
    drop_aside(plan);
    done
}

/// Frees `value` on a thread of its own: a million addresses take tens of
/// milliseconds to free, which the run need not wait for (the process may
/// exit first, and the memory goes with it).
fn drop_aside<T: Send + 'static>(value: T) {
    std::thread::spawn(move || drop(value));
}

/// A tokio runtime with a worker per core.
pub fn runtime() -> Result<tokio::runtime::Runtime, JobError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| JobError::Config {
            message: format!("cannot start the async runtime: {e}"),
            hint: None,
        })
}

/// Asks the federation about the plan's addresses (or, in a dry run, only
/// the start servers' peppers), then writes the results.
async fn ask(
    settings: &LookupSettings,
    connecting: tokio::task::JoinHandle<Result<Connected, JobError>>,
    dry_run: bool,
    plan: &Plan,
    started: Instant,
) -> Result<Completion, JobError> {
    let verbosity = settings.output.verbosity;
    let connected = match connecting.await {
        Ok(connected) => connected?,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    };
    let Connected {
        resolver,
        sandbox,
        discovered,
        ..
    } = connected;
    if let Some(found) = discovered
        && verbosity >= Verbosity::Normal
    {
        eprintln!("{}", found.describe());
    }
    if dry_run {
        let details = resolver.start_details().await;
        let servers: Vec<ServerStats> = details.iter().map(|(_, _, stats)| stats.clone()).collect();
        let (hashing, status) = match &details[0].1 {
            Ok(d) => {
                let algorithm = if d.algorithms.iter().any(|a| a == "sha256") {
                    Algorithm::Sha256
                } else {
                    Algorithm::None
                };
                (Ok((d.lookup_pepper.as_str(), algorithm)), Status::NotAsked)
            }
            Err(why) => (Err(why.as_str()), Status::Error),
        };
        let records = records::dry_run(plan, hashing);
        return finish(
            settings,
            &records,
            &servers,
            summarise(plan, |_| status),
            "dry run, no address or hash sent",
        );
    }
    let ids: Vec<AddressId> = (0..plan.addresses.len() as AddressId).collect();
    let progress = Arc::new(Progress::default());
    let bar = progress_bar(verbosity, Arc::clone(&progress), ids.len());
    let resolution = resolver
        .resolve(Arc::clone(&plan.addresses), ids, progress)
        .await;
    if let Some(bar) = bar {
        bar.abort();
    }
    drop(sandbox);
    stage(
        verbosity,
        started,
        &format!("asked {} servers", resolution.servers.len()),
    );
    let summary = summarise(plan, |id| records::status_of(&resolution.outcomes, id));
    let records = records::resolved(plan, &resolution.outcomes);
    let done = finish(
        settings,
        &records,
        &resolution.servers,
        summary,
        "looked up",
    );
    drop(records);
    drop_aside(resolution);
    done
}

/// A spinner on stderr while the walk runs, only on a terminal and not with -q.
fn progress_bar(
    verbosity: Verbosity,
    progress: Arc<Progress>,
    addresses: usize,
) -> Option<tokio::task::JoinHandle<()>> {
    if verbosity < Verbosity::Normal || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    Some(tokio::spawn(async move {
        let _clear = ClearOnDrop(bar.clone());
        loop {
            bar.set_message(format!(
                "{addresses} addresses: {} of {} server requests answered, {} found",
                progress.tasks_done.load(Ordering::Relaxed),
                progress.tasks_started.load(Ordering::Relaxed),
                progress.found.load(Ordering::Relaxed),
            ));
            bar.tick();
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }))
}

/// Clears the spinner when its task ends (or is aborted).
struct ClearOnDrop(indicatif::ProgressBar);

impl Drop for ClearOnDrop {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

/// Writes the records, says the summary on stderr, and tells complete from partial.
fn finish(
    settings: &LookupSettings,
    records: &impl Records,
    servers: &[ServerStats],
    summary: Summary,
    what: &str,
) -> Result<Completion, JobError> {
    write_output(&settings.output, records, servers, &summary)?;
    if settings.output.verbosity >= Verbosity::Normal {
        eprintln!("{what}: {}", summary.line());
        if summary.count(Status::Error) > 0 {
            for hint in error_hints(servers) {
                eprintln!("hint: {hint}");
            }
        }
    }
    Ok(if summary.count(Status::Error) > 0 {
        Completion::Partial
    } else {
        Completion::Complete
    })
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

/// Counts results per status; `status_of` gives the status of a distinct address.
fn summarise(plan: &Plan, status_of: impl Fn(u32) -> Status) -> Summary {
    let mut summary = Summary {
        contacts: plan.contacts.len(),
        distinct_addresses: plan.addresses.len(),
        ..Summary::default()
    };
    for row in &plan.rows {
        summary.add(match row.target {
            Target::Address(id) => status_of(id),
            Target::Invalid(_) => Status::Invalid,
        });
    }
    summary
}

fn write_output(
    output: &OutputSettings,
    records: &impl Records,
    servers: &[ServerStats],
    summary: &Summary,
) -> Result<(), JobError> {
    let style = TableStyle {
        color: output.color,
    };
    let (target, result) = match &output.path {
        Some(path) => {
            let target = path.display().to_string();
            let result = File::create(path).and_then(|file| {
                let mut out = BufWriter::with_capacity(1 << 16, file);
                report::write(&mut out, output.format, style, records, servers, summary)
            });
            (target, result)
        }
        None => {
            let stdout = io::stdout();
            let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
            let result = report::write(&mut out, output.format, style, records, servers, summary)
                .and_then(|()| out.flush());
            ("stdout".to_owned(), result)
        }
    };
    match result {
        // A closed pipe (`| head`) is the reader's choice, not a failure.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(|source| JobError::Output { target, source }),
    }
}
