//! Server names in one canonical form (issue 14, point 5): however a
//! referral, `--resolve` or a pattern spells a server (case, a trailing
//! dot, the default port, IDNA), it is one server for the policy, loops,
//! the budget and `via`. Through the binary, against the sandbox, whose
//! referrals are served verbatim as written here.

use serde_json::Value;

use crate::common::{Fed, by_address, ndjson, text_book, via};
use crate::support::mxlookup;

/// The start server; it refers its users elsewhere, each spelt its own way.
const HUB: &str = r#"
[[servers]]
name = "hub.test:443"
start = true
pepper = "hubpepper"
"#;

/// `-s` the start server and the homeserver with its token; no
/// `--resolve`, no allow list: each test says which it wants.
fn base(fed: &Fed) -> Vec<String> {
    vec![
        "-s".to_owned(),
        fed.url("hub.test:443"),
        "--homeserver".to_owned(),
        fed.sandbox.homeserver_url().to_string(),
        "--hs-token".to_owned(),
        fed.sandbox.homeserver_token().to_owned(),
    ]
}

/// `--resolve NAME=URL` for the sandbox server `server`, NAME as written.
fn resolve(fed: &Fed, name: &str, server: &str) -> [String; 2] {
    [
        "--resolve".to_owned(),
        format!("{name}={}", fed.url(server)),
    ]
}

/// `--resolve` for every sandbox server, under its own (canonical) name.
fn resolve_all(fed: &Fed) -> Vec<String> {
    fed.sandbox
        .resolve_map()
        .into_iter()
        .flat_map(|(name, url)| ["--resolve".to_owned(), format!("{name}={url}")])
        .collect()
}

/// Runs `mxlookup lookup` over a book of `addresses` with `args`; returns
/// (exit code, ndjson results, stderr).
fn lookup(addresses: &[&str], args: &[String]) -> (i32, Vec<Value>, String) {
    let (_dir, book) = text_book(addresses.iter().map(|a| a.to_string()));
    ndjson("lookup", &book, args)
}

/// Requests `server` received at endpoints ending with `suffix`.
fn count(fed: &Fed, server: &str, suffix: &str) -> usize {
    fed.received(server)
        .iter()
        .filter(|r| r.path.split('?').next().unwrap_or("").ends_with(suffix))
        .count()
}

fn field<'a>(results: &'a [Value], address: &str, name: &str) -> &'a str {
    by_address(results, address)[name]
        .as_str()
        .unwrap_or_default()
}

/// hub.test refers bob to `C.Test.:443`, carol to `c.test.:8448` and dave
/// to `XN--BCHER-KVA.test.`; each of those servers knows its user.
fn spelt_referrals() -> Fed {
    Fed::start(Some(&format!(
        r#"{HUB}
referrals = [
  {{ medium = "email", address = "bob@example.org", server = "C.Test.:443" }},
  {{ medium = "email", address = "carol@example.org", server = "c.test.:8448" }},
  {{ medium = "email", address = "dave@example.org", server = "XN--BCHER-KVA.test." }},
]

[[servers]]
name = "c.test:443"
pepper = "cpepper"
associations = [{{ medium = "email", address = "bob@example.org", mxid = "@bob:c.test" }}]

[[servers]]
name = "c.test:8448"
pepper = "c8448pepper"
associations = [{{ medium = "email", address = "carol@example.org", mxid = "@carol:c.test" }}]

[[servers]]
name = "xn--bcher-kva.test:443"
pepper = "bpepper"
associations = [{{ medium = "email", address = "dave@example.org", mxid = "@dave:xn--bcher-kva.test" }}]
"#
    )))
}

const SPELT: [&str; 3] = ["bob@example.org", "carol@example.org", "dave@example.org"];

#[test]
fn referrals_spelt_otherwise_reach_the_canonical_name_and_via_shows_it() {
    let fed = spelt_referrals();
    let mut args = base(&fed);
    args.extend(resolve_all(&fed));
    let (code, results, stderr) = lookup(&SPELT, &args);
    assert_eq!(code, 0, "{stderr}");
    let hub = fed.url("hub.test:443");
    for (address, mxid, server) in [
        ("bob@example.org", "@bob:c.test", "c.test:443"),
        ("carol@example.org", "@carol:c.test", "c.test:8448"),
        (
            "dave@example.org",
            "@dave:xn--bcher-kva.test",
            "xn--bcher-kva.test:443",
        ),
    ] {
        let result = by_address(&results, address);
        assert_eq!(result["mxid"], mxid, "{address}: {result}");
        assert_eq!(via(result), [hub.as_str(), server], "{address}");
    }
}

