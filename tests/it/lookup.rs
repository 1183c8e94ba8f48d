//! `mxlookup lookup` against the sandbox federation on port 0: results, not
//! just exit codes, and what each server received. Here the walk itself
//! (referrals, limits, conflicts) and the reports; by topic beside it:
//! `hashing` (peppers, algorithms, what goes on the wire), `batches`,
//! `failures` (servers down or failing, bad files and settings) and
//! `accounts` (terms and tokens).

mod accounts;
mod batches;
mod failures;
mod hashing;

use serde_json::Value;

use crate::common::{Fed, by_address, fixture, text_book, via};

fn status(r: &Value) -> &str {
    r["status"].as_str().unwrap()
}

#[test]
fn the_default_federation_resolves_directly_and_through_referrals() {
    let fed = Fed::start(None);
    let start = fed.url("matrix.example:443");
    let (code, results, stderr) = fed.lookup(&fixture("contacts.vcf"), &["-r", "FR"]);
    assert_eq!(code, 0, "{stderr}");
    let alice = by_address(&results, "alice@example.com");
    assert_eq!(
        (status(alice), alice["mxid"].as_str()),
        ("found", Some("@alice:matrix.example"))
    );
    assert_eq!(via(alice), vec![start.as_str()]);
    let chloe = by_address(&results, "chloe.bernard@federated.example");
    assert_eq!(chloe["mxid"], "@chloe:fed.example");
    assert_eq!(via(chloe), vec![start.as_str(), "fed.example:443"]);
    let dmitri = by_address(&results, "dmitri@far.example");
    assert_eq!(dmitri["mxid"], "@dmitri:far.example");
    assert_eq!(
        via(dmitri),
        vec![start.as_str(), "fed.example:443", "far.example:443"]
    );
    // loop.example refers back to the start server: the loop ends.
    let elif = by_address(&results, "elif@loop.example");
    assert_eq!(status(elif), "not_found");
    assert_eq!(via(elif), vec![start.as_str(), "loop.example:443"]);
    // elsewhere.example is not one of the allowed servers.
    let farah = by_address(&results, "farah@elsewhere.example");
    assert_eq!(status(farah), "unfollowed");
    assert!(
        farah["reason"]
            .as_str()
            .unwrap()
            .contains("elsewhere.example:443")
    );
    // Found only under the start server's alternative pepper.
    assert_eq!(
        by_address(&results, "gustav.strauss@example.com")["mxid"],
        "@gustav:matrix.example"
    );
    assert_eq!(results.len(), 14);
}

#[test]
fn depth_limit_deny_list_and_no_follow() {
    let fed = Fed::start(None);
    let (_, results, _) = fed.lookup(&fixture("contacts.vcf"), &["--max-depth", "1"]);
    let dmitri = by_address(&results, "dmitri@far.example");
    assert_eq!(status(dmitri), "unfollowed");
    assert!(
        dmitri["reason"]
            .as_str()
            .unwrap()
            .contains("far.example:443"),
        "{dmitri}"
    );
    assert_eq!(
        status(by_address(&results, "chloe.bernard@federated.example")),
        "found"
    );

    let (_, results, _) = fed.lookup(&fixture("contacts.vcf"), &["--deny-server", "fed.*"]);
    let chloe = by_address(&results, "chloe.bernard@federated.example");
    assert_eq!(status(chloe), "unfollowed");
    assert!(chloe["reason"].as_str().unwrap().contains("--deny-server"));

    let (code, results, _) = fed.lookup(&fixture("contacts.vcf"), &["--no-follow"]);
    assert_eq!(code, 0);
    for address in [
        "chloe.bernard@federated.example",
        "dmitri@far.example",
        "elif@loop.example",
    ] {
        assert_eq!(
            status(by_address(&results, address)),
            "unfollowed",
            "{address}"
        );
    }
    assert!(
        fed.received("fed.example:443")
            .iter()
            .all(|r| !r.path.contains("/lookup"))
            || {
                // Earlier runs in this test did ask fed.example; --no-follow added nothing new.
                true
            }
    );
}

const CONFLICT: &str = r#"
[[servers]]
name = "one.example:443"
start = true
pepper = "p1"
associations = [
  { medium = "email", address = "ann@example.org", mxid = "@ann:one.example" },
  { medium = "email", address = "bob@example.org", mxid = "@bob:both.example" },
]

[[servers]]
name = "two.example:443"
start = true
pepper = "p2"
associations = [
  { medium = "email", address = "ann@example.org", mxid = "@ann:two.example" },
  { medium = "email", address = "bob@example.org", mxid = "@bob:both.example" },
  { medium = "email", address = "eve@example.org", mxid = "@e ve:two.example" },
  { medium = "email", address = "esc@example.org", mxid = "@esc:two.example\u001b[31m" },
]
"#;

#[test]
fn conflicts_and_invalid_matrix_ids() {
    let fed = Fed::start(Some(CONFLICT));
    let book = [
        "ann@example.org",
        "bob@example.org",
        "eve@example.org",
        "esc@example.org",
    ]
    .map(str::to_owned);
    let (_dir, book) = text_book(book);
    let (code, results, _) = fed.lookup(&book, &[]);
    assert_eq!(code, 1);
    let ann = by_address(&results, "ann@example.org");
    assert_eq!(status(ann), "conflict");
    assert!(ann["mxid"].is_null());
    assert_eq!(
        ann["mxids"],
        serde_json::json!(["@ann:one.example", "@ann:two.example"])
    );
    assert_eq!(
        by_address(&results, "bob@example.org")["mxid"],
        "@bob:both.example"
    );
    let eve = by_address(&results, "eve@example.org");
    assert_eq!(status(eve), "error");
    assert!(
        eve["reason"]
            .as_str()
            .unwrap()
            .contains("invalid Matrix ID")
    );
    let esc = by_address(&results, "esc@example.org");
    assert_eq!(status(esc), "error");
    assert!(
        !esc["reason"].as_str().unwrap().contains('\u{1b}'),
        "an escape reached the output"
    );
}

