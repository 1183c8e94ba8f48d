//! Interop suite: the real `mxlookup` binary against the reference identity
//! server, sydent 2.6.1, and a real homeserver, Synapse, both from PyPI, on
//! loopback (ports picked at run time).
//!
//! Run it with `bash tests/interop/run`, which installs both servers, pinned,
//! into `.cache/interop/`, then runs this target. A plain `cargo test` does
//! not build it (`test = false`); when it runs, a missing install or a server
//! that does not start fails every test.
//!
//! One Synapse serves the whole test process (one user, logged in with a
//! password); each test starts its own sydent (`tests/interop/harness.py`
//! configures it and seeds its associations with sydent's own code) and
//! stops it when it ends.

#[path = "interop/support.rs"]
mod support;

#[path = "interop/mail.rs"]
mod mail;

use std::collections::BTreeSet;

use serde_json::{Value, json};
use support::{Home, Interop, Proxy, Sydent, SydentOptions, block_on, interop, post_json};

/// An address book exercising normalisation: mixed-case email, an email only
/// Unicode case folding matches (`ß` → `ss`; SQL `lower()` would not), French
/// numbers in national form (`--region FR`), and misses.
const CONTACTS: &str = "\
BEGIN:VCARD\r
VERSION:3.0\r
FN:Alice Martin\r
EMAIL;TYPE=work:Alice.Martin@Example.ORG\r
TEL;TYPE=cell:06 12 34 56 78\r
END:VCARD\r
BEGIN:VCARD\r
VERSION:3.0\r
FN:Gustav Strauß\r
EMAIL:Strauß@Example.com\r
END:VCARD\r
BEGIN:VCARD\r
VERSION:3.0\r
FN:Chloé Bernard\r
TEL;TYPE=work:01 42 68 53 00\r
EMAIL:chloe@example.net\r
END:VCARD\r
BEGIN:VCARD\r
VERSION:3.0\r
FN:Hana Kobayashi\r
EMAIL:hana@example.org\r
TEL:06 23 45 67 89\r
END:VCARD\r
";

/// A Matrix ID on the suite's Synapse.
fn mxid(interop: &Interop, local: &str) -> String {
    format!("@{local}:{}", interop.hs_server_name)
}

/// Seeds what [`CONTACTS`] should find (as sydent's bind would store it).
fn seed_contacts(interop: &Interop, sydent: &Sydent) -> Value {
    sydent.seed(&[
        ("email", "alice.martin@example.org", &mxid(interop, "alice")),
        ("email", "Strauß@Example.com", &mxid(interop, "gustav")),
        ("msisdn", "33612345678", &mxid(interop, "alice")),
        ("msisdn", "33142685300", &mxid(interop, "chloe")),
    ])
}

/// What a lookup of [`CONTACTS`] answers: (input, normalised address,
/// status, local part of the Matrix ID).
const CONTACTS_ANSWERS: [(&str, &str, &str, Option<&str>); 7] = [
    (
        "Alice.Martin@Example.ORG",
        "alice.martin@example.org",
        "found",
        Some("alice"),
    ),
    ("06 12 34 56 78", "33612345678", "found", Some("alice")),
    (
        "Strauß@Example.com",
        "strauss@example.com",
        "found",
        Some("gustav"),
    ),
    ("01 42 68 53 00", "33142685300", "found", Some("chloe")),
    ("chloe@example.net", "chloe@example.net", "not_found", None),
    ("hana@example.org", "hana@example.org", "not_found", None),
    ("06 23 45 67 89", "33623456789", "not_found", None),
];

/// Asserts a run over [`CONTACTS`] answered [`CONTACTS_ANSWERS`], each
/// through `via`.
fn assert_contacts_answered(interop: &Interop, run: &support::Run, via: &[&str]) {
    run.expect_code(0);
    assert_eq!(
        run.results().len(),
        CONTACTS_ANSWERS.len(),
        "{}",
        run.describe()
    );
    for (input, address, status, local) in CONTACTS_ANSWERS {
        let r = run.result(input);
        let expected_mxid = local.map(|l| mxid(interop, l));
        assert_eq!(r["address"], address, "{r}");
        assert_eq!(r["status"], status, "{r}\n{}", run.describe());
        assert_eq!(r["mxid"].as_str(), expected_mxid.as_deref(), "{r}");
        assert_eq!(r["via"], json!(via), "{r}");
    }
}

