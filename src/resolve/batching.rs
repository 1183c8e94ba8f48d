//! Every decision about the lookup requests sent to one server, without
//! I/O: how many addresses go in the next batch, how the size grows after
//! an answer and shrinks after a refusal (and what a refusal teaches), the
//! probe (a size not answered yet, one at a time), when a batch waits,
//! recovery from a rotated pepper, and giving up on a server. The driver
//! ([`super::server`]) sends what these decide and reports each result
//! back; unit tests drive them with made-up results, no socket needed.
//!
//! A server's [`Batching`] is shared by every pass over it (the chunks of
//! the walk, and the passes with alternative peppers); a [`Pass`] is one
//! set of addresses looked up with one pepper.

use std::collections::VecDeque;

use crate::outcome::{Address, AddressId};
use crate::threepid::Algorithm;

/// The longest pepper hashed with. Real ones have 5 (sydent) or 32 (ToM)
/// characters; every address is hashed with it, so a server offering
/// megabytes would have the client hash gigabytes.
pub const MAX_PEPPER_BYTES: usize = 1024;

/// A pepper is replaced (and the batch resent) at most this many times in
/// a pass.
pub const MAX_REFRESHES: u32 = 2;

/// Sizes refused in a run before the largest size answered is taken as the
/// limit: the first size tried and one probe above the size answered after
/// it. Each refused probe costs a request that a rate limit counts (ToM:
/// 100 requests per 10 minutes), so a 100-address server asked 1,000
/// addresses costs 10 answers and 2 refusals.
pub const FREE_REFUSALS: u32 = 2;

/// Beyond [`FREE_REFUSALS`], one more size may be risked for every this
/// many batches answered (at most one request in 16 wasted), so that a
/// long run still closes in on a limit between two sizes tried.
pub const ANSWERS_PER_REFUSAL: u32 = 16;

/// The bounds batching works within.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchLimits {
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

/// What an earlier run learned of a server's limit (see
/// [`super::limits`]): the largest size it answered and the smallest it
/// refused (one more than a limit it stated).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Learned {
    /// The largest size answered.
    pub answered: usize,
    /// The smallest size refused.
    pub refused: usize,
}

/// Batch-size memory of a server for the run.
#[derive(Debug, Clone, Copy)]
pub struct Sizing {
    current: usize,
    /// The largest size answered in this run.
    good: usize,
    /// The smallest size refused for its size.
    bad: Option<usize>,
    /// A size an earlier run saw answered, or the limit the server
    /// stated: sent without probing, but a refusal of it is a refusal (the
    /// server lowered its limit) and it is forgotten.
    trusted: usize,
    /// Refusals that taught a smaller size, and batches answered: more
    /// sizes are risked only within [`FREE_REFUSALS`] and
    /// [`ANSWERS_PER_REFUSAL`].
    refusals: u32,
    answers: u32,
    /// A refusal in this run taught something to remember.
    taught: bool,
    /// A batch larger than `good` is in flight: the others are sent at a
    /// size known to pass until it is back (one refusal per size, not four).
    probing: bool,
    /// The first size tried (the largest) has not come back yet: beside it
    /// go only `smalls` batches of the small size; the rest wait for it.
    first: bool,
    small: usize,
    smalls: usize,
    /// The largest batch.
    cap: usize,
}

/// What the next batch of a server may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Take {
    /// A size not tried yet: the batch is the probe.
    Probe(usize),
    /// A size known to pass, or small.
    Size(usize),
    /// Nothing until the first probe is back.
    Wait,
}

impl Sizing {
    /// A server not asked yet: the largest size is tried first, with
    /// `in_flight - 1` small batches beside it.
    pub fn new(limits: &BatchLimits) -> Self {
        let first = limits.max_batch.max(1);
        Sizing {
            current: first,
            good: 0,
            bad: None,
            trusted: 0,
            refusals: 0,
            answers: 0,
            taught: false,
            probing: false,
            first: true,
            small: limits.small_batch.clamp(1, first),
            smalls: limits.in_flight.saturating_sub(1),
            cap: first,
        }
    }

    /// A server an earlier run learned about: its largest size answered
    /// is sent at once, several in flight, and no size above it is tried
    /// before [`ANSWERS_PER_REFUSAL`] batches are answered.
    pub fn learned(limits: &BatchLimits, learned: Learned) -> Self {
        let mut sizing = Sizing::new(limits);
        if learned.answered == 0 || learned.refused <= learned.answered {
            return sizing;
        }
        sizing.trusted = learned.answered.min(sizing.cap);
        sizing.current = sizing.trusted;
        sizing.bad = Some(learned.refused);
        sizing.refusals = FREE_REFUSALS;
        sizing.first = false;
        sizing
    }

    /// The size of the next batch: `current`, unless a larger size than
    /// any answered is being tried already, then the largest answered (or,
    /// while the first size is tried, a few small ones, then none).
    pub fn take(&mut self) -> Take {
        if self.current <= self.good.max(self.trusted) {
            return Take::Size(self.current);
        }
        if !self.probing {
            self.probing = true;
            return Take::Probe(self.current);
        }
        if !self.first {
            return Take::Size(self.good.max(self.trusted).max(1));
        }
        if self.smalls > 0 {
            self.smalls -= 1;
            return Take::Size(self.small.min(self.current));
        }
        Take::Wait
    }

