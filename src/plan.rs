//! From address books to the work to do: every entry normalised, each
//! (contact, address) pair kept once, and each distinct address listed once so
//! that it is hashed and asked once however many contacts hold it.

use std::hash::BuildHasher;
use std::ops::Range;
use std::sync::Arc;

use hashbrown::HashTable;

use rayon::prelude::*;

use crate::addressbook::{Book, Contact, EntryKind};
use crate::outcome::{Address, AddressId};
use crate::threepid::{Invalid, Medium, MsisdnOptions, normalise};

/// One row of the output: a (contact, address) pair, or something unreadable.
/// Rows are many (two million for a million contacts), so a row is small:
/// its text lives in the plan's [`Texts`] ([`Plan::input`]), and a reason
/// met before is shared.
#[derive(Debug, Clone)]
pub struct Row {
    /// The contact, an index into [`Plan::contacts`].
    pub contact: u32,
    /// The file it was read from (one pointer, shared by the file's rows).
    pub file: Arc<String>,
    /// The line it was read on.
    pub line: u32,
    /// The text as written, in [`Plan::texts`].
    pub input: TextRef,
    /// The medium, when known.
    pub medium: Option<Medium>,
    /// The address to ask for, or why there is none.
    pub target: Target,
}

/// What a row asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A distinct address.
    Address(AddressId),
    /// Nothing: the entry is invalid, for this reason.
    Invalid(Arc<str>),
}

/// Where a text is in [`Texts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextRef {
    block: u32,
    start: u32,
    len: u32,
}

/// Texts kept end to end in blocks of about a MiB: one allocation per
/// block, not per text, and no block ever moved (a `String` growing to
/// gigabytes would, and would briefly hold twice its size).
#[derive(Debug, Default)]
pub struct Texts {
    blocks: Vec<String>,
}

/// The size of a block of [`Texts`] (a longer text has a block of its own).
const TEXT_BLOCK: usize = 1 << 20;

impl Texts {
    /// Keeps `text`, and says where.
    pub fn push(&mut self, text: &str) -> TextRef {
        let fits = self
            .blocks
            .last()
            .is_some_and(|b| b.capacity() - b.len() >= text.len());
        if !fits {
            self.blocks
                .push(String::with_capacity(TEXT_BLOCK.max(text.len())));
        }
        let block = self.blocks.len() - 1;
        let at = &mut self.blocks[block];
        let start = at.len();
        at.push_str(text);
        let number = |n: usize| u32::try_from(n).expect("blocks under 4 GiB");
        TextRef {
            block: number(block),
            start: number(start),
            len: number(text.len()),
        }
    }

    /// The text kept at `at`.
    pub fn get(&self, at: TextRef) -> &str {
        let start = at.start as usize;
        &self.blocks[at.block as usize][start..start + at.len as usize]
    }
}

/// Everything read, normalised and deduplicated, in input order.
#[derive(Debug, Default)]
pub struct Plan {
    /// Contact display names, in [`Plan::texts`], indexed by
    /// [`Row::contact`] ([`Plan::contact_name`]).
    pub contacts: Vec<Option<TextRef>>,
    /// Each contact's vCard as read, when the reader kept it (for
    /// `--format vcard`); indexed like [`Plan::contacts`], and no longer
    /// than the last contact with a card.
    pub cards: Vec<Option<Vec<u8>>>,
    /// The line each contact starts on (a card's `BEGIN:VCARD`); indexed
    /// like [`Plan::contacts`].
    pub starts: Vec<u32>,
    /// One row per (contact, normalised address) and per broken entry.
    pub rows: Vec<Row>,
    /// The rows' texts as written, and the contacts' names.
    pub texts: Texts,
    /// The distinct addresses, in order of first appearance.
    pub addresses: Vec<Address>,
}

/// Contacts normalised at once: enough to keep both cores busy, few enough
/// that a million-contact book never exists twice in memory.
pub const CHUNK: usize = 16 * 1024;