/// `lookup FILE -s URL --homeserver … --hs-token … -r FR -f ndjson EXTRA…`.
fn lookup_args(
    interop: &Interop,
    file: &std::path::Path,
    server: &str,
    extra: &[&str],
) -> Vec<String> {
    let mut args = vec![
        "lookup".to_owned(),
        file.display().to_string(),
        "-s".into(),
        server.into(),
    ];
    args.extend(interop.hs_args());
    args.extend(["-r", "FR", "-f", "ndjson"].map(String::from));
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// Must show 1: the full OpenID path. mxlookup gets an OpenID token from
/// Synapse, registers at sydent with it (sydent verifies it against
/// Synapse's federation API over TLS), and finds what sydent's bind stored.
#[test]
fn openid_registration_finds_seeded_associations() {
    let Some(interop) = interop("openid_registration_finds_seeded_associations") else {
        return;
    };
    let sydent = Sydent::start(interop, SydentOptions::default());
    let seeded = seed_contacts(interop, &sydent);
    // sydent case-folds emails when it binds them: `ß` is stored as `ss`.
    assert_eq!(seeded["associations"][1]["address"], "strauss@example.com");
    assert_eq!(sydent.count("SELECT COUNT(*) FROM accounts", &[]), 0);

    let home = Home::new();
    let book = home.write("contacts.vcf", CONTACTS);
    let run = home.run(&lookup_args(interop, &book, &sydent.url, &[]));
    assert_contacts_answered(interop, &run, &[&sydent.url]);

    // It registered by itself, as the Synapse user: sydent has exactly that
    // account and one token for it, from one successful registration.
    let accounts = sydent.sql("SELECT user_id FROM accounts", &[]);
    assert_eq!(accounts, vec![vec![json!(interop.user_id)]]);
    let tokens = sydent.tokens();
    assert_eq!(tokens.len(), 1, "{tokens:?}");
    assert_eq!(tokens[0].0, interop.user_id);
    assert_eq!(
        sydent.statuses("POST", "/_matrix/identity/v2/account/register"),
        [200]
    );
    // To accept the OpenID token, sydent called Synapse's federation listener.
    let called = format!("Connecting to {}", interop.hs_server_name);
    assert!(sydent.log().contains(&called), "{}", sydent.log());
    assert!(
        sydent
            .statuses("POST", "/_matrix/identity/v2/lookup")
            .iter()
            .all(|&s| s == 200)
    );
}

/// Must show 2: the IS token cache. A second run with the same
/// `XDG_STATE_HOME` uses the cached token and does not register again; a run
/// with an empty state does (which shows the count would have moved).
#[test]
fn token_cache_avoids_a_second_registration() {
    let Some(interop) = interop("token_cache_avoids_a_second_registration") else {
        return;
    };
    let sydent = Sydent::start(interop, SydentOptions::default());
    seed_contacts(interop, &sydent);
    let home = Home::new();
    let book = home.write("contacts.vcf", CONTACTS);
    let args = lookup_args(interop, &book, &sydent.url, &[]);

    assert_contacts_answered(interop, &home.run(&args), &[&sydent.url]);
    let issued = sydent.tokens();
    assert_eq!(issued.len(), 1, "{issued:?}");
    // The cache holds the token sydent issued, readable by its owner only.
    let cache = std::fs::read_to_string(home.token_cache()).expect("tokens.json written");
    assert!(
        cache.contains(&issued[0].1),
        "tokens.json does not hold sydent's token: {cache}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(home.token_cache())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "tokens.json mode {mode:o}");
    }

    assert_contacts_answered(interop, &home.run(&args), &[&sydent.url]);
    assert_eq!(sydent.tokens(), issued, "the second run registered again");
    assert_eq!(
        sydent.statuses("POST", "/_matrix/identity/v2/account/register"),
        [200]
    );
    assert_eq!(sydent.count("SELECT COUNT(*) FROM accounts", &[]), 1);

    let fresh = Home::new();
    let book = fresh.write("contacts.vcf", CONTACTS);
    assert_contacts_answered(
        interop,
        &fresh.run(&lookup_args(interop, &book, &sydent.url, &[])),
        &[&sydent.url],
    );
    assert_eq!(
        sydent.tokens().len(),
        2,
        "a run without the cache registers"
    );
}

/// Must show 3 (between runs): sydent picks a new pepper (its
/// `hashing_metadata` row deleted, restarted: it rehashes everything); the
/// next run, with the token cached before the restart, still finds
/// everything, with the new pepper, without registering again.
#[test]
fn pepper_rotation_between_runs_with_a_cached_token() {
    let Some(interop) = interop("pepper_rotation_between_runs_with_a_cached_token") else {
        return;
    };
    let mut sydent = Sydent::start(interop, SydentOptions::default());
    seed_contacts(interop, &sydent);
    let home = Home::new();
    let book = home.write("contacts.vcf", CONTACTS);
    let proxy = Proxy::start(&sydent.url, false);
    let args = lookup_args(interop, &book, &proxy.url, &[]);

    assert_contacts_answered(interop, &home.run(&args), &[&proxy.url]);
    let issued = sydent.tokens();
    let (old, new) = sydent.rotate_pepper();
    // sydent rehashed its associations with the new pepper.
    let stored = sydent.sql(
        "SELECT lookup_hash FROM global_threepid_associations WHERE address = ?",
        &["strauss@example.com"],
    );
    let expected = hash(&home, "strauss@example.com", &new);
    assert_eq!(stored, vec![vec![json!(expected)]]);

    let before = proxy.lookups().len();
    assert_contacts_answered(interop, &home.run(&args), &[&proxy.url]);
    assert_eq!(
        sydent.tokens(),
        issued,
        "registered again after the restart"
    );
    let second: Vec<_> = proxy.lookups().into_iter().skip(before).collect();
    assert!(!second.is_empty());
    for exchange in &second {
        assert_eq!(exchange.request_json()["pepper"], new, "{exchange:?}");
        assert_eq!(exchange.status, 200, "{exchange:?}");
    }
    assert!(
        proxy.lookups()[..before]
            .iter()
            .all(|e| e.request_json()["pepper"] == old)
    );
}

/// Must show 3 (during a run): the first lookup is held at a proxy while
/// sydent rotates its pepper behind it; released, it meets sydent's real
/// 400 `M_INVALID_PEPPER` (which names the new pepper), and mxlookup
/// rehashes and asks again: every answer is still right.
#[test]
fn pepper_rotation_during_a_run_recovers_from_invalid_pepper() {
    let Some(interop) = interop("pepper_rotation_during_a_run_recovers_from_invalid_pepper") else {
        return;
    };
    let mut sydent = Sydent::start(interop, SydentOptions::default());
    seed_contacts(interop, &sydent);
    let home = Home::new();
    let book = home.write("contacts.vcf", CONTACTS);
    let (proxy, mut gate) = Proxy::gated(&sydent.url);

    let pending = home.spawn(&lookup_args(interop, &book, &proxy.url, &[]));
    gate.arrived
        .recv_timeout(std::time::Duration::from_secs(120))
        .expect("mxlookup sent no lookup");
    let (old, new) = sydent.rotate_pepper();
    gate.release();
    let run = pending.wait();
    assert_contacts_answered(interop, &run, &[&proxy.url]);

    let lookups = proxy.lookups();
    let refused = &lookups[0];
    assert_eq!(refused.request_json()["pepper"], old, "{refused:?}");
    assert_eq!(refused.status, 400, "{refused:?}");
    let error = refused.response_json();
    assert_eq!(error["errcode"], "M_INVALID_PEPPER", "{error}");
    assert_eq!(error["lookup_pepper"], new, "{error}");
    let retried: Vec<_> = lookups[1..].iter().filter(|e| e.status == 200).collect();
    assert!(!retried.is_empty(), "{lookups:?}");
    assert!(
        retried.iter().all(|e| e.request_json()["pepper"] == new),
        "{lookups:?}"
    );
}

/// A text address book of `n` emails, one in `every` held by sydent.
fn bulk_book(
    interop: &Interop,
    sydent: &Sydent,
    n: usize,
    every: usize,
) -> (String, Vec<(String, String)>) {
    let mut text = String::with_capacity(n * 32);
    let mut held = Vec::new();
    for i in 0..n {
        let input = format!("Contact{i:05}@Bulk.Example");
        text.push_str(&input);
        text.push('\n');
        if i % every == 0 {
            held.push((input, mxid(interop, &format!("bulk{i}"))));
        }
    }
    let seeds: Vec<(String, String)> = held
        .iter()
        .map(|(input, m)| (input.to_lowercase(), m.clone()))
        .collect();
    let seeds: Vec<(&str, &str, &str)> = seeds
        .iter()
        .map(|(a, m)| ("email", a.as_str(), m.as_str()))
        .collect();
    sydent.seed(&seeds);
    (text, held)
}

/// Asserts a run over a bulk book answered every address definitely, and
/// found exactly what sydent holds.
fn assert_bulk_answered(run: &support::Run, n: usize, held: &[(String, String)]) {
    run.expect_code(0);
    let results = run.results();
    assert_eq!(results.len(), n, "one result per address");
    #[allow(clippy::disallowed_types)] // an index, never serialised
    let held: std::collections::HashMap<&str, &str> =
        held.iter().map(|(i, m)| (i.as_str(), m.as_str())).collect();
    let mut found = 0;
    for r in &results {
        let input = r["input"].as_str().expect("input");
        match held.get(input) {
            Some(m) => {
                assert_eq!(r["status"], "found", "{r}");
                assert_eq!(r["mxid"], *m, "{r}");
                found += 1;
            }
            None => assert_eq!(r["status"], "not_found", "{r}"),
        }
    }
    assert_eq!(found, held.len());
}

/// Must show 4: 25,000 addresses against sydent's default limits (10,000
/// addresses a lookup; a body over 512 KiB gets the connection reset): every
/// address is answered, no request failed, none went over a limit, and the
/// batches did grow well past the first 100.
#[test]
fn large_address_book_within_sydent_limits() {
    let Some(interop) = interop("large_address_book_within_sydent_limits") else {
        return;
    };
    let sydent = Sydent::start(interop, SydentOptions::default());
    let n = 25_000;
    let (book, held) = bulk_book(interop, &sydent, n, 500);
    let home = Home::new();
    let file = home.write("bulk.txt", &book);
    let proxy = Proxy::start(&sydent.url, false);
    let run = home.run(&lookup_args(interop, &file, &proxy.url, &[]));
    assert_bulk_answered(&run, n, &held);

    let lookups = proxy.lookups();
    assert!(lookups.iter().all(|e| e.status == 200), "{lookups:?}");
    assert!(lookups.iter().all(|e| e.request.len() < 512 << 10));
    let batches: Vec<usize> = lookups
        .iter()
        .map(|e| e.request_json()["addresses"].as_array().map_or(0, Vec::len))
        .collect();
    assert!(batches.iter().all(|&b| b <= 10_000), "{batches:?}");
    assert!(batches.iter().any(|&b| b > 1000), "{batches:?}");
    // sydent's side: it processed every address once, in those requests.
    let sizes = sydent.lookup_sizes();
    assert_eq!(sizes.len(), batches.len());
    assert_eq!(
        sizes.iter().sum::<usize>(),
        n,
        "each address asked once: {sizes:?}"
    );
}

/// Must show 4, with a limit mxlookup's batches do outgrow: sydent with
/// `address_lookup_limit = 1000` answers 400 `M_TOO_LARGE`; mxlookup shrinks
/// its batches, re-sends what was refused, and answers every address.
#[test]
fn large_address_book_shrinks_batches_on_m_too_large() {
    let Some(interop) = interop("large_address_book_shrinks_batches_on_m_too_large") else {
        return;
    };
    let limit = 1000;
    let sydent = Sydent::start(
        interop,
        SydentOptions {
            lookup_limit: Some(limit),
            ..SydentOptions::default()
        },
    );
    let n = 25_000;
    let (book, held) = bulk_book(interop, &sydent, n, 500);
    let home = Home::new();
    let file = home.write("bulk.txt", &book);
    let proxy = Proxy::start(&sydent.url, false);
    let run = home.run(&lookup_args(interop, &file, &proxy.url, &[]));
    assert_bulk_answered(&run, n, &held);

    let lookups = proxy.lookups();
    let too_large: Vec<_> = lookups.iter().filter(|e| e.status == 400).collect();
    assert!(
        !too_large.is_empty(),
        "mxlookup never went over the limit: the test tests nothing"
    );
    for e in &too_large {
        assert_eq!(e.response_json()["errcode"], "M_TOO_LARGE", "{e:?}");
        assert!(e.request_json()["addresses"].as_array().unwrap().len() > limit as usize);
    }
    assert!(
        lookups.iter().all(|e| e.status == 200 || e.status == 400),
        "{lookups:?}"
    );
    let sizes = sydent.lookup_sizes();
    assert!(sizes.iter().all(|&s| s <= limit as usize), "{sizes:?}");
    assert_eq!(
        sizes.iter().sum::<usize>(),
        n,
        "every address asked once, once accepted"
    );
}

/// Must show 5: sydent with terms of service. Without `--accept-terms` every
/// address ends in `error` naming the policy and its URL, and nothing is
/// accepted; with it, mxlookup accepts, sydent records the acceptance, and
/// the lookup succeeds.
#[test]
fn terms_are_reported_then_accepted() {
    let Some(interop) = interop("terms_are_reported_then_accepted") else {
        return;
    };
    let sydent = Sydent::start(
        interop,
        SydentOptions {
            terms: true,
            ..SydentOptions::default()
        },
    );
    seed_contacts(interop, &sydent);
    let url = "https://sydent.interop/terms/privacy-en-1.0.html";
    let home = Home::new();
    let book = home.write("contacts.vcf", CONTACTS);

    let refused = home.run(&lookup_args(interop, &book, &sydent.url, &[]));
    refused.expect_code(1);
    for r in refused.results() {
        assert_eq!(r["status"], "error", "{r}");
        let reason = r["reason"].as_str().expect("a reason");
        assert!(reason.contains("privacy_policy"), "{reason}");
        assert!(reason.contains(url), "{reason}");
    }
    assert!(
        sydent
            .statuses("GET", "/_matrix/identity/v2/hash_details")
            .contains(&403)
    );
    assert_eq!(
        sydent.count("SELECT COUNT(*) FROM accepted_terms_urls", &[]),
        0
    );

    let accepted = home.run(&lookup_args(
        interop,
        &book,
        &sydent.url,
        &["--accept-terms"],
    ));
    assert_contacts_answered(interop, &accepted, &[&sydent.url]);
    let rows = sydent.sql("SELECT user_id, url FROM accepted_terms_urls", &[]);
    assert_eq!(rows, vec![vec![json!(interop.user_id), json!(url)]]);
    let consent = sydent.sql("SELECT consent_version FROM accounts", &[]);
    assert_eq!(consent, vec![vec![json!("1.0")]]);
}

/// `mxlookup hash ADDRESS --algorithm none` (the clear-text form).
fn plaintext_form(home: &Home, input: &str) -> String {
    let run = home.run(&["hash", input, "--algorithm", "none", "-r", "FR"]);
    run.expect_code(0);
    run.stdout.trim().to_owned()
}

/// `mxlookup hash ADDRESS --pepper P`.
fn hash(home: &Home, input: &str, pepper: &str) -> String {
    let run = home.run(&["hash", input, "--pepper", pepper, "-r", "FR"]);
    run.expect_code(0);
    run.stdout.trim().to_owned()
}

/// Must show 6: the `none` algorithm. sydent always offers `sha256` and
/// `none`: mxlookup sends sha256 hashes to it, `--allow-plaintext` or not
/// (checked on the wire, through a recording proxy). sydent cannot be made
/// to offer `none` alone, so a proxy edits its `hash_details` to say so
/// (lookups are still answered by sydent, unchanged): then mxlookup refuses
/// without `--allow-plaintext`, sending nothing, and with it sends the clear
/// text forms `mxlookup hash --algorithm none` prints, which sydent answers.
#[test]
fn none_algorithm_only_with_allow_plaintext() {
    let Some(interop) = interop("none_algorithm_only_with_allow_plaintext") else {
        return;
    };
    let sydent = Sydent::start(interop, SydentOptions::default());
    seed_contacts(interop, &sydent);
    let home = Home::new();
    let book = home.write("contacts.vcf", CONTACTS);
    let inputs: Vec<&str> = CONTACTS_ANSWERS.iter().map(|a| a.0).collect();
    let forms: BTreeSet<String> = inputs.iter().map(|i| plaintext_form(&home, i)).collect();
    assert!(forms.contains("strauss@example.com email"), "{forms:?}");
    assert!(forms.contains("33612345678 msisdn"), "{forms:?}");

    // sydent as it is (sha256 and none): hashes only, even when allowed.
    let both = Proxy::start(&sydent.url, false);
    let run = home.run(&lookup_args(
        interop,
        &book,
        &both.url,
        &["--allow-plaintext"],
    ));
    assert_contacts_answered(interop, &run, &[&both.url]);
    assert!(!both.lookups().is_empty());
    for exchange in both.exchanges() {
        if exchange.path.ends_with("/lookup") {
            assert_eq!(
                exchange.request_json()["algorithm"],
                "sha256",
                "{exchange:?}"
            );
        }
        for form in &forms {
            let address = form.split(' ').next().unwrap();
            assert!(
                !exchange.request.contains(address),
                "{address} sent in clear: {exchange:?}"
            );
        }
    }

    // sydent offering `none` only: refused, and nothing sent.
    let none_only = Proxy::start(&sydent.url, true);
    let refused = home.run(&lookup_args(interop, &book, &none_only.url, &[]));
    refused.expect_code(1);
    for r in refused.results() {
        assert_eq!(r["status"], "error", "{r}");
        let reason = r["reason"].as_str().expect("a reason");
        assert!(
            reason.contains("none") && reason.contains("--allow-plaintext"),
            "{reason}"
        );
    }
    assert!(
        none_only.lookups().is_empty(),
        "addresses were sent: {:?}",
        none_only.lookups()
    );

    // Allowed: the clear-text forms, answered by sydent keyed by them.
    let allowed = home.run(&lookup_args(
        interop,
        &book,
        &none_only.url,
        &["--allow-plaintext"],
    ));
    assert_contacts_answered(interop, &allowed, &[&none_only.url]);
    let mut sent = BTreeSet::new();
    for exchange in none_only.lookups() {
        assert_eq!(exchange.status, 200, "{exchange:?}");
        let body = exchange.request_json();
        assert_eq!(body["algorithm"], "none", "{exchange:?}");
        assert_eq!(body["pepper"], sydent.pepper(), "{exchange:?}");
        for a in body["addresses"].as_array().expect("addresses") {
            sent.insert(a.as_str().expect("a string").to_owned());
        }
    }
    assert_eq!(sent, forms);

    // And sydent itself, asked directly: its `none` answers are keyed by the
    // form it stores, which is what `mxlookup hash --algorithm none` gives.
    // Asked with another ASCII case it still answers, under its own form; an
    // unfolded `ß` it does not match at all (SQL `lower()`, not casefold):
    // only the folded form finds it.
    let token = &sydent.tokens()[0].1;
    let lookup = format!("{}/_matrix/identity/v2/lookup", sydent.url);
    let strauss = plaintext_form(&home, "Strauß@Example.com");
    let addresses = json!([
        strauss,
        "Alice.Martin@EXAMPLE.org email",
        "Strauß@Example.com email"
    ]);
    let body = json!({"algorithm": "none", "pepper": sydent.pepper(), "addresses": addresses});
    let (status, answer) = post_json(&lookup, token, &body);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["mappings"],
        json!({
            "strauss@example.com email": mxid(interop, "gustav"),
            "alice.martin@example.org email": mxid(interop, "alice"),
        })
    );
}

