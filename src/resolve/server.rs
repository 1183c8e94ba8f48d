//! Asking one server about a set of addresses: its `hash_details` (fetched
//! fresh once per run), the algorithm (sha256, `none` only when allowed),
//! lookups in adaptive batches with at most a few in flight, recovery from a
//! rotated pepper, a second pass with each alternative pepper, and answers
//! mapped back from hashes to addresses (hashes never sent are ignored).
//!
//! This is the async driver: it holds the permits, the chunks' turn and the
//! requests in flight, and sends what [`super::batching`] decides (sizes,
//! probes, refusals, peppers, giving up), feeding every result back to it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::{Mutex, Semaphore};
use tokio::task::JoinSet;

use super::Slab;
use super::batching::{
    BatchLimits, Batching, Failure, Learned, MAX_PEPPER_BYTES, Next, Pass, Step, key_bytes,
    not_asked, usable_pepper,
};
use super::reporter::{Reporter, Warning};
use super::walk::Answer;
use crate::identity::answer::BatchAnswer;
use crate::identity::wire::{HashDetails, LookupRequest};
use crate::identity::{Session, SessionError};
use crate::outcome::AddressId;
use crate::threepid::{Algorithm, lookup_hash, plaintext_form};

/// At most this many alternative peppers are tried, each a pass over the
/// addresses still unresolved (ToM lists one, its previous pepper).
pub const MAX_ALT_PEPPERS: usize = 4;

/// How servers are asked.
#[derive(Debug, Clone)]
pub struct AskSettings {
    /// `none` (clear text) may be used when a server offers it.
    pub allow_plaintext: bool,
    /// Lookup requests in flight per server.
    pub in_flight: usize,
    /// The largest batch, and the size tried first.
    pub max_batch: usize,
    /// The size sent beside that first try while it is in flight, and the
    /// size started from again when it was refused.
    pub small_batch: usize,
    /// Batches stay under this many bytes of request body.
    pub max_body: usize,
}

impl Default for AskSettings {
    fn default() -> Self {
        AskSettings {
            allow_plaintext: false,
            in_flight: 4,
            // sydent's limit; ToM's is 100.
            max_batch: 10_000,
            small_batch: 100,
            // sydent resets the connection past 512 KiB; 10,000 hashes
            // take 450 KiB.
            max_body: 480 << 10,
        }
    }
}

impl AskSettings {
    /// The bounds of batching.
    pub fn limits(&self) -> BatchLimits {
        BatchLimits {
            in_flight: self.in_flight,
            max_batch: self.max_batch,
            small_batch: self.small_batch,
            max_body: self.max_body,
        }
    }
}

/// Counters of one server, for the `servers` part of the JSON output.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ServerStats {
    /// The server as named in `via`.
    pub server: String,
    /// Where it was reached.
    pub url: String,
    /// The algorithm used.
    pub algorithm: Option<Algorithm>,
    /// Its `lookup_pepper` (peppers are public: any client may fetch them).
    pub lookup_pepper: Option<String>,
    /// Its alternative peppers.
    pub alt_lookup_peppers: Vec<String>,
    /// HTTP requests sent (lookups and hash_details).
    pub requests: u64,
    /// Addresses asked about (an address asked again with another pepper counts again).
    pub addresses_asked: u64,
    /// Addresses it mapped to a Matrix ID.
    pub found: u64,
    /// Addresses it referred to another server.
    pub referred: u64,
    /// Addresses it failed for.
    pub errors: u64,
    /// The largest batch it answered.
    pub batch_size: usize,
    /// Lookups it refused for their size (each sent again smaller).
    pub refused: u64,
    /// Time spent waiting for it, summed over requests, in milliseconds.
    pub time_ms: u64,
    /// The first error it gave, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_error: Option<String>,
    /// What the user can do about its errors (distinct, in order).
    #[serde(skip)]
    pub hints: Vec<String>,
}

/// What was sent for one address on one hop, for `mxlookup trace`.
#[derive(Debug, Clone, Serialize)]
pub struct Sent {
    /// The pepper.
    pub pepper: String,
    /// The hash (or clear text form) sent.
    pub key: String,
}

