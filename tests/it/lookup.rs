//! `mxlookup lookup` against the sandbox federation on port 0: results, not
//! just exit codes, and what each server received.

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

const ROTATING: &str = r#"
[[servers]]
name = "rot.example:443"
start = true
pepper = "first"
rotate_after_hash_details = true
check_pepper = true
pepper_in_error = PEPPER_IN_ERROR
associations = [{ medium = "email", address = "ann@example.org", mxid = "@ann:rot.example" }]
"#;

#[test]
fn a_pepper_rotated_between_hash_details_and_lookup_is_recovered() {
    for in_error in ["true", "false"] {
        let fed = Fed::start(Some(&ROTATING.replace("PEPPER_IN_ERROR", in_error)));
        let (_dir, book) = text_book([
            "ann@example.org".to_owned(),
            "nobody@example.org".to_owned(),
        ]);
        let (code, results, stderr) = fed.lookup(&book, &[]);
        assert_eq!(code, 0, "pepper_in_error={in_error}: {stderr}");
        assert_eq!(
            by_address(&results, "ann@example.org")["mxid"],
            "@ann:rot.example"
        );
        assert_eq!(
            status(by_address(&results, "nobody@example.org")),
            "not_found"
        );
        let lookups = fed
            .received("rot.example:443")
            .iter()
            .filter(|r| r.path.ends_with("/lookup"))
            .count();
        assert_eq!(lookups, 2, "one refused, one answered");
    }
}

#[test]
fn alternative_peppers_and_the_empty_one() {
    let fed = Fed::start(None);
    let (_, results, _) = fed.lookup(&fixture("contacts.vcf"), &[]);
    assert_eq!(
        by_address(&results, "gustav.strauss@example.com")["status"],
        "found"
    );
    // fed.example lists "" among its alternatives: never sent.
    for r in fed
        .received("fed.example:443")
        .iter()
        .filter(|r| r.path.ends_with("/lookup"))
    {
        let body: Value = serde_json::from_str(&r.body).unwrap();
        assert_ne!(body["pepper"], "", "an empty pepper was sent");
    }
}

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

const TERMS: &str = r#"
[[servers]]
name = "terms.example:443"
start = true
pepper = "p"
associations = [{ medium = "email", address = "ann@example.org", mxid = "@ann:terms.example" }]
[servers.terms.privacy_policy]
version = "1.2"
en = { name = "Privacy Policy", url = "https://terms.example/privacy-1.2.html" }
"#;

