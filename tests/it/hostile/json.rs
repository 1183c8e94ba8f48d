//! Hostile lookup answers at the JSON level (the sandbox's
//! `raw_lookup_body`): not JSON, JSON of the wrong shape, mappings that are
//! not strings, Matrix IDs that break the grammar or carry terminal escape
//! sequences.

use mxlookup::threepid::{Medium, lookup_hash};

use super::{fed_args, fed_with, run, run_as};

/// The hash bad.example expects for `address`.
fn h(address: &str) -> String {
    lookup_hash(address, Medium::Email, "badpepper")
}

/// A federation where bad.example answers every lookup with `body`.
fn serving(body: &str) -> crate::common::Fed {
    assert!(!body.contains("'''"));
    fed_with(&format!(
        r#"
[[servers]]
name = "bad.example:443"
start = true
pepper = "badpepper"
raw_lookup_body = '''{body}'''
"#
    ))
}

#[test]
fn answers_that_are_not_json_or_not_the_right_shape_are_errors() {
    let bob = h("bob@example.org");
    let bodies = [
        ("truncated JSON", r#"{"mappings": {"#.to_owned()),
        (
            "an HTML page",
            "<html><body>200 OK</body></html>".to_owned(),
        ),
        ("an array", "[]".to_owned()),
        (
            "mappings as an array",
            r#"{"mappings": ["@bob:bad.example"]}"#.to_owned(),
        ),
        ("mappings null", r#"{"mappings": null}"#.to_owned()),
        (
            "nested 100,000 deep",
            format!(
                r#"{{"mappings": {{"{bob}": {}{}}}}}"#,
                "[".repeat(100_000),
                "]".repeat(100_000)
            ),
        ),
        (
            "referrals as an array",
            format!(r#"{{"mappings": {{}}, "third_party_mappings": ["{bob}"]}}"#),
        ),
    ];
    for (case, body) in bodies {
        let fed = serving(&body);
        let run = run(case, &["bob@example.org"], &fed_args(&fed, true));
        assert_eq!(run.status("bob@example.org"), "error", "{case}");
        let reason = run.reason("bob@example.org");
        assert!(
            reason.contains(&fed.url("bad.example:443")) && reason.contains("unexpected answer"),
            "{case}: {reason}"
        );
        // Not retried: the same request would get the same answer.
        assert_eq!(
            super::count(&fed, "bad.example:443", "/lookup"),
            1,
            "{case}"
        );
    }
}

#[test]
fn values_of_the_wrong_type_cost_only_their_address() {
    let body = format!(
        r#"{{"mappings": {{"{bob}": 42, "{carol}": {{"user_id": "@carol:bad.example"}}, "{dave}": "@dave:bad.example"}},
            "third_party_mappings": {{"far.example:443": 7, "other.example:443": {{"actives": "{erin}"}}}}}}"#,
        bob = h("bob@example.org"),
        carol = h("carol@example.org"),
        dave = h("dave@example.org"),
        erin = h("erin@example.org"),
    );
    let fed = serving(&body);
    let others = [
        "bob@example.org",
        "carol@example.org",
        "dave@example.org",
        "erin@example.org",
    ];
    let run = run(
        "mappings that are not strings",
        &others,
        &fed_args(&fed, true),
    );
    for address in ["bob@example.org", "carol@example.org"] {
        assert_eq!(run.status(address), "error", "{address}");
        assert!(
            run.reason(address)
                .contains("a mapping that is not a string"),
            "{}",
            run.reason(address)
        );
    }
    assert_eq!(run.result("dave@example.org")["mxid"], "@dave:bad.example");
    // Referral values of neither shape refer nothing.
    assert_eq!(run.status("erin@example.org"), "not_found");
}

#[test]
fn matrix_ids_and_server_names_with_escapes_never_reach_the_terminal_raw() {
    let body = format!(
        r#"{{"mappings": {{
              "{bob}": "@bob:bad.example\u001b[2J\u001b[31m",
              "{carol}": "@ca rol:bad.example",
              "{dave}": "dave",
              "{erin}": "@erin\u0007:bad.example",
              "{frank}": "@\u202efrank:bad.example",
              "{hugo}": "@hugo:bad.example\u009b31m"
            }},
            "third_party_mappings": {{"evil\u001b]0;owned\u0007.example:443": ["{gina}"]}}}}"#,
        bob = h("bob@example.org"),
        carol = h("carol@example.org"),
        dave = h("dave@example.org"),
        erin = h("erin@example.org"),
        frank = h("frank@example.org"),
        gina = h("gina@example.org"),
        hugo = h("hugo@example.org"),
    );
    let fed = serving(&body);
    let invalid = [
        "bob@example.org",
        "carol@example.org",
        "dave@example.org",
        "erin@example.org",
        "frank@example.org",
        "hugo@example.org",
    ];
    let mut others = invalid.to_vec();
    others.push("gina@example.org");
    let args = fed_args(&fed, true);
    let json = run("Matrix IDs with escapes (json)", &others, &args);
    for address in invalid {
        assert_eq!(json.status(address), "error", "{address}");
        assert!(
            json.reason(address).contains("invalid Matrix ID"),
            "{}",
            json.reason(address)
        );
    }
    assert!(
        json.reason("bob@example.org").contains(r"\u{1b}[2J"),
        "the escape is shown, defused: {}",
        json.reason("bob@example.org")
    );
    assert_eq!(json.status("gina@example.org"), "unfollowed");
    assert!(
        json.reason("gina@example.org")
            .contains(r"evil\u{1b}]0;owned"),
        "{}",
        json.reason("gina@example.org")
    );
    let table = run_as("Matrix IDs with escapes (table)", "table", &others, &args);
    assert_eq!(table.code, 1, "{}", table.stderr);
    for (format, out) in [("json", &json.stdout), ("table", &table.stdout)] {
        for (name, bad) in [
            ("ESC", &b"\x1b"[..]),
            ("BEL", b"\x07"),
            ("CSI", "\u{9b}".as_bytes()),
            ("RLO", "\u{202e}".as_bytes()),
        ] {
            assert!(
                !out.windows(bad.len()).any(|w| w == bad),
                "a raw {name} reached the {format} output"
            );
        }
    }
    for stderr in [&json.stderr, &table.stderr] {
        assert!(
            !stderr.contains(['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}']),
            "{stderr}"
        );
    }
    let table = String::from_utf8(table.stdout).expect("UTF-8 table");
    assert!(
        table.contains("bob@example.org") && table.contains("error"),
        "{table}"
    );
}