/// What asking one server about some addresses gave.
#[derive(Debug, Default)]
pub struct Asked {
    /// The answer, for the walk.
    pub answer: Answer,
    /// Per address, what was sent (kept only when tracing).
    pub sent: BTreeMap<AddressId, Vec<Sent>>,
}

/// One server for the run: the requests in flight, the turn of the walk's
/// chunks, and the state batching decides on.
pub struct ServerState {
    session: Session,
    settings: AskSettings,
    details: Mutex<Option<Result<HashDetails, SessionError>>>,
    /// Sizes, and whether a lookup failed for good (see [`Batching`]).
    batching: std::sync::Mutex<Batching>,
    /// Told when a probe is back (batches may be waiting for it).
    probed: tokio::sync::Notify,
    permits: Arc<Semaphore>,
    /// Chunks of the walk are asked one after another, in order (FIFO).
    turn: Mutex<()>,
    stats: std::sync::Mutex<ServerStats>,
    warned_plaintext: AtomicBool,
    trace: bool,
}

impl ServerState {
    /// A server to ask through `session`; `trace` keeps what was sent.
    pub fn new(session: Session, name: &str, settings: AskSettings, trace: bool) -> Self {
        let stats = ServerStats {
            server: name.to_owned(),
            url: session.client().base().to_string(),
            ..ServerStats::default()
        };
        ServerState {
            permits: Arc::new(Semaphore::new(settings.in_flight.max(1))),
            turn: Mutex::new(()),
            batching: std::sync::Mutex::new(Batching::new(&settings.limits())),
            session,
            settings,
            details: Mutex::new(None),
            probed: tokio::sync::Notify::new(),
            stats: std::sync::Mutex::new(stats),
            warned_plaintext: AtomicBool::new(false),
            trace,
        }
    }

    /// Starts from what an earlier run learned of its batch sizes.
    pub fn with_learned(self, learned: Option<Learned>) -> Self {
        if let Some(learned) = learned {
            *self.batching() = Batching::learned(&self.settings.limits(), learned);
        }
        self
    }

    /// What this run taught of its batch sizes, to remember (see
    /// [`super::batching::Sizing::lesson`]).
    pub fn lesson(&self) -> Option<Option<Learned>> {
        self.batching().sizing().lesson()
    }

    /// The counters so far.
    pub fn stats(&self) -> ServerStats {
        self.stats.lock().expect("stats lock").clone()
    }

    fn count(&self, f: impl FnOnce(&mut ServerStats)) {
        f(&mut self.stats.lock().expect("stats lock"));
    }

    /// Keeps the hint that goes with `error`, once.
    fn note(&self, error: &SessionError) {
        if let Some(hint) = error.hint() {
            self.count(|s| {
                if !s.hints.contains(&hint) {
                    s.hints.push(hint);
                }
            });
        }
    }

    /// `hash_details`, fetched once per run (or again when `refresh`).
    pub async fn details(&self, refresh: bool) -> Result<HashDetails, SessionError> {
        let mut details = self.details.lock().await;
        if refresh || details.is_none() {
            let started = Instant::now();
            let fetched = self
                .session
                .call(async |client, token| client.hash_details(&token).await)
                .await;
            self.count(|s| {
                s.requests += 1;
                s.time_ms += started.elapsed().as_millis() as u64;
                if let Ok(d) = &fetched {
                    s.lookup_pepper = Some(d.lookup_pepper.clone());
                    s.alt_lookup_peppers = d.alt_lookup_peppers.clone().unwrap_or_default();
                }
            });
            if let Err(e) = &fetched {
                self.note(e);
            }
            *details = Some(fetched);
        }
        details.clone().expect("just set")
    }