/// Must show 7: `mxlookup trace` against sydent shows the hop with sydent's
/// pepper (the one in its database) and the hash sent (the one sydent's bind
/// stored).
#[test]
fn trace_shows_sydent_pepper_and_hash() {
    let Some(interop) = interop("trace_shows_sydent_pepper_and_hash") else {
        return;
    };
    let sydent = Sydent::start(interop, SydentOptions::default());
    let seeded = seed_contacts(interop, &sydent);
    let pepper = sydent.pepper();
    assert_eq!(seeded["pepper"], pepper);
    let stored = seeded["associations"][1]["lookup_hash"]
        .as_str()
        .unwrap()
        .to_owned();
    let home = Home::new();
    let mut args = vec![
        "trace".to_owned(),
        "Strauß@Example.com".into(),
        "-s".into(),
        sydent.url.clone(),
    ];
    args.extend(interop.hs_args());

    let mut json_args = args.clone();
    json_args.extend(["-f".to_owned(), "json".to_owned()]);
    let run = home.run(&json_args);
    run.expect_code(0);
    let trace = run.json();
    assert_eq!(trace["status"], "found", "{trace}");
    assert_eq!(trace["address"], "strauss@example.com");
    assert_eq!(trace["via"], json!([sydent.url]));
    let hops = trace["hops"].as_array().expect("hops");
    assert_eq!(hops.len(), 1, "{trace}");
    let hop = &hops[0];
    assert_eq!(hop["server"], sydent.url);
    assert_eq!(hop["algorithm"], "sha256");
    assert_eq!(hop["lookup_pepper"], pepper);
    assert_eq!(hop["sent"], json!([{"pepper": pepper, "key": stored}]));
    assert_eq!(hop["answer"], "found");
    assert_eq!(hop["detail"], mxid(interop, "gustav"));

    let table = home.run(&args);
    table.expect_code(0);
    assert!(
        table.stdout.contains(&format!("pepper {pepper}")),
        "{}",
        table.describe()
    );
    assert!(table.stdout.contains(&stored), "{}", table.describe());
    assert!(
        table.stdout.contains(&mxid(interop, "gustav")),
        "{}",
        table.describe()
    );
}

