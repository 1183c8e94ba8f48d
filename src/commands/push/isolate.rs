//! `mxlookup push --isolate`: after a batch answers 500, resend it in
//! halves, then quarters… down to single hashes, until each hash is
//! definite.
//!
//! What a 500 means is ToM-server's: it inserts each pushed hash on its
//! own, so a batch holding any hash pushed before answers 500 *and* stores
//! the others; a body over 100 KB answers 500 and stores nothing. So:
//! - a piece answered 201 held no hash the recipient had: all of its
//!   hashes are stored now ([`HashStatus::Stored`]);
//! - a single hash answered 500 (with a Matrix error) is one the recipient
//!   holds ([`HashStatus::AlreadyHeld`]). It cannot say since when: the
//!   batch's own 500 may have stored it a moment before, in this run.
//!
//! Splitting is a pure state machine ([`Isolation`]); `run` sends.

use std::ops::Range;

use serde::Serialize;

use super::{explain, push_request};
use mxlookup::identity::{Session, SessionError};
use mxlookup::outcome::Address;
use mxlookup::threepid::{Medium, lookup_hash};

/// What isolation made of one hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HashStatus {
    /// Answered 201 when resent: the recipient did not hold it, and stores
    /// it now.
    Stored,
    /// Answered 500 alone, ToM's answer to a hash it holds: pushed before
    /// this run, or stored by this batch's own 500 (which ToM does for the
    /// new hashes of a batch); isolation cannot tell which.
    AlreadyHeld,
    /// Isolation could not tell: it stopped before this hash was definite,
    /// or the recipient answered otherwise than ToM does.
    Unknown,
}

/// What one request of the isolation was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// 2xx: every hash of the piece is stored.
    Stored,
    /// 500; `matrix` when its body was a Matrix error (ToM's answer to a
    /// re-push is one; an HTML page from a proxy is not).
    Refused {
        /// The body was a Matrix error.
        matrix: bool,
    },
    /// Anything else (429 past the wait allowed, 4xx, no answer): the
    /// isolation stops there, and what it has not told stays unknown.
    Failed,
}

/// Where one hash stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Told {
    Not,
    Stored,
    Held,
    /// Answered 500 alone, without a Matrix error.
    OddRefusal,
}

/// The splitting of one batch, over the indexes of its hashes.
#[derive(Debug)]
pub struct Isolation {
    /// Pieces still to send, the next one last.
    pending: Vec<Range<usize>>,
    told: Vec<Told>,
    stopped: bool,
}

impl Isolation {
    /// Starts from the batch's own answer, a 500, over its `count` hashes.
    pub fn after_refusal(count: usize, matrix: bool) -> Self {
        let mut isolation = Isolation {
            pending: Vec::new(),
            told: vec![Told::Not; count],
            stopped: false,
        };
        isolation.record(0..count, Answer::Refused { matrix });
        isolation
    }

    /// The most requests isolating `count` hashes may take, beyond the
    /// batch's own: every piece of a halving down to single hashes, 2n − 2.
    pub fn most_requests(count: usize) -> usize {
        2 * count.saturating_sub(1)
    }

    /// The next piece to send, if any.
    pub fn next_piece(&mut self) -> Option<Range<usize>> {
        if self.stopped {
            return None;
        }
        self.pending.pop()
    }

    /// What `piece` was answered.
    pub fn record(&mut self, piece: Range<usize>, answer: Answer) {
        match answer {
            Answer::Stored => self.told[piece].fill(Told::Stored),
            Answer::Refused { matrix } if piece.len() == 1 => {
                self.told[piece.start] = if matrix { Told::Held } else { Told::OddRefusal };
            }
            Answer::Refused { .. } => {
                let middle = piece.start + piece.len() / 2;
                // The first half is sent first.
                self.pending.push(middle..piece.end);
                self.pending.push(piece.start..middle);
            }
            Answer::Failed => self.stopped = true,
        }
    }

    /// Each hash's status, and for the unknown ones, whether isolation
    /// stopped before telling it (else the recipient answered oddly).
    fn statuses(&self) -> impl Iterator<Item = (HashStatus, Told)> + '_ {
        self.told.iter().map(|told| {
            let status = match told {
                Told::Stored => HashStatus::Stored,
                Told::Held => HashStatus::AlreadyHeld,
                Told::Not | Told::OddRefusal => HashStatus::Unknown,
            };
            (status, *told)
        })
    }
}

/// One hash of an isolated batch, as reported.
#[derive(Debug, Clone, Serialize)]
pub struct HashReport {
    /// The address it is the hash of (normalised).
    pub address: String,
    /// Its medium.
    pub medium: Medium,
    /// The hash pushed.
    pub hash: String,
    /// What isolation made of it.
    pub status: HashStatus,
    /// Why, in words.
    pub reason: String,
}

/// What isolating one batch did and found.
#[derive(Debug, Clone, Serialize)]
pub struct IsolationReport {
    /// Requests sent, beyond the batch's own.
    pub requests: usize,
    /// Why it stopped before every hash was definite, if it did.
    pub stopped: Option<String>,
    /// Every hash of the batch, in order.
    pub hashes: Vec<HashReport>,
}

impl IsolationReport {
    /// How many of its hashes ended in `status`.
    pub fn count(&self, status: HashStatus) -> usize {
        self.hashes.iter().filter(|h| h.status == status).count()
    }
}