    /// The algorithm to use with this server, or why there is none; the
    /// first time it is `none`, `reporter` is warned.
    pub fn choose(
        &self,
        details: &HashDetails,
        reporter: &dyn Reporter,
    ) -> Result<Algorithm, String> {
        usable_pepper(self.name(), &details.lookup_pepper)?;
        let offers = |a: &str| details.algorithms.iter().any(|x| x == a);
        if offers("sha256") {
            return Ok(Algorithm::Sha256);
        }
        if offers("none") {
            if self.settings.allow_plaintext {
                if !self.warned_plaintext.swap(true, Ordering::Relaxed) {
                    reporter.warn(&Warning::Plaintext {
                        server: self.name().to_owned(),
                    });
                }
                return Ok(Algorithm::None);
            }
            return Err(format!(
                "{} offers only the `none` algorithm, which sends addresses in clear text (pass --allow-plaintext to allow it)",
                self.session.client().name()
            ));
        }
        // Quoted in the reason of each of its addresses: cut short.
        let offered = details.algorithms.join(", ");
        Err(format!(
            "{} offers no algorithm mxlookup knows ({})",
            self.session.client().name(),
            crate::sanitize::excerpt(&offered, 100)
        ))
    }

    /// The server, as its client names it.
    fn name(&self) -> &str {
        self.session.client().name()
    }

    /// The state batching decides on.
    fn batching(&self) -> std::sync::MutexGuard<'_, Batching> {
        self.batching.lock().expect("batching lock")
    }

    /// Asks about `ids`: the main pepper first, then each alternative pepper
    /// for the addresses still unresolved and unreferred.
    pub async fn ask(
        self: &Arc<Self>,
        ids: Vec<AddressId>,
        addresses: &Slab,
        reporter: &dyn Reporter,
    ) -> Asked {
        let fail_all = |why: String| Asked {
            answer: Answer {
                failed: ids.iter().map(|&id| (id, why.clone())).collect(),
                ..Answer::default()
            },
            sent: BTreeMap::new(),
        };
        let details = match self.details(false).await {
            Ok(d) => d,
            Err(e) => return fail_all(e.to_string()),
        };
        let algorithm = match self.choose(&details, reporter) {
            Ok(a) => a,
            Err(why) => return fail_all(why),
        };
        self.count(|s| s.algorithm = Some(algorithm));
        let turn = self.turn.lock().await;
        let broken = self.batching().broken().map(not_asked);
        if let Some(why) = broken {
            return fail_all(why);
        }
        let mut asked = self
            .pass(
                ids.clone(),
                addresses,
                algorithm,
                details.lookup_pepper.clone(),
                Some(turn),
            )
            .await;
        let mut open: Vec<AddressId> = unresolved(&ids, &asked.answer);
        let alternatives = details
            .alternative_peppers()
            .into_iter()
            .filter(|p| p.len() <= MAX_PEPPER_BYTES)
            .take(MAX_ALT_PEPPERS);
        for pepper in alternatives {
            if open.is_empty() {
                break;
            }
            let more = self
                .pass(open.clone(), addresses, algorithm, pepper.to_owned(), None)
                .await;
            // An alternative pepper that fails leaves the address as the main pepper did.
            asked.answer.found.extend(more.answer.found);
            asked.answer.referred.extend(more.answer.referred);
            for (id, sent) in more.sent {
                asked.sent.entry(id).or_default().extend(sent);
            }
            open = unresolved(&open, &asked.answer);
        }
        self.count(|s| {
            s.found += asked.answer.found.len() as u64;
            s.referred += asked.answer.referred.len() as u64;
            s.errors += asked.answer.failed.len() as u64;
            if s.first_error.is_none() {
                s.first_error = asked.answer.failed.first().map(|(_, why)| why.clone());
            }
        });
        asked
    }
}

/// The addresses of `ids` that the answer neither maps, refers nor fails.
fn unresolved(ids: &[AddressId], answer: &Answer) -> Vec<AddressId> {
    let mut settled: Vec<AddressId> = answer
        .found
        .iter()
        .map(|(id, _)| *id)
        .chain(answer.referred.iter().map(|(id, _)| *id))
        .chain(answer.failed.iter().map(|(id, _)| *id))
        .collect();
    settled.sort_unstable();
    ids.iter()
        .copied()
        .filter(|id| settled.binary_search(id).is_err())
        .collect()
}

