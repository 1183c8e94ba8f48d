//! `mxlookup lookup`, stage by stage: read the address books, build the
//! plan, resolve it through the federation (or, in a dry run, only compute
//! what would be sent), write the report.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use std::sync::Arc;

use tokio::sync::mpsc;

use mxlookup::addressbook::{ColumnChoice, Format, Opened, ReadOptions};
use mxlookup::outcome::{Address, AddressId, Outcome, Outcomes, Status};
use mxlookup::plan::{self, Plan, Planner, Target};
use mxlookup::report::records;
use mxlookup::report::{self, OutputFormat, Records, Stream, Summary, TableStyle};
use mxlookup::resolve::Resolution;
use mxlookup::resolve::server::ServerStats;
use mxlookup::threepid::{self, Algorithm, MsisdnOptions};

use super::dav_source::DavRead;
use super::output_file::{Destination, check_not_input};
pub(super) use super::progress::StderrReporter;
use super::write_back::WriteBack;
use super::{
    Completion, Connected, JobError, NetworkSettings, Verbosity, error_hints, runtime, stage,
    tell_notices,
};

/// Validated settings of `mxlookup lookup`.
#[derive(Debug, Clone)]
pub struct LookupSettings {
    /// Address books to read (`-` is stdin).
    pub files: Vec<String>,
    /// Forced input format, else sniffed per file.
    pub input_format: Option<Format>,
    /// CSV columns named on the command line (`--email-column`,
    /// `--phone-column`).
    pub columns: ColumnChoice,
    /// How phone numbers are read.
    pub msisdn: MsisdnOptions,
    /// What to do with the addresses.
    pub mode: Mode,
    /// `--write-back`: the local files to write the Matrix IDs found into.
    pub write_back: Option<WriteBack>,
    /// Where and how to write results.
    pub output: OutputSettings,
    /// CardDAV sources: login, `--list`, `--write-back`.
    pub dav: super::dav_source::DavSettings,
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

/// A stage's plan, and how the run ended (its error, when writing failed).
type Looked = (Plan, Result<Completion, JobError>);

/// Runs `mxlookup lookup`.
///
/// Every file is read and checked before any address is sent; then the
/// contacts are parsed and normalised a chunk at a time, and each chunk's
/// new addresses go to the walk at once, so that the first servers are
/// asked while the rest of the book is still being read.
pub fn lookup(settings: &LookupSettings) -> Result<Completion, JobError> {
    if settings.dav.list {
        return super::dav_source::list(settings);
    }
    let verbosity = settings.output.verbosity;
    let started = Instant::now();
    // The phone metadata loads while the servers are reached and the files
    // read, not on the first chunk's critical path.
    let msisdn = settings.msisdn;
    std::thread::spawn(move || threepid::warm_up(&msisdn));
    // Every file is opened and checked, and the file of `-o` created
    // beside its place, before anything reaches the network.
    let (books, dav) = open(settings, started)?;
    let dav = dav.as_ref();
    if let Some(write_back) = &settings.write_back {
        write_back.check(&books)?;
        write_back.announce(verbosity);
    }
    let vcard = settings.output.format == OutputFormat::Vcard;
    let inputs = books.iter().map(|b| &*b.file);
    let writing_back = settings.write_back.is_some();
    check_not_input(settings.output.path.as_deref(), inputs, vcard, writing_back)?;
    let dest = Destination::prepare(settings.output.path.as_deref())?;
    let reaching = reach(settings)?;
    let contacts: usize = books.iter().map(Opened::len).sum();
    let mut planner = Planner::new(&settings.msisdn, contacts);
    let (plan, done) = match reaching {
        Reaching::Offline(pepper, algorithm) => {
            offline(settings, planner, books, (pepper, algorithm), started, dest)
        }
        Reaching::Network(runtime, connecting, true) => {
            take_all(&mut planner, books, |_| true);
            let plan = planner.finish();
            normalised(&plan, verbosity, started);
            let done = runtime.block_on(dry_ask(settings, connecting, &plan, dest));
            (plan, done)
        }
        Reaching::Network(runtime, connecting, false) => online(
            settings,
            planner,
            books,
            (runtime, connecting),
            started,
            (dest, dav),
        )?,
    };
    stage(verbosity, started, "wrote the results");
    drop_aside(plan);
    done
}

/// Starts reaching the start servers (registering, fetching their
/// peppers) on a runtime of its own, while the contacts are parsed; the
/// files were opened and checked first.
fn reach(settings: &LookupSettings) -> Result<Reaching<'_>, JobError> {
    Ok(match &settings.mode {
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
    })
}