#[test]
fn a_pattern_denies_every_spelling_of_the_servers_it_names() {
    let fed = spelt_referrals();
    let mut args = base(&fed);
    args.extend(resolve_all(&fed));
    // The patterns are spelt otherwise too.
    args.extend(["--deny-server", "c.test:*", "--deny-server", "BÜCHER.test."].map(String::from));
    let (code, results, stderr) = lookup(&SPELT, &args);
    assert_eq!(code, 0, "{stderr}");
    for (address, server) in [
        ("bob@example.org", "c.test:443"),
        ("carol@example.org", "c.test:8448"),
        ("dave@example.org", "xn--bcher-kva.test:443"),
    ] {
        assert_eq!(
            field(&results, address, "status"),
            "unfollowed",
            "{address}"
        );
        assert_eq!(
            field(&results, address, "reason"),
            format!("referred to {server}, not followed: denied by --deny-server"),
            "{address}"
        );
        assert!(fed.received(server).is_empty(), "{server} was asked");
    }
}

#[test]
fn a_referral_back_to_the_start_server_spelt_otherwise_is_a_loop() {
    // hub.test refers bob to mid.test, which refers him back to
    // `HUB.Test.:0443`; hub.test refers carol to itself as `Hub.Test.`.
    let fed = Fed::start(Some(&format!(
        r#"{HUB}
referrals = [
  {{ medium = "email", address = "bob@example.org", server = "mid.test:443" }},
  {{ medium = "email", address = "carol@example.org", server = "Hub.Test." }},
]

[[servers]]
name = "mid.test:443"
pepper = "midpepper"
referrals = [{{ medium = "email", address = "bob@example.org", server = "HUB.Test.:0443" }}]
"#
    )));
    let mut args = base(&fed);
    args.extend(resolve_all(&fed));
    let (code, results, stderr) = lookup(&["bob@example.org", "carol@example.org"], &args);
    assert_eq!(code, 0, "{stderr}");
    let hub = fed.url("hub.test:443");
    assert_eq!(field(&results, "bob@example.org", "status"), "not_found");
    assert_eq!(
        via(by_address(&results, "bob@example.org")),
        [hub.as_str(), "mid.test:443"]
    );
    assert_eq!(field(&results, "carol@example.org", "status"), "not_found");
    assert_eq!(
        via(by_address(&results, "carol@example.org")),
        [hub.as_str()]
    );
    // Each asked once: the start server is not asked again under its name.
    assert_eq!(count(&fed, "hub.test:443", "/lookup"), 1);
    assert_eq!(count(&fed, "mid.test:443", "/lookup"), 1);
}

#[test]
fn two_spellings_of_a_referred_server_count_once_and_are_asked_once() {
    let fed = Fed::start(Some(&format!(
        r#"{HUB}
referrals = [
  {{ medium = "email", address = "bob@example.org", server = "far.test" }},
  {{ medium = "email", address = "carol@example.org", server = "FAR.Test.:443" }},
  {{ medium = "email", address = "dave@example.org", server = "other.test:443" }},
]

[[servers]]
name = "far.test:443"
pepper = "farpepper"
associations = [
  {{ medium = "email", address = "bob@example.org", mxid = "@bob:far.test" }},
  {{ medium = "email", address = "carol@example.org", mxid = "@carol:far.test" }},
]

[[servers]]
name = "other.test:443"
pepper = "otherpepper"
associations = [{{ medium = "email", address = "dave@example.org", mxid = "@dave:other.test" }}]
"#
    )));
    let mut args = base(&fed);
    args.extend(resolve_all(&fed));
    args.extend(["--server-budget", "1"].map(String::from));
    let (code, results, stderr) = lookup(&SPELT, &args);
    assert_eq!(code, 0, "{stderr}");
    let hub = fed.url("hub.test:443");
    for address in ["bob@example.org", "carol@example.org"] {
        assert_eq!(field(&results, address, "status"), "found", "{address}");
        assert_eq!(
            via(by_address(&results, address)),
            [hub.as_str(), "far.test:443"]
        );
    }
    // The budget of one server went to far.test, under both spellings.
    assert_eq!(field(&results, "dave@example.org", "status"), "unfollowed");
    assert_eq!(
        field(&results, "dave@example.org", "reason"),
        "referred to other.test:443, not followed: server budget of 1 spent"
    );
    assert_eq!(count(&fed, "far.test:443", "/account/register"), 1);
    assert_eq!(count(&fed, "far.test:443", "/lookup"), 1);
    assert!(fed.received("other.test:443").is_empty());
}

