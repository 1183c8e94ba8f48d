//! The lookup job, stage by stage: read the address books, build the plan,
//! resolve it (for now: a dry run that only computes what would be sent),
//! write the report. `main` only parses arguments into [`LookupSettings`] and
//! maps the result to an exit code.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use crate::addressbook::{self, Format, ReadError};
use crate::plan::{Plan, Target};
use crate::report::{self, OutputFormat, Record, Records, SourceRef, Status, Summary, TableStyle};
use crate::threepid::{Algorithm, MsisdnOptions, lookup_hash, plaintext_form};

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
}

impl JobError {
    /// What the user can do about it, when there is something to say.
    pub fn hint(&self) -> Option<String> {
        match self {
            JobError::Read(ReadError::NotAnAddressBook { .. }) => Some(
                "mxlookup reads vCard, CSV and text files; pass --input-format if the content is one of those"
                    .to_owned(),
            ),
            _ => None,
        }
    }
}

/// Runs `mxlookup lookup`.
pub fn lookup(settings: &LookupSettings) -> Result<Completion, JobError> {
    let verbosity = settings.output.verbosity;
    let started = Instant::now();
    let books = settings
        .files
        .iter()
        .map(|file| addressbook::read_path(file, settings.input_format))
        .collect::<Result<Vec<_>, _>>()?;
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
    let Mode::DryRun { pepper, algorithm } = &settings.mode;
    let summary = summarise(&plan, |_| Status::NotAsked);
    let records = DryRun {
        plan: &plan,
        pepper,
        algorithm: *algorithm,
    };
    write_output(&settings.output, &records, &summary)?;
    stage(verbosity, started, "hashed and wrote the results");
    if verbosity >= Verbosity::Normal {
        eprintln!("dry run, nothing sent: {}", summary.line());
    }
    Ok(if summary.count(Status::Error) > 0 {
        Completion::Partial
    } else {
        Completion::Complete
    })
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

/// The results of a dry run: each address with what would be sent for it.
struct DryRun<'a> {
    plan: &'a Plan,
    pepper: &'a str,
    algorithm: Algorithm,
}

impl Records for DryRun<'_> {
    fn len(&self) -> usize {
        self.plan.rows.len()
    }

    fn get(&self, i: usize) -> Record<'_> {
        let row = &self.plan.rows[i];
        let (address, status, reason, hash) = match &row.target {
            Target::Address(id) => {
                let a = &self.plan.addresses[*id as usize];
                let sent = match self.algorithm {
                    Algorithm::Sha256 => lookup_hash(&a.address, a.medium, self.pepper),
                    Algorithm::None => plaintext_form(&a.address, a.medium),
                };
                (Some(a.address.as_str()), Status::NotAsked, None, Some(sent))
            }
            Target::Invalid(reason) => (None, Status::Invalid, Some(reason.as_str()), None),
        };
        Record {
            contact: self.plan.contact_name(row),
            input: &row.input,
            source: SourceRef {
                file: &row.file,
                line: row.line,
            },
            medium: row.medium,
            address,
            status,
            mxid: None,
            mxids: &[],
            via: &[],
            reason,
            hash,
        }
    }
}

fn write_output(
    output: &OutputSettings,
    records: &impl Records,
    summary: &Summary,
) -> Result<(), JobError> {
    let servers: [(); 0] = [];
    let style = TableStyle {
        color: output.color,
    };
    let (target, result) = match &output.path {
        Some(path) => {
            let target = path.display().to_string();
            let result = File::create(path).and_then(|file| {
                let mut out = BufWriter::with_capacity(1 << 16, file);
                report::write(&mut out, output.format, style, records, &servers, summary)
            });
            (target, result)
        }
        None => {
            let stdout = io::stdout();
            let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
            let result = report::write(&mut out, output.format, style, records, &servers, summary)
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
