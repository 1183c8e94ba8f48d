//! Hostile peppers and rate limits: a pepper that changes on every request,
//! `M_INVALID_PEPPER` forever, 429 forever, a `Retry-After` of a year.

use super::{count, fed_args, fed_with, run};

/// A federation with pep.example, which knows bob, and `knobs`.
fn pep(knobs: &str) -> crate::common::Fed {
    fed_with(&format!(
        r#"
[[servers]]
name = "pep.example:443"
start = true
pepper = "peppr"
associations = [{{ medium = "email", address = "bob@example.org", mxid = "@bob:pep.example" }}]
{knobs}
"#
    ))
}

#[test]
fn a_pepper_that_changes_on_every_request_ends_in_bounded_errors() {
    for in_error in [true, false] {
        let fed = pep(&format!(
            "rotate_every_request = true\npepper_in_error = {in_error}"
        ));
        let case = format!("pepper rotating on every request, pepper_in_error {in_error}");
        let run = run(
            &case,
            &["bob@example.org", "carol@example.org"],
            &fed_args(&fed, true),
        );
        for address in ["bob@example.org", "carol@example.org"] {
            assert_eq!(run.status(address), "error", "{case}: {address}");
            assert!(
                run.reason(address).contains("M_INVALID_PEPPER"),
                "{case}: {}",
                run.reason(address)
            );
        }
        // The first try and two recoveries, no more.
        assert_eq!(count(&fed, "pep.example:443", "/lookup"), 3, "{case}");
        let details = count(&fed, "pep.example:443", "/hash_details");
        let expected = if in_error { 1 } else { 3 };
        assert_eq!(details, expected, "{case}");
    }
}

#[test]
fn invalid_pepper_forever_ends_in_bounded_errors() {
    for in_error in [true, false] {
        let fed = pep(&format!(
            "invalid_pepper_forever = true\npepper_in_error = {in_error}"
        ));
        let case = format!("M_INVALID_PEPPER forever, pepper_in_error {in_error}");
        let run = run(&case, &["bob@example.org"], &fed_args(&fed, true));
        assert_eq!(run.status("bob@example.org"), "error", "{case}");
        assert!(
            run.reason("bob@example.org").contains("M_INVALID_PEPPER"),
            "{case}: {}",
            run.reason("bob@example.org")
        );
        assert_eq!(count(&fed, "pep.example:443", "/lookup"), 3, "{case}");
    }
}

#[test]
fn too_many_requests_forever_ends_after_the_retries() {
    for style in ["matrix", "plain"] {
        let fed = pep(&format!(
            r#"rate_limit = {{ requests = 0, window_ms = 3600000, retry_after_s = 0, style = "{style}", endpoints = ["lookup"] }}"#
        ));
        let case = format!("429 forever ({style})");
        let run = run(&case, &["bob@example.org"], &fed_args(&fed, true));
        assert_eq!(run.status("bob@example.org"), "error", "{case}");
        let reason = run.reason("bob@example.org");
        assert!(
            reason.contains("HTTP 429") && reason.contains("after 4 tries"),
            "{case}: {reason}"
        );
        assert_eq!(count(&fed, "pep.example:443", "/lookup"), 4, "{case}");
    }
}

#[test]
fn a_retry_after_of_a_year_is_not_waited_for() {
    let year = 365 * 24 * 3600;
    let fed = pep(&format!(
        r#"rate_limit = {{ requests = 0, window_ms = 3600000, retry_after_s = {year}, endpoints = ["lookup"] }}"#
    ));
    let run = run(
        "Retry-After of a year",
        &["bob@example.org"],
        &fed_args(&fed, true),
    );
    assert_eq!(run.status("bob@example.org"), "error");
    let reason = run.reason("bob@example.org");
    assert!(
        reason.contains(&format!("asked to wait {year}s"))
            && reason.contains("more than the 60s mxlookup waits"),
        "{reason}"
    );
    assert_eq!(count(&fed, "pep.example:443", "/lookup"), 1);
    assert!(run.measured.elapsed < std::time::Duration::from_secs(10));
}

#[test]
fn a_pepper_of_megabytes_is_not_hashed_with() {
    // Hashing 2,000 addresses with a 4 MiB pepper is 8 GiB of SHA-256.
    let pepper = "p".repeat(4 << 20);
    let fed = fed_with(&format!(
        r#"
[[servers]]
name = "pep.example:443"
start = true
pepper = "{pepper}"
"#
    ));
    let book: Vec<String> = (0..2_000)
        .map(|i| format!("user{i}@bulk.example"))
        .collect();
    let others: Vec<&str> = book.iter().map(String::as_str).collect();
    let run = run("a 4 MiB pepper", &others, &fed_args(&fed, true));
    for address in others {
        assert_eq!(run.status(address), "error", "{address}");
    }
    let reason = run.reason("user0@bulk.example");
    assert!(
        reason.contains(&fed.url("pep.example:443"))
            && reason.contains("a pepper of 4194304 bytes"),
        "{reason}"
    );
    assert_eq!(count(&fed, "pep.example:443", "/lookup"), 0);
}

#[test]
fn ten_thousand_alternative_peppers_are_not_all_tried() {
    let alt: Vec<String> = (0..10_000).map(|i| format!("\"alt{i}\"")).collect();
    let fed = fed_with(&format!(
        r#"
[[servers]]
name = "pep.example:443"
start = true
pepper = "peppr"
alt_peppers = [{}]
associations = [{{ medium = "email", address = "bob@example.org", mxid = "@bob:pep.example", only_alt = true }}]
"#,
        alt.join(", ")
    ));
    let run = run(
        "10,000 alternative peppers",
        &["bob@example.org", "carol@example.org"],
        &fed_args(&fed, true),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Found under the first alternative; carol, found nowhere, is asked
    // under a few alternatives only.
    assert_eq!(run.result("bob@example.org")["mxid"], "@bob:pep.example");
    assert_eq!(run.status("carol@example.org"), "not_found");
    let lookups = count(&fed, "pep.example:443", "/lookup");
    assert!(lookups <= 1 + 4, "{lookups} lookups");
}
