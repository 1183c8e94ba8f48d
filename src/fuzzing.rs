//! Entry points for the fuzz targets (`fuzz/fuzz_targets/*.rs`), kept in
//! the library so that stable `cargo test` replays the same functions over
//! the committed corpus and every crash input found (`tests/it/fuzz_replay.rs`).
//!
//! Each function takes arbitrary bytes, runs one code path and panics when
//! an invariant breaks; returning means the input was handled. None of this
//! is API: it exists for the fuzzers and may change with them.

use crate::addressbook::{Book, Entry, EntryKind, Format, ReadOptions, read_bytes_with, sniff};
use crate::identity::wire::{HashDetails, LookupResponse, MatrixError};
use crate::mxid::{check_server_name, check_user_id, split_host_port};
use crate::plan::{Plan, Target};
use crate::sanitize::for_terminal;
use crate::threepid::{
    MsisdnOptions, Region, fast_path, normalise_email, normalise_msisdn, slow_path,
};

/// A fuzz target's entry point: panics when an invariant breaks.
pub type Run = fn(&[u8]);

/// The targets by name, as `fuzz/fuzz_targets/` and `fuzz/corpus/` name them.
pub const TARGETS: &[(&str, Run)] = &[
    ("vcard", vcard),
    ("csv", csv),
    ("sniff", sniff_and_read),
    ("phone", phone),
    ("email", email),
    ("wire", wire),
];

/// The vCard reader: with and without keeping the cards, which must agree;
/// the pre-pass and `calcard` must agree on where each address is.
pub fn vcard(data: &[u8]) {
    if let Some(book) = read_checked(data, Some(Format::Vcard)) {
        for entry in book.contacts.iter().flat_map(|c| &c.entries) {
            assert!(
                !matches!(&entry.kind, EntryKind::Broken(r) if r.contains("values read")),
                "lines and values disagree: {entry:?}"
            );
        }
    }
}

/// The CSV reader.
pub fn csv(data: &[u8]) {
    if let Some(book) = read_checked(data, Some(Format::Csv)) {
        for contact in &book.contacts {
            for entry in &contact.entries {
                assert_eq!(entry.line, contact.line, "a CSV row is one line: {entry:?}");
            }
        }
    }
}

/// Format sniffing, then the reader it picks (as `lookup FILE` with no
/// telling extension does).
pub fn sniff_and_read(data: &[u8]) {
    let _ = sniff(data);
    if let Some(book) = read_checked(data, None)
        && book.format == Format::Text
    {
        for contact in &book.contacts {
            let [entry] = contact.entries.as_slice() else {
                panic!("a text line is one entry: {contact:?}");
            };
            assert_eq!(entry.line, contact.line);
            if !matches!(entry.kind, EntryKind::Broken(_)) {
                assert!(!entry.input.is_empty() && !entry.input.starts_with('#'));
                assert_eq!(entry.input.trim(), entry.input);
            }
        }
    }
}

/// Regions the phone target reads national numbers in: one per shape of
/// metadata (national prefixes, transform rules, shared country codes,
/// Italian leading zeros, 0011-style international prefixes).
const REGIONS: &[&str] = &[
    "FR", "US", "DE", "GB", "AU", "IT", "BR", "AR", "MX", "RU", "JP", "CN", "IN", "SG", "CA",
];