impl Plan {
    /// Normalises every entry of `books` and builds the plan.
    pub fn build(books: Vec<Book>, msisdn: &MsisdnOptions) -> Plan {
        let contacts: usize = books.iter().map(|b| b.contacts.len()).sum();
        let mut builder = Planner::new(msisdn, contacts);
        for book in books {
            let file = book.file;
            // In chunks, so that each contact's strings move into rows before
            // the next chunk is normalised.
            let mut contacts = book.contacts.into_iter();
            loop {
                let chunk: Vec<Contact> = contacts.by_ref().take(CHUNK).collect();
                if chunk.is_empty() {
                    break;
                }
                builder.add(&file, chunk);
            }
        }
        builder.finish()
    }

    fn push_contact(
        &mut self,
        file: &Arc<String>,
        (name, card, entries, start): NormalisedContact,
        index: &mut Index,
        reasons: &mut Reasons,
    ) {
        let contact = u32::try_from(self.contacts.len()).expect("fewer than 2^32 contacts");
        let name = name.map(|name| self.texts.push(&name));
        self.contacts.push(name);
        self.starts.push(start);
        if card.is_some() {
            self.cards.resize(contact as usize, None);
            self.cards.push(card);
        }
        for entry in entries {
            let target = match entry.normalised {
                Ok((address, hash)) => {
                    Target::Address(index.intern(&mut self.addresses, address, hash))
                }
                Err(reason) => Target::Invalid(reasons.get(reason)),
            };
            let input = self.texts.push(&entry.input);
            self.rows.push(Row {
                contact,
                file: Arc::clone(file),
                line: entry.line,
                input,
                medium: entry.medium,
                target,
            });
        }
    }

    /// The contact name of a row.
    pub fn contact_name(&self, row: &Row) -> Option<&str> {
        self.contacts[row.contact as usize].map(|name| self.texts.get(name))
    }

    /// The text of a row as written.
    pub fn input(&self, row: &Row) -> &str {
        self.texts.get(row.input)
    }
}

/// A contact normalised: its name, its card as read, its entries, its
/// first line.
type NormalisedContact = (Option<String>, Option<Vec<u8>>, Vec<Normalised>, u32);

/// Reasons met so far, shared by the rows that give them (most invalid
/// entries give one of a few); at most [`Reasons::MAX`] are remembered.
#[derive(Default)]
struct Reasons(std::collections::BTreeMap<String, Arc<str>>);

impl Reasons {
    const MAX: usize = 4096;

    fn get(&mut self, reason: String) -> Arc<str> {
        if let Some(shared) = self.0.get(&reason) {
            return Arc::clone(shared);
        }
        let shared: Arc<str> = Arc::from(reason.as_str());
        if self.0.len() < Self::MAX {
            self.0.insert(reason, Arc::clone(&shared));
        }
        shared
    }
}

/// Builds a [`Plan`] a chunk of contacts at a time, so that the addresses
/// of the first chunks can be asked about while the rest are read.
pub struct Planner<'a> {
    plan: Plan,
    index: Index,
    reasons: Reasons,
    /// The file of the last chunk, as the rows hold it.
    file: Option<(Arc<str>, Arc<String>)>,
    msisdn: &'a MsisdnOptions,
}

impl<'a> Planner<'a> {
    /// An empty plan, with room for about `contacts` contacts.
    pub fn new(msisdn: &'a MsisdnOptions, contacts: usize) -> Self {
        let mut plan = Plan::default();
        plan.contacts.reserve_exact(contacts);
        // Most contacts hold an address or two.
        plan.rows.reserve(contacts);
        Planner {
            plan,
            index: Index::with_capacity(contacts),
            reasons: Reasons::default(),
            file: None,
            msisdn,
        }
    }

