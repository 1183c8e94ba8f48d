//! With no server named anywhere, the start servers come from the
//! homeserver: the user's own choice first (the `m.identity_server` account
//! data; `base_url: null` is a choice of none), else its
//! `/.well-known/matrix/client`: `m.identity_server` and ToM/Twake's
//! `m.federated_identity_services`. And terms: those the user accepted in
//! another client (`m.accepted_terms`) are accepted without
//! `--accept-terms`, which records what it accepts there.

use serde_json::json;

use crate::common::{Fed, by_address, ndjson, stable_ports, text_book};
use crate::support::mxlookup;

const FEDERATION: &str = r#"
[homeserver.well_known]
identity_server = "tom.example:443"
federated_identity_services = ["fed.example:443"]

[[servers]]
name = "tom.example:443"
start = true
pepper = "p1"
associations = [{ medium = "email", address = "ann@example.org", mxid = "@ann:tom.example" }]

[[servers]]
name = "fed.example:443"
pepper = "p2"
associations = [{ medium = "email", address = "bob@example.org", mxid = "@bob:fed.example" }]
"#;

/// The federation of `toml` with a homeserver whose well-known says
/// `well_known` (a TOML table body, or None for no well-known at all).
fn federation(well_known: Option<&str>) -> Fed {
    let servers = &FEDERATION[FEDERATION.find("[[servers]]").unwrap()..];
    let toml = match well_known {
        Some(table) => format!("[homeserver.well_known]\n{table}\n{servers}"),
        None => servers.to_owned(),
    };
    Fed::start(Some(&toml))
}

/// The federation of [`FEDERATION`] (its well-known included) with the
/// user's account data set by `account_data` (a TOML table body).
fn with_account_data(account_data: &str) -> Fed {
    let (head, servers) = FEDERATION.split_at(FEDERATION.find("[[servers]]").unwrap());
    Fed::start(Some(&format!(
        "{head}[homeserver.account_data]\n{account_data}\n{servers}"
    )))
}

fn homeserver_args(fed: &Fed) -> Vec<String> {
    vec![
        "--homeserver".to_owned(),
        fed.sandbox.homeserver_url().to_string(),
        "--hs-token".to_owned(),
        fed.sandbox.homeserver_token().to_owned(),
    ]
}

fn well_known_requests(fed: &Fed) -> Vec<mxlookup::sandbox::Recorded> {
    fed.received(mxlookup::sandbox::HOMESERVER)
        .into_iter()
        .filter(|r| r.path == "/.well-known/matrix/client")
        .collect()
}

/// The homeserver requests for one type of account data: (method, status).
fn account_data_requests(fed: &Fed, kind: &str) -> Vec<(String, u16)> {
    fed.received(mxlookup::sandbox::HOMESERVER)
        .into_iter()
        .filter(|r| r.path.ends_with(&format!("/account_data/{kind}")))
        .map(|r| (r.method, r.status))
        .collect()
}

/// Every request the identity servers of [`FEDERATION`] received.
fn identity_server_requests(fed: &Fed) -> usize {
    ["tom.example:443", "fed.example:443"]
        .iter()
        .map(|s| fed.received(s).len())
        .sum()
}

#[test]
fn start_servers_are_discovered_from_the_homeserver() {
    let fed = Fed::start(Some(FEDERATION));
    let (_dir, book) = text_book(["ann@example.org".to_owned(), "bob@example.org".to_owned()]);
    let (code, results, stderr) = ndjson("lookup", &book, &homeserver_args(&fed));
    assert_eq!(code, 0, "{stderr}");
    let tom = fed.url("tom.example:443");
    let far = fed.url("fed.example:443");
    let ann = by_address(&results, "ann@example.org");
    assert_eq!(ann["mxid"], "@ann:tom.example");
    assert_eq!(ann["via"], serde_json::json!([tom]));
    let bob = by_address(&results, "bob@example.org");
    assert_eq!(bob["mxid"], "@bob:fed.example");
    assert_eq!(bob["via"], serde_json::json!([far]));
    // Said on stderr, and asked once, without the homeserver token.
    let hs = fed.sandbox.homeserver_url();
    let origin = hs.as_str().trim_end_matches('/');
    assert!(
        stderr.contains(&format!(
            "identity servers from {origin}/.well-known/matrix/client: {tom}, {far}\n"
        )),
        "{stderr}"
    );
    let asked = well_known_requests(&fed);
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].authorization, None);
    // The user's choice was asked first: none made (404).
    assert_eq!(
        account_data_requests(&fed, "m.identity_server"),
        [("GET".to_owned(), 404)]
    );
}