/// Opens and checks every address book (a stage told at `-v`).
fn open(
    settings: &LookupSettings,
    started: Instant,
) -> Result<(Vec<Opened>, Option<DavRead>), JobError> {
    // The cards as read are kept only to write them back.
    let read_options = ReadOptions {
        keep_cards: settings.output.format == OutputFormat::Vcard,
        columns: settings.columns.clone(),
    };
    let (books, dav) = super::dav_source::open_sources(settings, read_options)?;
    tell_notices(&books, settings.output.verbosity);
    // Their contacts are read as they are taken: none is counted yet.
    stage(
        settings.output.verbosity,
        started,
        &format!("opened {} files", books.len()),
    );
    Ok((books, dav))
}

/// Says at `-v` that the plan is complete.
fn normalised(plan: &Plan, verbosity: Verbosity, started: Instant) {
    stage(
        verbosity,
        started,
        &format!(
            "normalised {} results, {} distinct addresses",
            plan.rows.len(),
            plan.addresses.len()
        ),
    );
}

/// `--dry-run --pepper P`: what would be sent, computed offline.
fn offline(
    settings: &LookupSettings,
    mut planner: Planner<'_>,
    books: Vec<Opened>,
    hashing: (&str, Algorithm),
    started: Instant,
    dest: Destination,
) -> Looked {
    take_all(&mut planner, books, |_| true);
    let plan = planner.finish();
    normalised(&plan, settings.output.verbosity, started);
    let records = records::dry_run(&plan, Ok(hashing));
    let done = finish(
        settings,
        &records,
        &[] as &[ServerStats],
        summarise(&plan, |_| Status::NotAsked),
        "dry run, nothing sent",
        dest,
    );
    drop(records);
    (plan, done)
}

/// The runtime, and the task reaching the start servers on it.
type Connecting = (
    tokio::runtime::Runtime,
    tokio::task::JoinHandle<Result<Connected, JobError>>,
);

/// A lookup through the federation: the walk starts on the first chunk
/// and takes the rest as it is read; results are written as they are
/// final when the format streams, else at the end. An error before the
/// results are written ends the run at once.
fn online(
    settings: &LookupSettings,
    mut planner: Planner<'_>,
    books: Vec<Opened>,
    (runtime, connecting): Connecting,
    started: Instant,
    (dest, dav): (Destination, Option<&DavRead>),
) -> Result<Looked, JobError> {
    let verbosity = settings.output.verbosity;
    let (feed, fed) = mpsc::unbounded_channel();
    // Results are written as their addresses are final, while the
    // walk goes on, when the format allows.
    let streaming = settings.output.format.streams() && settings.write_back.is_none();
    let (finishing, finished) = mpsc::unbounded_channel();
    let walking = runtime.spawn(walk(
        connecting,
        fed,
        streaming.then_some(finishing),
        verbosity,
    ));
    // The walk drops the receiver only when it fails to start (it
    // returns once the sender is gone): reading stops there, and
    // its error is the run's.
    take_all(&mut planner, books, |new| feed.send(new.to_vec()).is_ok());
    drop(feed);
    let plan = planner.finish();
    normalised(&plan, verbosity, started);
    let walked = Walked {
        runtime,
        walking,
        started,
    };
    let done = if streaming {
        Ok(streamed(settings, &plan, walked, finished, dest)?)
    } else {
        at_the_end(settings, &plan, walked, (dest, dav))?
    };
    Ok((plan, done))
}

/// The walk under way, on its runtime (kept until the results are written).
struct Walked {
    runtime: tokio::runtime::Runtime,
    walking: tokio::task::JoinHandle<Result<Resolution, JobError>>,
    started: Instant,
}

/// Writes each result as soon as it is final, then the rest and the
/// summary once the walk ends.
fn streamed(
    settings: &LookupSettings,
    plan: &Plan,
    mut walked: Walked,
    mut finished: mpsc::UnboundedReceiver<Vec<(AddressId, Outcome)>>,
    dest: Destination,
) -> Result<Completion, JobError> {
    let verbosity = settings.output.verbosity;
    let mut outcomes = Outcomes::default();
    let (target, mut out) = open_output(&dest)?;
    let mut stream = Stream::new(&mut out, settings.output.format);
    let streamed = stream_results(&mut stream, plan, &mut outcomes, &mut finished);
    let resolution = walked_to_the_end(&mut walked, verbosity)?;
    let summary = summarise(plan, |id| records::status_of(&outcomes, id));
    let records = records::resolved(plan, &outcomes);
    let written = streamed.and_then(|()| {
        stream.write(&records, records.len())?;
        stream.finish(&resolution.servers, &summary)
    });
    drop(records);
    let written = written.and_then(|()| out.flush());
    drop(out);
    output_result(target, written)?;
    dest.commit()?;
    drop_aside(outcomes);
    Ok(conclude(
        settings,
        &resolution.servers,
        &summary,
        "looked up",
    ))
}

