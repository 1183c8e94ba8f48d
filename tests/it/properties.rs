//! Laws: normalisation is idempotent; every (contact, address) pair read is
//! in the output exactly once; nothing read is dropped.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use mxlookup::addressbook::{EntryKind, Format, read_bytes};
use mxlookup::plan::{Plan, Target};
use mxlookup::threepid::{MsisdnOptions, normalise_email, normalise_msisdn};

fn fr() -> MsisdnOptions {
    MsisdnOptions {
        region: Some("FR".parse().unwrap()),
        bare_digits_are_international: false,
    }
}

/// Email-ish strings: mixed case, Unicode, spaces around, sometimes broken.
fn email() -> impl Strategy<Value = String> {
    (
        "[a-zA-Zß0-9.ÉéΣσ]{1,8}",
        "[a-zA-Z]{1,6}\\.(org|COM|de)",
        "[ ]{0,2}",
    )
        .prop_map(|(local, domain, pad)| format!("{pad}{local}@{domain}{pad}"))
}

/// Phone-ish strings: the same French mobile in several spellings, or junk.
fn phone() -> impl Strategy<Value = String> {
    (0u32..100_000_000, 0usize..5).prop_map(|(n, style)| {
        let d = format!("{n:08}");
        match style {
            0 => format!("+33 6 {} {} {} {}", &d[0..2], &d[2..4], &d[4..6], &d[6..8]),
            1 => format!("06{d}"),
            2 => format!("0033 6{d}"),
            3 => format!("(06) {}-{}", &d[0..4], &d[4..8]),
            _ => d[..3].to_owned(),
        }
    })
}

proptest! {
    #[test]
    fn email_normalisation_is_idempotent(input in email()) {
        if let Ok(once) = normalise_email(&input) {
            prop_assert_eq!(normalise_email(&once), Ok(once.clone()));
        }
    }

    #[test]
    fn phone_normalisation_is_idempotent(input in phone()) {
        if let Ok(once) = normalise_msisdn(&input, &fr()) {
            prop_assert_eq!(normalise_msisdn(&format!("+{once}"), &fr()), Ok(once.clone()));
        }
    }

    #[test]
    fn every_pair_appears_exactly_once(
        cards in prop::collection::vec(
            prop::collection::vec(prop_oneof![email().prop_map(|e| ("EMAIL", e)), phone().prop_map(|p| ("TEL", p))], 0..6),
            1..30,
        )
    ) {
        let mut vcf = String::new();
        for (i, props) in cards.iter().enumerate() {
            vcf.push_str(&format!("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Person {i}\r\n"));
            for (name, value) in props {
                vcf.push_str(&format!("{name}:{value}\r\n"));
            }
            vcf.push_str("END:VCARD\r\n");
        }
        let book = read_bytes("p.vcf", vcf.as_bytes(), Some(Format::Vcard)).unwrap();
        // What each contact holds, normalised independently of the plan.
        let mut expected: BTreeMap<u32, (BTreeSet<String>, usize)> = BTreeMap::new();
        for (i, contact) in book.contacts.iter().enumerate() {
            let slot = expected.entry(i as u32).or_default();
            for entry in &contact.entries {
                let EntryKind::Address(medium) = entry.kind else { panic!("unexpected {entry:?}") };
                match mxlookup::threepid::normalise(&entry.input, medium, &fr()) {
                    Ok(a) => { slot.0.insert(format!("{medium} {a}")); }
                    Err(_) => slot.1 += 1,
                }
            }
        }
        let plan = Plan::build(vec![book], &fr());
        let mut got: BTreeMap<u32, (Vec<String>, usize)> = BTreeMap::new();
        for row in &plan.rows {
            let slot = got.entry(row.contact).or_default();
            match &row.target {
                Target::Address(id) => {
                    let a = &plan.addresses[*id as usize];
                    slot.0.push(format!("{} {}", a.medium, a.address));
                }
                Target::Invalid(_) => slot.1 += 1,
            }
        }
        for (contact, (addresses, invalid)) in &expected {
            let (rows, invalid_rows) = got.get(contact).cloned().unwrap_or_default();
            let distinct: BTreeSet<String> = rows.iter().cloned().collect();
            prop_assert_eq!(rows.len(), distinct.len(), "a pair twice for contact {}", contact);
            prop_assert_eq!(&distinct, addresses);
            prop_assert_eq!(invalid_rows, *invalid);
        }
        prop_assert_eq!(plan.contacts.len(), cards.len());
    }
}