#[test]
fn the_users_choice_wins_over_the_well_known() {
    // `{}` (what deleting account data leaves) is no choice either.
    let fed = with_account_data(r#"raw = { "m.identity_server" = '{}' }"#);
    let (code, _, stderr) = mxlookup()
        .args(["lookup", "fixtures/friends.txt", "--dry-run"])
        .args(homeserver_args(&fed))
        .run();
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(well_known_requests(&fed).len(), 1, "{stderr}");

    let fed = with_account_data(r#"identity_server = "fed.example:443""#);
    let (_dir, book) = text_book(["ann@example.org".to_owned(), "bob@example.org".to_owned()]);
    let (code, results, stderr) = ndjson("lookup", &book, &homeserver_args(&fed));
    assert_eq!(code, 0, "{stderr}");
    let far = fed.url("fed.example:443");
    let bob = by_address(&results, "bob@example.org");
    assert_eq!(bob["mxid"], "@bob:fed.example");
    assert_eq!(bob["via"], json!([far]));
    // ann is on the well-known's server, which was not asked.
    let ann = by_address(&results, "ann@example.org");
    assert_eq!(
        (&ann["status"], &ann["via"]),
        (&json!("not_found"), &json!([far]))
    );
    assert!(fed.received("tom.example:443").is_empty());
    assert!(well_known_requests(&fed).is_empty());
    assert_eq!(
        account_data_requests(&fed, "m.identity_server"),
        [("GET".to_owned(), 200)]
    );
    let hs = fed.sandbox.homeserver_url();
    let origin = hs.as_str().trim_end_matches('/');
    let user = fed.sandbox.user_id();
    assert!(
        stderr.contains(&format!(
            "identity server of your choice (m.identity_server account data, {origin}/_matrix/client/v3/user/{user}/account_data/m.identity_server): {far}\n"
        )),
        "{stderr}"
    );
}

#[test]
fn a_choice_of_no_identity_server_or_of_a_bad_one_stops_before_any_server() {
    for (name, account_data) in [
        ("choice_none", "no_identity_server = true"),
        ("choice_not_a_url", r#"identity_server = "vector.im""#),
        (
            "choice_not_a_string",
            r#"raw = { "m.identity_server" = '{"base_url": 42}' }"#,
        ),
    ] {
        let fed = with_account_data(account_data);
        let (code, stdout, stderr) = mxlookup()
            .args(["lookup", "fixtures/friends.txt"])
            .args(homeserver_args(&fed))
            .run_with_env(&[("MXLOOKUP_BACKOFF_MS", "0")]);
        assert_eq!((code, stdout.as_str()), (2, ""), "{name}: {stderr}");
        assert!(
            stderr.starts_with("error: ") && stderr.contains("\nhint: "),
            "{name}: {stderr}"
        );
        assert!(
            stderr.contains("m.identity_server account data"),
            "{name}: {stderr}"
        );
        assert_eq!(identity_server_requests(&fed), 0, "{name}");
        assert!(well_known_requests(&fed).is_empty(), "{name}");
        let user = fed.sandbox.user_id().to_owned();
        insta::assert_snapshot!(name, stable_ports(&stderr).replace(&user, "USER"));
    }
}

#[test]
fn a_named_server_is_not_replaced_by_discovery() {
    // Whatever the account data says, even "none": -s is this run's choice.
    for account_data in [
        "",
        r#"identity_server = "fed.example:443""#,
        "no_identity_server = true",
    ] {
        let fed = with_account_data(account_data);
        let (_dir, book) = text_book(["bob@example.org".to_owned()]);
        let tom = fed.url("tom.example:443");
        let (code, stdout, stderr) = mxlookup()
            .args(["lookup", &book, "-f", "csv", "-s", &tom])
            .args(homeserver_args(&fed))
            .run();
        assert_eq!(code, 0, "{account_data}: {stderr}");
        assert!(stdout.contains(",not_found,"), "{stdout}");
        assert!(well_known_requests(&fed).is_empty());
        assert!(account_data_requests(&fed, "m.identity_server").is_empty());
        assert!(fed.received("fed.example:443").is_empty());
    }
}

#[test]
fn config_show_says_where_the_servers_come_from() {
    let fed = with_account_data(r#"identity_server = "fed.example:443""#);
    let show = |extra: &[&str]| {
        let (code, stdout, stderr) = mxlookup()
            .args(["config", "show", "-f", "json"])
            .args(extra)
            .args(homeserver_args(&fed))
            .run();
        assert_eq!(code, 0, "{stderr}");
        let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        json["settings"]["servers"].clone()
    };
    // Offline by default: it says where a run will look, and asks nothing.
    let servers = show(&[]);
    assert_eq!(servers["source"], "homeserver");
    assert_eq!(servers["value"], json!([]));
    let from = servers["from"].as_str().unwrap();
    assert!(
        from.starts_with("at run time: your m.identity_server account data on http://")
            && from.contains("else its /.well-known/matrix/client"),
        "{from}"
    );
    assert!(fed.received(mxlookup::sandbox::HOMESERVER).is_empty());

    // --discover asks: the user's choice.
    let servers = show(&["--discover"]);
    assert_eq!(servers["source"], "discovered");
    assert_eq!(servers["value"], json!([fed.url("fed.example:443")]));
    let from = servers["from"].as_str().unwrap();
    assert!(from.ends_with("/account_data/m.identity_server"), "{from}");
    assert!(well_known_requests(&fed).is_empty());

    // No choice: the well-known.
    let fed = Fed::start(Some(FEDERATION));
    let (code, stdout, stderr) = mxlookup()
        .args(["config", "show", "-f", "json", "--discover"])
        .args(homeserver_args(&fed))
        .run();
    assert_eq!(code, 0, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let servers = &json["settings"]["servers"];
    assert_eq!(servers["source"], "discovered");
    assert_eq!(
        servers["value"],
        json!([fed.url("tom.example:443"), fed.url("fed.example:443")])
    );
    assert!(
        servers["from"]
            .as_str()
            .unwrap()
            .ends_with("/.well-known/matrix/client")
    );

    // A choice of none: said as a warning with its hint; nothing found.
    let fed = with_account_data("no_identity_server = true");
    let (code, stdout, stderr) = mxlookup()
        .args(["config", "show", "-f", "json", "--discover"])
        .args(homeserver_args(&fed))
        .run();
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.starts_with("warning: you chose to use no identity server")
            && stderr.contains("\nhint: "),
        "{stderr}"
    );
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["settings"]["servers"]["value"], json!([]));
}

#[test]
fn discovery_that_finds_nothing_says_so() {
    // No well-known at all (404), and one that names no identity server.
    for (name, well_known) in [
        ("discovery_404", None),
        ("discovery_nothing", Some("")),
        (
            "discovery_bad_url",
            Some("identity_server = \"ftp://is.example\""),
        ),
    ] {
        let fed = federation(well_known);
        let (code, stdout, stderr) = mxlookup()
            .args(["lookup", "fixtures/friends.txt"])
            .args(homeserver_args(&fed))
            .run_with_env(&[("MXLOOKUP_BACKOFF_MS", "0")]);
        assert_eq!((code, stdout.as_str()), (2, ""), "{name}: {stderr}");
        insta::assert_snapshot!(name, stable_ports(&stderr));
    }
}

const TERMS: &str = r#"
[homeserver.account_data]
ACCOUNT_DATA

[[servers]]
name = "tom.example:443"
start = true
pepper = "p1"
associations = [{ medium = "email", address = "ann@example.org", mxid = "@ann:tom.example" }]
[servers.terms.privacy_policy]
version = "1.2"
en = { name = "Privacy Policy", url = "https://tom.example/privacy-1.2-en.html" }
fr = { name = "Confidentialité", url = "https://tom.example/privacy-1.2-fr.html" }
[servers.terms.terms_of_service]
version = "3"
en = { name = "Terms of Service", url = "https://tom.example/tos-3-en.html" }
"#;

const PRIVACY_FR: &str = "https://tom.example/privacy-1.2-fr.html";
const PRIVACY_EN: &str = "https://tom.example/privacy-1.2-en.html";
const TOS: &str = "https://tom.example/tos-3-en.html";

/// A server with two policies, the user's account data as `account_data`
/// says; the lookup of ann@example.org there.
fn terms_lookup(account_data: &str, extra: &[&str]) -> (Fed, i32, Vec<serde_json::Value>, String) {
    let fed = Fed::start(Some(&TERMS.replace("ACCOUNT_DATA", account_data)));
    let (_dir, book) = text_book(["ann@example.org".to_owned()]);
    let (code, results, stderr) = fed.lookup(&book, extra);
    (fed, code, results, stderr)
}

/// The URLs tom.example accepted on the user's behalf (`POST /terms`).
fn accepted_at_server(fed: &Fed) -> Vec<serde_json::Value> {
    fed.received("tom.example:443")
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/terms"))
        .map(|r| {
            serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["user_accepts"].clone()
        })
        .collect()
}

#[test]
fn terms_accepted_in_another_client_are_accepted_without_asking() {
    // Each policy accepted in one of its languages, among other servers' terms.
    let recorded = json!({"accepted": ["https://elsewhere.example/tos.html", PRIVACY_FR, TOS]});
    let (fed, code, results, stderr) = terms_lookup(
        &format!("raw = {{ \"m.accepted_terms\" = '{recorded}' }}"),
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(results[0]["mxid"], "@ann:tom.example");
    assert_eq!(accepted_at_server(&fed), [json!([PRIVACY_FR, TOS])]);
    // Nothing new to record: the account data is as it was, not rewritten.
    assert_eq!(fed.sandbox.account_data("m.accepted_terms"), Some(recorded));
    assert_eq!(
        account_data_requests(&fed, "m.accepted_terms"),
        [("GET".to_owned(), 200)]
    );
}

#[test]
fn terms_not_all_accepted_are_asked_for_the_rest_only() {
    let (fed, code, results, _) =
        terms_lookup(&format!("accepted_terms = [\"{PRIVACY_EN}\"]"), &[]);
    assert_eq!(code, 1);
    let reason = results[0]["reason"].as_str().unwrap();
    assert!(
        reason.contains(TOS) && reason.contains("--accept-terms"),
        "{reason}"
    );
    assert!(!reason.contains("privacy"), "{reason}");
    assert!(accepted_at_server(&fed).is_empty());
    assert_eq!(
        fed.sandbox.account_data("m.accepted_terms"),
        Some(json!({"accepted": [PRIVACY_EN]}))
    );
}

#[test]
fn accept_terms_records_what_it_accepts_keeping_what_others_wrote() {
    let recorded = json!({
        "accepted": ["https://elsewhere.example/tos.html", PRIVACY_FR],
        "org.example.note": {"kept": true}
    });
    let (fed, code, results, stderr) = terms_lookup(
        &format!("raw = {{ \"m.accepted_terms\" = '{recorded}' }}"),
        &["--accept-terms"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(results[0]["mxid"], "@ann:tom.example");
    assert_eq!(accepted_at_server(&fed), [json!([PRIVACY_FR, TOS])]);
    assert_eq!(
        fed.sandbox.account_data("m.accepted_terms"),
        Some(json!({
            "accepted": ["https://elsewhere.example/tos.html", PRIVACY_FR, TOS],
            "org.example.note": {"kept": true}
        }))
    );

    // With nothing recorded yet (404), the list is created.
    let (fed, code, _, stderr) = terms_lookup("", &["--accept-terms"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        fed.sandbox.account_data("m.accepted_terms"),
        Some(json!({"accepted": [PRIVACY_EN, TOS]}))
    );
    assert_eq!(
        account_data_requests(&fed, "m.accepted_terms"),
        [("GET".to_owned(), 404), ("PUT".to_owned(), 200)]
    );
}