/// Writes every result once the walk ends; the outer error ends the run
/// at once, the inner one is the writing's.
fn at_the_end(
    settings: &LookupSettings,
    plan: &Plan,
    mut walked: Walked,
    (dest, dav): (Destination, Option<&DavRead>),
) -> Result<Result<Completion, JobError>, JobError> {
    let resolution = walked_to_the_end(&mut walked, settings.output.verbosity)?;
    let outcomes = &resolution.outcomes;
    let summary = summarise(plan, |id| records::status_of(outcomes, id));
    let records = records::resolved(plan, outcomes);
    let done = match &settings.write_back {
        // `--write-back --dry-run`: what would be written, instead of the results.
        Some(write_back) if write_back.diff => write_back
            .print_diff(&records, dav, dest)
            .map(|()| conclude(settings, &resolution.servers, &summary, "looked up")),
        write_back => finish(
            settings,
            &records,
            &resolution.servers,
            summary,
            "looked up",
            dest,
        )
        .map(|done| match write_back {
            Some(write_back) => {
                let local = write_back.write(&records, settings.output.verbosity, done);
                let remote = dav.map_or(Completion::Complete, |dav| {
                    super::dav_write::write(dav, &records, settings.output.verbosity)
                });
                match remote {
                    Completion::Partial => Completion::Partial,
                    Completion::Complete => local,
                }
            }
            None => done,
        }),
    };
    drop(records);
    drop_aside(resolution);
    Ok(done)
}

/// The walk's resolution, once it ended (a stage told at `-v`).
fn walked_to_the_end(walked: &mut Walked, verbosity: Verbosity) -> Result<Resolution, JobError> {
    let resolution = match walked.runtime.block_on(&mut walked.walking) {
        Ok(resolution) => resolution?,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    };
    stage(
        verbosity,
        walked.started,
        &format!("asked {} servers", resolution.servers.len()),
    );
    Ok(resolution)
}

/// Writes each result to `stream` as soon as its address, and those of
/// every result before it, are final, while the walk goes on; `outcomes`
/// gathers what `finished` gives until the walk ends. A closed pipe stops
/// the writing, not the walk.
fn stream_results<W: Write>(
    stream: &mut Stream<'_, W>,
    plan: &Plan,
    outcomes: &mut Outcomes,
    finished: &mut mpsc::UnboundedReceiver<Vec<(AddressId, Outcome)>>,
) -> io::Result<()> {
    // Addresses below `ready` are final; so are the results before `row`.
    let mut ready: AddressId = 0;
    let mut row = 0;
    let mut failed: Option<io::Error> = None;
    while let Some(group) = finished.blocking_recv() {
        outcomes.extend(group);
        while outcomes.get(ready).is_some() {
            ready += 1;
        }
        while let Some(r) = plan.rows.get(row) {
            match r.target {
                Target::Address(id) if id >= ready => break,
                _ => row += 1,
            }
        }
        if failed.is_none()
            && let Err(e) = stream.write(&records::resolved(plan, outcomes), row)
        {
            failed = Some(e);
        }
    }
    failed.map_or(Ok(()), Err)
}

/// Takes the contacts of `books` into `planner` a chunk at a time, giving
/// each chunk's new addresses to `feed`, which says whether to go on.
fn take_all(
    planner: &mut Planner<'_>,
    books: Vec<Opened>,
    mut feed: impl FnMut(&[Address]) -> bool,
) {
    for mut book in books {
        let file = Arc::clone(&book.file);
        let mut chunk = book.take(plan::CHUNK);
        while !chunk.is_empty() {
            // The next chunk is read and parsed on the pool while this one
            // is normalised, added and fed: the reading and the adding are
            // each on one thread, and would leave the other cores idle. The
            // feeding does not wait for the reading (stdin may be slow).
            let mut next = Vec::new();
            let go_on = rayon::in_place_scope(|scope| {
                scope.spawn(|_| next = book.take(plan::CHUNK));
                let new = planner.add(&file, chunk);
                feed(&planner.addresses()[new])
            });
            if !go_on {
                return;
            }
            chunk = next;
        }
    }
}