    /// Normalises `contacts`, read from `file`, on every core and adds them;
    /// the addresses they hold that were new are `addresses()[returned]`.
    pub fn add(&mut self, file: &Arc<str>, contacts: Vec<Contact>) -> Range<usize> {
        let first = self.plan.addresses.len();
        let hasher = self.index.hasher.clone();
        let msisdn = self.msisdn;
        let normalised: Vec<_> = contacts
            .into_par_iter()
            .map(|contact| normalise_contact(contact, msisdn, &hasher))
            .collect();
        let file = match &self.file {
            Some((named, held)) if Arc::ptr_eq(named, file) => Arc::clone(held),
            _ => {
                let held = Arc::new(file.to_string());
                self.file = Some((Arc::clone(file), Arc::clone(&held)));
                held
            }
        };
        for contact in normalised {
            self.plan
                .push_contact(&file, contact, &mut self.index, &mut self.reasons);
        }
        first..self.plan.addresses.len()
    }

    /// The distinct addresses so far.
    pub fn addresses(&self) -> &[Address] {
        &self.plan.addresses
    }

    /// The plan.
    pub fn finish(self) -> Plan {
        self.plan
    }
}

/// Distinct addresses, found by hash; the table holds indexes into
/// [`Plan::addresses`], so no address is stored twice, each with the high
/// half of its hash: growing the table rehashes from those, and a probe
/// compares addresses only when they match, so neither reads the addresses
/// themselves, scattered over the heap (at a million addresses, each such
/// read is a cache miss). Hashes are computed beside normalisation, on
/// every core; only the probing is sequential.
struct Index {
    table: HashTable<(AddressId, u32)>,
    hasher: foldhash::fast::RandomState,
}