/// One lookup request's result.
struct Batch {
    ids: Vec<AddressId>,
    keys: Vec<String>,
    pepper: String,
    /// It tried a size not answered before.
    probe: bool,
    /// Larger than any size answered when it left: a failure that may
    /// refuse its size does (see [`failure`]).
    trial: bool,
    result: Result<BatchAnswer, SessionError>,
    /// Its request slot, held until it is settled: another pass waiting for
    /// a slot would otherwise send a batch before this one's failure for
    /// good is known.
    _slot: tokio::sync::OwnedSemaphorePermit,
}

impl ServerState {
    /// Looks up `ids` with `pepper` in adaptive batches, as batching
    /// decides (see [`Pass`]); with the server's `turn`, the main pepper's
    /// pass, which may replace a rejected pepper. The turn passes to the
    /// next chunk once every batch of this one has left, so that the server
    /// is kept busy between chunks.
    async fn pass(
        self: &Arc<Self>,
        ids: Vec<AddressId>,
        addresses: &Slab,
        algorithm: Algorithm,
        pepper: String,
        mut turn: Option<tokio::sync::MutexGuard<'_, ()>>,
    ) -> Asked {
        let mut pass = Pass::new(ids, pepper, turn.is_some());
        let mut asked = Asked::default();
        let mut running: JoinSet<Batch> = JoinSet::new();
        loop {
            while running.len() < pass.room(self.settings.in_flight) && !pass.all_sent() {
                let permit = match Arc::clone(&self.permits).try_acquire_owned() {
                    Ok(permit) => permit,
                    // A batch of this pass is under way: settle it first
                    // (its slot comes back once it is settled).
                    Err(_) if !running.is_empty() => break,
                    Err(_) => Arc::clone(&self.permits)
                        .acquire_owned()
                        .await
                        .expect("semaphore is never closed"),
                };
                // Registered before the size is taken, so that a probe
                // back in between is not missed.
                let probed = self.probed.notified();
                tokio::pin!(probed);
                probed.as_mut().enable();
                let step = pass.next(
                    &mut self.batching(),
                    self.settings.max_body,
                    |id| key_bytes(&addresses[id], algorithm),
                    &mut asked.answer.failed,
                );
                match step {
                    Step::Send { batch, probe } => {
                        let trial = self.batching().sizing().on_trial(batch.len());
                        running.spawn(Arc::clone(self).send(
                            batch,
                            addresses.clone(),
                            algorithm,
                            pass.pepper().to_owned(),
                            (permit, probe, trial),
                        ));
                    }
                    Step::Broken => break,
                    Step::Wait => {
                        drop(permit);
                        if running.is_empty() {
                            probed.await;
                            continue;
                        }
                        break;
                    }
                }
            }
            if pass.all_sent() {
                drop(turn.take());
            }
            let Some(done) = running.join_next().await else {
                break;
            };
            let batch = done.expect("lookup tasks do not panic");
            let probe = batch.probe;
            self.settle(&mut pass, batch, &mut asked).await;
            // Only now, with the server marked as failed for good if it is:
            // the batches waiting for the probe check that first.
            if probe {
                self.batching().probe_back();
                self.probed.notify_waiters();
            }
        }
        asked
    }

    /// Gives a batch's result to the pass: an answer is mapped back; a
    /// failure is resent, fails, or has the pepper replaced, as decided.
    async fn settle(&self, pass: &mut Pass, batch: Batch, asked: &mut Asked) {
        let error = match batch.result {
            Ok(answer) => {
                let good = {
                    let mut batching = self.batching();
                    pass.answered(&mut batching, batch.ids.len());
                    batching.sizing().largest_answered()
                };
                self.count(|s| s.batch_size = s.batch_size.max(good));
                self.map_back(asked, &batch.ids, &batch.keys, &batch.pepper, answer);
                return;
            }
            Err(error) => error,
        };
        let failed = &mut asked.answer.failed;
        let failure = failure(&error, batch.trial);
        if failure.too_large && batch.ids.len() > 1 {
            self.count(|s| s.refused += 1);
        }
        let next = pass.failed(
            &mut self.batching(),
            batch.ids,
            &batch.pepper,
            failure,
            failed,
        );
        match next {
            Next::Resend | Next::Abandoned => {}
            Next::Failed => self.note(&error),
            Next::Renew { named, batch } => {
                let renewed = match named {
                    Some(named) => Ok(named),
                    None => self
                        .details(true)
                        .await
                        .map(|d| d.lookup_pepper)
                        .map_err(|e| e.to_string()),
                };
                let renewed = renewed.and_then(|p| usable_pepper(self.name(), &p).map(|()| p));
                pass.renewed(&mut self.batching(), batch, renewed, failed);
            }
        }
    }