/// Must show 8: a referral chain that leaves the sandbox for sydent. sydent
/// has no MSC4004, so the sandbox's server (tests/interop/federation.toml)
/// is the start server and refers addresses to `sydent.example:443`, which
/// `--resolve` maps to the real sydent. Outside `--allow-server`, the
/// referral is `unfollowed`; allowed, mxlookup registers at sydent through Synapse (its
/// own token, never shown to the sandbox) and finds what only sydent holds.
#[test]
fn referral_chain_leaves_the_sandbox_for_sydent() {
    use mxlookup::sandbox::{Federation, HOMESERVER, Sandbox};

    let Some(interop) = interop("referral_chain_leaves_the_sandbox_for_sydent") else {
        return;
    };
    let sydent = Sydent::start(interop, SydentOptions::default());
    sydent.seed(&[
        (
            "email",
            "Carol@Sydent-Only.example",
            &mxid(interop, "carol"),
        ),
        ("msisdn", "33142685300", &mxid(interop, "chloe")),
    ]);
    let federation_file =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/federation.toml");
    let federation = Federation::load(&federation_file).expect("federation.toml");
    let sandbox = block_on(Sandbox::start(federation)).expect("sandbox starts");
    let front = sandbox.server("front.interop:443").expect("front server");
    let front_url = front.url.as_str().trim_end_matches('/').to_owned();

    let home = Home::new();
    let book = home.write(
        "referred.txt",
        "dana@front.example\nCarol@Sydent-Only.example\n01 42 68 53 00\nghost@sydent-only.example\n",
    );
    let base = [
        "--access-token".to_owned(),
        front.access_token.clone(),
        "--resolve".into(),
        format!("sydent.example:443={}", sydent.url),
    ];
    let mut args = lookup_args(interop, &book, &front_url, &[]);
    args.extend(base.iter().cloned());

    // Not in the allowed servers: left, naming sydent, which is asked nothing.
    let mut elsewhere = args.clone();
    elsewhere.extend(["--allow-server".to_owned(), "*.trusted.example".to_owned()]);
    let run = home.run(&elsewhere);
    run.expect_code(0);
    for input in [
        "Carol@Sydent-Only.example",
        "01 42 68 53 00",
        "ghost@sydent-only.example",
    ] {
        let r = run.result(input);
        assert_eq!(r["status"], "unfollowed", "{r}");
        assert!(
            r["reason"].as_str().unwrap().contains("sydent.example:443"),
            "{r}"
        );
        assert_eq!(r["via"], json!([front_url]), "{r}");
    }
    assert_eq!(run.result("dana@front.example")["status"], "found");
    assert!(sydent.lookup_sizes().is_empty());
    assert_eq!(sydent.count("SELECT COUNT(*) FROM accounts", &[]), 0);

    args.extend(["--allow-server".to_owned(), "sydent.example:443".to_owned()]);
    let run = home.run(&args);
    run.expect_code(0);
    let chain = json!([front_url, "sydent.example:443"]);
    let expect = [
        (
            "dana@front.example",
            "found",
            Some("@dana:front.example".to_owned()),
            json!([front_url]),
        ),
        (
            "Carol@Sydent-Only.example",
            "found",
            Some(mxid(interop, "carol")),
            chain.clone(),
        ),
        (
            "01 42 68 53 00",
            "found",
            Some(mxid(interop, "chloe")),
            chain.clone(),
        ),
        (
            "ghost@sydent-only.example",
            "not_found",
            None,
            chain.clone(),
        ),
    ];
    for (input, status, m, via) in expect {
        let r = run.result(input);
        assert_eq!(r["status"], status, "{r}\n{}", run.describe());
        assert_eq!(r["mxid"].as_str(), m.as_deref(), "{r}");
        assert_eq!(r["via"], via, "{r}");
    }

    // sydent was asked about the three referred addresses only, by the
    // Synapse user, who registered there through OpenID.
    assert_eq!(sydent.lookup_sizes().iter().sum::<usize>(), 3);
    assert_eq!(
        sydent.sql("SELECT user_id FROM accounts", &[]),
        vec![vec![json!(interop.user_id)]]
    );
    // Tokens stay with their issuers: the sandbox saw only its own, and its
    // homeserver stub was never asked (OpenID came from Synapse).
    let sydent_tokens: Vec<String> = sydent.tokens().into_iter().map(|(_, t)| t).collect();
    for request in sandbox.requests("front.interop:443") {
        if let Some(auth) = &request.authorization {
            assert_eq!(
                auth,
                &format!("Bearer {}", front.access_token),
                "{request:?}"
            );
        }
        for token in &sydent_tokens {
            assert!(!request.body.contains(token.as_str()), "{request:?}");
        }
    }
    assert!(sandbox.requests(HOMESERVER).is_empty());
}