#[test]
fn trace_shows_a_hostile_servers_pepper_and_answer_defused() {
    // Everything trace prints that a server chose: its pepper, its
    // alternatives, the Matrix ID it answered.
    let fed = fed_with(
        r#"
[[servers]]
name = "bad.example:443"
start = true
pepper = "pep\u001b[2J"
alt_peppers = ["alt\u001b]0;owned\u0007"]
associations = [{ medium = "email", address = "bob@example.org", mxid = "@bob:bad.example\u001b[31m" }]
"#,
    );
    let measured = crate::support::mxlookup()
        .args(["trace", "bob@example.org"])
        .args(fed_args(&fed, true))
        .env("MXLOOKUP_BACKOFF_MS", "0")
        .deadline(super::LIMIT)
        .measure();
    let stderr = String::from_utf8_lossy(&measured.stderr).into_owned();
    assert_eq!(measured.code, Some(1), "{stderr}");
    let text = String::from_utf8(measured.stdout).expect("UTF-8");
    assert!(
        !text.contains(['\u{1b}', '\u{7}']) && !stderr.contains('\u{1b}'),
        "{text:?}"
    );
    assert!(
        text.contains(r"pep\u{1b}[2J") && text.contains(r"@bob:bad.example\u{1b}[31m"),
        "{text}"
    );
}

/// `n` addresses nobody holds, and bad.example's hashes of them.
fn many(n: usize) -> (Vec<String>, Vec<String>) {
    let addresses: Vec<String> = (0..n).map(|i| format!("user{i}@bulk.example")).collect();
    let hashes = addresses.iter().map(|a| h(a)).collect();
    (addresses, hashes)
}

#[test]
fn a_megabyte_of_server_text_is_not_copied_into_every_reason() {
    // One server name of 1 MiB referring 2,000 addresses, one Matrix ID of
    // 1 MiB: were the reason of each address to quote it whole, that would
    // be 2 GiB of reasons.
    let (addresses, hashes) = many(2_000);
    let long = "x".repeat(1 << 20);
    let body = format!(
        r#"{{"mappings": {{"{}": "@{long}:bad.example"}}, "third_party_mappings": {{"{long}.example:443": {}}}}}"#,
        h("bob@example.org"),
        serde_json::to_string(&hashes).expect("JSON")
    );
    let fed = serving(&body);
    let mut others: Vec<&str> = addresses.iter().map(String::as_str).collect();
    others.push("bob@example.org");
    let run = run(
        "a 1 MiB server name and Matrix ID",
        &others,
        &fed_args(&fed, true),
    );
    assert_eq!(run.status("bob@example.org"), "error");
    assert_eq!(run.status("user0@bulk.example"), "unfollowed");
    for address in ["bob@example.org", "user0@bulk.example"] {
        let reason = run.reason(address);
        assert!(
            reason.len() < 4096,
            "{address}: a reason of {} bytes",
            reason.len()
        );
    }
    assert!(
        run.stdout.len() < 16 << 20,
        "{} bytes of output",
        run.stdout.len()
    );
}

#[test]
fn a_megabyte_long_error_is_not_copied_into_every_reason() {
    let (addresses, _) = many(2_000);
    let fed = fed_with(&format!(
        r#"
[[servers]]
name = "bad.example:443"
start = true
pepper = "badpepper"
terms = {{ privacy = {{ version = "1", en = {{ name = "{long}", url = "https://bad.example/{long}" }} }} }}
"#,
        long = "y".repeat(1 << 20)
    ));
    let others: Vec<&str> = addresses.iter().map(String::as_str).collect();
    let run = run(
        "1 MiB terms in every reason",
        &others,
        &fed_args(&fed, true),
    );
    let reason = run.reason("user0@bulk.example");
    assert!(
        reason.contains("--accept-terms"),
        "{}",
        &reason[..reason.len().min(300)]
    );
    assert!(reason.len() < 4096, "a reason of {} bytes", reason.len());
}