#[test]
fn a_resolve_name_spelt_otherwise_places_the_canonical_name() {
    let fed = Fed::start(Some(&format!(
        r#"{HUB}
referrals = [
  {{ medium = "email", address = "bob@example.org", server = "c.test:443" }},
  {{ medium = "email", address = "carol@example.org", server = "bücher.test:8448" }},
]

[[servers]]
name = "c.test:443"
pepper = "cpepper"
associations = [{{ medium = "email", address = "bob@example.org", mxid = "@bob:c.test" }}]

[[servers]]
name = "xn--bcher-kva.test:8448"
pepper = "bpepper"
associations = [{{ medium = "email", address = "carol@example.org", mxid = "@carol:xn--bcher-kva.test" }}]
"#
    )));
    let mut args = base(&fed);
    args.extend(resolve(&fed, "C.Test.", "c.test:443"));
    args.extend(resolve(
        &fed,
        "XN--BCHER-KVA.TEST.:08448",
        "xn--bcher-kva.test:8448",
    ));
    let (code, results, stderr) = lookup(&["bob@example.org", "carol@example.org"], &args);
    assert_eq!(code, 0, "{stderr}");
    let hub = fed.url("hub.test:443");
    let bob = by_address(&results, "bob@example.org");
    assert_eq!(bob["mxid"], "@bob:c.test", "{bob}");
    assert_eq!(via(bob), [hub.as_str(), "c.test:443"]);
    let carol = by_address(&results, "carol@example.org");
    assert_eq!(carol["mxid"], "@carol:xn--bcher-kva.test", "{carol}");
    assert_eq!(via(carol), [hub.as_str(), "xn--bcher-kva.test:8448"]);
}

#[test]
fn bad_names_and_patterns_are_refused_before_any_request() {
    let fed = Fed::start(Some(HUB));
    for (option, value, why) in [
        (
            "--deny-server",
            "::1",
            "an IPv6 address must be in brackets",
        ),
        ("--allow-server", "c.test:0", "port 0 cannot be reached"),
        ("--deny-server", "c..test:*", "empty label"),
        ("--allow-server", "c.test:70000", "port above 65535"),
        ("--deny-server", "bü*.test", "A-label"),
        ("--resolve", "c..test=http://127.0.0.1:1", "empty label"),
        ("--resolve", "::1=http://127.0.0.1:1", "in brackets"),
        ("--resolve", "xn--ab-.test=http://127.0.0.1:1", "IDNA"),
        (
            "--resolve",
            "c.test:99999=http://127.0.0.1:1",
            "above 65535",
        ),
    ] {
        let mut args = base(&fed);
        args.extend([option.to_owned(), value.to_owned()]);
        let (code, results, stderr) = lookup(&["bob@example.org"], &args);
        assert_eq!(code, 2, "{option} {value}: {stderr}");
        assert!(results.is_empty(), "{option} {value}");
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 2, "{option} {value}: {stderr}");
        assert!(
            lines[0].starts_with("error: ") && lines[0].contains(why),
            "{option} {value}: {stderr}"
        );
        assert!(lines[1].starts_with("hint: "), "{option} {value}: {stderr}");
    }
    assert!(fed.received("hub.test:443").is_empty());
}

#[test]
fn help_says_how_names_are_compared() {
    let (code, help, stderr) = mxlookup().args(["lookup", "--help"]).run();
    assert_eq!(code, 0, "{stderr}");
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    for said in [
        "compared in one canonical form",
        "no trailing dot",
        "(443 when absent)",
        "`bücher.test` is `xn--bcher-kva.test:443`",
        "a missing port means 443 (write `:*` for any port)",
        "`--deny-server 'c.test:*'` leaves a referral to `C.Test.:8448`",
    ] {
        assert!(help.contains(said), "lookup --help lacks {said:?}");
    }
}