/// Frees `value` on a thread of its own: a million addresses take tens of
/// milliseconds to free, which the run need not wait for (the process may
/// exit first, and the memory goes with it).
fn drop_aside<T: Send + 'static>(value: T) {
    std::thread::spawn(move || drop(value));
}

/// The servers, once reached.
async fn reached(
    connecting: tokio::task::JoinHandle<Result<Connected, JobError>>,
    verbosity: Verbosity,
) -> Result<Connected, JobError> {
    let connected = match connecting.await {
        Ok(connected) => connected?,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    };
    if let Some(found) = &connected.discovered
        && verbosity >= Verbosity::Normal
    {
        eprintln!("{}", found.describe());
    }
    Ok(connected)
}

/// Walks the federation for the addresses of `fed`, as they come, once the
/// servers are reached; the outcomes of each slab go to `finished` when it
/// is given.
async fn walk(
    connecting: tokio::task::JoinHandle<Result<Connected, JobError>>,
    fed: mpsc::UnboundedReceiver<Vec<Address>>,
    finished: Option<mpsc::UnboundedSender<Vec<(AddressId, Outcome)>>>,
    verbosity: Verbosity,
) -> Result<Resolution, JobError> {
    let Connected {
        resolver, sandbox, ..
    } = reached(connecting, verbosity).await?;
    let progress = Arc::new(StderrReporter::default());
    let shown = super::progress::show(verbosity, &progress, resolver.sent());
    let resolution = resolver.resolve(fed, progress, finished).await;
    drop(shown);
    drop(sandbox);
    Ok(resolution)
}

/// `--dry-run` with servers: fetches the start servers' peppers only,
/// then writes what would be sent.
async fn dry_ask(
    settings: &LookupSettings,
    connecting: tokio::task::JoinHandle<Result<Connected, JobError>>,
    plan: &Plan,
    dest: Destination,
) -> Result<Completion, JobError> {
    let connected = reached(connecting, settings.output.verbosity).await?;
    let details = connected
        .resolver
        .start_details(&StderrReporter::default())
        .await;
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
    finish(
        settings,
        &records,
        &servers,
        summarise(plan, |_| status),
        "dry run, no address or hash sent",
        dest,
    )
}

/// Writes the records, says the summary on stderr, and tells complete from partial.
fn finish(
    settings: &LookupSettings,
    records: &impl Records,
    servers: &[ServerStats],
    summary: Summary,
    what: &str,
    dest: Destination,
) -> Result<Completion, JobError> {
    write_output(&settings.output, dest, records, servers, &summary)?;
    Ok(conclude(settings, servers, &summary, what))
}

/// Says the summary on stderr, and tells complete from partial.
fn conclude(
    settings: &LookupSettings,
    servers: &[ServerStats],
    summary: &Summary,
    what: &str,
) -> Completion {
    if settings.output.verbosity >= Verbosity::Normal {
        let line = format!("{what}: {}", summary.line());
        match super::terminal::stderr_width() {
            Some(width) => eprintln!("{}", super::terminal::wrap(&line, width)),
            None => eprintln!("{line}"),
        }
        if summary.count(Status::Error) > 0 {
            for hint in error_hints(servers) {
                eprintln!("hint: {hint}");
            }
        }
    }
    if summary.count(Status::Error) > 0 {
        Completion::Partial
    } else {
        Completion::Complete
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

/// Writes the results to `dest`, which takes the place of the file of
/// `-o` only once all are written.
fn write_output(
    output: &OutputSettings,
    dest: Destination,
    records: &impl Records,
    servers: &[ServerStats],
    summary: &Summary,
) -> Result<(), JobError> {
    let style = TableStyle {
        color: output.color,
        width: Some(super::terminal::width()),
    };
    let (target, mut out) = open_output(&dest)?;
    let result = report::write(&mut out, output.format, style, records, servers, summary)
        .and_then(|()| out.flush());
    drop(out);
    output_result(target, result)?;
    dest.commit()
}

/// A buffered writer to `dest`, and how errors name it.
fn open_output(dest: &Destination) -> Result<(String, BufWriter<Box<dyn Write + '_>>), JobError> {
    let (target, out) = dest.writer()?;
    Ok((target, BufWriter::with_capacity(1 << 16, out)))
}

/// The outcome of writing to `target`.
fn output_result(target: String, result: io::Result<()>) -> Result<(), JobError> {
    match result {
        // A closed pipe (`| head`) is the reader's choice, not a failure.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(|source| JobError::Output { target, source }),
    }
}