    /// A batch of `size` was answered: remember it and grow the next one,
    /// up to the largest batch and below any size refused before (the probe
    /// is cleared by [`Sizing::probe_back`] alone: a small batch back first
    /// is not it).
    pub fn answered(&mut self, size: usize) {
        self.good = self.good.max(size);
        self.answers = self.answers.saturating_add(1);
        if size >= self.current {
            let may_probe = self.may_probe();
            self.current = next_size(self.current, self.good, self.bad, self.cap, may_probe);
        }
    }

    /// Whether a size above the largest answered may still be risked: no
    /// size was refused yet, or the refusals are within their budget.
    fn may_probe(&self) -> bool {
        self.bad.is_none() || self.refusals < FREE_REFUSALS + self.answers / ANSWERS_PER_REFUSAL
    }

    /// A batch of `size` was refused for its size: never try that again;
    /// with the limit the server `stated`, never try above it. Batches sent
    /// before an earlier refusal come back refused too: they never raise
    /// the size again, and teach nothing.
    pub fn refused(&mut self, size: usize, stated: Option<usize>) {
        // A limit at or above the size refused says nothing.
        let stated = stated.filter(|&limit| limit >= 1 && limit < size);
        if let Some(limit) = stated {
            // Sent at once, several in flight, with no probe.
            self.cap = self.cap.min(limit);
            self.trusted = self.cap;
        }
        let lesson = stated.map_or(size, |limit| limit + 1);
        if self.bad.is_none_or(|b| lesson < b) {
            self.refusals = self.refusals.saturating_add(1);
            self.taught = true;
        }
        if stated.is_none() && size <= self.trusted {
            // Refused at a size an earlier run saw answered: the server
            // lowered its limit.
            self.trusted = 0;
        }
        let bad = self.bad.map_or(lesson, |b| b.min(lesson));
        self.bad = Some(bad);
        let good = if self.good < bad { self.good } else { 0 };
        let next = if stated.is_some() {
            // The stated limit, which the largest batch now is.
            self.cap
        } else if size > self.small {
            good.max(self.small)
        } else if good > 0 {
            good
        } else {
            (size / 2).max(1)
        };
        self.current = self.current.min(next);
    }

    /// What to remember of this server for later runs: `Some` once a
    /// refusal in this run taught its limit (none: keep what was known);
    /// `Some(None)` when nothing it answered is left to trust.
    pub fn lesson(&self) -> Option<Option<Learned>> {
        if !self.taught {
            return None;
        }
        let refused = self.bad?;
        let answered = self.good.max(self.trusted).min(refused.saturating_sub(1));
        Some((answered > 0).then_some(Learned { answered, refused }))
    }

    /// Whether a failure of a batch of `size` (a 5xx, a reset, a 400
    /// that names no limit) may be a refusal of its size: the batch is
    /// larger than any size answered and than the small size. Such a batch
    /// is sent once, not retried as it is.
    pub fn on_trial(&self, size: usize) -> bool {
        size > self.good.max(self.small)
    }

    /// The probe is back, whatever its answer: another size may be tried,
    /// and the batches waiting for the first one may leave.
    pub fn probe_back(&mut self) {
        self.probing = false;
        self.first = false;
    }

    /// The size the next batch is cut to when it may be.
    pub fn current(&self) -> usize {
        self.current
    }

    /// The largest size answered (0 before any answer).
    pub fn largest_answered(&self) -> usize {
        self.good
    }

    /// The smallest size refused for its size, once one was.
    pub fn smallest_refused(&self) -> Option<usize> {
        self.bad
    }
}

/// The batch size after one of `current` was answered: four times larger
/// (after the first size was refused, four round trips from 100 back to
/// 10,000), below the smallest size refused, whose gap with the largest
/// size answered is halved while it is larger than that size (a refusal or
/// two, not one per address). Once a size was refused and no more may be
/// risked (`may_probe`), the largest size answered is the limit.
pub fn next_size(
    current: usize,
    good: usize,
    bad: Option<usize>,
    cap: usize,
    may_probe: bool,
) -> usize {
    let next = current.saturating_mul(4).min(cap);
    let Some(bad) = bad else {
        return next;
    };
    let good = good.clamp(1, bad.saturating_sub(1).max(1));
    if !may_probe {
        good
    } else if next < bad {
        next
    } else if bad - good > good {
        good + (bad - good) / 2
    } else {
        good
    }
}

/// What every pass over one server shares for the run: its batch sizes,
/// and why a lookup failed for good, once one did.
#[derive(Debug, Clone)]
pub struct Batching {
    sizing: Sizing,
    /// Later chunks are not sent once a lookup failed for good (a server
    /// that times out costs its retries once, not once a chunk).
    broken: Option<String>,
}

impl Batching {
    /// A server not asked yet.
    pub fn new(limits: &BatchLimits) -> Self {
        Batching {
            sizing: Sizing::new(limits),
            broken: None,
        }
    }

    /// A server an earlier run learned about (see [`Sizing::learned`]).
    pub fn learned(limits: &BatchLimits, learned: Learned) -> Self {
        Batching {
            sizing: Sizing::learned(limits, learned),
            broken: None,
        }
    }

    /// Its batch sizes.
    pub fn sizing(&self) -> &Sizing {
        &self.sizing
    }

