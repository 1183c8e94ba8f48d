//! `mxlookup bind` and `unbind` against the sandbox: the token from the
//! identity server's outbox, the homeserver's bind, the signed association
//! checked, the bind → lookup round trip, the two-step flow for scripts,
//! and what is said when something is wrong.

use std::io::Write;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{Fed, by_address, text_book, via};
use crate::support::mxlookup;

/// One start server that holds nothing yet; a second server never asked.
const FEDERATION: &str = r#"
[[servers]]
name = "id.example:443"
start = true
pepper = "b1ndP"

[[servers]]
name = "bystander.example:443"
pepper = "bY5t4"
"#;

const SERVER: &str = "id.example:443";

/// `-s`, the homeserver and its token (no referral options: bind asks one server).
fn args(fed: &Fed) -> Vec<String> {
    vec![
        "-s".into(),
        fed.url(SERVER),
        "--homeserver".into(),
        fed.sandbox.homeserver_url().to_string(),
        "--hs-token".into(),
        fed.sandbox.homeserver_token().to_owned(),
    ]
}

/// Runs `bind` with stdin piped; once the server has sent a token, writes
/// `answer(token)` to stdin. Returns (exit code, stdout, stderr).
fn bind_by_stdin(
    fed: &Fed,
    extra: &[&str],
    answer: impl Fn(&str) -> String,
) -> (i32, String, String) {
    let sent_before = fed.sandbox.outbox().len();
    let mut running = mxlookup()
        .arg("bind")
        .args(extra)
        .args(args(fed))
        .stdin_piped()
        .spawn();
    let started = Instant::now();
    let token = loop {
        if let Some(sent) = fed.sandbox.outbox().get(sent_before) {
            break sent.token.clone();
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no token was sent"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stdin = running.stdin();
    stdin.write_all(answer(&token).as_bytes()).unwrap();
    drop(stdin);
    let out = running.wait();
    (
        out.code.unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Looks `address` up through the start server; returns its result.
fn look_up(fed: &Fed, address: &str, extra: &[&str]) -> Value {
    let (_dir, book) = text_book([address.to_owned()]);
    let (code, results, stderr) = fed.lookup(&book, extra);
    assert_eq!(code, 0, "{stderr}");
    results.into_iter().next().expect("one result")
}

fn paths(fed: &Fed, server: &str) -> Vec<String> {
    fed.received(server)
        .into_iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

#[test]
fn bind_by_stdin_verifies_the_signature_then_lookups_find_it_until_unbound() {
    let fed = Fed::start(Some(FEDERATION));
    let (code, stdout, stderr) =
        bind_by_stdin(&fed, &["email", "Me@Example.ORG", "-f", "json"], |t| {
            format!("{t}\n")
        });
    assert_eq!(code, 0, "stdout: {stdout}\nstderr: {stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["address"], "me@example.org");
    assert_eq!(report["mxid"], fed.sandbox.user_id());
    assert_eq!(report["verified"], true);
    assert_eq!(report["signatures"][0]["server"], SERVER);
    assert_eq!(report["signatures"][0]["key_id"], "ed25519:0");
    assert_eq!(report["association"]["mxid"], fed.sandbox.user_id());

    let sent = fed.sandbox.outbox();
    assert_eq!(sent.len(), 1, "one mail: {sent:?}");
    assert_eq!(sent[0].address, "me@example.org");
    let asked = paths(&fed, SERVER);
    for step in [
        "POST /_matrix/identity/v2/validate/email/requestToken",
        "POST /_matrix/identity/v2/validate/email/submitToken",
        "POST /_matrix/identity/v2/3pid/bind",
        "GET /_matrix/identity/v2/pubkey/ed25519%3A0",
    ] {
        assert!(asked.iter().any(|p| p == step), "{step} not in {asked:?}");
    }
    let hs = paths(&fed, mxlookup::sandbox::HOMESERVER);
    assert!(
        hs.iter()
            .any(|p| p == "POST /_matrix/client/v3/account/3pid/bind"),
        "{hs:?}"
    );
    // The homeserver's token stays with the homeserver.
    let hs_token = fed.sandbox.homeserver_token();
    for server in [SERVER, "bystander.example:443"] {
        for r in fed.received(server) {
            assert!(
                !r.authorization.unwrap_or_default().contains(hs_token)
                    && !r.body.contains(hs_token),
                "the homeserver token reached {server}"
            );
        }
    }
    assert!(paths(&fed, "bystander.example:443").is_empty());

    let found = look_up(&fed, "me@example.org", &[]);
    assert_eq!(found["status"], "found", "{found}");
    assert_eq!(found["mxid"], fed.sandbox.user_id());
    assert_eq!(via(&found), [fed.url(SERVER).as_str()]);

    let (code, stdout, stderr) = mxlookup()
        .args(["unbind", "email", "me@example.org"])
        .args(args(&fed))
        .run();
    assert_eq!(code, 0, "stdout: {stdout}\nstderr: {stderr}");
    assert!(
        stdout.starts_with("unbound email me@example.org from "),
        "{stdout}"
    );
    let gone = look_up(&fed, "me@example.org", &[]);
    assert_eq!(gone["status"], "not_found", "{gone}");
}

#[test]
fn request_only_then_token_completes_and_a_wrong_token_is_reported() {
    let fed = Fed::start(Some(FEDERATION));
    let state = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        mxlookup()
            .args(["bind", "msisdn", "06 12 34 56 78", "-r", "FR"])
            .args(extra)
            .args(args(&fed))
            .run_with_env(&[("XDG_STATE_HOME", state.path().to_str().unwrap())])
    };
    let (code, stdout, stderr) = run(&["--request-only"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("--token TOKEN"), "{stderr}");
    let sent = fed.sandbox.outbox();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].address, "33612345678");
    let kept = state.path().join("mxlookup/validations.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&kept).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The client secret is kept for the next step, never printed.
    let secret = serde_json::from_slice::<Value>(&std::fs::read(&kept).unwrap()).unwrap();
    let secret = secret
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap()
        .get("client_secret")
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!stderr.contains(&secret));

    let (code, _, stderr) = run(&["--token", "000000x"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("did not accept the token"), "{stderr}");
    assert!(stderr.contains("hint: "), "{stderr}");

    let (code, stdout, stderr) = run(&["--token", &sent[0].token]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with(&format!(
            "bound msisdn 33612345678 to {} on {}",
            fed.sandbox.user_id(),
            fed.url(SERVER)
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("signature id.example:443 ed25519:0: verified"),
        "{stdout}"
    );
    let found = look_up(&fed, "+33 6 12 34 56 78", &[]);
    assert_eq!(found["status"], "found", "{found}");

    // The session is used up.
    let (code, _, stderr) = run(&["--token", &sent[0].token]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("no validation session") && stderr.contains("hint: "),
        "{stderr}"
    );
}

#[test]
fn a_signature_that_does_not_verify_is_said_and_exits_1() {
    let fed = Fed::start(Some(&FEDERATION.replace(
        "pepper = \"b1ndP\"",
        "pepper = \"b1ndP\"\nbad_signature = true",
    )));
    let (code, stdout, stderr) =
        bind_by_stdin(&fed, &["email", "me@example.org"], |t| format!("{t}\n"));
    assert_eq!(code, 1, "stdout: {stdout}\nstderr: {stderr}");
    assert!(
        stdout.contains("NOT verified: the signature does not match the association"),
        "{stdout}"
    );
    assert!(
        stderr.contains("could not be verified") && stderr.contains("hint: "),
        "{stderr}"
    );
}

#[test]
fn an_empty_answer_on_stdin_keeps_the_session_and_says_how_to_go_on() {
    let fed = Fed::start(Some(FEDERATION));
    let (code, stdout, stderr) = bind_by_stdin(&fed, &["email", "me@example.org"], |_| "\n".into());
    assert_eq!(code, 1, "{stdout}");
    assert!(stderr.contains("no token was given on stdin"), "{stderr}");
    assert!(stderr.contains("--token TOKEN"), "{stderr}");
    // Nothing was bound: the homeserver was never asked.
    assert!(
        !paths(&fed, mxlookup::sandbox::HOMESERVER)
            .iter()
            .any(|p| p.contains("3pid"))
    );
}

#[test]
fn usage_mistakes_exit_2_with_a_hint() {
    let fed = Fed::start(Some(FEDERATION));
    // No homeserver: nothing can record the binding.
    let (code, _, stderr) = mxlookup()
        .args(["bind", "email", "me@example.org", "-s", &fed.url(SERVER)])
        .run();
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("bind needs the homeserver")
            && stderr.contains("hint: log in with `mxlookup login"),
        "{stderr}"
    );
    // Not an address.
    let (code, _, stderr) = mxlookup()
        .args(["bind", "email", "not-an-address"])
        .args(args(&fed))
        .run();
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("is not a valid email"), "{stderr}");
    assert!(fed.sandbox.outbox().is_empty());
    // Unbinding what was never bound: the homeserver knows no server for it.
    let (code, stdout, stderr) = mxlookup()
        .args([
            "unbind",
            "email",
            "never@example.org",
            "--homeserver",
            fed.sandbox.homeserver_url().as_str(),
            "--hs-token",
            fed.sandbox.homeserver_token(),
        ])
        .run();
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.contains("no-support"), "{stdout}");
    assert!(stderr.contains("hint: "), "{stderr}");
}

#[test]
fn a_bound_address_is_found_by_lookup_by_address_book_too() {
    let fed = Fed::start(Some(FEDERATION));
    let (code, _, stderr) = bind_by_stdin(&fed, &["email", "me@example.org"], |t| format!("{t}\n"));
    assert_eq!(code, 0, "{stderr}");
    let (_dir, book) = text_book(["me@example.org".to_owned(), "other@example.org".to_owned()]);
    let (code, results, stderr) = fed.lookup(&book, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(by_address(&results, "me@example.org")["status"], "found");
    assert_eq!(
        by_address(&results, "other@example.org")["status"],
        "not_found"
    );
}