#[test]
fn terms_are_reported_without_accept_terms_and_accepted_with_it() {
    let fed = Fed::start(Some(TERMS));
    let (_dir, book) = text_book(["ann@example.org".to_owned()]);
    let (code, results, _) = fed.lookup(&book, &[]);
    assert_eq!(code, 1);
    let reason = results[0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("privacy_policy 1.2")
            && reason.contains("https://terms.example/privacy-1.2.html"),
        "{reason}"
    );
    let (code, results, stderr) = fed.lookup(&book, &["--accept-terms"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(results[0]["mxid"], "@ann:terms.example");
    let accepted = fed.received("terms.example:443").iter().any(|r| {
        r.method == "POST" && r.path.ends_with("/terms") && r.body.contains("privacy-1.2.html")
    });
    assert!(accepted);
}

const PLAINTEXT: &str = r#"
[[servers]]
name = "clear.example:443"
start = true
algorithms = ["none"]
pepper = ""
associations = [{ medium = "email", address = "ann@example.org", mxid = "@ann:clear.example" }]
"#;

#[test]
fn plaintext_only_with_allow_plaintext() {
    let fed = Fed::start(Some(PLAINTEXT));
    let (_dir, book) = text_book(["Ann@Example.org".to_owned()]);
    let (code, results, _) = fed.lookup(&book, &[]);
    assert_eq!(code, 1);
    assert!(
        results[0]["reason"]
            .as_str()
            .unwrap()
            .contains("--allow-plaintext")
    );
    assert!(
        fed.received("clear.example:443")
            .iter()
            .all(|r| !r.body.contains("ann@example.org"))
    );
    let (code, results, stderr) = fed.lookup(&book, &["--allow-plaintext"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(results[0]["mxid"], "@ann:clear.example");
    assert!(stderr.contains("clear text"), "{stderr}");
}

#[test]
fn no_clear_text_and_no_foreign_token_on_the_wire() {
    let fed = Fed::start(None);
    let (_, results, _) = fed.lookup(&fixture("contacts.vcf"), &["-r", "FR"]);
    let addresses: Vec<&str> = results
        .iter()
        .filter_map(|r| r["address"].as_str())
        .collect();
    let hs_token = fed.sandbox.homeserver_token().to_owned();
    let mut tokens_by_server: Vec<(String, std::collections::BTreeSet<String>)> = Vec::new();
    for server in fed.sandbox.servers() {
        let received = fed.received(&server.name);
        for r in &received {
            for a in &addresses {
                assert!(
                    !r.body.contains(a),
                    "{a} reached {} in clear text",
                    server.name
                );
            }
            assert!(
                !r.authorization.as_deref().unwrap_or("").contains(&hs_token),
                "the homeserver token reached {}",
                server.name
            );
        }
        let seen = received
            .iter()
            .filter_map(|r| r.authorization.clone())
            .collect();
        tokens_by_server.push((server.name.clone(), seen));
    }
    for (i, (a, seen_a)) in tokens_by_server.iter().enumerate() {
        for (b, seen_b) in &tokens_by_server[i + 1..] {
            assert!(
                seen_a.is_disjoint(seen_b),
                "a token reached both {a} and {b}"
            );
        }
    }
    assert!(!tokens_by_server.iter().all(|(_, seen)| seen.is_empty()));
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
fn tokens_are_cached_between_runs_in_a_private_file() {
    let fed = Fed::start(None);
    let state = tempfile::tempdir().unwrap();
    let state_dir = state.path().to_string_lossy().into_owned();
    for _ in 0..2 {
        let (code, _, stderr) = crate::support::mxlookup()
            .args(["lookup", &fixture("contacts.vcf"), "-q"])
            .args(fed.args())
            .run_with_env(&[("XDG_STATE_HOME", &state_dir), ("MXLOOKUP_BACKOFF_MS", "0")]);
        assert_eq!(code, 0, "{stderr}");
    }
    for server in ["matrix.example:443", "fed.example:443", "far.example:443"] {
        let registrations = fed
            .received(server)
            .iter()
            .filter(|r| r.path.ends_with("/account/register"))
            .count();
        assert_eq!(
            registrations, 1,
            "{server} registered {registrations} times"
        );
    }
    let file = state.path().join("mxlookup/tokens.json");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn readme_main_command_on_the_sandbox() {
    // README: cargo run --release -- lookup fixtures/contacts.vcf --sandbox
    let (code, stdout, stderr) = crate::support::mxlookup()
        .args(["lookup", "fixtures/contacts.vcf", "--sandbox"])
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

const STRAY: &str = r#"
[[servers]]
name = "stray.example:443"
start = true
pepper = "p"
associations = [{ medium = "email", address = "ann@example.org", mxid = "@ann:stray.example" }]
stray_referrals = { "far.example:443" = ["never-sent-hash-1", "never-sent-hash-2"] }
stray_mappings = { "never-sent-hash-3" = "@mallory:stray.example" }

[[servers]]
name = "far.example:443"
pepper = "q"
"#;

#[test]
fn hashes_the_client_never_sent_are_ignored() {
    let fed = Fed::start(Some(STRAY));
    let (_dir, book) = text_book(["ann@example.org".to_owned(), "bob@example.org".to_owned()]);
    let (code, results, stderr) = fed.lookup(&book, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        by_address(&results, "ann@example.org")["mxid"],
        "@ann:stray.example"
    );
    assert_eq!(status(by_address(&results, "bob@example.org")), "not_found");
    assert!(!results.iter().any(|r| r.to_string().contains("mallory")));
    // Nothing was followed to far.example for hashes nobody sent.
    assert!(fed.received("far.example:443").is_empty());
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

#[test]
fn a_refused_token_is_renewed_through_the_homeserver() {
    let fed = Fed::start(None);
    let (_dir, book) = text_book(["alice@example.com".to_owned()]);
    let (code, results, stderr) =
        fed.lookup(&book, &["--access-token", "not-a-token-of-this-server"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(results[0]["mxid"], "@alice:matrix.example");
    let start = fed.received("matrix.example:443");
    assert!(
        start.iter().any(|r| r.status == 401),
        "the bad token was never refused"
    );
    assert_eq!(
        start
            .iter()
            .filter(|r| r.path.ends_with("/account/register"))
            .count(),
        1
    );
}

#[test]
fn the_given_access_token_is_used_without_registering() {
    let fed = Fed::start(None);
    let token = fed
        .sandbox
        .server("matrix.example:443")
        .unwrap()
        .access_token
        .clone();
    let (_dir, book) = text_book(["alice@example.com".to_owned()]);
    let (code, results, _) = fed.lookup(&book, &["--access-token", &token, "--no-follow"]);
    assert_eq!(code, 0);
    assert_eq!(results[0]["mxid"], "@alice:matrix.example");
    let start = fed.received("matrix.example:443");
    assert!(start.iter().all(|r| !r.path.ends_with("/account/register")));
    assert!(
        start
            .iter()
            .filter_map(|r| r.authorization.as_deref())
            .all(|a| a == format!("Bearer {token}"))
    );
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
    // The first batch (the probe), and the three small batches that may
    // leave beside it while it is out, each tried four times (three
    // retries); nothing after it failed (which would make it 16 more).
    assert!((4..=16).contains(&lookups), "{lookups} lookups");
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