/// The table's hash of an address whose hash's high half is `key`.
fn spread(key: u32) -> u64 {
    (u64::from(key) | (u64::from(key) << 32)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

impl Index {
    fn with_capacity(n: usize) -> Self {
        Index {
            table: HashTable::with_capacity(n),
            hasher: foldhash::fast::RandomState::default(),
        }
    }

    /// The id of `address` (whose hash under `self.hasher` is `hash`),
    /// adding it if it is new.
    fn intern(&mut self, addresses: &mut Vec<Address>, address: Address, hash: u64) -> AddressId {
        let key = (hash >> 32) as u32;
        let entry = self.table.entry(
            spread(key),
            |&(id, k)| k == key && addresses[id as usize] == address,
            |&(_, k)| spread(k),
        );
        match entry {
            hashbrown::hash_table::Entry::Occupied(found) => found.get().0,
            hashbrown::hash_table::Entry::Vacant(slot) => {
                let id = AddressId::try_from(addresses.len()).expect("fewer than 2^32 addresses");
                // Copied here, on this thread, to its exact size: normalised
                // on the pool's threads, among short-lived allocations, it
                // would keep their memory from being reused.
                addresses.push(Address {
                    medium: address.medium,
                    address: address.address.as_str().to_owned(),
                });
                slot.insert((id, key));
                id
            }
        }
    }
}

struct Normalised {
    input: String,
    line: u32,
    medium: Option<Medium>,
    /// The address and its hash for the index, or why there is none.
    normalised: Result<(Address, u64), String>,
}

/// Normalises a contact's entries, keeping one entry per normalised address
/// (two spellings of one number in a card give one result).
fn normalise_contact(
    contact: Contact,
    msisdn: &MsisdnOptions,
    hasher: &foldhash::fast::RandomState,
) -> NormalisedContact {
    let mut out: Vec<Normalised> = Vec::with_capacity(contact.entries.len());
    // Indexes into `out` of its addresses, by hash: a card with 100,000
    // addresses must not compare each with all before it.
    let mut seen: HashTable<usize> = HashTable::new();
    for entry in contact.entries {
        let (medium, normalised) = match entry.kind {
            EntryKind::Broken(reason) => (None, Err(reason)),
            EntryKind::Address(medium) => {
                (Some(medium), normalise_as(&entry.input, medium, msisdn))
            }
            EntryKind::Unknown => match guess_medium(&entry.input) {
                Some(medium) => (Some(medium), normalise_as(&entry.input, medium, msisdn)),
                None => (
                    None,
                    Err("neither an email address nor a phone number".to_owned()),
                ),
            },
        };
        let normalised = normalised.map(|a| {
            let hash = hasher.hash_one(&a);
            (a, hash)
        });
        let duplicate = match &normalised {
            Ok((address, hash)) => {
                let next = out.len();
                let same = |&i: &usize| matches!(&out[i].normalised, Ok((a, _)) if a == address);
                let rehash = |&i: &usize| out[i].normalised.as_ref().map_or(0, |(_, h)| *h);
                match seen.entry(*hash, same, rehash) {
                    hashbrown::hash_table::Entry::Occupied(_) => true,
                    hashbrown::hash_table::Entry::Vacant(slot) => {
                        slot.insert(next);
                        false
                    }
                }
            }
            Err(_) => false,
        };
        if !duplicate {
            out.push(Normalised {
                input: entry.input,
                line: entry.line,
                medium,
                normalised,
            });
        }
    }
    (contact.name, contact.card, out, contact.line)
}

fn normalise_as(input: &str, medium: Medium, msisdn: &MsisdnOptions) -> Result<Address, String> {
    normalise(input, medium, msisdn)
        .map(|address| Address { medium, address })
        .map_err(|Invalid(reason)| reason)
}

/// The medium of free text: `@` makes an email address, a digit a phone number.
fn guess_medium(input: &str) -> Option<Medium> {
    if input.contains('@') {
        Some(Medium::Email)
    } else if input.bytes().any(|b| b.is_ascii_digit()) {
        Some(Medium::Msisdn)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addressbook::{Entry, Format};

    fn book(contacts: Vec<Contact>) -> Book {
        Book {
            file: Arc::from("t.vcf"),
            format: Format::Vcard,
            contacts,
        }
    }

    fn contact(name: &str, entries: Vec<Entry>) -> Contact {
        Contact {
            name: Some(name.to_owned()),
            line: 1,
            entries,
            card: None,
        }
    }

    fn fr() -> MsisdnOptions {
        MsisdnOptions {
            region: Some("FR".parse().unwrap()),
            bare_digits_are_international: false,
        }
    }

    #[test]
    fn two_spellings_in_one_card_give_one_row() {
        let plan = Plan::build(
            vec![book(vec![contact(
                "A",
                vec![
                    Entry::address("+33 6 12 34 56 78", 2, Medium::Msisdn),
                    Entry::address("06 12 34 56 78", 3, Medium::Msisdn),
                ],
            )])],
            &fr(),
        );
        assert_eq!(plan.rows.len(), 1);
        assert_eq!(plan.rows[0].line, 2);
        assert_eq!(plan.addresses.len(), 1);
    }

    #[test]
    fn shared_address_is_listed_once_and_reported_per_contact() {
        let shared = || Entry::address("Team@Example.org", 2, Medium::Email);
        let plan = Plan::build(
            vec![book(vec![
                contact("A", vec![shared()]),
                contact("A", vec![shared()]),
            ])],
            &fr(),
        );
        assert_eq!(plan.rows.len(), 2);
        assert_eq!(plan.addresses.len(), 1);
        assert_eq!(plan.rows[0].target, Target::Address(0));
        assert_eq!(plan.rows[1].target, Target::Address(0));
        assert_eq!(plan.addresses[0].address, "team@example.org");
    }

    #[test]
    fn broken_and_invalid_entries_are_kept() {
        let plan = Plan::build(
            vec![book(vec![contact(
                "A",
                vec![
                    Entry::broken("garbage", 5, "not a property"),
                    Entry::address("nope", 6, Medium::Email),
                    Entry {
                        input: "hello".into(),
                        line: 7,
                        kind: EntryKind::Unknown,
                    },
                ],
            )])],
            &fr(),
        );
        let reasons: Vec<_> = plan
            .rows
            .iter()
            .map(|r| match &r.target {
                Target::Invalid(reason) => &**reason,
                Target::Address(_) => "address",
            })
            .collect();
        assert_eq!(
            reasons,
            vec![
                "not a property",
                "email address without `@`",
                "neither an email address nor a phone number"
            ]
        );
        assert!(plan.addresses.is_empty());
    }
}
