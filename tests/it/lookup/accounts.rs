//! Accounts at identity servers: terms, cached tokens, a refused token
//! renewed, a given access token.

use crate::common::{Fed, fixture, text_book};

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
