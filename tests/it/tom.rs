//! ToM-server's answers, as measured (design.md, section 1), emulated by
//! the sandbox's knobs and met through the binary: a plain ToM identity
//! server's 400 "Invalid Param" past 100 addresses, as a start server and
//! as a referred one; the federated identity server's "Adresses limit of
//! 100 exceeded" and its 500 past a 100 KB body; the requests a first and
//! a second run cost (learned limits kept beside the token cache); the 429
//! with a long `Retry-After`, in seconds and as an HTTP date.

use std::path::Path;

use serde_json::Value;

use crate::common::{Fed, text_book};
use crate::support::mxlookup_in;

/// A plain ToM identity server named `name`: sha256 only, a 32-character
/// pepper never checked, 100 addresses a lookup refused as "Invalid
/// Param"; `more` adds knobs and associations.
fn plain(name: &str, start: bool, more: &str) -> String {
    format!(
        r#"
[[servers]]
name = "{name}"
start = {start}
pepper = "TomCurrentPepper0123456789abcdef"
alt_peppers = [""]
check_pepper = false
address_limit = 100
limit_style = "invalid_param_plain"
{more}
"#
    )
}

/// A sydent-like start server referring `referred` to `to`.
fn referring(referred: &[String], to: &str) -> String {
    let mut toml = String::from(
        r#"
[[servers]]
name = "start.example:443"
start = true
pepper = "m4Trx"
address_limit = 10000
max_body_bytes = 524288
referrals = [
"#,
    );
    for address in referred {
        toml.push_str(&format!(
            "  {{ medium = \"email\", address = \"{address}\", server = \"{to}\" }},\n"
        ));
    }
    toml.push_str("]\n");
    toml
}

fn book(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("user{i}@tom.example")).collect()
}

/// `associations = [...]` mapping each of `addresses` to a Matrix ID.
fn associations(addresses: &[&str]) -> String {
    let mut toml = String::from("associations = [\n");
    for address in addresses {
        let local = address.split('@').next().unwrap();
        toml.push_str(&format!(
            "  {{ medium = \"email\", address = \"{address}\", mxid = \"@{local}:tom.example\" }},\n"
        ));
    }
    toml.push_str("]\n");
    toml
}

/// Each lookup `server` received: (addresses sent, status answered; 0 for
/// no answer).
fn lookups(fed: &Fed, server: &str) -> Vec<(usize, u16)> {
    fed.received(server)
        .iter()
        .filter(|r| r.path.ends_with("/identity/v2/lookup"))
        .map(|r| {
            let body: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
            let sent = body["addresses"].as_array().map_or(0, Vec::len);
            (sent, r.status)
        })
        .collect()
}

/// Every address of `book` has exactly one result, found (with the Matrix
/// ID its association gives) or not found.
fn all_answered(results: &[Value], book: &[String], found: &[&str]) {
    assert_eq!(results.len(), book.len());
    for (r, address) in results.iter().zip(book) {
        assert_eq!(r["input"], address.as_str());
        let status = r["status"].as_str().unwrap();
        if found.contains(&address.as_str()) {
            let local = address.split('@').next().unwrap();
            assert_eq!(status, "found", "{address}: {r}");
            assert_eq!(r["mxid"], format!("@{local}:tom.example"), "{address}");
        } else {
            assert_eq!(status, "not_found", "{address}: {r}");
        }
    }
}

/// No batch refused for its size was sent again at that size.
fn never_resent_as_refused(sent: &[(usize, u16)]) {
    for (at, &(size, status)) in sent.iter().enumerate() {
        if status != 200 {
            assert!(
                !sent[at + 1..].iter().any(|&(s, _)| s == size),
                "a batch of {size} refused ({status}) was sent again at that size: {sent:?}"
            );
        }
    }
}

/// ToM's federated identity server as measured: at most 100 addresses a
/// lookup (said as "Adresses limit of 100 exceeded"), and a body over its
/// parser's 100 KB answered 500; it never checks the pepper.
const FEDERATED_TOM: &str = r#"
[[servers]]
name = "fed.example:443"
start = true
pepper = "FedCurrentPepper0123456789abcdef"
check_pepper = false
address_limit = 100
limit_style = "invalid_param"
body_limit_500 = 102400
"#;

