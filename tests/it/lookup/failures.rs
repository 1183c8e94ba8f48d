//! Failures: a file that cannot be read, retries, a server that stays
//! down, and bad certificates or server URLs.

use super::status;
use crate::common::{Fed, by_address, text_book};

#[test]
fn a_file_that_cannot_be_read_sends_no_address() {
    // The start server is reached while the files are read; a missing file
    // still ends the run (exit 2) before any lookup.
    let fed = Fed::start(None);
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.vcf");
    let (code, results, stderr) = fed.lookup(missing.to_str().unwrap(), &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(results.is_empty());
    assert!(stderr.contains("missing.vcf"), "{stderr}");
    for server in ["matrix.example:443", "fed.example:443"] {
        let lookups = fed
            .received(server)
            .iter()
            .filter(|r| r.path.ends_with("/lookup"))
            .count();
        assert_eq!(lookups, 0, "{server} was asked");
    }
}

const FLAKY: &str = r#"
[[servers]]
name = "flaky.example:443"
start = true
pepper = "p1"
fail_first = 2
associations = [{ medium = "email", address = "ann@example.org", mxid = "@ann:flaky.example" }]

[[servers]]
name = "limited.example:443"
start = true
pepper = "p2"
rate_limit = { requests = 2, window_ms = 1000, retry_after_s = 1 }
associations = [{ medium = "email", address = "bob@example.org", mxid = "@bob:limited.example" }]
"#;

#[test]
fn retries_after_500_and_429() {
    let fed = Fed::start(Some(FLAKY));
    let (_dir, book) = text_book(["ann@example.org".to_owned(), "bob@example.org".to_owned()]);
    let (code, results, stderr) = fed.lookup(&book, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        by_address(&results, "ann@example.org")["mxid"],
        "@ann:flaky.example"
    );
    assert_eq!(
        by_address(&results, "bob@example.org")["mxid"],
        "@bob:limited.example"
    );
    let flaky: Vec<u16> = fed
        .received("flaky.example:443")
        .iter()
        .filter(|r| r.path.ends_with("/lookup"))
        .map(|r| r.status)
        .collect();
    assert_eq!(flaky, vec![500, 500, 200]);
    let limited: Vec<u16> = fed
        .received("limited.example:443")
        .iter()
        .map(|r| r.status)
        .collect();
    assert!(
        limited.contains(&429),
        "the rate limit was never hit: {limited:?}"
    );
}

const ONE_DOWN: &str = r#"
[[servers]]
name = "up.example:443"
start = true
pepper = "p1"
associations = [{ medium = "email", address = "ann@example.org", mxid = "@ann:up.example" }]

[[servers]]
name = "down.example:443"
start = true
pepper = "p2"
down = true
"#;

#[test]
fn a_server_that_stays_down_costs_only_its_answers() {
    let fed = Fed::start(Some(ONE_DOWN));
    let (_dir, book) = text_book([
        "ann@example.org".to_owned(),
        "nobody@example.org".to_owned(),
    ]);
    let (code, results, stderr) = fed.lookup(&book, &[]);
    assert_eq!(code, 1, "{stderr}");
    // ann is found by the server that is up; nobody got no definite answer.
    assert_eq!(by_address(&results, "ann@example.org")["status"], "found");
    let nobody = by_address(&results, "nobody@example.org");
    assert_eq!(status(nobody), "error");
    let reason = nobody["reason"].as_str().unwrap();
    // It names the server, the endpoint, the status, and the tries.
    assert!(
        reason.contains(&fed.url("down.example:443"))
            && reason.contains("POST /_matrix/identity/v2/")
            && reason.contains("HTTP 500"),
        "{reason}"
    );
    assert!(reason.contains("tries"), "{reason}");
}

#[test]
fn bad_ca_certificates_and_server_urls_are_usage_errors() {
    let (code, stdout, stderr) = crate::support::mxlookup()
        .args([
            "lookup",
            "fixtures/friends.txt",
            "-f",
            "json",
            "-s",
            "https://is.example",
            "--ca-cert",
            "fixtures/friends.txt",
        ])
        .run();
    assert_eq!(code, 2);
    // Results are written as they come; a run that fails first writes none.
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("--ca-cert fixtures/friends.txt"),
        "{stderr}"
    );
    let (code, _, stderr) = crate::support::mxlookup()
        .args(["lookup", "fixtures/friends.txt", "-s", "ftp://is.example"])
        .run();
    assert_eq!(code, 2);
    assert!(stderr.contains("only http and https"), "{stderr}");
}
