//! Referrals the policy must not follow by itself: to a plain-http URL, to
//! a denied server, to an address in a private range. Each is reported as
//! `unfollowed`, naming the server, and nothing is sent there; and each is
//! followed once the user says so (`--resolve`, `--allow-server`), for the
//! ones a user can allow.

use super::bodies::{Mode, Raw};
use super::{count, fed_args, fed_with, run};

/// hub.example refers bob to a plain-http URL, carol to `127.0.0.1:PORT`
/// (the raw listener), dave to denied.example (in the federation, holding
/// dave), and erin to plain.example:8080.
fn federation(raw: &Raw) -> crate::common::Fed {
    let port = raw.port;
    fed_with(&format!(
        r#"
[[servers]]
name = "hub.example:443"
start = true
pepper = "hubpepper"
referrals = [
  {{ medium = "email", address = "bob@example.org", server = "http://127.0.0.1:{port}" }},
  {{ medium = "email", address = "carol@example.org", server = "127.0.0.1:{port}" }},
  {{ medium = "email", address = "dave@example.org", server = "denied.example:443" }},
  {{ medium = "email", address = "erin@example.org", server = "plain.example:8080" }},
]

[[servers]]
name = "denied.example:443"
pepper = "deniedpepper"
associations = [
  {{ medium = "email", address = "dave@example.org", mxid = "@dave:denied.example" }},
  {{ medium = "email", address = "carol@example.org", mxid = "@carol:denied.example" }},
  {{ medium = "email", address = "erin@example.org", mxid = "@erin:denied.example" }},
]
"#
    ))
}

const OTHERS: [&str; 4] = [
    "bob@example.org",
    "carol@example.org",
    "dave@example.org",
    "erin@example.org",
];