    /// Why a lookup failed for good, once one did: nothing more is sent.
    pub fn broken(&self) -> Option<&str> {
        self.broken.as_deref()
    }

    /// The probe is back (see [`Sizing::probe_back`]).
    pub fn probe_back(&mut self) {
        self.sizing.probe_back();
    }

    /// A lookup failed for good with `why` (the first reason stays).
    fn break_down(&mut self, why: &str) {
        self.broken.get_or_insert_with(|| why.to_owned());
    }
}

/// The reason of an address not sent because the server failed for good.
pub fn not_asked(why: &str) -> String {
    format!("not asked after an earlier lookup failed: {why}")
}

/// What a failed batch's error says, as far as batching is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The server refused the batch for its size: 413, `M_TOO_LARGE`,
    /// `M_INVALID_PARAM` naming a limit; or, for a batch on trial
    /// ([`Sizing::on_trial`]), any 400, 5xx or reset.
    pub too_large: bool,
    /// The limit the refusal states ("Adresses limit of 100 exceeded").
    pub stated_limit: Option<usize>,
    /// `M_INVALID_PEPPER`, with the pepper the error names (sydent), if any.
    pub invalid_pepper: Option<Option<String>>,
    /// The error, as the reason of the addresses it fails.
    pub why: String,
}

/// What to do after a batch failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// It is back in the queue, to be sent again (smaller, or with the
    /// pepper in use now).
    Resend,
    /// The pepper must be replaced: by the one the error named, else by a
    /// fresh `hash_details`'s; hand the result to [`Pass::renewed`] with
    /// the batch.
    Renew {
        /// The pepper the error named.
        named: Option<String>,
        /// The batch, to resend or fail.
        batch: Vec<AddressId>,
    },
    /// It failed for good with its own error, and so does the rest of the
    /// pass (the error's hint is worth keeping).
    Failed,
    /// It failed with the pepper this pass already gave up on.
    Abandoned,
}

/// What to do when a request may leave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Send this batch (the probe, when `probe`).
    Send {
        /// The addresses, in order.
        batch: Vec<AddressId>,
        /// It tries a size not answered before: report its return to
        /// [`Batching::probe_back`], whatever it is.
        probe: bool,
    },
    /// Nothing may leave until the probe is back.
    Wait,
    /// The server failed for good: the addresses not sent have failed.
    Broken,
}

/// One set of addresses looked up with one pepper. With `main` (the main
/// pepper's pass), a rejected pepper is replaced (from the error, else from
/// a fresh `hash_details`) and the batch resent, at most twice.
///
/// A batch refused for its size is sent again smaller, one batch at a time
/// until one is answered, so that a server resetting every connection is
/// probed down in a few requests rather than sent every address at every
/// size. A batch that fails for good (after its retries) ends the pass: the
/// addresses not yet sent fail with it, as the server would fail them the
/// same way, each after its retries.
#[derive(Debug)]
pub struct Pass {
    pending: VecDeque<AddressId>,
    /// The pepper batches are hashed with now.
    pepper: String,
    main: bool,
    refreshes: u32,
    /// A batch was refused for its size: one at a time until one is answered.
    alone: bool,
    /// Why no pepper can be had any more, once the server named an unusable one.
    unusable: Option<String>,
}

impl Pass {
    /// A pass over `ids` with `pepper`; `main` for the main pepper's.
    pub fn new(ids: Vec<AddressId>, pepper: String, main: bool) -> Self {
        Pass {
            pending: ids.into(),
            pepper,
            main,
            refreshes: 0,
            alone: false,
            unusable: None,
        }
    }

    /// The pepper batches are hashed with now.
    pub fn pepper(&self) -> &str {
        &self.pepper
    }

    /// Every address has left (or failed).
    pub fn all_sent(&self) -> bool {
        self.pending.is_empty()
    }

    /// How many of its batches may be in flight at once.
    pub fn room(&self, in_flight: usize) -> usize {
        if self.alone { 1 } else { in_flight }
    }

    /// The next batch, taken when a request may leave (several passes
    /// share the server's requests in flight): by then earlier answers have
    /// grown it. `bytes` is what an address takes in the body
    /// ([`key_bytes`]).
    pub fn next(
        &mut self,
        server: &mut Batching,
        max_body: usize,
        bytes: impl Fn(AddressId) -> usize,
        failed: &mut Vec<(AddressId, String)>,
    ) -> Step {
        // Another pass's lookup may have failed for good meanwhile.
        if let Some(why) = server.broken() {
            self.give_up(Vec::new(), why, failed);
            return Step::Broken;
        }
        let (size, probe) = match server.sizing.take() {
            Take::Probe(size) => (size, true),
            Take::Size(size) => (size, false),
            Take::Wait => return Step::Wait,
        };
        // Less the envelope: algorithm, pepper and field names.
        let max_body = max_body.saturating_sub(64 + self.pepper.len());
        let batch = take_batch(&mut self.pending, size, max_body, bytes);
        Step::Send { batch, probe }
    }

    /// A batch of `size` was answered: the size grows, and batches leave
    /// together again.
    pub fn answered(&mut self, server: &mut Batching, size: usize) {
        self.alone = false;
        server.sizing.answered(size);
    }