/// Isolates the batch of `addresses` (hashed with `pepper`, pushed for
/// `origin`, numbered `batch`), which answered 500 (`matrix`: with a Matrix
/// error body). Each piece is sent once, as the batch was: a 429 is waited
/// out as `Retry-After` asks, up to the longest wait allowed.
pub(super) async fn run(
    session: &Session,
    addresses: &[Address],
    pepper: &str,
    origin: &str,
    batch: usize,
    matrix: bool,
) -> IsolationReport {
    let mut isolation = Isolation::after_refusal(addresses.len(), matrix);
    let mut requests = 0;
    let mut stopped = None;
    while let Some(piece) = isolation.next_piece() {
        let request = push_request(&addresses[piece.clone()], pepper, origin);
        requests += 1;
        let body = &request;
        let result = session
            .call(|client, token| async move { client.push(&token, body).await })
            .await;
        let answer = match result {
            Ok(()) => Answer::Stored,
            Err(SessionError::Call(call)) if call.status() == Some(500) => Answer::Refused {
                matrix: call.errcode().is_some(),
            },
            Err(error) => {
                stopped = Some(format!(
                    "isolation stopped after {requests} requests, at a piece of {} hashes: {}",
                    piece.len(),
                    explain(&error).0
                ));
                Answer::Failed
            }
        };
        isolation.record(piece, answer);
    }
    let hashes = addresses
        .iter()
        .zip(isolation.statuses())
        .map(|(a, (status, told))| HashReport {
            address: a.address.clone(),
            medium: a.medium,
            hash: lookup_hash(&a.address, a.medium, pepper),
            status,
            reason: reason(told, batch, stopped.as_deref()),
        })
        .collect();
    IsolationReport {
        requests,
        stopped,
        hashes,
    }
}

/// Why a hash has its status, in words.
fn reason(told: Told, batch: usize, stopped: Option<&str>) -> String {
    match told {
        Told::Stored => "answered 201 when resent: it was not held, and is stored now".to_owned(),
        Told::Held => format!(
            "answered 500 alone, ToM-server's answer to a hash it holds: pushed before this run, or stored by batch {batch}'s own 500 (isolation cannot tell which)"
        ),
        Told::OddRefusal => "answered 500 alone without a Matrix error, which is not ToM-server's answer to a hash it holds: whether it is held is unknown".to_owned(),
        Told::Not => stopped
            .unwrap_or("isolation did not reach it")
            .to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Isolates `count` hashes against a server that holds `held` and
    /// answers 500 to any piece holding one of them; `stores_on_refusal`:
    /// ToM, which stores the new hashes of a refused piece all the same.
    /// Returns the statuses and the requests sent.
    fn isolate(count: usize, held: &[usize], stores_on_refusal: bool) -> (Vec<HashStatus>, usize) {
        let mut held: BTreeSet<usize> = held.iter().copied().collect();
        // The batch's own request.
        let refused = (0..count).any(|i| held.contains(&i));
        assert!(refused, "the batch must have answered 500");
        if stores_on_refusal {
            held.extend(0..count);
        }
        let mut isolation = Isolation::after_refusal(count, true);
        let mut requests = 0;
        while let Some(piece) = isolation.next_piece() {
            requests += 1;
            let answer = if piece.clone().any(|i| held.contains(&i)) {
                if stores_on_refusal {
                    held.extend(piece.clone());
                }
                Answer::Refused { matrix: true }
            } else {
                held.extend(piece.clone());
                Answer::Stored
            };
            isolation.record(piece, answer);
        }
        (isolation.statuses().map(|(s, _)| s).collect(), requests)
    }

    use HashStatus::{AlreadyHeld, Stored, Unknown};

    #[test]
    fn an_all_or_nothing_refusal_is_split_into_stored_and_held() {
        let (statuses, requests) = isolate(5, &[3], false);
        assert_eq!(statuses, [Stored, Stored, Stored, AlreadyHeld, Stored]);
        assert!(requests <= Isolation::most_requests(5), "{requests}");
    }

    #[test]
    fn after_tom_stored_the_new_ones_every_hash_is_held() {
        // ToM stored 0, 1, 2 and 4 with the batch's own 500: all are held.
        let (statuses, requests) = isolate(5, &[3], true);
        assert_eq!(statuses, [AlreadyHeld; 5]);
        assert_eq!(requests, Isolation::most_requests(5));
    }

    #[test]
    fn a_single_hash_batch_needs_no_more_request() {
        let (statuses, requests) = isolate(1, &[0], true);
        assert_eq!((statuses, requests), (vec![AlreadyHeld], 0));
        assert_eq!(Isolation::most_requests(1), 0);
        assert_eq!(Isolation::most_requests(0), 0);
    }

    #[test]
    fn odd_refusals_and_a_stop_leave_hashes_unknown() {
        let mut isolation = Isolation::after_refusal(4, false);
        let first = isolation.next_piece().unwrap();
        assert_eq!(first, 0..2);
        isolation.record(first, Answer::Refused { matrix: false });
        let single = isolation.next_piece().unwrap();
        assert_eq!(single, 0..1);
        isolation.record(single, Answer::Refused { matrix: false });
        let single = isolation.next_piece().unwrap();
        assert_eq!(single, 1..2);
        isolation.record(single, Answer::Stored);
        let rest = isolation.next_piece().unwrap();
        assert_eq!(rest, 2..4);
        isolation.record(rest, Answer::Failed);
        assert_eq!(isolation.next_piece(), None);
        let statuses: Vec<_> = isolation.statuses().map(|(s, _)| s).collect();
        assert_eq!(statuses, [Unknown, Stored, Unknown, Unknown]);
    }
}
