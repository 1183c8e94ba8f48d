//! Batches: their growth and limits, a reset for size, a server failing
//! for good across chunks, and results written in order while the walk goes on.

use serde_json::Value;

use crate::common::{Fed, by_address, text_book};

fn many(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("user{i}@bulk.example")).collect()
}

#[test]
fn batches_grow_and_fit_each_servers_limit() {
    for (limit, style, max_requests) in [
        // 250 at the limit, and the sizes refused while the first answers
        // were out (a few per chunk of the walk).
        (100usize, "invalid_param", 270usize),
        (10_000, "too_large", 30),
    ] {
        let toml = format!(
            r#"
[[servers]]
name = "bulk.example:443"
start = true
pepper = "pepper"
address_limit = {limit}
limit_style = "{style}"
associations = [
  {{ medium = "email", address = "user7@bulk.example", mxid = "@seven:bulk.example" }},
  {{ medium = "email", address = "user24999@bulk.example", mxid = "@last:bulk.example" }},
]
"#
        );
        let fed = Fed::start(Some(&toml));
        let (_dir, book) = text_book(many(25_000));
        let (code, results, stderr) = fed.lookup(&book, &[]);
        assert_eq!(code, 0, "limit {limit}: {stderr}");
        assert_eq!(results.len(), 25_000);
        assert!(
            results
                .iter()
                .all(|r| r["status"] == "found" || r["status"] == "not_found")
        );
        assert_eq!(
            by_address(&results, "user24999@bulk.example")["mxid"],
            "@last:bulk.example"
        );
        let lookups: Vec<Value> = fed
            .received("bulk.example:443")
            .iter()
            .filter(|r| r.path.ends_with("/lookup") && r.status == 200)
            .map(|r| serde_json::from_str(&r.body).unwrap())
            .collect();
        let sizes: Vec<usize> = lookups
            .iter()
            .map(|b| b["addresses"].as_array().unwrap().len())
            .collect();
        assert_eq!(
            sizes.iter().sum::<usize>(),
            25_000,
            "each address asked once"
        );
        assert!(sizes.iter().all(|&s| s <= limit));
        assert_eq!(
            sizes.iter().max(),
            Some(&limit.min(sizes.iter().copied().max().unwrap()))
        );
        let all = fed
            .received("bulk.example:443")
            .iter()
            .filter(|r| r.path.ends_with("/lookup"))
            .count();
        assert!(all <= max_requests, "limit {limit}: {all} lookup requests");
        if limit == 10_000 {
            // sydent's limit is tried first, beside three small batches:
            // 25,000 addresses in six requests, none refused.
            assert_eq!(sizes.iter().max(), Some(&10_000), "{sizes:?}");
            assert_eq!(all, sizes.len(), "a lookup was refused: {sizes:?}");
            assert!(all <= 6, "{all} lookups: {sizes:?}");
        }
    }
}