    /// A batch sent with `sent_with` failed: shrink and resend it, resend
    /// it with the pepper in use, replace the pepper, or fail it and the
    /// addresses not sent yet (the server failing for good, after the main
    /// pepper's pass). What fails goes to `failed`.
    pub fn failed(
        &mut self,
        server: &mut Batching,
        batch: Vec<AddressId>,
        sent_with: &str,
        failure: Failure,
        failed: &mut Vec<(AddressId, String)>,
    ) -> Next {
        if failure.too_large && batch.len() > 1 {
            self.alone = true;
            server.sizing.refused(batch.len(), failure.stated_limit);
            requeue(&mut self.pending, batch);
            return Next::Resend;
        }
        if let (true, Some(named)) = (self.main, failure.invalid_pepper) {
            if sent_with != self.pepper {
                // Sent before the pepper was replaced: just resend.
                requeue(&mut self.pending, batch);
                return Next::Resend;
            }
            if let Some(why) = &self.unusable {
                // The batches in flight with the pepper already given up on.
                let why = why.clone();
                self.give_up(batch, &why, failed);
                return Next::Abandoned;
            }
            if self.refreshes < MAX_REFRESHES {
                self.refreshes += 1;
                return Next::Renew { named, batch };
            }
        }
        if self.main {
            server.break_down(&failure.why);
        }
        self.give_up(batch, &failure.why, failed);
        Next::Failed
    }

    /// The pepper asked for by [`Next::Renew`]: with it, `batch` is resent;
    /// without one (`Err(why)`, see [`usable_pepper`]), it fails, and so do
    /// the rest of the pass and the server.
    pub fn renewed(
        &mut self,
        server: &mut Batching,
        batch: Vec<AddressId>,
        pepper: Result<String, String>,
        failed: &mut Vec<(AddressId, String)>,
    ) {
        match pepper {
            Ok(pepper) => {
                self.pepper = pepper;
                requeue(&mut self.pending, batch);
            }
            Err(why) => {
                self.give_up(batch, &why, failed);
                server.break_down(&why);
                self.unusable = Some(why);
            }
        }
    }

    /// A batch failed for good with `why`: its addresses fail, and so do
    /// those not sent yet, which the server is not asked about any more in
    /// this pass.
    fn give_up(&mut self, batch: Vec<AddressId>, why: &str, failed: &mut Vec<(AddressId, String)>) {
        failed.extend(batch.into_iter().map(|id| (id, why.to_owned())));
        if !self.pending.is_empty() {
            let unsent = not_asked(why);
            failed.extend(self.pending.drain(..).map(|id| (id, unsent.clone())));
        }
    }
}

/// Whether `pepper` is short enough to hash every address with; if not,
/// why `server` cannot be asked with it.
pub fn usable_pepper(server: &str, pepper: &str) -> Result<(), String> {
    match pepper.len() {
        0..=MAX_PEPPER_BYTES => Ok(()),
        length => Err(format!(
            "{server} offers a pepper of {length} bytes, more than the {MAX_PEPPER_BYTES} mxlookup hashes with"
        )),
    }
}

/// The bytes `address` takes in a lookup body: its key, quotes and comma.
pub fn key_bytes(address: &Address, algorithm: Algorithm) -> usize {
    match algorithm {
        Algorithm::Sha256 => 43 + 3,
        Algorithm::None => address.address.len() + 1 + address.medium.as_str().len() + 3,
    }
}

