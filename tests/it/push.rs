//! `mxlookup push` (MSC4004) against the sandbox: what the recipient
//! receives, how refusals are reported, and the push → lookup round trip
//! that resolves through the origin.

use std::collections::BTreeSet;

use serde_json::Value;

use mxlookup::threepid::{Medium, lookup_hash};

use crate::common::{Fed, by_address, text_book, via};
use crate::support::mxlookup;

/// A recipient that holds nothing (ToM-like: an empty alternative pepper
/// beside a real one) and an origin that holds Ann's addresses.
const FEDERATION: &str = r#"
[[servers]]
name = "recipient.example:443"
start = true
pepper = "r3cip"
alt_peppers = ["", "0ldR3"]
check_pepper = false

[[servers]]
name = "origin.example:443"
pepper = "0r1g1n"
associations = [
  { medium = "email", address = "ann@example.org", mxid = "@ann:origin.example" },
  { medium = "msisdn", address = "18005552067", mxid = "@ann:origin.example" },
]
"#;

const RECIPIENT: &str = "recipient.example:443";
const ORIGIN: &str = "origin.example:443";

/// The normalised addresses of [`book`], with their media.
const ADDRESSES: [(&str, Medium); 3] = [
    ("ann@example.org", Medium::Email),
    ("18005552067", Medium::Msisdn),
    ("bob@example.org", Medium::Email),
];

fn book() -> (tempfile::TempDir, String) {
    text_book(
        [
            "Ann@Example.org",
            "+1 800 555 2067",
            "bob@example.org",
            "not an address",
        ]
        .map(str::to_owned),
    )
}

/// Runs `mxlookup push FILE -f ndjson` against `fed`; returns (exit code,
/// batches, stderr).
fn push(fed: &Fed, file: &str, extra: &[&str]) -> (i32, Vec<Value>, String) {
    fed.run("push", file, extra)
}

/// The pushes a server received: (status answered, body).
fn pushes(fed: &Fed, server: &str) -> Vec<(u16, Value)> {
    fed.received(server)
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/_matrix/identity/v2/lookups"))
        .map(|r| (r.status, serde_json::from_str(&r.body).expect("json body")))
        .collect()
}

#[test]
fn push_then_lookup_resolves_through_the_origin() {
    let fed = Fed::start(Some(FEDERATION));
    let (_dir, book) = book();
    let (code, batches, stderr) = push(&fed, &book, &["--origin", "origin.example"]);
    assert_eq!(code, 0, "{stderr}");

    // One batch per pepper: the current one, then the non-empty alternative.
    let peppers: Vec<&str> = batches
        .iter()
        .map(|b| b["pepper"].as_str().unwrap())
        .collect();
    assert_eq!(peppers, ["r3cip", "0ldR3"]);
    for batch in &batches {
        assert_eq!(batch["status"], "accepted", "{batch}");
        assert_eq!(batch["http_status"], 201);
        assert_eq!(batch["hashes"], 3);
        assert_eq!(batch["origin"], ORIGIN);
        assert_eq!(batch["recipient"], fed.url(RECIPIENT));
    }
    assert!(
        stderr.contains("6 hashes (3 addresses × 2 peppers) in 2 batches: 2 accepted, 0 rejected"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 entry is not an address and is not pushed"),
        "{stderr}"
    );

    // What the recipient received: one origin per request, sha256 hashes
    // under each usable pepper, never the empty pepper, no clear text.
    let received = pushes(&fed, RECIPIENT);
    assert_eq!(received.len(), 2);
    let mut seen_peppers = BTreeSet::new();
    for (status, body) in &received {
        assert_eq!(*status, 201);
        assert_eq!(body["algorithm"], "sha256");
        let pepper = body["pepper"].as_str().unwrap();
        assert_ne!(pepper, "", "the empty alternative pepper was used");
        seen_peppers.insert(pepper.to_owned());
        let mappings = body["mappings"].as_object().unwrap();
        assert_eq!(mappings.keys().collect::<Vec<_>>(), [ORIGIN]);
        let sent: BTreeSet<&str> = mappings[ORIGIN]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h.as_str().unwrap())
            .collect();
        let expected: BTreeSet<String> = ADDRESSES
            .iter()
            .map(|(address, medium)| lookup_hash(address, *medium, pepper))
            .collect();
        assert_eq!(sent, expected.iter().map(String::as_str).collect());
        let text = body.to_string();
        for (address, _) in ADDRESSES {
            assert!(!text.contains(address), "{address} sent in clear text");
        }
    }
    assert_eq!(seen_peppers, ["0ldR3", "r3cip"].map(str::to_owned).into());
    assert!(
        fed.received(ORIGIN).is_empty(),
        "push talks to the recipient only"
    );

    // The recipient now refers those hashes to the origin, which answers.
    let (code, results, stderr) = fed.lookup(&book, &[]);
    assert_eq!(code, 0, "{stderr}");
    let recipient = fed.url(RECIPIENT);
    for address in ["ann@example.org", "18005552067"] {
        let ann = by_address(&results, address);
        assert_eq!(ann["status"], "found", "{ann}");
        assert_eq!(ann["mxid"], "@ann:origin.example");
        assert_eq!(via(ann), [recipient.as_str(), ORIGIN]);
    }
    let bob = by_address(&results, "bob@example.org");
    assert_eq!(bob["status"], "not_found");
    assert_eq!(via(bob), [recipient.as_str(), ORIGIN]);
}

