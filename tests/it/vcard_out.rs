//! `--format vcard`: the book written back with Matrix IDs added, every other
//! property kept, and nothing added twice.

use crate::common::Fed;
use crate::support::{mxlookup, root};

fn vcard_run(fed: &Fed, file: &str) -> String {
    let (code, stdout, stderr) = mxlookup()
        .args(["lookup", file, "-f", "vcard", "-r", "FR"])
        .args(fed.args())
        .run_with_env(&[("MXLOOKUP_BACKOFF_MS", "0")]);
    assert_eq!(code, 0, "{stderr}");
    stdout
}

/// The card texts of a vCard file, split on BEGIN lines, line endings dropped.
fn cards(text: &str) -> Vec<Vec<String>> {
    let mut cards: Vec<Vec<String>> = Vec::new();
    for line in text.lines() {
        let line = line.trim_start_matches('\u{feff}');
        if line.eq_ignore_ascii_case("BEGIN:VCARD") {
            cards.push(Vec::new());
        }
        if let Some(card) = cards.last_mut() {
            card.push(line.to_owned());
        }
    }
    cards
}

#[test]
fn round_trip_keeps_every_property_and_adds_impp_once() {
    let fed = Fed::start(None);
    let out = vcard_run(&fed, "fixtures/contacts.vcf");
    let original = std::fs::read_to_string(root().join("fixtures/contacts.vcf")).unwrap();
    let (before, after) = (cards(&original), cards(&out));
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        let kept: Vec<&String> = a
            .iter()
            .filter(|l| !l.starts_with("IMPP:matrix:"))
            .collect();
        assert_eq!(kept, b.iter().collect::<Vec<_>>(), "a property changed");
    }
    let impp = |card: &[String]| {
        card.iter()
            .filter(|l| l.starts_with("IMPP:matrix:"))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(impp(&after[0]), vec!["IMPP:matrix:u/alice:matrix.example"]);
    assert_eq!(impp(&after[3]), vec!["IMPP:matrix:u/dmitri:far.example"]);
    assert!(impp(&after[4]).is_empty(), "Elif was not found");

    // Written back through mxlookup again: nothing is added twice.
    let dir = tempfile::tempdir().unwrap();
    let once = dir.path().join("once.vcf");
    std::fs::write(&once, &out).unwrap();
    let twice = vcard_run(&fed, once.to_str().unwrap());
    assert_eq!(twice, out);
}

#[test]
fn other_inputs_give_minimal_cards() {
    let fed = Fed::start(None);
    let out = vcard_run(&fed, "fixtures/friends.txt");
    let all = cards(&out);
    let alice = all
        .iter()
        .find(|c| c.contains(&"EMAIL:alice@example.com".to_owned()))
        .expect("alice's card");
    assert!(
        alice.contains(&"IMPP:matrix:u/alice:matrix.example".to_owned()),
        "{alice:?}"
    );
    assert!(alice.contains(&"VERSION:4.0".to_owned()));
    assert!(
        out.lines().all(|l| !l.contains("not an address")),
        "an invalid line became a card"
    );
}
