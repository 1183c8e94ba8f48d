//! `mxlookup push` (MSC4004) against the sandbox: what the recipient
//! receives, how refusals are reported, and the push → lookup round trip
//! that resolves through the origin.

use std::collections::BTreeSet;

use serde_json::Value;

use mxlookup::threepid::{Medium, lookup_hash};

use crate::common::{Fed, by_address, saved_as, text_book, via};
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
        stderr.contains(
            "6 hashes (3 addresses × 2 peppers) in 2 batches: 2 accepted, 0 rejected, 0 unknown\n"
        ),
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
fn a_re_push_is_unknown_and_said_so_without_retrying() {
    let fed = Fed::start(Some(FEDERATION));
    let (_dir, book) = book();
    let (code, _, stderr) = push(&fed, &book, &["--origin", ORIGIN]);
    assert_eq!(code, 0, "{stderr}");

    let (code, batches, stderr) = push(&fed, &book, &["--origin", ORIGIN, "--batch-size", "2"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(batches.len(), 4, "2 peppers × 2 batches of at most 2");
    for batch in &batches {
        assert_eq!(batch["status"], "unknown", "{batch}");
        assert_eq!(batch["http_status"], 500);
        assert!(batch.get("isolation").is_none(), "{batch}");
        let reason = batch["reason"].as_str().unwrap();
        assert!(
            reason.contains("ToM-server answers 500 when a hash of the batch was pushed before"),
            "{reason}"
        );
        assert!(reason.contains("is unknown"), "{reason}");
    }
    assert!(
        stderr.contains("0 accepted, 0 rejected, 4 unknown\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("\nhint: pass --isolate") && stderr.contains("at most 2 more requests"),
        "{stderr}"
    );
    // 2 accepted the first time, then each rejected batch exactly once.
    let statuses: Vec<u16> = pushes(&fed, RECIPIENT).iter().map(|(s, _)| *s).collect();
    assert_eq!(statuses, [201, 201, 500, 500, 500, 500]);
}

#[test]
fn unknown_and_isolated_batches_in_the_table() {
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
    insta::assert_snapshot!("push_table_unknown", again);
    let stable = |stderr: &str| {
        stderr
            .replace(&fed.url(RECIPIENT), "http://127.0.0.1:PORT")
            .replace(&book, "BOOK")
    };
    insta::assert_snapshot!("push_table_unknown_stderr", stable(&stderr));
    let (code, isolated, stderr) = mxlookup()
        .args(["push", &book, "--origin", ORIGIN, "--batch-size", "2"])
        .arg("--isolate")
        .args(fed.args())
        .run_with_env(&[("MXLOOKUP_BACKOFF_MS", "0")]);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!("push_table_isolated", isolated);
    insta::assert_snapshot!("push_table_isolated_stderr", stable(&stderr));
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
fn push_reads_the_csv_columns_it_is_told_to() {
    // "notes" is no address header, and some of its cells are addresses:
    // push warns that it is not read, with a hint naming --email-column,
    // which push takes as lookup does.
    let fed = Fed::start(Some(FEDERATION));
    let (_dir, book) = saved_as(
        "people.csv",
        "name,notes,mobile\nA,ann@example.org,+1 800 555 2067\nB,bob@example.org,\nC,hello,\nD,nope,\nE,zzz,\n",
    );
    // The hashes of each batch, by pepper.
    let pushed = |extra: &[&str]| {
        let mut args = vec!["--origin", ORIGIN, "--dry-run"];
        args.extend(extra);
        let (code, batches, stderr) = push(&fed, &book, &args);
        assert_eq!(code, 0, "{stderr}");
        let hashes: Vec<(String, BTreeSet<String>)> = batches
            .iter()
            .map(|b| {
                let hashes = b["request"]["mappings"][ORIGIN].as_array().unwrap();
                let hashes = hashes.iter().map(|h| h.as_str().unwrap().to_owned());
                (b["pepper"].as_str().unwrap().to_owned(), hashes.collect())
            })
            .collect();
        (hashes, stderr)
    };
    let expected = |pepper: &str, emails: &[&str]| -> BTreeSet<String> {
        let phone = lookup_hash("18005552067", Medium::Msisdn, pepper);
        let emails = emails.iter().map(|a| lookup_hash(a, Medium::Email, pepper));
        emails.chain([phone]).collect()
    };
    let (untold, stderr) = pushed(&[]);
    assert!(
        stderr.contains("column `notes` (column 2) is not read"),
        "{stderr}"
    );
    assert!(stderr.contains("--email-column 'notes'"), "{stderr}");
    assert_eq!(untold.len(), 2, "{stderr}");
    for (pepper, hashes) in &untold {
        assert_eq!(*hashes, expected(pepper, &[]));
    }
    let (told, stderr) = pushed(&["--email-column", "notes"]);
    assert!(!stderr.contains("is not read"), "{stderr}");
    // Its other cells are told as entries not pushed.
    assert!(stderr.contains("3 entries are not addresses"), "{stderr}");
    assert_eq!(told.len(), 2, "{stderr}");
    for (pepper, hashes) in &told {
        let emails = ["ann@example.org", "bob@example.org"];
        assert_eq!(*hashes, expected(pepper, &emails));
    }
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

/// Pushes Ann's email alone (under both peppers), so that a push of
/// [`book`] then mixes a held hash with new ones.
fn push_ann_first(fed: &Fed) -> tempfile::TempDir {
    let (dir, ann) = text_book(["ann@example.org".to_owned()]);
    let (code, batches, stderr) = push(fed, &ann, &["--origin", ORIGIN]);
    assert_eq!(code, 0, "{stderr}");
    assert!(batches.iter().all(|b| b["status"] == "accepted"));
    dir
}

/// Whether the recipient refers each address of [`book`] to the origin
/// now, i.e. holds its pushed hash: by a lookup through the binary.
fn held_by_recipient(fed: &Fed, book: &str) -> Vec<(&'static str, bool)> {
    let (code, results, stderr) = fed.lookup(book, &[]);
    assert_eq!(code, 0, "{stderr}");
    ADDRESSES
        .iter()
        .map(|(address, _)| {
            (
                *address,
                via(by_address(&results, address)).contains(&ORIGIN),
            )
        })
        .collect()
}

/// The `status` of each pushed hash, with the hash's address.
fn hash_statuses(batch: &Value) -> Vec<(String, String)> {
    batch["isolation"]["hashes"]
        .as_array()
        .unwrap_or_else(|| panic!("no isolation in {batch}"))
        .iter()
        .map(|h| {
            let pepper = batch["pepper"].as_str().unwrap();
            let address = h["address"].as_str().unwrap();
            let medium = if h["medium"] == "email" {
                Medium::Email
            } else {
                Medium::Msisdn
            };
            assert_eq!(h["hash"], lookup_hash(address, medium, pepper), "{h}");
            assert!(h["reason"].as_str().is_some_and(|r| !r.is_empty()), "{h}");
            (address.to_owned(), h["status"].as_str().unwrap().to_owned())
        })
        .collect()
}

#[test]
fn a_batch_mixing_new_and_held_hashes_is_unknown_and_its_new_hashes_are_stored() {
    let fed = Fed::start(Some(FEDERATION));
    let (_dir, book) = book();
    let _ann = push_ann_first(&fed);

    let (code, batches, stderr) = push(&fed, &book, &["--origin", ORIGIN]);
    assert_eq!(code, 1, "unknown is not a success: {stderr}");
    assert_eq!(batches.len(), 2);
    for batch in &batches {
        assert_eq!(batch["status"], "unknown", "{batch}");
        assert_eq!(batch["http_status"], 500);
        let reason = batch["reason"].as_str().unwrap();
        assert!(reason.contains("stores the batch's new hashes"), "{reason}");
        assert!(reason.contains("is unknown"), "{reason}");
    }
    assert!(
        stderr.contains("0 accepted, 0 rejected, 2 unknown\n"),
        "{stderr}"
    );
    assert!(stderr.contains("hint: pass --isolate"), "{stderr}");
    // Sent once each (2 for Ann, then 2), and ToM's way: the new hashes of
    // the refused batches are stored, so the recipient refers all three.
    let statuses: Vec<u16> = pushes(&fed, RECIPIENT).iter().map(|(s, _)| *s).collect();
    assert_eq!(statuses, [201, 201, 500, 500]);
    assert!(
        held_by_recipient(&fed, &book).iter().all(|(_, held)| *held),
        "{:?}",
        held_by_recipient(&fed, &book)
    );
}

#[test]
fn isolate_makes_each_hash_of_a_mixed_batch_definite() {
    let fed = Fed::start(Some(FEDERATION));
    let (_dir, book) = book();
    let _ann = push_ann_first(&fed);

    let (code, stdout, stderr) = mxlookup()
        .args(["push", &book, "--origin", ORIGIN, "--isolate", "-f", "json"])
        .args(fed.args())
        .run_with_env(&[("MXLOOKUP_BACKOFF_MS", "0")]);
    assert_eq!(code, 0, "every hash is definite: {stderr}");
    let document: Value = serde_json::from_str(&stdout).expect("one JSON document");
    let batches = document["batches"].as_array().unwrap();
    assert_eq!(batches.len(), 2);
    for batch in batches {
        assert_eq!(batch["status"], "isolated", "{batch}");
        assert_eq!(batch["http_status"], 500);
        // 3 hashes: 1 | 2, then 1 | 1: 2n - 2 = 4 more requests.
        assert_eq!(batch["isolation"]["requests"], 4, "{batch}");
        assert_eq!(batch["isolation"]["stopped"], Value::Null);
        // ToM stored the new ones with the batch's own 500: each alone is
        // then answered 500, and said held, which is what the server does.
        let statuses = hash_statuses(batch);
        let addresses: Vec<&str> = statuses.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(addresses, ADDRESSES.map(|(a, _)| a));
        assert!(
            statuses.iter().all(|(_, s)| s == "already_held"),
            "{statuses:?}"
        );
        let reason = batch["isolation"]["hashes"][1]["reason"].as_str().unwrap();
        assert!(reason.contains("cannot tell"), "{reason}");
    }
    let summary = &document["summary"];
    assert_eq!(summary["isolated"], 2);
    assert_eq!(summary["isolation_requests"], 8);
    assert_eq!(summary["already_held"], 6);
    assert_eq!(summary["stored"], 0);
    assert_eq!(summary["unknown_hashes"], 0);
    assert!(!stderr.contains("hint:"), "{stderr}");
    // Per pepper: Ann's push, then the batch and its 4 pieces, each once.
    let received = pushes(&fed, RECIPIENT);
    assert_eq!(received.len(), 2 + 2 * 5);
    let sizes: Vec<usize> = received[2..]
        .iter()
        .map(|(_, body)| body["mappings"][ORIGIN].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [3, 1, 2, 1, 1, 3, 1, 2, 1, 1]);
    assert!(received[2..].iter().all(|(status, _)| *status == 500));
    // What was said held is held.
    assert!(held_by_recipient(&fed, &book).iter().all(|(_, held)| *held));
}

/// The recipient of [`FEDERATION`] with a body limit (ToM's 100 KB, scaled
/// down) that a push of [`book`]'s 3 hashes exceeds and 2 do not.
fn body_limited() -> Fed {
    let body = |hashes: usize| {
        let request = mxlookup::identity::wire::PushRequest {
            algorithm: "sha256".to_owned(),
            pepper: "r3cip".to_owned(),
            mappings: [(
                ORIGIN.to_owned(),
                ADDRESSES[..hashes]
                    .iter()
                    .map(|(a, m)| lookup_hash(a, *m, "r3cip"))
                    .collect(),
            )]
            .into(),
        };
        serde_json::to_vec(&request).unwrap().len()
    };
    // The limit holds for every request, as ToM's body parser does: the
    // lookups that check what the recipient holds must stay under it.
    let lookup = serde_json::to_vec(&mxlookup::identity::wire::LookupRequest {
        algorithm: "sha256".to_owned(),
        pepper: "r3cip".to_owned(),
        addresses: ADDRESSES
            .iter()
            .map(|(a, m)| lookup_hash(a, *m, "r3cip"))
            .collect(),
    })
    .unwrap()
    .len();
    let limit = body(3) - 1;
    assert!(body(2) <= limit && lookup <= limit, "{lookup} > {limit}");
    let limited = FEDERATION.replacen(
        "check_pepper = false",
        &format!("check_pepper = false\nbody_limit_500 = {limit}"),
        1,
    );
    Fed::start(Some(&limited))
}

#[test]
fn a_body_over_the_limit_is_unknown_and_stores_nothing() {
    let fed = body_limited();
    let (_dir, book) = book();
    let (code, batches, stderr) = push(&fed, &book, &["--origin", ORIGIN]);
    assert_eq!(code, 1, "{stderr}");
    for batch in &batches {
        assert_eq!(batch["status"], "unknown", "{batch}");
        assert_eq!(batch["http_status"], 500);
        assert_eq!(
            batch["errcode"],
            Value::Null,
            "ToM's body parser sends none"
        );
    }
    assert!(
        held_by_recipient(&fed, &book).iter().all(|(_, held)| !held),
        "a body over the limit stored something"
    );
}

#[test]
fn isolate_after_a_body_limit_500_stores_every_hash() {
    let fed = body_limited();
    let (_dir, book) = book();
    let (code, batches, stderr) = push(&fed, &book, &["--origin", ORIGIN, "--isolate"]);
    assert_eq!(code, 0, "{stderr}");
    for batch in &batches {
        assert_eq!(batch["status"], "isolated", "{batch}");
        // The halves (1 and 2 hashes) fit, and are stored.
        assert_eq!(batch["isolation"]["requests"], 2, "{batch}");
        let statuses = hash_statuses(batch);
        assert!(statuses.iter().all(|(_, s)| s == "stored"), "{statuses:?}");
    }
    assert!(
        stderr
            .contains("2 isolated in 4 more requests (6 hashes stored, 0 already held, 0 unknown)"),
        "{stderr}"
    );
    let statuses: Vec<u16> = pushes(&fed, RECIPIENT).iter().map(|(s, _)| *s).collect();
    assert_eq!(statuses, [500, 201, 201, 500, 201, 201]);
    assert!(held_by_recipient(&fed, &book).iter().all(|(_, held)| *held));
}

#[test]
fn a_rate_limit_stops_isolation_and_leaves_the_rest_unknown() {
    // ToM's limiter on the recipient: after 3 pushes, 429 with a
    // Retry-After past the 60 s mxlookup waits at most.
    let limited = FEDERATION.replacen(
        "check_pepper = false",
        "check_pepper = false\nrate_limit = { requests = 3, window_ms = 600000, retry_after_s = 600, style = \"plain\", endpoints = [\"lookups\"] }",
        1,
    );
    let fed = Fed::start(Some(&limited));
    let (_dir, book) = book();
    let _ann = push_ann_first(&fed);

    let (code, batches, stderr) = push(&fed, &book, &["--origin", ORIGIN, "--isolate"]);
    assert_eq!(code, 1, "{stderr}");
    let first = &batches[0];
    assert_eq!(first["status"], "isolated", "{first}");
    assert_eq!(first["isolation"]["requests"], 1);
    let stopped = first["isolation"]["stopped"].as_str().unwrap();
    assert!(
        stopped.contains("429") || stopped.contains("wait"),
        "{stopped}"
    );
    let statuses = hash_statuses(first);
    assert!(statuses.iter().all(|(_, s)| s == "unknown"), "{statuses:?}");
    for hash in first["isolation"]["hashes"].as_array().unwrap() {
        assert_eq!(hash["reason"], stopped);
    }
    // The second batch met the limit at once: surely not stored.
    assert_eq!(batches[1]["status"], "rejected", "{}", batches[1]);
    assert!(stderr.contains("hint: isolation stopped early"), "{stderr}");
    let statuses: Vec<u16> = pushes(&fed, RECIPIENT).iter().map(|(s, _)| *s).collect();
    assert_eq!(statuses, [201, 201, 500, 429, 429]);
}

#[test]
fn help_explains_isolate_and_its_cost() {
    let (code, stdout, _) = mxlookup().args(["push", "--help"]).run();
    assert_eq!(code, 0);
    for said in [
        "--isolate",
        "already_held",
        "2n-2",
        "100 requests per 10 minutes",
    ] {
        assert!(stdout.contains(said), "{said}: {stdout}");
    }
}