#[test]
fn plain_tom_start_server_answers_150_addresses() {
    let book = book(150);
    let found = ["user7@tom.example", "user149@tom.example"];
    let fed = Fed::start(Some(&plain("tom.example:443", true, &associations(&found))));
    let (_dir, file) = text_book(book.clone());
    let (code, results, stderr) = fed.lookup(&file, &[]);
    assert_eq!(code, 0, "{stderr}");
    all_answered(&results, &book, &found);
    // 150 refused once, then 100 and 50; "Invalid Param" taken for what it is.
    let sent = lookups(&fed, "tom.example:443");
    assert_eq!(sent, [(150, 400), (100, 200), (50, 200)]);
}

#[test]
fn hashes_referred_to_a_plain_tom_server_are_answered() {
    let book = book(200);
    let referred: Vec<String> = book[..152].to_vec();
    let found = ["user0@tom.example", "user151@tom.example"];
    let toml = referring(&referred, "tom.example:443")
        + &plain("tom.example:443", false, &associations(&found));
    let fed = Fed::start(Some(&toml));
    let (_dir, file) = text_book(book.clone());
    let (code, results, stderr) = fed.lookup(&file, &[]);
    assert_eq!(code, 0, "{stderr}");
    all_answered(&results, &book, &found);
    for address in found {
        let r = results.iter().find(|r| r["input"] == address).unwrap();
        assert_eq!(r["via"][1], "tom.example:443", "{r}");
    }
    let sent = lookups(&fed, "tom.example:443");
    assert_eq!(sent, [(152, 400), (100, 200), (52, 200)]);
}

#[test]
fn twelve_thousand_addresses_through_a_federated_tom_server() {
    // The federated identity server: "Adresses limit of 100 exceeded", a
    // body over 100 KB (its JSON parser's "100kb") answered 500, and 152
    // of the addresses referred to a plain ToM identity server.
    let book = book(12_000);
    // Every 79th address is referred: user0, user79… user11929.
    let found_there = [
        "user0@tom.example",
        "user79@tom.example",
        "user11929@tom.example",
    ];
    let found_here = ["user6000@tom.example"];
    let mut fed_toml = String::from(FEDERATED_TOM);
    fed_toml.push_str(&associations(&found_here));
    fed_toml.push_str("referrals = [\n");
    let referred: Vec<&String> = book.iter().step_by(79).collect();
    assert_eq!(referred.len(), 152);
    for address in &referred {
        fed_toml.push_str(&format!(
            "  {{ medium = \"email\", address = \"{address}\", server = \"tom.example:443\" }},\n"
        ));
    }
    fed_toml.push_str("]\n");
    let toml = fed_toml + &plain("tom.example:443", false, &associations(&found_there));
    let fed = Fed::start(Some(&toml));
    let (_dir, file) = text_book(book.clone());
    let (code, results, stderr) = fed.lookup(&file, &[]);
    assert_eq!(code, 0, "{stderr}");
    let found: Vec<&str> = found_there.iter().chain(&found_here).copied().collect();
    for address in found_there {
        let r = results.iter().find(|r| r["input"] == address).unwrap();
        assert_eq!(r["via"][1], "tom.example:443", "{r}");
    }
    all_answered(&results, &book, &found);

    let sent = lookups(&fed, "fed.example:443");
    let refused: Vec<(usize, u16)> = sent.iter().copied().filter(|s| s.1 != 200).collect();
    // The walk asks the first 10,000 addresses, then the other 2,000, in
    // either order: the first batch tried is refused, with the 500 of the
    // body limit (10,000 hashes: 460 KB) or the limit stated (2,000: 92
    // KB); then at most one probe, and the limit stated is kept.
    assert!((1..=2).contains(&refused.len()), "{sent:?}");
    for &(size, status) in &refused {
        let expected = if size * 46 > 102_400 { 500 } else { 400 };
        assert!(size > 100 && status == expected, "{refused:?}");
    }
    never_resent_as_refused(&sent);
    let answered: usize = sent.iter().filter(|s| s.1 == 200).map(|s| s.0).sum();
    assert_eq!(answered, 12_000, "each address answered once");
    assert!(
        sent.iter()
            .all(|&(size, status)| status != 200 || size <= 100)
    );
    assert!(sent.len() <= 122, "{} lookups: {sent:?}", sent.len());
    // 152 referred hashes, in two tasks (one per slab of the walk): at
    // most one refusal.
    let there = lookups(&fed, "tom.example:443");
    let answered_there: usize = there.iter().filter(|s| s.1 == 200).map(|s| s.0).sum();
    assert_eq!(answered_there, 152, "{there:?}");
    assert!(
        there.iter().filter(|s| s.1 != 200).count() <= 1,
        "{there:?}"
    );
    never_resent_as_refused(&there);
}