/// The next batch: at most `size` addresses from the front of `pending`,
/// fewer if their keys would pass `max_body` bytes, never none.
pub fn take_batch(
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

    use super::*;
    use crate::threepid::Medium;

    const LIMITS: BatchLimits = BatchLimits {
        in_flight: 4,
        max_batch: 10_000,
        small_batch: 100,
        max_body: 480 << 10,
    };

    fn refused() -> Failure {
        Failure {
            too_large: true,
            stated_limit: None,
            invalid_pepper: None,
            why: "no answer: connection reset".to_owned(),
        }
    }

    fn bad_pepper(named: Option<&str>) -> Failure {
        Failure {
            too_large: false,
            stated_limit: None,
            invalid_pepper: Some(named.map(str::to_owned)),
            why: "HTTP 400 M_INVALID_PEPPER: wrong pepper".to_owned(),
        }
    }

    fn timeout() -> Failure {
        Failure {
            too_large: false,
            stated_limit: None,
            invalid_pepper: None,
            why: "no answer within 30s".to_owned(),
        }
    }

    /// The next batch of `pass`, which must be sent.
    fn send(pass: &mut Pass, server: &mut Batching) -> (Vec<AddressId>, bool) {
        match pass.next(server, LIMITS.max_body, |_| 46, &mut Vec::new()) {
            Step::Send { batch, probe } => (batch, probe),
            other => panic!("{other:?}"),
        }
    }

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
            size = next_size(size, size, None, 10_000, true);
            steps.push(size);
        }
        assert_eq!(steps, [100, 400, 1600, 6400, 10_000]);
        assert_eq!(next_size(10_000, 10_000, None, 10_000, true), 10_000);
    }

    #[test]
    fn a_refused_size_is_bisected_a_few_times_then_left() {
        // sydent with address_lookup_limit = 1000: 1600 refused after 400.
        let limit = 1000;
        let (mut good, mut bad, mut current) = (400, Some(1600), 400);
        let mut tried = Vec::new();
        for _ in 0..10 {
            current = next_size(current, good, bad, 8714, true);
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
        assert_eq!(next_size(100, 100, Some(400), 8714, true), 250);
        assert_eq!(next_size(100, 100, Some(250), 8714, true), 175);
        assert_eq!(next_size(100, 100, Some(175), 8714, true), 100);
        assert_eq!(next_size(100, 100, Some(101), 8714, true), 100);
    }

    /// A server answering at most `limit` addresses (stating it when
    /// `states`), asked about `n` addresses through `server` as the driver
    /// does (batches in flight together, answered in the order sent):
    /// (sizes answered, sizes refused).
    fn against(
        server: &mut Batching,
        limit: usize,
        states: bool,
        n: u32,
    ) -> (Vec<usize>, Vec<usize>) {
        let mut pass = Pass::new((0..n).collect(), "p".to_owned(), true);
        let (mut answered, mut refusals) = (Vec::new(), Vec::new());
        let mut flight: VecDeque<(Vec<AddressId>, bool)> = VecDeque::new();
        loop {
            while flight.len() < pass.room(LIMITS.in_flight) && !pass.all_sent() {
                match pass.next(server, LIMITS.max_body, |_| 46, &mut Vec::new()) {
                    Step::Send { batch, probe } => flight.push_back((batch, probe)),
                    Step::Wait | Step::Broken => break,
                }
            }
            let Some((batch, probe)) = flight.pop_front() else {
                break;
            };
            if batch.len() <= limit {
                answered.push(batch.len());
                pass.answered(server, batch.len());
            } else {
                refusals.push(batch.len());
                let failure = Failure {
                    stated_limit: states.then_some(limit),
                    ..refused()
                };
                let mut failed = Vec::new();
                let next = pass.failed(server, batch, "p", failure, &mut failed);
                assert_eq!(next, Next::Resend);
            }
            if probe {
                server.probe_back();
            }
        }
        assert!(pass.all_sent());
        assert_eq!(answered.iter().sum::<usize>(), n as usize);
        (answered, refusals)
    }

    #[test]
    fn a_limit_not_stated_costs_two_refusals_then_the_largest_answered_is_the_limit() {
        // ToM's plain identity server: 400 "Invalid Param" past 100.
        let mut server = Batching::new(&LIMITS);
        let (answered, refused) = against(&mut server, 100, false, 1_000);
        assert_eq!(refused, [1_000, 400], "{answered:?}");
        assert_eq!(answered, [100; 10]);
        let lesson = server.sizing().lesson();
        assert_eq!(
            lesson,
            Some(Some(Learned {
                answered: 100,
                refused: 400
            }))
        );
        // The next run sends no refused probe.
        let mut again = Batching::learned(&LIMITS, lesson.unwrap().unwrap());
        let (answered, refused) = against(&mut again, 100, false, 1_000);
        assert_eq!((answered.len(), refused.len()), (10, 0), "{answered:?}");
        assert_eq!(again.sizing().lesson(), None);
        // A long run risks one more size every 16 answers, and closes in.
        let mut long = Batching::new(&LIMITS);
        let (answered, refused) = against(&mut long, 100, false, 25_000);
        assert_eq!(refused, [10_000, 400, 250, 175], "{answered:?}");
        assert_eq!(answered.len(), 250);
    }

    #[test]
    fn a_stated_limit_is_the_size_at_once() {
        // ToM's federated identity server: "Adresses limit of 100 exceeded".
        let mut server = Batching::new(&LIMITS);
        let (answered, refused) = against(&mut server, 100, true, 1_000);
        assert_eq!(refused, [1_000]);
        assert_eq!(answered, [100; 10]);
        assert_eq!(
            server.sizing().lesson(),
            Some(Some(Learned {
                answered: 100,
                refused: 101
            }))
        );
        // sydent with a limit of 1,000, not stated: 400, then 1,000.
        let mut sydent = Batching::new(&LIMITS);
        let (answered, refused) = against(&mut sydent, 1_000, false, 25_000);
        assert_eq!(refused, [10_000, 1_600], "{answered:?}");
        assert_eq!(answered.iter().max(), Some(&1_000));
        assert!(answered.len() <= 40, "{answered:?}");
    }

    #[test]
    fn a_learned_size_refused_is_forgotten_and_learned_again() {
        let learned = Learned {
            answered: 400,
            refused: 1_600,
        };
        // The server lowered its limit to 100 since.
        let mut server = Batching::learned(&LIMITS, learned);
        assert_eq!(server.sizing.take(), Take::Size(400));
        let (answered, refused) = against(&mut server, 100, false, 1_000);
        // The three batches in flight at once (400, 400, 200), no more.
        assert_eq!(refused, [400, 400, 200]);
        assert!(answered.iter().all(|&s| s == 100), "{answered:?}");
        assert_eq!(
            server.sizing().lesson(),
            Some(Some(Learned {
                answered: 100,
                refused: 200
            }))
        );
        // Nonsense on file is not trusted.
        let odd = Batching::learned(
            &LIMITS,
            Learned {
                answered: 400,
                refused: 400,
            },
        );
        assert_eq!(odd.sizing().current(), 10_000);
    }

    #[test]
    fn only_a_batch_above_the_largest_answered_and_the_small_size_is_on_trial() {
        let mut sizing = Sizing::new(&LIMITS);
        assert!(sizing.on_trial(10_000));
        assert!(sizing.on_trial(101));
        assert!(!sizing.on_trial(100));
        sizing.answered(400);
        assert!(!sizing.on_trial(400));
        assert!(sizing.on_trial(401));
        // A stated limit at or above the size refused teaches nothing more
        // than the size itself.
        let mut sizing = Sizing::new(&LIMITS);
        sizing.refused(500, Some(500));
        assert_eq!(sizing.smallest_refused(), Some(500));
        assert_eq!(sizing.current(), 100);
    }

    #[test]
    fn the_first_size_is_tried_alone_with_a_few_small_batches_beside_it() {
        let mut sizing = Sizing::new(&LIMITS);
        assert_eq!(sizing.take(), Take::Probe(10_000));
        // in_flight - 1 small batches, then nothing until the probe is back.
        for _ in 0..3 {
            assert_eq!(sizing.take(), Take::Size(100));
        }
        assert_eq!(sizing.take(), Take::Wait);
        assert_eq!(sizing.take(), Take::Wait);
        sizing.answered(10_000);
        sizing.probe_back();
        assert_eq!(sizing.largest_answered(), 10_000);
        assert_eq!(sizing.take(), Take::Size(10_000));
        assert_eq!(sizing.take(), Take::Size(10_000));
        // A small first size is taken as given; the small size never
        // exceeds it.
        let mut tiny = Sizing::new(&BatchLimits {
            max_batch: 30,
            ..LIMITS
        });
        assert_eq!(tiny.take(), Take::Probe(30));
        assert_eq!(tiny.take(), Take::Size(30));
    }

    #[test]
    fn the_probe_is_cleared_only_by_its_return() {
        let mut sizing = Sizing::new(&LIMITS);
        assert_eq!(sizing.take(), Take::Probe(10_000));
        assert_eq!(sizing.take(), Take::Size(100));
        // A small batch back first is not the probe: no second probe.
        sizing.answered(100);
        assert_eq!(sizing.largest_answered(), 100);
        assert_eq!(sizing.current(), 10_000);
        assert_eq!(sizing.take(), Take::Size(100));
        assert_eq!(sizing.take(), Take::Size(100));
        assert_eq!(sizing.take(), Take::Wait);
        // The probe's own answer does not clear it either: its return does.
        let mut sizing = Sizing::new(&LIMITS);
        assert_eq!(sizing.take(), Take::Probe(10_000));
        sizing.refused(10_000, None);
        sizing.probe_back();
        assert_eq!(sizing.take(), Take::Probe(100));
        sizing.answered(100);
        assert_eq!(sizing.current(), 400);
        assert_eq!(sizing.take(), Take::Size(100));
        sizing.probe_back();
        assert_eq!(sizing.take(), Take::Probe(400));
        // A first size refused and not back yet: the first round still waits.
        let mut sizing = Sizing::new(&LIMITS);
        assert_eq!(sizing.take(), Take::Probe(10_000));
        sizing.refused(10_000, None);
        assert_eq!(sizing.current(), 100);
        for _ in 0..3 {
            assert_eq!(sizing.take(), Take::Size(100));
        }
        assert_eq!(sizing.take(), Take::Wait);
        sizing.probe_back();
        assert_eq!(sizing.take(), Take::Probe(100));
    }

    #[test]
    fn while_a_larger_size_is_probed_the_others_go_at_the_largest_answered() {
        let mut sizing = Sizing::new(&LIMITS);
        assert_eq!(sizing.take(), Take::Probe(10_000));
        sizing.refused(10_000, None);
        sizing.probe_back();
        assert_eq!(sizing.take(), Take::Probe(100));
        sizing.answered(100);
        sizing.probe_back();
        assert_eq!(sizing.current(), 400);
        assert_eq!(sizing.take(), Take::Probe(400));
        // One probe at a time: the rest at 100, as many as asked.
        for _ in 0..10 {
            assert_eq!(sizing.take(), Take::Size(100));
        }
        sizing.answered(400);
        sizing.probe_back();
        assert_eq!(sizing.take(), Take::Probe(1600));
        assert_eq!(sizing.take(), Take::Size(400));
    }

    #[test]
    fn a_refusal_shrinks_to_the_largest_answered_else_the_small_size_then_halves() {
        let mut sizing = Sizing::new(&LIMITS);
        sizing.refused(10_000, None);
        assert_eq!(sizing.current(), 100);
        assert_eq!(sizing.smallest_refused(), Some(10_000));
        let mut halves = Vec::new();
        for _ in 0..8 {
            sizing.refused(sizing.current(), None);
            halves.push(sizing.current());
        }
        assert_eq!(halves, [50, 25, 12, 6, 3, 1, 1, 1]);
        // With a size answered below the refused one: back to it.
        let mut sizing = Sizing::new(&LIMITS);
        sizing.answered(400);
        sizing.answered(1600);
        assert_eq!(sizing.current(), 10_000);
        sizing.refused(6400, None);
        assert_eq!(sizing.current(), 1600);
        // A refusal at or below the largest answered (the server changed
        // its mind): the small size.
        sizing.refused(1600, None);
        assert_eq!(sizing.current(), 100);
    }

    #[test]
    fn a_refusal_teaches_the_smallest_size_refused_and_late_ones_teach_nothing_more() {
        let mut sizing = Sizing::new(&LIMITS);
        sizing.answered(400);
        sizing.refused(1600, None);
        assert_eq!(sizing.current(), 400);
        // A batch of 10,000 sent before comes back refused: the lesson
        // stays 1600, and the size does not rise again.
        sizing.refused(10_000, None);
        assert_eq!(sizing.smallest_refused(), Some(1600));
        assert_eq!(sizing.current(), 400);
        // Growing stays below it.
        let mut sizes = Vec::new();
        for _ in 0..6 {
            let size = sizing.current();
            sizing.answered(size);
            sizes.push(sizing.current());
        }
        assert!(sizes.iter().all(|&s| s < 1600), "{sizes:?}");
        assert_eq!(sizes[0], 1000);
        // A late answer of a small size does not grow the current one.
        let before = sizing.current();
        sizing.answered(100);
        assert_eq!(sizing.current(), before);
    }

    #[test]
    fn a_batch_refused_for_its_size_is_resent_smaller_alone_until_one_is_answered() {
        let limits = BatchLimits {
            in_flight: 4,
            max_batch: 200,
            small_batch: 50,
            max_body: 1 << 20,
        };
        let mut server = Batching::new(&limits);
        let mut pass = Pass::new((0..300).collect(), "pepper".to_owned(), true);
        assert_eq!(pass.room(4), 4);
        let (probe, is_probe) = send(&mut pass, &mut server);
        assert_eq!((probe.len(), is_probe), (200, true));
        let (small, is_probe) = send(&mut pass, &mut server);
        assert_eq!(
            (small.as_slice(), is_probe),
            (&(200..250).collect::<Vec<_>>()[..], false)
        );
        pass.answered(&mut server, small.len());
        let mut failed = Vec::new();
        let next = pass.failed(&mut server, probe, "pepper", refused(), &mut failed);
        assert_eq!(next, Next::Resend);
        assert!(failed.is_empty());
        server.probe_back();
        // One at a time, at the largest size answered, in the order sent.
        assert_eq!(pass.room(4), 1);
        let (batch, is_probe) = send(&mut pass, &mut server);
        assert_eq!(batch, (0..50).collect::<Vec<_>>());
        assert!(!is_probe);
        pass.answered(&mut server, batch.len());
        assert_eq!(pass.room(4), 4);
        // Then up again, halfway to the size refused.
        let (batch, is_probe) = send(&mut pass, &mut server);
        assert_eq!((batch.len(), is_probe), (125, true));
        assert_eq!(batch[0], 50);
        assert_eq!(server.sizing().smallest_refused(), Some(200));
    }

    #[test]
    fn a_single_address_refused_for_its_size_fails_for_good() {
        let mut server = Batching::new(&LIMITS);
        let mut pass = Pass::new(vec![7, 8, 9], "p".to_owned(), true);
        let mut failed = Vec::new();
        pass.pending.pop_front();
        let next = pass.failed(&mut server, vec![7], "p", refused(), &mut failed);
        assert_eq!(next, Next::Failed);
        let why = "no answer: connection reset";
        let unsent = not_asked(why);
        assert_eq!(
            failed,
            [(7, why.to_owned()), (8, unsent.clone()), (9, unsent)]
        );
        assert!(pass.all_sent());
        assert_eq!(server.broken(), Some(why));
        assert_eq!(server.sizing().smallest_refused(), None);
    }

    #[test]
    fn a_batch_sent_with_a_pepper_since_replaced_is_resent() {
        let mut server = Batching::new(&LIMITS);
        let mut pass = Pass::new(vec![1, 2, 3, 4], "old".to_owned(), true);
        let (first, _) = send(&mut pass, &mut server);
        assert_eq!(first, [1, 2, 3, 4]);
        let mut failed = Vec::new();
        let Next::Renew { named, batch } = pass.failed(
            &mut server,
            vec![1, 2],
            "old",
            bad_pepper(Some("new")),
            &mut failed,
        ) else {
            panic!("not renewed");
        };
        assert_eq!(named.as_deref(), Some("new"));
        pass.renewed(&mut server, batch, Ok("new".to_owned()), &mut failed);
        assert_eq!(pass.pepper(), "new");
        // The other half left with the old pepper: resent, not counted.
        let next = pass.failed(
            &mut server,
            vec![3, 4],
            "old",
            bad_pepper(None),
            &mut failed,
        );
        assert_eq!(next, Next::Resend);
        assert!(failed.is_empty());
        let (again, _) = send(&mut pass, &mut server);
        assert_eq!(again, [3, 4, 1, 2]);
        assert_eq!(server.broken(), None);
    }

    #[test]
    fn a_rejected_pepper_is_replaced_at_most_twice() {
        let mut server = Batching::new(&LIMITS);
        let mut pass = Pass::new(vec![1, 2], "p0".to_owned(), true);
        let mut failed = Vec::new();
        for (sent_with, renewed) in [("p0", "p1"), ("p1", "p2")] {
            let batch = send(&mut pass, &mut server).0;
            let next = pass.failed(&mut server, batch, sent_with, bad_pepper(None), &mut failed);
            let Next::Renew { named: None, batch } = next else {
                panic!("{next:?}");
            };
            pass.renewed(&mut server, batch, Ok(renewed.to_owned()), &mut failed);
            assert_eq!(pass.pepper(), renewed);
        }
        let batch = send(&mut pass, &mut server).0;
        let next = pass.failed(
            &mut server,
            batch,
            "p2",
            bad_pepper(Some("p3")),
            &mut failed,
        );
        assert_eq!(next, Next::Failed);
        let why = "HTTP 400 M_INVALID_PEPPER: wrong pepper";
        assert_eq!(failed, [(1, why.to_owned()), (2, why.to_owned())]);
        assert_eq!(server.broken(), Some(why));
    }

    #[test]
    fn an_unusable_pepper_fails_the_pass_and_the_server() {
        let mut server = Batching::new(&LIMITS);
        let mut pass = Pass::new((0..6).collect(), "p".to_owned(), true);
        let mut failed = Vec::new();
        pass.pending.drain(..4);
        let Next::Renew { batch, .. } =
            pass.failed(&mut server, vec![0, 1], "p", bad_pepper(None), &mut failed)
        else {
            panic!("not renewed");
        };
        let long = "x".repeat(MAX_PEPPER_BYTES + 1);
        let why = usable_pepper("is.example", &long).unwrap_err();
        assert_eq!(
            why,
            "is.example offers a pepper of 1025 bytes, more than the 1024 mxlookup hashes with"
        );
        assert_eq!(usable_pepper("is.example", &long[1..]), Ok(()));
        pass.renewed(&mut server, batch, Err(why.clone()), &mut failed);
        let unsent = not_asked(&why);
        assert_eq!(
            failed,
            [
                (0, why.clone()),
                (1, why.clone()),
                (4, unsent.clone()),
                (5, unsent)
            ]
        );
        assert_eq!(server.broken(), Some(why.as_str()));
        // A batch in flight with that pepper comes back refused: it fails
        // with the same reason, without asking again.
        failed.clear();
        let next = pass.failed(&mut server, vec![2, 3], "p", bad_pepper(None), &mut failed);
        assert_eq!(next, Next::Abandoned);
        assert_eq!(failed, [(2, why.clone()), (3, why)]);
    }

    #[test]
    fn an_alternative_pepper_pass_fails_alone_and_leaves_the_server_asked() {
        let mut server = Batching::new(&LIMITS);
        let mut pass = Pass::new(vec![1, 2, 3], "alt".to_owned(), false);
        pass.pending.pop_front();
        let mut failed = Vec::new();
        let next = pass.failed(
            &mut server,
            vec![1],
            "alt",
            bad_pepper(Some("main")),
            &mut failed,
        );
        assert_eq!(next, Next::Failed);
        assert_eq!(pass.pepper(), "alt");
        assert_eq!(failed.len(), 3);
        assert_eq!(server.broken(), None);
        let mut other = Pass::new(vec![4], "main".to_owned(), true);
        assert_eq!(send(&mut other, &mut server).0, [4]);
    }

    #[test]
    fn a_batch_failing_for_good_ends_the_pass_and_other_passes_see_the_server_broken() {
        let mut server = Batching::new(&LIMITS);
        let mut first = Pass::new((0..20_000).collect(), "p".to_owned(), true);
        let mut second = Pass::new((20_000..20_010).collect(), "p".to_owned(), true);
        let (batch, _) = send(&mut first, &mut server);
        assert_eq!(batch.len(), 10_000);
        let mut failed = Vec::new();
        let next = first.failed(&mut server, batch, "p", timeout(), &mut failed);
        assert_eq!(next, Next::Failed);
        assert!(first.all_sent());
        assert_eq!(failed.len(), 20_000);
        assert_eq!(failed[0].1, "no answer within 30s");
        assert_eq!(
            failed[10_000].1,
            "not asked after an earlier lookup failed: no answer within 30s"
        );
        assert_eq!(server.broken(), Some("no answer within 30s"));
        // A later failure does not replace the first reason.
        let mut other = Vec::new();
        let step = second.next(&mut server, LIMITS.max_body, |_| 46, &mut other);
        assert_eq!(step, Step::Broken);
        assert!(second.all_sent());
        assert_eq!(other.len(), 10);
        assert!(other.iter().all(|(_, why)| *why == failed[10_000].1));
        server.break_down("later");
        assert_eq!(server.broken(), Some("no answer within 30s"));
    }

    #[test]
    fn the_body_is_counted_per_key_less_the_envelope() {
        let email = Address {
            medium: Medium::Email,
            address: "ann@example.org".to_owned(),
        };
        assert_eq!(key_bytes(&email, Algorithm::Sha256), 46);
        // `"ann@example.org email",`
        assert_eq!(key_bytes(&email, Algorithm::None), 15 + 1 + 5 + 3);
        // The envelope and the pepper come off the body cap.
        let mut server = Batching::new(&LIMITS);
        let mut pass = Pass::new((0..10).collect(), "abcd".to_owned(), true);
        let step = pass.next(&mut server, 64 + 4 + 46 * 3, |_| 46, &mut Vec::new());
        let Step::Send { batch, probe: true } = step else {
            panic!("{step:?}");
        };
        assert_eq!(batch, [0, 1, 2]);
    }
}