#[test]
fn a_connection_reset_for_size_shrinks_the_batch() {
    // Like sydent past 512 KiB, but at 20 KB: about 400 hashes a request.
    let toml = r#"
[[servers]]
name = "small.example:443"
start = true
pepper = "p"
max_body_bytes = 20000
associations = [{ medium = "email", address = "user4321@bulk.example", mxid = "@found:small.example" }]
"#;
    let fed = Fed::start(Some(toml));
    let (_dir, book) = text_book((0..5_000).map(|i| format!("user{i}@bulk.example")));
    let (code, results, stderr) = fed.lookup(&book, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(results.len(), 5_000);
    assert!(
        results
            .iter()
            .all(|r| r["status"] == "found" || r["status"] == "not_found")
    );
    assert_eq!(
        by_address(&results, "user4321@bulk.example")["mxid"],
        "@found:small.example"
    );
    let received = fed.received("small.example:443");
    let lookups: Vec<_> = received
        .iter()
        .filter(|r| r.path.ends_with("/lookup"))
        .collect();
    assert!(
        lookups.iter().any(|r| r.status == 0),
        "no request was ever reset"
    );
    let answered: usize = lookups
        .iter()
        .filter(|r| r.status == 200)
        .map(|r| {
            serde_json::from_str::<Value>(&r.body).unwrap()["addresses"]
                .as_array()
                .unwrap()
                .len()
        })
        .sum();
    assert_eq!(answered, 5_000, "each address answered once");
}

/// A server whose lookups fail for good costs its retries once per run, not
/// once per chunk of the walk (40,000 addresses are asked in two chunks: the
/// first is one batch of 10,000, the probe, the second the other 30,000).
#[test]
fn a_server_that_fails_for_good_is_not_asked_again_chunk_after_chunk() {
    let fed = Fed::start(Some(
        r#"
[[servers]]
name = "failing.example:443"
start = true
pepper = "pepper"
fail_first = 1000
"#,
    ));
    let (_dir, book) = text_book(many(40_000));
    let (code, results, stderr) = fed.lookup(&book, &[]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(results.len(), 40_000);
    assert!(results.iter().all(|r| r["status"] == "error"));
    let later = results.last().unwrap()["reason"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        later.starts_with("not asked after an earlier lookup failed: "),
        "{later}"
    );
    let lookups = fed
        .received("failing.example:443")
        .iter()
        .filter(|r| r.path.ends_with("/lookup"))
        .count();
    // The first batch (the probe): its 500 may be a size refusal (ToM's
    // answer to a body over 100 KB), so it is sent once and then smaller;
    // the three small batches that may leave beside it, and the one resent
    // at the small size, are at the floor: each is tried four times (three
    // retries). Nothing after the first failure for good (which would make
    // it 16 more): a batch's request slot is freed only once it is settled,
    // so a later chunk's pass, fed while the first is under way, cannot
    // take it before the failure is known.
    assert!((4..=17).contains(&lookups), "{lookups} lookups");
}

/// Results are written as their addresses are final, while the walk goes
/// on, yet always in input order: here the first 10,000 addresses (the
/// first slab) wait on a slow referred server while the next 10,000 are
/// answered at once.
#[test]
fn results_written_while_the_walk_goes_on_stay_in_input_order() {
    let mut toml = String::from(
        r#"
[[servers]]
name = "start.example:443"
start = true
pepper = "p"
associations = [{ medium = "email", address = "user15000@bulk.example", mxid = "@late:start.example" }]
referrals = [
"#,
    );
    for i in 0..100 {
        toml.push_str(&format!(
            "  {{ medium = \"email\", address = \"user{i}@bulk.example\", server = \"slow.example:443\" }},\n"
        ));
    }
    toml.push_str("]\n\n[[servers]]\nname = \"slow.example:443\"\npepper = \"q\"\nlatency_ms = 300\nassociations = [\n");
    for i in 0..100 {
        toml.push_str(&format!(
            "  {{ medium = \"email\", address = \"user{i}@bulk.example\", mxid = \"@u{i}:slow.example\" }},\n"
        ));
    }
    toml.push_str("]\n");
    let fed = Fed::start(Some(&toml));
    let (_dir, book) = text_book(many(20_000));
    let (code, results, stderr) = fed.lookup(&book, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(results.len(), 20_000);
    for (i, r) in results.iter().enumerate() {
        let source = r["source"].as_str().unwrap();
        assert!(source.ends_with(&format!(":{}", i + 1)), "{i}: {source}");
        let (status, mxid) = match i {
            0..100 => ("found", format!("@u{i}:slow.example")),
            15_000 => ("found", "@late:start.example".to_owned()),
            _ => ("not_found", String::new()),
        };
        assert_eq!(r["status"], status, "{i}");
        if status == "found" {
            assert_eq!(r["mxid"], mxid.as_str(), "{i}");
        }
    }
}