#[test]
fn a_body_over_100_kb_answered_500_is_shrunk_not_resent() {
    // About 2,200 hashes fill ToM's 100 KB: every book above that failed,
    // the 500 resent at the same size until the server was given up.
    let book = book(2_300);
    let found = ["user2299@tom.example"];
    let fed = Fed::start(Some(&format!("{FEDERATED_TOM}{}", associations(&found))));
    let (_dir, file) = text_book(book.clone());
    let (code, results, stderr) = fed.lookup(&file, &[]);
    assert_eq!(code, 0, "{stderr}");
    all_answered(&results, &book, &found);
    let sent = lookups(&fed, "fed.example:443");
    // 2,300 refused by the body limit, once; then 100 answered, one probe
    // of 400 refused with the limit stated (beside batches of 100), and 100
    // at a time.
    assert_eq!(sent[..2], [(2_300, 500), (100, 200)], "{sent:?}");
    let refused: Vec<_> = sent.iter().filter(|s| s.1 != 200).collect();
    assert_eq!(refused, [&(2_300, 500), &(400, 400)], "{sent:?}");
    assert_eq!(sent.len(), 2 + 23, "{sent:?}");
}

/// Runs a lookup of `file` against `fed` in `home` (whose state folder
/// keeps the learned limits and tokens); returns its JSON document.
fn run_in(home: &Path, fed: &Fed, file: &str) -> Value {
    let (code, stdout, stderr) = mxlookup_in(home)
        .args(["lookup", file, "-f", "json"])
        .args(fed.args())
        .run_with_env(&[("MXLOOKUP_BACKOFF_MS", "0")]);
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_str(&stdout).expect("one JSON document")
}