#[test]
fn plain_http_denied_and_private_referrals_are_left_and_named() {
    let raw = Raw::start(Mode::Close);
    let fed = federation(&raw);
    let port = raw.port;
    let mut args = fed_args(&fed, false);
    args.extend(["--deny-server".into(), "denied.*".into()]);
    // A pattern without a port means port 443.
    args.extend(["--deny-server".into(), "plain.*:*".into()]);
    let run = run("policy: nothing allowed", &OTHERS, &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for (address, named, why) in [
        (
            "bob@example.org",
            format!("http://127.0.0.1:{port}"),
            "invalid server name",
        ),
        (
            "carol@example.org",
            format!("127.0.0.1:{port}"),
            "a private or local address",
        ),
        (
            "dave@example.org",
            "denied.example:443".to_owned(),
            "denied by --deny-server",
        ),
        (
            "erin@example.org",
            "plain.example:8080".to_owned(),
            "denied by --deny-server",
        ),
    ] {
        assert_eq!(run.status(address), "unfollowed", "{address}");
        let reason = run.reason(address);
        assert!(
            reason.contains(&named) && reason.contains(why),
            "{address}: {reason}"
        );
    }
    assert_eq!(raw.connections(), 0, "a referral reached the listener");
    assert!(fed.received("denied.example:443").is_empty());
}

#[test]
fn the_user_can_allow_what_the_policy_leaves() {
    let raw = Raw::start(Mode::Close);
    let fed = federation(&raw);
    let port = raw.port;
    let denied = fed.sandbox.server_url("denied.example:443").expect("url");

    // --resolve: the private address and the plain-http name are reached
    // where the user says: denied.example's sandbox server, over http (under
    // URLs of their own, or the walk would take them for denied.example).
    let mut args = fed_args(&fed, false);
    args.extend([
        "--resolve".to_owned(),
        format!("127.0.0.1:{port}={denied}carol/"),
        "--resolve".to_owned(),
        format!("plain.example:8080={denied}erin/"),
    ]);
    let run = run("policy: --resolve", &OTHERS, &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.result("carol@example.org")["mxid"],
        "@carol:denied.example"
    );
    assert_eq!(
        crate::common::via(run.result("carol@example.org"))[1],
        format!("127.0.0.1:{port}")
    );
    assert_eq!(
        run.result("erin@example.org")["mxid"],
        "@erin:denied.example"
    );
    assert_eq!(
        run.result("dave@example.org")["mxid"],
        "@dave:denied.example"
    );
    // A URL is never a server name, whatever is allowed.
    assert_eq!(run.status("bob@example.org"), "unfollowed");
    assert_eq!(raw.connections(), 0);
    assert_eq!(count(&fed, "denied.example:443", "/lookup"), 3);

    // --allow-server: the private address is followed, at https://IP:PORT
    // (the listener is not an HTTPS server, so that ends in an error).
    let mut args = fed_args(&fed, true);
    args.extend(["--allow-server".to_owned(), "127.0.0.1:*".to_owned()]);
    let run = super::run("policy: --allow-server", &OTHERS, &args);
    assert_eq!(run.status("carol@example.org"), "error");
    let reason = run.reason("carol@example.org");
    assert!(reason.contains(&format!("127.0.0.1:{port}")), "{reason}");
    assert!(
        raw.connections() >= 1,
        "the allowed referral was not followed"
    );
    assert_eq!(
        run.result("dave@example.org")["mxid"],
        "@dave:denied.example"
    );
    assert_eq!(run.status("erin@example.org"), "unfollowed");
    assert!(
        run.reason("erin@example.org")
            .contains("not in the allowed servers")
    );
    assert_eq!(count(&fed, "denied.example:443", "/lookup"), 4);
}

#[test]
fn private_addresses_in_disguise_are_left_too() {
    // Loopback spelled as a name, as a number, in IPv4 shorthand, in hex,
    // and as an IPv4-mapped IPv6 address: every one reaches 127.0.0.1.
    let raw = Raw::start(Mode::Close);
    let port = raw.port;
    let disguises = [
        format!("localhost:{port}"),
        format!("ip6-localhost.localhost:{port}"),
        format!("2130706433:{port}"),
        format!("127.1:{port}"),
        format!("0x7f.0.0.1:{port}"),
        format!("[::ffff:127.0.0.1]:{port}"),
        format!("[::ffff:7f00:1]:{port}"),
    ];
    let addresses: Vec<String> = (0..disguises.len())
        .map(|i| format!("user{i}@example.org"))
        .collect();
    let referrals: Vec<String> = addresses
        .iter()
        .zip(&disguises)
        .map(|(a, s)| format!(r#"{{ medium = "email", address = "{a}", server = "{s}" }}"#))
        .collect();
    let fed = fed_with(&format!(
        r#"
[[servers]]
name = "hub.example:443"
start = true
pepper = "hubpepper"
referrals = [{}]
"#,
        referrals.join(", ")
    ));
    let others: Vec<&str> = addresses.iter().map(String::as_str).collect();
    let run = run(
        "policy: disguised loopback",
        &others,
        &fed_args(&fed, false),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    for (address, disguise) in others.iter().zip(&disguises) {
        assert_eq!(run.status(address), "unfollowed", "{disguise}");
        let reason = run.reason(address);
        assert!(reason.contains("private or local"), "{disguise}: {reason}");
    }
    assert_eq!(raw.connections(), 0, "a disguised loopback was followed");
}

#[test]
fn a_name_resolving_to_a_private_address_is_not_connected_to() {
    // What a referred server's name resolves to is checked when connecting
    // (the policy cannot know it): the client for such servers keeps public
    // addresses only. `localhost` resolves to loopback everywhere.
    use mxlookup::identity::{Http, HttpSettings, IdentityClient};
    let raw = Raw::start(Mode::Close);
    let url = url::Url::parse(&format!("http://localhost:{}/", raw.port)).expect("URL");
    let settings = HttpSettings {
        retries: 0,
        ..HttpSettings::default()
    };
    let http = Http::new(settings, None).expect("client");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let guarded = IdentityClient::new(http.public_only(), "localhost:1", url.clone());
    let err = runtime
        .block_on(guarded.terms())
        .expect_err("reached a private address");
    assert!(
        err.to_string()
            .contains("`localhost` resolves only to private or local addresses"),
        "{err}"
    );
    assert_eq!(raw.connections(), 0);
    // The client for servers the user named connects there.
    let plain = IdentityClient::new(http, "localhost:1", url);
    let err = runtime.block_on(plain.terms()).expect_err("not a server");
    assert!(!err.to_string().contains("resolves only"), "{err}");
    assert!(raw.connections() >= 1);
}