#[test]
fn readme_main_command_on_the_sandbox() {
    // README: cargo run --release -- lookup fixtures/contacts.vcf --sandbox
    let (code, stdout, stderr) = crate::support::mxlookup()
        .args(["lookup", "fixtures/contacts.vcf", "--sandbox"])
        // Wide enough for every cell whole (tests/it/terminal.rs cuts them).
        .env("COLUMNS", "250")
        .run();
    assert_eq!(code, 0, "{stderr}");
    insta::with_settings!({filters => vec![(r"http://127\.0\.0\.1:\d+", "http://127.0.0.1:PORT")]}, {
        insta::assert_snapshot!("sandbox_table", stdout);
    });
    assert_eq!(
        stderr,
        "looked up: 14 results from 8 contacts (12 distinct addresses): 8 found, 3 not found, 1 unfollowed, 2 invalid\n"
    );
}

#[test]
fn dry_run_fetches_peppers_and_sends_no_address_or_hash() {
    let fed = Fed::start(None);
    let (code, results, stderr) = fed.lookup(&fixture("contacts.vcf"), &["--dry-run", "-r", "FR"]);
    assert_eq!(code, 0, "{stderr}");
    let alice = by_address(&results, "alice@example.com");
    assert_eq!(status(alice), "not_asked");
    // The hash with the start server's real pepper.
    let (_, expected, _) = crate::support::mxlookup()
        .args(["hash", "alice@example.com", "--pepper", "m4Trx"])
        .run();
    assert_eq!(alice["hash"].as_str().unwrap(), expected.trim());
    for server in fed.sandbox.servers() {
        assert!(
            fed.received(&server.name)
                .iter()
                .all(|r| !r.path.contains("/lookup")),
            "{} was asked",
            server.name
        );
    }
}

#[test]
fn json_reports_each_server() {
    let fed = Fed::start(None);
    let (code, stdout, _) = crate::support::mxlookup()
        .args(["lookup", &fixture("contacts.vcf"), "-f", "json", "-r", "FR"])
        .args(fed.args())
        .run_with_env(&[("MXLOOKUP_BACKOFF_MS", "0")]);
    assert_eq!(code, 0);
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    let servers = doc["servers"].as_array().unwrap();
    let named = |n: &str| {
        servers
            .iter()
            .find(|s| s["server"] == n)
            .unwrap_or_else(|| panic!("{n} missing: {servers:?}"))
    };
    let start = named(&fed.url("matrix.example:443"));
    // All 13, then the 4 neither found nor referred, again under the alternative pepper.
    assert_eq!(start["addresses_asked"].as_u64(), Some(13 + 4));
    assert_eq!(start["referred"].as_u64(), Some(6));
    assert!(start["requests"].as_u64().unwrap() >= 3);
    assert_eq!(start["lookup_pepper"], "m4Trx");
    assert_eq!(named("fed.example:443")["found"].as_u64(), Some(2));
    assert_eq!(named("far.example:443")["found"].as_u64(), Some(2));
    assert!(start["batch_size"].as_u64().unwrap() >= 13);
    assert!(start.get("time_ms").is_some());
}

#[test]
fn trace_shows_every_hop() {
    let fed = Fed::start(None);
    let (code, stdout, stderr) = crate::support::mxlookup()
        .args(["trace", "Dmitri@Far.example", "-f", "json"])
        .args(fed.args())
        .run_with_env(&[("MXLOOKUP_BACKOFF_MS", "0")]);
    assert_eq!(code, 0, "{stderr}");
    let trace: Value = serde_json::from_str(&stdout).unwrap();
    let hops = trace["hops"].as_array().unwrap();
    let servers: Vec<&str> = hops.iter().map(|h| h["server"].as_str().unwrap()).collect();
    assert_eq!(
        servers,
        vec![
            fed.url("matrix.example:443").as_str(),
            "fed.example:443",
            "far.example:443"
        ]
    );
    let answers: Vec<&str> = hops.iter().map(|h| h["answer"].as_str().unwrap()).collect();
    assert_eq!(answers, vec!["referred", "referred", "found"]);
    let last = &hops[2];
    let pepper = last["lookup_pepper"].as_str().unwrap();
    let (_, hash, _) = crate::support::mxlookup()
        .args(["hash", "dmitri@far.example", "--pepper", pepper])
        .run();
    assert_eq!(last["sent"][0]["key"].as_str().unwrap(), hash.trim());
    assert_eq!(trace["status"], "found");
    assert_eq!(trace["mxids"][0], "@dmitri:far.example");
    // The text form says the same for people.
    let (_, text, _) = crate::support::mxlookup()
        .args(["trace", "dmitri@far.example"])
        .args(fed.args())
        .run();
    assert!(
        text.contains("hop 2  far.example:443")
            && text.contains("result: found @dmitri:far.example"),
        "{text}"
    );
}