#[test]
fn a_limit_learned_in_one_run_costs_no_refused_probe_in_the_next() {
    let book = book(1_000);
    let found = ["user999@tom.example"];
    let fed = Fed::start(Some(&plain("tom.example:443", true, &associations(&found))));
    let home = tempfile::tempdir().unwrap();
    let (_dir, file) = text_book(book.clone());
    let limits = home.path().join("state/mxlookup/limits.json");

    // First run: 10 answered, at most 2 refused (the first size tried and
    // one probe above 100).
    let first = run_in(home.path(), &fed, &file);
    let sent = lookups(&fed, "tom.example:443");
    let refused = sent.iter().filter(|s| s.1 != 200).count();
    let answered = sent.len() - refused;
    assert_eq!((answered, refused), (10, 2), "{sent:?}");
    assert!(sent.len() <= 12);
    assert_eq!(first["servers"][0]["refused"], 2);
    assert!(limits.exists(), "no limits file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&limits).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let text = std::fs::read_to_string(&limits).unwrap();
    assert!(
        !text.contains("user"),
        "an address in the limits file: {text}"
    );

    // Second run: 10, none refused.
    let second = run_in(home.path(), &fed, &file);
    let all = lookups(&fed, "tom.example:443");
    let again = &all[sent.len()..];
    assert_eq!(again, [(100, 200); 10]);
    assert_eq!(second["servers"][0]["refused"], 0);
    let results: Vec<Value> = second["results"].as_array().unwrap().clone();
    all_answered(&results, &book, &found);

    // A corrupt file is ignored, and rewritten.
    std::fs::write(&limits, "{ not json").unwrap();
    run_in(home.path(), &fed, &file);
    let all = lookups(&fed, "tom.example:443");
    let third = &all[sent.len() + 10..];
    assert_eq!(third.iter().filter(|s| s.1 != 200).count(), 2, "{third:?}");
    let text = std::fs::read_to_string(&limits).unwrap();
    assert!(
        serde_json::from_str::<Value>(&text).is_ok(),
        "not rewritten: {text}"
    );
}

#[test]
fn a_long_retry_after_from_tom_is_an_error_naming_it_and_nothing_is_lost() {
    // ToM's rate limiter: a plain page, Retry-After of up to 600 s; here
    // after 4 lookups instead of 100 requests.
    let knobs = r#"rate_limit = { requests = 4, window_ms = 600000, style = "plain", retry_after_s = 600, endpoints = ["lookup"] }"#;
    let book = book(1_000);
    let fed = Fed::start(Some(&plain("tom.example:443", true, knobs)));
    let (_dir, file) = text_book(book.clone());
    let (code, results, stderr) = fed.lookup(&file, &[]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(results.len(), 1_000);
    let errors: Vec<&Value> = results.iter().filter(|r| r["status"] == "error").collect();
    assert!(!errors.is_empty());
    assert!(
        results
            .iter()
            .all(|r| ["error", "not_found"].contains(&r["status"].as_str().unwrap()))
    );
    let reason = errors[0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("asked to wait 600s, more than the 60s mxlookup waits"),
        "{reason}"
    );
    assert!(stderr.contains("try again later"), "{stderr}");
    assert!(stderr.contains("pass --max-wait 600 to wait"), "{stderr}");
    // The 429 is not resent: it was not waited for.
    let sent = lookups(&fed, "tom.example:443");
    let limited = sent.iter().filter(|s| s.1 == 429).count();
    assert!((1..=4).contains(&limited), "{sent:?}");
}

/// A server whose lookups are rate limited (`requests` per `window_ms`,
/// counting `hash_details` too), answering `Retry-After` as an HTTP date
/// `retry_after_s` ahead.
fn dated(requests: u32, window_ms: u64, retry_after_s: u64) -> Fed {
    let knobs = format!(
        r#"rate_limit = {{ requests = {requests}, window_ms = {window_ms}, retry_after_s = {retry_after_s}, retry_after_date = true, style = "plain", endpoints = ["hash_details", "lookup"] }}
{}"#,
        associations(&["ann@tom.example"])
    );
    Fed::start(Some(&plain("tom.example:443", true, &knobs)))
}

#[test]
fn a_retry_after_date_near_is_waited_for() {
    // hash_details fills the window; the lookup is told to come back at
    // the date the window ends (rounded up to the second), and is answered
    // then. Resent at once, it would be refused four times.
    let fed = dated(1, 1_000, 0);
    let (_dir, file) = text_book(["ann@tom.example".to_owned()]);
    waited_for(&fed, &file, &[]);
}

/// Looks Ann up on `fed` (a [`dated`] server whose window is full) with
/// `extra` arguments: found after one 429, waited for.
fn waited_for(fed: &Fed, file: &str, extra: &[&str]) {
    let (code, results, stderr) = fed.lookup(file, extra);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(results[0]["mxid"], "@ann:tom.example");
    let statuses: Vec<u16> = lookups(fed, "tom.example:443")
        .iter()
        .map(|s| s.1)
        .collect();
    assert_eq!(statuses, [429, 200]);
}

#[test]
fn max_wait_sets_the_cap() {
    // The window ends in 3 s: beyond a cap of 1 s, within one of 10 s.
    let fed = dated(1, 3_000, 0);
    let (_dir, file) = text_book(["ann@tom.example".to_owned()]);
    let (code, results, stderr) = fed.lookup(&file, &["--max-wait", "1"]);
    assert_eq!(code, 1, "{stderr}");
    let reason = results[0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("more than the 1s mxlookup waits"),
        "{reason}"
    );
    assert!(stderr.contains("pass --max-wait "), "{stderr}");
    let fed = dated(1, 3_000, 0);
    waited_for(&fed, &file, &["--max-wait", "10"]);
    // Out of range: refused before anything is sent.
    let (code, _, stderr) = fed.lookup(&file, &["--max-wait", "100000"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("--max-wait must be between 0 and 86400"),
        "{stderr}"
    );
}

#[test]
fn a_retry_after_date_beyond_the_cap_is_an_error_naming_it() {
    let fed = dated(1, 600_000, 600);
    let (_dir, file) = text_book(["ann@tom.example".to_owned()]);
    let (code, results, stderr) = fed.lookup(&file, &[]);
    assert_eq!(code, 1, "{stderr}");
    let reason = results[0]["reason"].as_str().unwrap();
    let asked: u64 = reason
        .split("asked to wait ")
        .nth(1)
        .and_then(|rest| rest.split('s').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no wait named: {reason}"));
    assert!((599..=601).contains(&asked), "{reason}");
    assert!(
        reason.contains("more than the 60s mxlookup waits"),
        "{reason}"
    );
    assert_eq!(lookups(&fed, "tom.example:443"), [(1, 429)]);
}
