//! The lookup job, stage by stage: read the address books, build the plan,
//! resolve it (for now: a dry run that only computes what would be sent),
//! write the report. `main` only parses arguments into [`LookupSettings`] and
//! maps the result to an exit code.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use crate::addressbook::{self, Format, ReadError};
use crate::plan::{Address, Plan, Target};
use crate::report::{self, OutputFormat, Record, SourceRef, Status, Summary, TableStyle};
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
    /// No summary line on stderr.
    pub quiet: bool,
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
    let books = settings
        .files
        .iter()
        .map(|file| addressbook::read_path(file, settings.input_format))
        .collect::<Result<Vec<_>, _>>()?;
    let plan = Plan::build(books, &settings.msisdn);
    let Mode::DryRun { pepper, algorithm } = &settings.mode;
    let what_is_sent = |a: &Address| match algorithm {
        Algorithm::Sha256 => lookup_hash(&a.address, a.medium, pepper),
        Algorithm::None => plaintext_form(&a.address, a.medium),
    };
    let summary = summarise(&plan, |_| Status::NotAsked);
    let records = plan.rows.iter().map(|row| {
        let (address, status, reason, hash) = match &row.target {
            Target::Address(id) => {
                let a = &plan.addresses[*id as usize];
                (
                    Some(a.address.as_str()),
                    Status::NotAsked,
                    None,
                    Some(what_is_sent(a)),
                )
            }
            Target::Invalid(reason) => (None, Status::Invalid, Some(reason.as_str()), None),
        };
        Record {
            contact: plan.contact_name(row),
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
    });
    write_output(&settings.output, records, &summary)?;
    if !settings.output.quiet {
        eprintln!("dry run, nothing sent: {}", summary.line());
    }
    Ok(if summary.count(Status::Error) > 0 {
        Completion::Partial
    } else {
        Completion::Complete
    })
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

fn write_output<'a>(
    output: &OutputSettings,
    records: impl Iterator<Item = Record<'a>>,
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