    /// Sends one lookup request (holding a permit; maybe the probe).
    async fn send(
        self: Arc<Self>,
        ids: Vec<AddressId>,
        addresses: Slab,
        algorithm: Algorithm,
        pepper: String,
        (slot, probe, trial): (tokio::sync::OwnedSemaphorePermit, bool, bool),
    ) -> Batch {
        let keys: Vec<String> = ids
            .iter()
            .map(|&id| {
                let a = &addresses[id];
                match algorithm {
                    Algorithm::Sha256 => lookup_hash(&a.address, a.medium, &pepper),
                    Algorithm::None => plaintext_form(&a.address, a.medium),
                }
            })
            .collect();
        let request = LookupRequest {
            algorithm: algorithm.as_str().to_owned(),
            pepper: pepper.clone(),
            addresses: keys,
        };
        let started = Instant::now();
        let result = {
            let request = &request;
            self.session
                .call(|client, token| async move { client.lookup(&token, request, trial).await })
                .await
        };
        let elapsed: Duration = started.elapsed();
        self.count(|s| {
            s.requests += 1;
            s.addresses_asked += ids.len() as u64;
            s.time_ms += elapsed.as_millis() as u64;
        });
        Batch {
            ids,
            keys: request.addresses,
            pepper,
            probe,
            trial,
            result,
            _slot: slot,
        }
    }

    /// Maps an answer back to the addresses of the batch (the decoder kept
    /// only the hashes the batch sent, and no inactive referral).
    fn map_back(
        &self,
        asked: &mut Asked,
        ids: &[AddressId],
        keys: &[String],
        pepper: &str,
        answer: BatchAnswer,
    ) {
        let id = |at: u32| ids[at as usize];
        let found = &mut asked.answer.found;
        found.extend(answer.mapped.into_iter().map(|(at, mxid)| (id(at), mxid)));
        if !answer.not_strings.is_empty() {
            let why = format!(
                "{} answered a mapping that is not a string",
                self.session.client().name()
            );
            let failed = &mut asked.answer.failed;
            failed.extend(
                answer
                    .not_strings
                    .into_iter()
                    .map(|at| (id(at), why.clone())),
            );
        }
        for (server, referred) in answer.referred {
            // Copied for each address: a name longer than any server name
            // (which the walk then refuses) is copied cut short.
            let server = match server.len() {
                0..=300 => server,
                _ => crate::sanitize::excerpt(&server, 100).into_owned(),
            };
            let to = &mut asked.answer.referred;
            to.extend(referred.into_iter().map(|at| (id(at), server.clone())));
        }
        if self.trace {
            for (key, &id) in keys.iter().zip(ids) {
                asked.sent.entry(id).or_default().push(Sent {
                    pepper: pepper.to_owned(),
                    key: key.clone(),
                });
            }
        }
    }
}

/// What batching needs to know of a failed lookup (see [`Failure`]): a
/// batch on `trial` (larger than any size answered) is refused for its size
/// by any failure that may be such a refusal; the others only by one that
/// says so.
fn failure(error: &SessionError, trial: bool) -> Failure {
    let call = match error {
        SessionError::Call(e) => Some(e),
        _ => None,
    };
    Failure {
        too_large: call.is_some_and(|e| e.is_size_refusal() || (trial && e.may_be_size_refusal())),
        stated_limit: call.and_then(|e| e.stated_limit()),
        invalid_pepper: call
            .and_then(|e| e.invalid_pepper())
            .map(|named| named.map(str::to_owned)),
        why: error.to_string(),
    }
}
