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
#[derive(Debug, Clone)]
pub struct Row {
    /// The contact, an index into [`Plan::contacts`].
    pub contact: u32,
    /// The file it was read from.
    pub file: Arc<str>,
    /// The line it was read on.
    pub line: u32,
    /// The text as written.
    pub input: String,
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
    Invalid(String),
}

/// Everything read, normalised and deduplicated, in input order.
#[derive(Debug, Default)]
pub struct Plan {
    /// Contact display names, indexed by [`Row::contact`].
    pub contacts: Vec<Option<String>>,
    /// Each contact's vCard as read, when the reader kept it (for
    /// `--format vcard`); indexed like [`Plan::contacts`].
    pub cards: Vec<Option<Vec<u8>>>,
    /// The line each contact starts on (a card's `BEGIN:VCARD`); indexed
    /// like [`Plan::contacts`].
    pub starts: Vec<u32>,
    /// One row per (contact, normalised address) and per broken entry.
    pub rows: Vec<Row>,
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
        file: &Arc<str>,
        (name, card, start): (Option<String>, Option<Vec<u8>>, u32),
        entries: Vec<Normalised>,
        index: &mut Index,
    ) {
        let contact = u32::try_from(self.contacts.len()).expect("fewer than 2^32 contacts");
        self.contacts.push(name);
        self.cards.push(card);
        self.starts.push(start);
        for entry in entries {
            let target = match entry.normalised {
                Ok((address, hash)) => {
                    Target::Address(index.intern(&mut self.addresses, address, hash))
                }
                Err(reason) => Target::Invalid(reason),
            };
            self.rows.push(Row {
                contact,
                file: Arc::clone(file),
                line: entry.line,
                input: entry.input,
                medium: entry.medium,
                target,
            });
        }
    }

    /// The contact name of a row.
    pub fn contact_name(&self, row: &Row) -> Option<&str> {
        self.contacts[row.contact as usize].as_deref()
    }
}

/// Builds a [`Plan`] a chunk of contacts at a time, so that the addresses
/// of the first chunks can be asked about while the rest are read.
pub struct Planner<'a> {
    plan: Plan,
    index: Index,
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
        for (name, card, entries, start) in normalised {
            self.plan
                .push_contact(file, (name, card, start), entries, &mut self.index);
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
/// [`Plan::addresses`], so no address is stored twice. Hashes are computed
/// beside normalisation, on every core; only the probing is sequential.
struct Index {
    table: HashTable<AddressId>,
    hasher: foldhash::fast::RandomState,
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
        let hasher = &self.hasher;
        let entry = self.table.entry(
            hash,
            |&id| addresses[id as usize] == address,
            |&id| hasher.hash_one(&addresses[id as usize]),
        );
        match entry {
            hashbrown::hash_table::Entry::Occupied(found) => *found.get(),
            hashbrown::hash_table::Entry::Vacant(slot) => {
                let id = AddressId::try_from(addresses.len()).expect("fewer than 2^32 addresses");
                addresses.push(address);
                slot.insert(id);
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
) -> (Option<String>, Option<Vec<u8>>, Vec<Normalised>, u32) {
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
                Target::Invalid(reason) => reason.as_str(),
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