#[test]
fn a_re_push_is_rejected_and_said_so_without_retrying() {
    let fed = Fed::start(Some(FEDERATION));
    let (_dir, book) = book();
    let (code, _, stderr) = push(&fed, &book, &["--origin", ORIGIN]);
    assert_eq!(code, 0, "{stderr}");

    let (code, batches, stderr) = push(&fed, &book, &["--origin", ORIGIN, "--batch-size", "2"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(batches.len(), 4, "2 peppers × 2 batches of at most 2");
    for batch in &batches {
        assert_eq!(batch["status"], "rejected", "{batch}");
        assert_eq!(batch["http_status"], 500);
        let reason = batch["reason"].as_str().unwrap();
        assert!(
            reason.contains("ToM-server answers 500 when a hash was pushed before"),
            "{reason}"
        );
    }
    assert!(stderr.contains("0 accepted, 4 rejected"), "{stderr}");
    assert!(stderr.contains("\nhint: "), "{stderr}");
    // 2 accepted the first time, then each rejected batch exactly once.
    let statuses: Vec<u16> = pushes(&fed, RECIPIENT).iter().map(|(s, _)| *s).collect();
    assert_eq!(statuses, [201, 201, 500, 500, 500, 500]);
}

#[test]
fn rejected_batches_in_the_table() {
    let fed = Fed::start(Some(FEDERATION));
    let (_dir, book) = book();
    let run = || {
        mxlookup()
            .args(["push", &book, "--origin", ORIGIN, "--batch-size", "2"])
            .args(fed.args())
            .run_with_env(&[("MXLOOKUP_BACKOFF_MS", "0")])
    };
    let (code, first, stderr) = run();
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!("push_table", first);
    let (code, again, stderr) = run();
    assert_eq!(code, 1);
    insta::assert_snapshot!("push_table_rejected", again);
    let stderr = stderr
        .replace(&fed.url(RECIPIENT), "http://127.0.0.1:PORT")
        .replace(&book, "BOOK");
    insta::assert_snapshot!("push_table_rejected_stderr", stderr);
}

#[test]
fn a_dry_run_sends_no_push() {
    let fed = Fed::start(Some(FEDERATION));
    let (_dir, book) = book();
    let (code, batches, stderr) = push(&fed, &book, &["--origin", ORIGIN, "--dry-run"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(batches.len(), 2);
    for batch in &batches {
        assert_eq!(batch["status"], "not_sent");
        let pepper = batch["pepper"].as_str().unwrap();
        let hashes = &batch["request"]["mappings"][ORIGIN];
        assert_eq!(
            hashes[0],
            lookup_hash("ann@example.org", Medium::Email, pepper)
        );
    }
    assert!(stderr.contains("dry run, nothing sent"), "{stderr}");
    let received = fed.received(RECIPIENT);
    assert!(received.iter().any(|r| r.path.ends_with("/hash_details")));
    assert!(pushes(&fed, RECIPIENT).is_empty(), "a dry run pushed");
}

#[test]
fn the_origin_must_be_a_server_name() {
    let (_dir, book) = book();
    for origin in ["bad host", "origin.example:99999", ""] {
        let (code, stdout, stderr) = mxlookup()
            .args([
                "push",
                &book,
                "--origin",
                origin,
                "-s",
                "http://127.0.0.1:9",
            ])
            .run();
        assert_eq!(code, 2, "{origin}: {stderr}");
        assert!(stdout.is_empty());
        assert!(stderr.contains("--origin"), "{stderr}");
    }
}

#[test]
fn push_needs_exactly_one_recipient() {
    let (_dir, book) = book();
    for servers in [
        &[][..],
        &["-s", "http://127.0.0.1:9", "-s", "http://127.0.0.1:10"],
    ] {
        let (code, stdout, stderr) = mxlookup()
            .args(["push", &book, "--origin", ORIGIN])
            .args(servers)
            .run();
        assert_eq!(code, 2, "{servers:?}: {stderr}");
        assert!(stdout.is_empty());
        assert!(stderr.contains("recipient"), "{stderr}");
        assert!(stderr.contains("\nhint: "), "{stderr}");
    }
}