/// Must show (issue 5): bind → lookup on Synapse and sydent. sydent mails a
/// token to the SMTP sink; mxlookup gives it back on stdin; Synapse binds
/// the session on sydent (over https, through a TLS front); mxlookup checks
/// sydent's signed association with sydent's published key; another user's
/// lookup finds the new association; unbinding through Synapse (signed with
/// its federation key, which sydent checks) removes it.
#[test]
fn bind_through_synapse_then_another_user_finds_it() {
    use std::io::Write as _;
    use std::time::Duration;

    let Some(interop) = interop("bind_through_synapse_then_another_user_finds_it") else {
        return;
    };
    let smtp = mail::SmtpSink::start();
    let sydent = Sydent::start(
        interop,
        SydentOptions {
            smtp_port: Some(smtp.port),
            ..SydentOptions::default()
        },
    );
    let front = mail::TlsFront::start(interop, &sydent.url);
    let ca = mail::TlsFront::ca_cert(interop);
    let address = "bound.user@example.org";

    let home = Home::new();
    let mut args: Vec<String> = vec![
        "bind".into(),
        "email".into(),
        "Bound.User@Example.ORG".into(),
        "-s".into(),
        front.url(),
        "--ca-cert".into(),
        ca.display().to_string(),
        "-f".into(),
        "json".into(),
    ];
    args.extend(interop.hs_args());
    let (pending, mut stdin) = home.spawn_with_stdin(&args);
    let token = smtp.token_for(address, Duration::from_secs(60));
    stdin.write_all(format!("{token}\n").as_bytes()).unwrap();
    drop(stdin);
    let run = pending.wait();
    run.expect_code(0);
    let report = run.json();
    assert_eq!(report["address"], address, "{}", run.describe());
    assert_eq!(report["mxid"], interop.user_id.as_str());
    assert_eq!(report["id_server"], format!("127.0.0.1:{}", front.port));
    assert_eq!(report["verified"], true, "{}", run.describe());
    assert_eq!(report["signatures"][0]["server"], "sydent.interop");
    assert_eq!(report["signatures"][0]["key_id"], "ed25519:0");
    assert_eq!(smtp.mails().len(), 1, "one mail");

    // sydent holds it, and Synapse recorded where it is bound.
    assert_eq!(
        sydent.count(
            "SELECT COUNT(*) FROM local_threepid_associations WHERE address = ? AND mxid = ?",
            &[address, &interop.user_id],
        ),
        1
    );

    // Another user of the homeserver looks it up and finds it.
    let (_, other_token) = interop.new_user(&format!("finder{}", fastrand::u32(..)));
    let book = home.write("bound.txt", "Bound.User@Example.ORG\nnobody@example.org\n");
    let lookup = |token: &str| {
        Home::new().run(&[
            "lookup",
            &book.display().to_string(),
            "-s",
            &sydent.url,
            "--homeserver",
            &interop.hs_url,
            "--hs-token",
            token,
            "-f",
            "ndjson",
        ])
    };
    let run = lookup(&other_token);
    run.expect_code(0);
    let found = run.result("Bound.User@Example.ORG");
    assert_eq!(found["status"], "found", "{}", run.describe());
    assert_eq!(found["mxid"], interop.user_id.as_str());
    assert_eq!(run.result("nobody@example.org")["status"], "not_found");

    // Unbind through Synapse. sydent 2.6.1 cannot check Synapse's signed
    // request (it puts the request's method and URI into the signed JSON as
    // bytes, which canonicaljson refuses: a TypeError, answered 500), so
    // Synapse reports a failure and sydent keeps the association. mxlookup
    // must say so, exit 1, and not claim success.
    let mut unbind: Vec<String> = vec!["unbind".into(), "email".into(), address.into()];
    unbind.extend(interop.hs_args());
    let run = home.run(&unbind);
    run.expect_code(1);
    assert!(
        run.stderr
            .contains("error: unbinding through the homeserver")
            && run
                .stderr
                .contains("/_matrix/client/v3/account/3pid/unbind"),
        "{}",
        run.describe()
    );
    assert!(
        sydent
            .log()
            .contains("Exception whilst authenticating unbind request")
    );
    assert_eq!(
        lookup(&other_token).result("Bound.User@Example.ORG")["status"],
        "found"
    );
}
