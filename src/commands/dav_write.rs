//! `--write-back` for CardDAV sources: each card that gained a Matrix ID
//! (a `found` result whose source is the card's URL) gets an
//! `IMPP:matrix:u/…` line per new Matrix ID (`vcard::patch`, every other
//! byte kept), sent with `PUT` and `If-Match` its ETag. A card changed on
//! the server meanwhile (412) is fetched again and patched once more; if it
//! changed again, it is reported and left alone. No card is created or
//! deleted. With `--dry-run`, nothing is sent: a unified diff per card
//! says what would change.

use std::collections::BTreeMap;
use std::io::{self, Write};

use mxlookup::addressbook::carddav::{self, DavClient, DavError, PutOutcome, RemoteCard};
use mxlookup::addressbook::vcard::patch::add_matrix_ids;
use mxlookup::report::Records;

use super::dav_source::DavRead;
use super::write_back;
use super::{Completion, Verbosity};

/// Card URL → the Matrix IDs found for it, without repeats, in order
/// (each CardDAV card is a file of its own: [`write_back::gained`]).
pub fn gained(dav: &DavRead, records: &impl Records) -> BTreeMap<String, Vec<String>> {
    let mut gained = BTreeMap::new();
    for (url, cards) in write_back::gained(records) {
        if !dav.cards.contains_key(&url) {
            continue;
        }
        let mut ids: Vec<String> = Vec::new();
        for mxid in cards.into_values().flatten() {
            if !ids.contains(&mxid) {
                ids.push(mxid);
            }
        }
        gained.insert(url, ids);
    }
    gained
}

/// Writes to `out` a unified diff per card that would change, headed by
/// its URL.
pub fn diff(dav: &DavRead, records: &impl Records, out: &mut dyn Write) -> io::Result<()> {
    for (url, mxids) in gained(dav, records) {
        let held = &dav.cards[&url].card;
        let ids: Vec<&str> = mxids.iter().map(String::as_str).collect();
        if let Some(patched) = add_matrix_ids(&held.bytes, &ids) {
            let names = (
                &format!("{url} (on the server)")[..],
                &format!("{url} (written back)")[..],
            );
            write_back::write_diff(out, names, &held.bytes, &patched)?;
        }
    }
    Ok(())
}

/// What writing back to one source did.
#[derive(Debug, Default)]
struct Tally {
    ids: usize,
    cards: usize,
    changed: usize,
    failed: usize,
}

/// Writes the Matrix IDs into the cards, says on stderr what was written
/// per source, and tells complete from partial (a card whose `PUT` failed
/// for another reason than a concurrent change).
pub fn write(dav: &DavRead, records: &impl Records, verbosity: Verbosity) -> Completion {
    let mut tallies: Vec<Tally> = dav.sources.iter().map(|_| Tally::default()).collect();
    for (url, mxids) in gained(dav, records) {
        let held = &dav.cards[&url];
        let (_, client) = &dav.sources[held.source];
        let ids: Vec<&str> = mxids.iter().map(String::as_str).collect();
        let tally = &mut tallies[held.source];
        match dav.runtime.block_on(write_card(client, &held.card, &ids)) {
            Ok(Written::Stored(n)) => {
                tally.ids += n;
                tally.cards += 1;
            }
            Ok(Written::Nothing) => {}
            Ok(Written::Changed) => {
                tally.changed += 1;
                if verbosity >= Verbosity::Normal {
                    eprintln!(
                        "warning: {url} changed on the server meanwhile, twice: left as it is"
                    );
                }
            }
            Err(e) => {
                tally.failed += 1;
                eprintln!("warning: {url}: not written back: {e}");
            }
        }
    }
    for ((source, _), t) in dav.sources.iter().zip(&tallies) {
        if verbosity >= Verbosity::Normal {
            let written = write_back::written_line(source.as_str(), t.ids, t.cards, 1);
            match t.changed {
                0 => eprintln!("{written}"),
                n => eprintln!("{written}; {n} changed on the server meanwhile and were left"),
            }
        }
    }
    if tallies.iter().any(|t| t.failed > 0) {
        Completion::Partial
    } else {
        Completion::Complete
    }
}

/// How writing one card ended.
enum Written {
    /// Stored, with this many new Matrix IDs.
    Stored(usize),
    /// The card held them all already (or is gone).
    Nothing,
    /// Changed on the server twice: left.
    Changed,
}

/// Patches and puts one card; on 412, fetches it again and tries once more.
async fn write_card(
    client: &DavClient,
    card: &RemoteCard,
    mxids: &[&str],
) -> Result<Written, DavError> {
    let mut current = card.clone();
    if current.etag.is_none() {
        // Without an ETag a PUT could overwrite another's change: fetch one.
        match carddav::get(client, &current.url).await? {
            Some(fresh) => current = fresh,
            None => return Ok(Written::Nothing),
        }
    }
    for retry in [false, true] {
        let Some(patched) = add_matrix_ids(&current.bytes, mxids) else {
            return Ok(Written::Nothing);
        };
        let added = count_lines(&patched) - count_lines(&current.bytes);
        match carddav::put(client, &current.url, current.etag.as_deref(), patched).await? {
            PutOutcome::Stored => return Ok(Written::Stored(added)),
            PutOutcome::Changed if retry => return Ok(Written::Changed),
            PutOutcome::Changed => match carddav::get(client, &current.url).await? {
                Some(fresh) => current = fresh,
                None => return Ok(Written::Nothing),
            },
        }
    }
    Ok(Written::Changed)
}

fn count_lines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}
