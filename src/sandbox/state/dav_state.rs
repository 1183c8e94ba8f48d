//! What the sandbox's CardDAV server holds: users, address books and
//! cards with their ETags, and how a card changes (`PUT` with `If-Match`,
//! and the knob that changes one behind a client's back). No HTTP here.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use crate::sandbox::dav_spec::DavSpec;

/// One card as stored.
#[derive(Debug, Clone)]
pub(crate) struct StoredCard {
    /// Its bytes, served verbatim.
    pub bytes: Vec<u8>,
    /// Its ETag, quoted; a new one on every write.
    pub etag: String,
}

/// One address book.
#[derive(Debug, Clone)]
pub(crate) struct StoredBook {
    /// Its `displayname`.
    pub display_name: Option<String>,
    /// File name → card.
    pub cards: BTreeMap<String, StoredCard>,
}

/// How a `PUT` ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Put {
    /// Stored; the new ETag.
    Stored(String),
    /// `If-Match` did not match (412).
    Changed,
    /// No such card, and creating cards is not what the sandbox is for.
    Missing,
}

/// The server's state.
#[derive(Debug)]
pub(crate) struct DavState {
    users: BTreeMap<String, String>,
    /// Where `/.well-known/carddav` redirects.
    pub well_known_to: Option<String>,
    /// How many requests are still to be answered 503.
    to_fail: std::sync::atomic::AtomicU32,
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// (owner, slug) → book.
    books: BTreeMap<(String, String), StoredBook>,
    /// Cards to change right after their next fetches, and how many more
    /// times; removed once done.
    to_change: BTreeMap<String, usize>,
    /// The last ETag given.
    generation: u64,
}

impl DavState {
    /// Whether this request is one of the first ones `fail_first` fails.
    pub fn fails_now(&self) -> bool {
        use std::sync::atomic::Ordering;
        self.to_fail
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }

    /// The state `spec` describes.
    pub fn new(spec: &DavSpec) -> DavState {
        let mut inner = Inner {
            books: BTreeMap::new(),
            to_change: spec
                .change_after_fetch
                .iter()
                .fold(BTreeMap::new(), |mut m, name| {
                    *m.entry(name.clone()).or_insert(0) += 1;
                    m
                }),
            generation: 0,
        };
        for book in &spec.books {
            let mut cards = BTreeMap::new();
            for (n, text) in book.cards.iter().enumerate() {
                let name =
                    uid_of(text).map_or_else(|| format!("card-{n}.vcf"), |u| format!("{u}.vcf"));
                cards.insert(name, inner.stored(crlf(text).into_bytes()));
            }
            for n in 0..book.synthetic {
                let text = format!(
                    "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:synth-{n}\r\nFN:Contact {n}\r\nEMAIL:contact{n}@synthetic.example\r\nEND:VCARD\r\n"
                );
                cards.insert(format!("synth-{n}.vcf"), inner.stored(text.into_bytes()));
            }
            inner.books.insert(
                (book.owner.clone(), book.slug.clone()),
                StoredBook {
                    display_name: book.display_name.clone(),
                    cards,
                },
            );
        }
        DavState {
            well_known_to: spec.well_known_to.clone(),
            to_fail: spec.fail_first.into(),
            users: spec
                .users
                .iter()
                .map(|u| (u.name.clone(), u.password.clone()))
                .collect(),
            inner: Mutex::new(inner),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether `user` logs in with `password`.
    pub fn check(&self, user: &str, password: &str) -> bool {
        self.users.get(user).is_some_and(|p| p == password)
    }

    /// Whether `user` is a user.
    pub fn is_user(&self, user: &str) -> bool {
        self.users.contains_key(user)
    }

    /// The slugs and display names of `owner`'s books, with their card counts.
    pub fn books_of(&self, owner: &str) -> Vec<(String, Option<String>, usize)> {
        self.lock()
            .books
            .iter()
            .filter(|((o, _), _)| o == owner)
            .map(|((_, slug), b)| (slug.clone(), b.display_name.clone(), b.cards.len()))
            .collect()
    }

    /// A book, as it is now.
    pub fn book(&self, owner: &str, slug: &str) -> Option<StoredBook> {
        self.lock()
            .books
            .get(&(owner.to_owned(), slug.to_owned()))
            .cloned()
    }

    /// A card as it is now, without counting as a fetch.
    pub fn peek(&self, owner: &str, slug: &str, name: &str) -> Option<StoredCard> {
        let inner = self.lock();
        inner
            .books
            .get(&(owner.to_owned(), slug.to_owned()))?
            .cards
            .get(name)
            .cloned()
    }

    /// A card as a client fetches it: when the knob says so, the card is
    /// changed right after (the client holds the old one and its ETag).
    pub fn fetch(&self, owner: &str, slug: &str, name: &str) -> Option<StoredCard> {
        let mut inner = self.lock();
        let key = (owner.to_owned(), slug.to_owned());
        let card = inner.books.get(&key)?.cards.get(name)?.clone();
        if let Some(left) = inner.to_change.get_mut(name) {
            *left -= 1;
            if *left == 0 {
                inner.to_change.remove(name);
            }
            let changed = changed_meanwhile(&card.bytes);
            let stored = inner.stored(changed);
            if let Some(book) = inner.books.get_mut(&key) {
                book.cards.insert(name.to_owned(), stored);
            }
        }
        Some(card)
    }

    /// Replaces a card when `if_match` (when given) is its ETag.
    pub fn put(
        &self,
        owner: &str,
        slug: &str,
        name: &str,
        if_match: Option<&str>,
        bytes: Vec<u8>,
    ) -> Put {
        let mut inner = self.lock();
        let key = (owner.to_owned(), slug.to_owned());
        let Some(current) = inner.books.get(&key).and_then(|b| b.cards.get(name)) else {
            return Put::Missing;
        };
        if if_match.is_some_and(|tag| tag != "*" && tag != current.etag) {
            return Put::Changed;
        }
        let stored = inner.stored(bytes);
        let etag = stored.etag.clone();
        if let Some(book) = inner.books.get_mut(&key) {
            book.cards.insert(name.to_owned(), stored);
        }
        Put::Stored(etag)
    }
}

impl Inner {
    /// `bytes` with a new ETag.
    fn stored(&mut self, bytes: Vec<u8>) -> StoredCard {
        self.generation += 1;
        StoredCard {
            bytes,
            etag: format!("\"e{}\"", self.generation),
        }
    }
}

/// What "someone else" does to a card: a `NOTE` before its `END:VCARD`.
fn changed_meanwhile(card: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(card);
    match text.rfind("END:VCARD") {
        Some(end) => format!(
            "{}NOTE:changed on the server meanwhile\r\n{}",
            &text[..end],
            &text[end..]
        )
        .into_bytes(),
        None => card.to_vec(),
    }
}

/// The text with every line end CRLF and one at the end.
fn crlf(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.trim_end().lines() {
        out.push_str(line.trim_end_matches('\r'));
        out.push_str("\r\n");
    }
    out
}

/// The `UID` of a card, when it can name a file.
fn uid_of(text: &str) -> Option<&str> {
    text.lines()
        .find_map(|l| l.strip_prefix("UID:"))
        .map(str::trim)
        .filter(|u| !u.is_empty() && u.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::dav_spec::default_dav;

    #[test]
    fn a_put_needs_the_current_etag_and_gives_a_new_one() {
        let state = DavState::new(&default_dav());
        let card = state.peek("alice", "contacts", "bob.vcf").unwrap();
        assert!(card.bytes.ends_with(b"END:VCARD\r\n"));
        let put = |tag: &str| state.put("alice", "contacts", "bob.vcf", Some(tag), b"x".to_vec());
        assert_eq!(put("\"nope\""), Put::Changed);
        let Put::Stored(tag) = put(&card.etag) else {
            panic!("stored")
        };
        assert_ne!(tag, card.etag);
        assert_eq!(put(&card.etag), Put::Changed);
        assert_eq!(
            state.put("alice", "contacts", "new.vcf", None, Vec::new()),
            Put::Missing
        );
    }

    #[test]
    fn the_knob_changes_a_card_right_after_its_first_fetch() {
        let mut spec = default_dav();
        spec.change_after_fetch = vec!["bob.vcf".into()];
        let state = DavState::new(&spec);
        let first = state.fetch("alice", "contacts", "bob.vcf").unwrap();
        let now = state.peek("alice", "contacts", "bob.vcf").unwrap();
        assert_ne!(first.etag, now.etag);
        assert!(
            String::from_utf8_lossy(&now.bytes)
                .contains("NOTE:changed on the server meanwhile\r\nEND:VCARD")
        );
        let again = state.fetch("alice", "contacts", "bob.vcf").unwrap();
        assert_eq!(
            again.etag,
            state.peek("alice", "contacts", "bob.vcf").unwrap().etag
        );
    }
}
