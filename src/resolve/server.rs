//! Asking one server about a set of addresses: its `hash_details` (fetched
//! fresh once per run), the algorithm (sha256, `none` only when allowed),
//! lookups in adaptive batches with at most a few in flight, recovery from a
//! rotated pepper, a second pass with each alternative pepper, and answers
//! mapped back from hashes to addresses (hashes never sent are ignored).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::{Mutex, Semaphore};
use tokio::task::JoinSet;

use super::Slab;
use super::walk::Answer;
use crate::identity::answer::BatchAnswer;
use crate::identity::wire::{HashDetails, LookupRequest};
use crate::identity::{Session, SessionError};
use crate::outcome::{Address, AddressId};
use crate::threepid::{Algorithm, lookup_hash, plaintext_form};

/// The longest pepper hashed with. Real ones have 5 (sydent) or 32 (ToM)
/// characters; every address is hashed with it, so a server offering
/// megabytes would have the client hash gigabytes.
pub const MAX_PEPPER_BYTES: usize = 1024;

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

/// Batch-size memory of a server for the run.
#[derive(Debug, Clone, Copy)]
struct Sizing {
    current: usize,
    /// The largest size answered.
    good: usize,
    /// The smallest size refused for its size.
    bad: Option<usize>,
    /// A batch larger than `good` is in flight: the others are sent at a
    /// size known to pass until it is back (one refusal per size, not four).
    probing: bool,
    /// The first size tried (the largest) has not come back yet: beside it
    /// go only `smalls` batches of the small size; the rest wait for it.
    first: bool,
    small: usize,
    smalls: usize,
}

/// What the next batch of a server may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Take {
    /// A size not tried yet: the batch is the probe.
    Probe(usize),
    /// A size known to pass, or small.
    Size(usize),
    /// Nothing until the first probe is back.
    Wait,
}

impl Sizing {
    /// The size of the next batch: `current`, unless a larger size than
    /// any answered is being tried already, then the largest answered (or,
    /// while the first size is tried, a few small ones, then none).
    fn take(&mut self) -> Take {
        if self.current <= self.good {
            return Take::Size(self.current);
        }
        if !self.probing {
            self.probing = true;
            return Take::Probe(self.current);
        }
        if !self.first {
            return Take::Size(self.good.max(1));
        }
        if self.smalls > 0 {
            self.smalls -= 1;
            return Take::Size(self.small.min(self.current));
        }
        Take::Wait
    }
}

/// One server for the run.
pub struct ServerState {
    session: Session,
    settings: AskSettings,
    details: Mutex<Option<Result<HashDetails, SessionError>>>,
    sizing: std::sync::Mutex<Sizing>,
    /// Told when a probe is back (batches may be waiting for it).
    probed: tokio::sync::Notify,
    permits: Arc<Semaphore>,
    /// Chunks of the walk are asked one after another, in order (FIFO).
    turn: Mutex<()>,
    /// Why a lookup failed for good: later chunks are not sent (a server
    /// that times out costs its retries once, not once a chunk).
    broken: std::sync::Mutex<Option<String>>,
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
        let first = settings.max_batch.max(1);
        let small = settings.small_batch.clamp(1, first);
        let smalls = settings.in_flight.saturating_sub(1);
        ServerState {
            permits: Arc::new(Semaphore::new(settings.in_flight.max(1))),
            turn: Mutex::new(()),
            broken: std::sync::Mutex::new(None),
            session,
            settings,
            details: Mutex::new(None),
            sizing: std::sync::Mutex::new(Sizing {
                current: first,
                good: 0,
                bad: None,
                probing: false,
                first: true,
                small,
                smalls,
            }),
            probed: tokio::sync::Notify::new(),
            stats: std::sync::Mutex::new(stats),
            warned_plaintext: AtomicBool::new(false),
            trace,
        }
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