/// Phone normalisation. The first byte picks the options (a region or none,
/// bare digits read as E.164 or not); the rest, as UTF-8, is the number.
///
/// Checks: the answer is E.164 digits; the fast path with `phonenumber`'s
/// rules, when it answers, agrees with `phonenumber`; normalising the
/// answer again (as `+digits`) gives it back. (The answer itself follows
/// libphonenumber where `phonenumber` departs from it, so it is not held to
/// `phonenumber`: `tests/it/references.rs` holds it to Python's
/// `phonenumbers`.)
pub fn phone(data: &[u8]) {
    let Some((&options, text)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(text);
    let region = REGIONS
        .get(usize::from(options & 0x7F) % (REGIONS.len() + 1))
        .map(|code| code.parse::<Region>().expect("a known region"));
    let opts = MsisdnOptions {
        region,
        bare_digits_are_international: options & 0x80 != 0,
    };
    let got = normalise_msisdn(&text, &opts);
    if let Some(fast) = fast_path(&text, &opts) {
        assert_eq!(
            slow_path(&text, &opts).as_ref(),
            Ok(&fast),
            "fast path for {text:?} in {region:?}"
        );
    }
    if let Ok(e164) = got {
        assert!(
            !e164.is_empty() && e164.bytes().all(|b| b.is_ascii_digit()),
            "{text:?} → {e164:?}"
        );
        let again = normalise_msisdn(&format!("+{e164}"), &MsisdnOptions::default());
        assert_eq!(
            again.as_ref(),
            Ok(&e164),
            "{text:?} → {e164:?} is not stable"
        );
    }
}

/// Email normalisation: idempotent, and what it accepts is a bounded,
/// folded address without spaces or control characters.
pub fn email(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(address) = normalise_email(&text) {
        assert!(address.len() <= 254, "{address:?}");
        assert!(address.contains('@'), "{address:?}");
        assert!(
            !address.chars().any(|c| c.is_whitespace() || c.is_control()),
            "{address:?}"
        );
        assert_eq!(
            normalise_email(&address).as_ref(),
            Ok(&address),
            "{text:?} → {address:?} is not stable"
        );
    }
}

/// The response decoders: `hash_details`, `lookup` (mappings and MSC4004
/// referrals in both shapes) and Matrix error bodies, decoded from the same
/// bytes as `identity::http` decodes them, then walked as `resolve` walks
/// them (Matrix ID and server name checks, sanitising for a terminal).
pub fn wire(data: &[u8]) {
    if let Ok(details) = serde_json::from_slice::<HashDetails>(data) {
        let _ = details.offers_sha256();
        let peppers = details.alternative_peppers();
        for (i, pepper) in peppers.iter().enumerate() {
            assert!(!pepper.is_empty() && *pepper != details.lookup_pepper);
            assert!(!peppers[..i].contains(pepper), "{pepper:?} twice");
        }
        let text = serde_json::to_vec(&details).expect("hash_details serialises");
        let back: HashDetails = serde_json::from_slice(&text).expect("and reads back");
        assert_eq!(back, details);
    }
    if let Ok(response) = serde_json::from_slice::<LookupResponse>(data) {
        let (good, bad) = response.mappings();
        assert_eq!(good.len() + bad.len(), response.mappings.len());
        for (_, mxid) in good {
            if check_user_id(mxid).is_ok() {
                assert!(mxid.len() <= 255 && mxid.is_ascii(), "{mxid:?}");
            }
            assert_sanitised(mxid);
        }
        let referrals = response.referrals();
        let named = response
            .third_party_mappings
            .as_ref()
            .map_or(0, |m| m.len());
        assert_eq!(referrals.len(), named);
        for server in referrals.keys() {
            let _ = check_server_name(server);
            let _ = split_host_port(server);
            assert_sanitised(server);
        }
    }
    if let Ok(error) = serde_json::from_slice::<MatrixError>(data)
        && let Some(text) = &error.error
    {
        assert_sanitised(text);
    }
}

fn assert_sanitised(text: &str) {
    let clean = for_terminal(text);
    assert!(
        !clean.chars().any(char::is_control),
        "control character left in {clean:?}"
    );
}

/// Reads `data` as an address book twice (keeping the cards, and not),
/// checks what every reader promises, and builds the plan from it.
fn read_checked(data: &[u8], format: Option<Format>) -> Option<Book> {
    let keep = ReadOptions {
        keep_cards: true,
        ..ReadOptions::default()
    };
    let kept = read_bytes_with("fuzz", data, format, keep);
    let plain = read_bytes_with("fuzz", data, format, ReadOptions::default());
    let (kept, book) = match (kept, plain) {
        (Ok(kept), Ok(book)) => (kept, book),
        (Err(a), Err(b)) => {
            assert_eq!(a.to_string(), b.to_string());
            return None;
        }
        (a, b) => panic!("keeping cards changed the outcome: {a:?} vs {b:?}"),
    };
    // A line number is at most one past the last line (a card closed at the
    // end of the file); UTF-16 decodes to no more lines than it has 0x0A bytes.
    let lines = u32::try_from(memchr::memchr_iter(b'\n', data).count())
        .unwrap_or(u32::MAX)
        .saturating_add(1);
    let mut previous = 0;
    for (contact, with_card) in book.contacts.iter().zip(&kept.contacts) {
        assert_eq!(contact.entries, with_card.entries);
        assert_eq!(contact.name, with_card.name);
        assert!(contact.card.is_none());
        assert!(
            (1..=lines).contains(&contact.line),
            "contact at line {} of {lines}",
            contact.line
        );
        assert!(contact.line >= previous, "contacts out of file order");
        previous = contact.line;
        let mut entry_previous = contact.line;
        for entry in &contact.entries {
            assert!(
                (contact.line..=lines).contains(&entry.line),
                "entry at line {} (contact at {}, {lines} lines): {entry:?}",
                entry.line,
                contact.line
            );
            assert!(entry.line >= entry_previous, "entries out of order");
            entry_previous = entry.line;
            check_entry(entry);
        }
    }
    // A vCard file's kept cards are every byte of it, in order (UTF-16 is
    // read decoded).
    if kept.format == Format::Vcard && !matches!(data, [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..]) {
        let whole: Vec<u8> = kept
            .contacts
            .iter()
            .flat_map(|c| c.card.clone().unwrap_or_default())
            .collect();
        assert!(whole == data, "the kept cards are not the file");
    }
    assert_eq!(book.contacts.len(), kept.contacts.len());
    let entries: usize = book.contacts.iter().map(|c| c.entries.len()).sum();
    let opts = MsisdnOptions {
        region: Some("FR".parse().expect("FR")),
        bare_digits_are_international: false,
    };
    let plan = Plan::build(vec![kept], &opts);
    assert!(plan.rows.len() <= entries);
    for row in &plan.rows {
        assert!((1..=lines).contains(&row.line));
        if let Target::Address(id) = row.target {
            assert!((id as usize) < plan.addresses.len());
        }
    }
    Some(book)
}

fn check_entry(entry: &Entry) {
    match &entry.kind {
        EntryKind::Broken(reason) => assert!(!reason.is_empty(), "{entry:?}"),
        EntryKind::Address(_) | EntryKind::Unknown => {
            assert!(!entry.input.trim().is_empty(), "empty address: {entry:?}");
        }
    }
}
