//! Identity-server tokens are per server: `--access-token URL=TOKEN` goes
//! to the start server at URL and nowhere else; a bare token is for the one
//! start server; a server without a token registers through the homeserver.
//! Every refusal comes before any request, and never shows the token.

use crate::common::{Fed, text_book};
use crate::support::mxlookup;

use mxlookup::sandbox::HOMESERVER;

const A: &str = "a.example:443";
const B: &str = "b.example:443";

/// Two start servers, each with a token of its own, each knowing one address.
const TWO: &str = r#"
[[servers]]
name = "a.example:443"
start = true
pepper = "pa"
access_token = "mxs_token_of_a"
associations = [{ medium = "email", address = "ann@example.org", mxid = "@ann:a.example" }]

[[servers]]
name = "b.example:443"
start = true
pepper = "pb"
access_token = "mxs_token_of_b"
associations = [{ medium = "email", address = "bob@example.org", mxid = "@bob:b.example" }]
"#;

fn book() -> (tempfile::TempDir, String) {
    text_book(["ann@example.org".to_owned(), "bob@example.org".to_owned()])
}

/// The distinct `Authorization` headers `server` received.
fn authorizations(fed: &Fed, server: &str) -> Vec<String> {
    let mut seen: Vec<String> = fed
        .received(server)
        .into_iter()
        .filter_map(|r| r.authorization)
        .collect();
    seen.sort();
    seen.dedup();
    seen
}

/// Asserts that no server of `fed`, nor its homeserver, was sent anything.
fn nothing_sent(fed: &Fed, context: &str) {
    for server in [A, B, HOMESERVER] {
        assert!(
            fed.received(server).is_empty(),
            "{context}: {server} received {:?}",
            fed.received(server)
        );
    }
}

