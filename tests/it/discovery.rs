//! With no server named anywhere, the start servers come from the
//! homeserver's `/.well-known/matrix/client`: `m.identity_server` and
//! ToM/Twake's `m.federated_identity_services`.

use crate::common::{Fed, by_address, stable_ports, text_book};
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

#[test]
fn start_servers_are_discovered_from_the_homeserver() {
    let fed = Fed::start(Some(FEDERATION));
    let (_dir, book) = text_book(["ann@example.org".to_owned(), "bob@example.org".to_owned()]);
    let (code, stdout, stderr) = mxlookup()
        .args(["lookup", &book, "-f", "ndjson"])
        .args(homeserver_args(&fed))
        .run_with_env(&[("MXLOOKUP_BACKOFF_MS", "0")]);
    assert_eq!(code, 0, "{stderr}");
    let results: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
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
}

#[test]
fn a_named_server_is_not_replaced_by_discovery() {
    let fed = Fed::start(Some(FEDERATION));
    let (_dir, book) = text_book(["bob@example.org".to_owned()]);
    let tom = fed.url("tom.example:443");
    let (code, stdout, stderr) = mxlookup()
        .args(["lookup", &book, "-f", "csv", "-s", &tom])
        .args(homeserver_args(&fed))
        .run();
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains(",not_found,"), "{stdout}");
    assert!(well_known_requests(&fed).is_empty());
}

#[test]
fn config_show_says_what_was_discovered() {
    let fed = Fed::start(Some(FEDERATION));
    let (code, stdout, stderr) = mxlookup()
        .args(["config", "show", "-f", "json"])
        .args(homeserver_args(&fed))
        .run();
    assert_eq!(code, 0, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let servers = &json["settings"]["servers"];
    assert_eq!(servers["source"], "discovered");
    assert_eq!(
        servers["value"],
        serde_json::json!([fed.url("tom.example:443"), fed.url("fed.example:443")])
    );
    assert!(
        servers["from"]
            .as_str()
            .unwrap()
            .ends_with("/.well-known/matrix/client")
    );
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