    /// The algorithm to use with this server, or why there is none.
    pub fn choose(&self, details: &HashDetails) -> Result<Algorithm, String> {
        self.check_pepper(&details.lookup_pepper)?;
        let offers = |a: &str| details.algorithms.iter().any(|x| x == a);
        if offers("sha256") {
            return Ok(Algorithm::Sha256);
        }
        if offers("none") {
            if self.settings.allow_plaintext {
                if !self.warned_plaintext.swap(true, Ordering::Relaxed) {
                    eprintln!(
                        "warning: {} offers only `none`: addresses are sent to it in clear text (--allow-plaintext)",
                        self.session.client().name()
                    );
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

    /// Whether `pepper` is short enough to hash every address with.
    fn check_pepper(&self, pepper: &str) -> Result<(), String> {
        match pepper.len() {
            0..=MAX_PEPPER_BYTES => Ok(()),
            length => Err(format!(
                "{} offers a pepper of {length} bytes, more than the {MAX_PEPPER_BYTES} mxlookup hashes with",
                self.session.client().name()
            )),
        }
    }

    /// Asks about `ids`: the main pepper first, then each alternative pepper
    /// for the addresses still unresolved and unreferred.
    pub async fn ask(self: &Arc<Self>, ids: Vec<AddressId>, addresses: &Slab) -> Asked {
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
        let algorithm = match self.choose(&details) {
            Ok(a) => a,
            Err(why) => return fail_all(why),
        };
        self.count(|s| s.algorithm = Some(algorithm));
        let turn = self.turn.lock().await;
        if let Some(why) = self.broken() {
            return fail_all(format!("not asked after an earlier lookup failed: {why}"));
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
    result: Result<BatchAnswer, SessionError>,
}

impl ServerState {
    /// Why a lookup failed for good, once one did.
    fn broken(&self) -> Option<String> {
        self.broken.lock().expect("broken lock").clone()
    }

    /// Looks up `ids` with `pepper` in adaptive batches. With the server's
    /// `turn` (the main pepper's pass), a rejected pepper is replaced (from
    /// the error, else from a fresh `hash_details`) and the batch resent, at
    /// most twice; the turn passes to the next chunk once every batch of
    /// this one has left, so that the server is kept busy between chunks.
    ///
    /// A batch refused for its size is sent again smaller, one batch at a
    /// time until one is answered, so that a server resetting every
    /// connection is probed down in a few requests rather than sent every
    /// address at every size. A batch that fails for good (after its
    /// retries) ends the pass: the addresses not yet sent fail with it, as
    /// the server would fail them the same way, each after its retries.
    async fn pass(
        self: &Arc<Self>,
        ids: Vec<AddressId>,
        addresses: &Slab,
        algorithm: Algorithm,
        mut pepper: String,
        mut turn: Option<tokio::sync::MutexGuard<'_, ()>>,
    ) -> Asked {
        let may_refresh = turn.is_some();
        let mut asked = Asked::default();
        let mut pending: VecDeque<AddressId> = ids.into();
        let mut running: JoinSet<Batch> = JoinSet::new();
        let mut refreshes = 0;
        let mut probing = false;
        // Why no pepper can be had any more, once the server named an unusable one.
        let mut unusable: Option<String> = None;
        loop {
            let room = if probing { 1 } else { self.settings.in_flight };
            while running.len() < room && !pending.is_empty() {
                // The batch is sized when a request may leave (several passes
                // share the server's permits): by then earlier answers have
                // grown it.
                let permit = Arc::clone(&self.permits)
                    .acquire_owned()
                    .await
                    .expect("semaphore is never closed");
                // Another chunk's lookup may have failed for good meanwhile.
                if let Some(why) = self.broken() {
                    give_up(&mut asked, Vec::new(), &mut pending, &why);
                    break;
                }
                // Registered before the size is taken, so that a probe
                // back in between is not missed.
                let probed = self.probed.notified();
                tokio::pin!(probed);
                probed.as_mut().enable();
                let taken = self.sizing.lock().expect("sizing lock").take();
                let (size, probe) = match taken {
                    Take::Probe(size) => (size, true),
                    Take::Size(size) => (size, false),
                    Take::Wait => {
                        drop(permit);
                        if running.is_empty() {
                            probed.await;
                            continue;
                        }
                        break;
                    }
                };
                let batch = take_batch(
                    &mut pending,
                    size,
                    // Less the envelope: algorithm, pepper and field names.
                    self.settings.max_body.saturating_sub(64 + pepper.len()),
                    |id| key_bytes(&addresses[id], algorithm),
                );
                running.spawn(Arc::clone(self).send(
                    batch,
                    addresses.clone(),
                    algorithm,
                    pepper.clone(),
                    (permit, probe),
                ));
            }
            if pending.is_empty() {
                drop(turn.take());
            }
            let Some(done) = running.join_next().await else {
                break;
            };
            let batch = done.expect("lookup tasks do not panic");
            let probe = batch.probe;
            match batch.result {
                Ok(response) => {
                    probing = false;
                    self.grew(batch.ids.len());
                    self.map_back(&mut asked, &batch.ids, &batch.keys, &batch.pepper, response);
                }
                Err(SessionError::Call(e)) if e.is_size_refusal() && batch.ids.len() > 1 => {
                    probing = true;
                    self.shrank(batch.ids.len());
                    requeue(&mut pending, batch.ids);
                }
                Err(SessionError::Call(e))
                    if may_refresh && e.invalid_pepper().is_some() && batch.pepper != pepper =>
                {
                    // Sent before the pepper was replaced: just resend.
                    requeue(&mut pending, batch.ids);
                }
                Err(SessionError::Call(e))
                    if may_refresh && e.invalid_pepper().is_some() && unusable.is_some() =>
                {
                    // The batches in flight with the pepper already given up on.
                    let why = unusable.clone().unwrap_or_default();
                    give_up(&mut asked, batch.ids, &mut pending, &why);
                }
                Err(SessionError::Call(e))
                    if may_refresh && e.invalid_pepper().is_some() && refreshes < 2 =>
                {
                    refreshes += 1;
                    let renewed = match e.invalid_pepper().flatten() {
                        Some(named) => Ok(named.to_owned()),
                        None => self
                            .details(true)
                            .await
                            .map(|d| d.lookup_pepper)
                            .map_err(|e| e.to_string()),
                    };
                    match renewed.and_then(|p| self.check_pepper(&p).map(|()| p)) {
                        Ok(renewed) => {
                            pepper = renewed;
                            requeue(&mut pending, batch.ids);
                        }
                        Err(why) => {
                            give_up(&mut asked, batch.ids, &mut pending, &why);
                            self.broken
                                .lock()
                                .expect("broken lock")
                                .get_or_insert(why.clone());
                            unusable = Some(why);
                        }
                    }
                }
                Err(e) => {
                    self.note(&e);
                    let why = e.to_string();
                    if may_refresh {
                        self.broken
                            .lock()
                            .expect("broken lock")
                            .get_or_insert(why.clone());
                    }
                    give_up(&mut asked, batch.ids, &mut pending, &why);
                }
            }
            // Only now, with the server marked as failed for good if it is:
            // the batches waiting for the probe check that first.
            if probe {
                self.probe_back();
            }
        }
        asked
    }

    /// Sends one lookup request (holding a permit; maybe the probe).
    async fn send(
        self: Arc<Self>,
        ids: Vec<AddressId>,
        addresses: Slab,
        algorithm: Algorithm,
        pepper: String,
        (_permit, probe): (tokio::sync::OwnedSemaphorePermit, bool),
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
                .call(|client, token| async move { client.lookup(&token, request).await })
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
            result,
        }
    }

    /// The probe is back, whatever its answer: another size may be tried,
    /// and the batches waiting for the first one may leave.
    fn probe_back(&self) {
        let mut sizing = self.sizing.lock().expect("sizing lock");
        sizing.probing = false;
        sizing.first = false;
        drop(sizing);
        self.probed.notify_waiters();
    }

    /// A batch of `size` was answered: remember it and grow the next one,
    /// up to the largest batch and below any size refused before (the probe
    /// is cleared by `probe_back` alone: a small batch back first is not it).
    fn grew(&self, size: usize) {
        let cap = self.settings.max_batch.max(1);
        let mut sizing = self.sizing.lock().expect("sizing lock");
        sizing.good = sizing.good.max(size);
        if size >= sizing.current {
            sizing.current = next_size(sizing.current, sizing.good, sizing.bad, cap);
        }
        let good = sizing.good;
        drop(sizing);
        self.count(|s| s.batch_size = s.batch_size.max(good));
    }

    /// A batch of `size` was refused for its size: never try that again.
    /// Batches sent before an earlier refusal come back refused too: they
    /// never raise the size again.
    fn shrank(&self, size: usize) {
        let mut sizing = self.sizing.lock().expect("sizing lock");
        sizing.bad = Some(sizing.bad.map_or(size, |b| b.min(size)));
        let below = sizing.bad.unwrap_or(size) - 1;
        let next = if sizing.good > 0 && sizing.good <= below {
            sizing.good
        } else if size > sizing.small {
            sizing.small
        } else {
            (size / 2).max(1)
        };
        sizing.current = sizing.current.min(next);
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

/// The batch size after one of `current` was answered: four times larger
/// (after the first size was refused, four round trips from 100 back to
/// 10,000), below the smallest size refused, whose gap with the largest
/// size answered is halved while it is larger than that size (a refusal or
/// two, not one per address).
fn next_size(current: usize, good: usize, bad: Option<usize>, cap: usize) -> usize {
    let next = current.saturating_mul(4).min(cap);
    match bad {
        Some(bad) if next >= bad => {
            let good = good.clamp(1, bad - 1);
            if bad - good > good {
                good + (bad - good) / 2
            } else {
                good
            }
        }
        _ => next,
    }
}

/// A batch failed for good with `why`: its addresses fail, and so do those
/// not sent yet, which the server is not asked about any more in this pass.
fn give_up(asked: &mut Asked, batch: Vec<AddressId>, pending: &mut VecDeque<AddressId>, why: &str) {
    let failed = &mut asked.answer.failed;
    failed.extend(batch.into_iter().map(|id| (id, why.to_owned())));
    if !pending.is_empty() {
        let unsent = format!("not asked after an earlier lookup failed: {why}");
        failed.extend(pending.drain(..).map(|id| (id, unsent.clone())));
    }
}

/// The bytes `address` takes in a lookup body: its key, quotes and comma.
fn key_bytes(address: &Address, algorithm: Algorithm) -> usize {
    match algorithm {
        Algorithm::Sha256 => 43 + 3,
        Algorithm::None => address.address.len() + 1 + address.medium.as_str().len() + 3,
    }
}

/// The next batch: at most `size` addresses from the front of `pending`,
/// fewer if their keys would pass `max_body` bytes, never none.
fn take_batch(
    pending: &mut VecDeque<AddressId>,
    size: usize,
    max_body: usize,
    bytes: impl Fn(AddressId) -> usize,
) -> Vec<AddressId> {
    let mut body = 0;
    let mut count = 0;
    for &id in pending.iter().take(size) {
        body += bytes(id);
        if count > 0 && body > max_body {
            break;
        }
        count += 1;
    }
    pending.drain(..count.max(1).min(pending.len())).collect()
}

/// Puts a batch back at the front of the queue, in its order.
fn requeue(pending: &mut VecDeque<AddressId>, ids: Vec<AddressId>) {
    for id in ids.into_iter().rev() {
        pending.push_front(id);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use super::{next_size, take_batch};

    #[test]
    fn a_batch_stops_at_the_size_or_the_body_cap_and_is_never_empty() {
        let mut pending: VecDeque<u32> = (0..100).collect();
        // 46 bytes a hash: 10 fit in 460 bytes, 11 do not.
        assert_eq!(take_batch(&mut pending, 50, 460, |_| 46).len(), 10);
        assert_eq!(
            take_batch(&mut pending, 5, 460, |_| 46),
            [10, 11, 12, 13, 14]
        );
        // Clear-text keys of different lengths: cut at the cap.
        let batch = take_batch(&mut pending, 50, 100, |id| if id == 17 { 91 } else { 5 });
        assert_eq!(batch, [15, 16]);
        // One key larger than the cap still leaves, alone.
        assert_eq!(take_batch(&mut pending, 50, 100, |_| 500), [17]);
        assert_eq!(take_batch(&mut pending, 1_000, 1 << 20, |_| 46).len(), 82);
        assert!(pending.is_empty());
    }

    #[test]
    fn batches_grow_fourfold_to_the_cap() {
        let mut size = 100;
        let mut steps = vec![size];
        while size < 10_000 {
            size = next_size(size, size, None, 10_000);
            steps.push(size);
        }
        assert_eq!(steps, [100, 400, 1600, 6400, 10_000]);
        assert_eq!(next_size(10_000, 10_000, None, 10_000), 10_000);
    }

    #[test]
    fn a_refused_size_is_bisected_a_few_times_then_left() {
        // sydent with address_lookup_limit = 1000: 1600 refused after 400.
        let limit = 1000;
        let (mut good, mut bad, mut current) = (400, Some(1600), 400);
        let mut tried = Vec::new();
        for _ in 0..10 {
            current = next_size(current, good, bad, 8714);
            tried.push(current);
            if current <= limit {
                good = good.max(current);
            } else {
                bad = Some(current);
                current = good;
            }
        }
        let refused = tried.iter().filter(|&&s| s > limit).count();
        assert_eq!(refused, 0, "{tried:?}");
        assert!(tried.iter().all(|&s| s < 1600), "{tried:?}");
        assert_eq!(good, 1000, "{tried:?}");
        // ToM's 100: never above it again once 400 was refused.
        assert_eq!(next_size(100, 100, Some(400), 8714), 250);
        assert_eq!(next_size(100, 100, Some(250), 8714), 175);
        assert_eq!(next_size(100, 100, Some(175), 8714), 100);
        assert_eq!(next_size(100, 100, Some(101), 8714), 100);
    }
}