#[test]
fn each_start_server_receives_its_own_token_only() {
    let fed = Fed::start(Some(TWO));
    let (_dir, book) = book();
    // The URLs spelt otherwise than -s has them: a slash, capitals.
    let a = format!("{}/", fed.url(A)).replace("http://", "HTTP://");
    let (code, results, stderr) = fed.lookup(
        &book,
        &[
            "--access-token",
            &format!("{a}=mxs_token_of_a"),
            "--access-token",
            &format!("{}=mxs_token_of_b", fed.url(B)),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let found: Vec<&str> = results.iter().filter_map(|r| r["mxid"].as_str()).collect();
    assert_eq!(found, ["@ann:a.example", "@bob:b.example"], "{results:?}");
    assert_eq!(authorizations(&fed, A), ["Bearer mxs_token_of_a"]);
    assert_eq!(authorizations(&fed, B), ["Bearer mxs_token_of_b"]);
    // Neither server registered: each used the token given for it.
    let registered = |server| {
        fed.received(server)
            .iter()
            .any(|r| r.path.contains("/account/register"))
    };
    assert!(!registered(A) && !registered(B));
}

#[test]
fn a_server_given_no_token_registers_instead_of_taking_another_ones() {
    let fed = Fed::start(Some(TWO));
    let (_dir, book) = book();
    let (code, results, stderr) = fed.lookup(
        &book,
        &["--access-token", &format!("{}=mxs_token_of_a", fed.url(A))],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(results.len(), 2, "{results:?}");
    assert_eq!(authorizations(&fed, A), ["Bearer mxs_token_of_a"]);
    let of_b = authorizations(&fed, B);
    assert!(!of_b.is_empty(), "b was not asked");
    assert!(
        of_b.iter().all(|h| !h.contains("mxs_token_of_a")),
        "b received a's token: {of_b:?}"
    );
    // b's token is one it issued on registration (not its pre-issued one,
    // which nobody gave), obtained with an OpenID token from the homeserver.
    let issued = fed.sandbox.issued_tokens(B);
    for header in &of_b {
        let token = header.strip_prefix("Bearer ").unwrap();
        assert!(
            issued.contains(token) && token != "mxs_token_of_b",
            "{header}"
        );
    }
    assert!(
        fed.received(B)
            .iter()
            .any(|r| r.path.ends_with("/account/register")),
        "b did not register"
    );
    assert!(
        fed.received(HOMESERVER)
            .iter()
            .any(|r| r.path.contains("/openid/request_token")),
        "no OpenID token was asked for"
    );
}

#[test]
fn a_bare_token_with_two_start_servers_is_refused_before_any_request() {
    let fed = Fed::start(Some(TWO));
    let (_dir, book) = book();
    for (how, env) in [("flag", None), ("variable", Some("mxs_token_of_a"))] {
        let mut mx = mxlookup()
            .args(["lookup", &book, "-f", "ndjson"])
            .args(fed.args());
        if env.is_none() {
            mx = mx.args(["--access-token", "mxs_token_of_a"]);
        }
        let env: Vec<(&str, &str)> = env
            .map(|t| ("MXLOOKUP_ACCESS_TOKEN", t))
            .into_iter()
            .collect();
        let (code, stdout, stderr) = mx.run_with_env(&env);
        assert_eq!((code, stdout.as_str()), (2, ""), "{how}: {stderr}");
        assert_eq!(stderr.matches("error: ").count(), 1, "{how}: {stderr}");
        assert!(stderr.contains("2 start servers"), "{how}: {stderr}");
        let hint = stderr.lines().find(|l| l.starts_with("hint: ")).unwrap();
        assert!(hint.contains("URL=TOKEN"), "{how}: {hint}");
        assert!(
            hint.contains(&fed.url(A)) && hint.contains(&fed.url(B)),
            "{how}: {hint}"
        );
        assert!(!stderr.contains("mxs_token_of_a"), "{how}: {stderr}");
        if how == "variable" {
            assert!(stderr.contains("MXLOOKUP_ACCESS_TOKEN"), "{stderr}");
        }
        nothing_sent(&fed, how);
    }
}

#[test]
fn a_token_naming_no_start_server_is_refused_without_showing_it() {
    let fed = Fed::start(Some(TWO));
    let (_dir, book) = book();
    let elsewhere = "https://elsewhere.example";
    let (code, stdout, stderr) = mxlookup()
        .args(["lookup", &book, "-f", "ndjson"])
        .args(fed.args())
        .args(["--access-token", &format!("{elsewhere}=mxs_secret")])
        .run();
    assert_eq!((code, stdout.as_str()), (2, ""), "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "error: --access-token names {elsewhere}, which is not a start server\nhint: "
        )),
        "{stderr}"
    );
    assert!(stderr.contains(&fed.url(A)), "{stderr}");
    assert!(!stderr.contains("mxs_secret"), "{stderr}");
    nothing_sent(&fed, "unknown server");
}

#[test]
fn tokens_are_checked_as_tokens_before_any_request() {
    let fed = Fed::start(Some(TWO));
    let (_dir, book) = book();
    let a = fed.url(A);
    for bad in [
        format!("{a}=mxs secret"),
        format!("{a}="),
        format!("{a}=mxs\u{7}secret"),
        "mxs secret".to_owned(),
        "a.example=mxs_secret".to_owned(),
    ] {
        let (code, stdout, stderr) = mxlookup()
            .args(["lookup", &book, "-f", "ndjson", "-s", &a])
            .args(["--access-token", &bad])
            .run();
        assert_eq!((code, stdout.as_str()), (2, ""), "{bad:?}: {stderr}");
        assert_eq!(stderr.matches("error: ").count(), 1, "{bad:?}: {stderr}");
        assert!(stderr.contains("\nhint: "), "{bad:?}: {stderr}");
        assert!(!stderr.contains("secret"), "{bad:?}: {stderr}");
        nothing_sent(&fed, &bad);
    }
}

#[test]
fn a_bare_token_with_two_discovered_servers_is_refused_before_asking_them() {
    let fed = Fed::start(Some(&format!(
        "[homeserver.well_known]\nidentity_server = \"{A}\"\nfederated_identity_services = [\"{B}\"]\n{TWO}"
    )));
    let (_dir, book) = book();
    let (code, stdout, stderr) = mxlookup()
        .args(["lookup", &book, "-f", "ndjson"])
        .args(["--homeserver", fed.sandbox.homeserver_url().as_str()])
        .args(["--hs-token", fed.sandbox.homeserver_token()])
        .args(["--access-token", "mxs_token_of_a"])
        .run();
    assert_eq!((code, stdout.as_str()), (2, ""), "{stderr}");
    assert!(stderr.contains("2 start servers"), "{stderr}");
    assert!(stderr.contains("\nhint: "), "{stderr}");
    assert!(!stderr.contains("mxs_token_of_a"), "{stderr}");
    for server in [A, B] {
        assert!(fed.received(server).is_empty(), "{server} was asked");
    }
    // With one discovered server, the bare token is that server's.
    let fed = Fed::start(Some(&format!(
        "[homeserver.well_known]\nidentity_server = \"{A}\"\n{TWO}"
    )));
    let (code, _, stderr) = mxlookup()
        .args(["lookup", &book, "-f", "ndjson"])
        .args(["--homeserver", fed.sandbox.homeserver_url().as_str()])
        .args(["--hs-token", fed.sandbox.homeserver_token()])
        .args(["--access-token", "mxs_token_of_a"])
        .run_with_env(&[("MXLOOKUP_BACKOFF_MS", "0")]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(authorizations(&fed, A), ["Bearer mxs_token_of_a"]);
    assert!(fed.received(B).is_empty());
}

#[test]
fn trace_gives_each_start_server_its_own_token() {
    let fed = Fed::start(Some(TWO));
    let (code, stdout, stderr) = mxlookup()
        .args(["trace", "bob@example.org", "-f", "json"])
        .args(fed.args())
        .args(["--access-token", &format!("{}=mxs_token_of_b", fed.url(B))])
        .run_with_env(&[("MXLOOKUP_BACKOFF_MS", "0")]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("@bob:b.example"), "{stdout}");
    assert_eq!(authorizations(&fed, B), ["Bearer mxs_token_of_b"]);
    assert!(
        authorizations(&fed, A)
            .iter()
            .all(|h| !h.contains("mxs_token_of_b"))
    );
}

#[test]
fn the_config_file_names_a_token_file_per_server() {
    let fed = Fed::start(Some(TWO));
    let (_dir, book) = book();
    let mx = mxlookup();
    let config = mx.default_config();
    let folder = config.parent().unwrap();
    std::fs::create_dir_all(folder).unwrap();
    std::fs::write(folder.join("a.token"), "mxs_token_of_a\n").unwrap();
    std::fs::write(folder.join("b.token"), "mxs_token_of_b\n").unwrap();
    std::fs::write(folder.join("other.token"), "mxs_token_of_other\n").unwrap();
    std::fs::write(
        &config,
        format!(
            "[access_token_files]\n\"{}\" = \"a.token\"\n\"{}/\" = \"b.token\"\n\"https://other.example\" = \"other.token\"\n",
            fed.url(A),
            fed.url(B)
        ),
    )
    .unwrap();
    let (code, stdout, stderr) = mx
        .args(["lookup", &book, "-f", "ndjson"])
        .args(fed.args())
        .run_with_env(&[("MXLOOKUP_BACKOFF_MS", "0")]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    assert_eq!(authorizations(&fed, A), ["Bearer mxs_token_of_a"]);
    assert_eq!(authorizations(&fed, B), ["Bearer mxs_token_of_b"]);
}
