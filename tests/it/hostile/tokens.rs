//! A server that "sends back" the homeserver token it never got: hub.example
//! answers its registration with the homeserver user's own access token.
//! Read from what every server recorded: the homeserver token reaches no
//! identity server, and each IS token reaches only the server that issued
//! it.

use mxlookup::sandbox::HOMESERVER;

use super::{fed_args, fed_with, run};

#[test]
fn the_homeserver_token_reaches_no_identity_server() {
    let fed = fed_with(
        r#"
[[servers]]
name = "hub.example:443"
start = true
pepper = "hubpepper"
echo_homeserver_token = true
associations = [{ medium = "email", address = "bob@example.org", mxid = "@bob:hub.example" }]

[[servers]]
name = "mid.example:443"
start = true
pepper = "midpepper"
referrals = [{ medium = "email", address = "carol@example.org", server = "sink.example:443" }]

[[servers]]
name = "sink.example:443"
pepper = "sinkpepper"
associations = [{ medium = "email", address = "carol@example.org", mxid = "@carol:sink.example" }]
"#,
    );
    let run = run(
        "homeserver token echoed",
        &["bob@example.org", "carol@example.org"],
        &fed_args(&fed, true),
    );
    assert_eq!(run.status("bob@example.org"), "error");
    let reason = run.reason("bob@example.org");
    assert!(
        reason.contains(&fed.url("hub.example:443")) && reason.contains("homeserver"),
        "{reason}"
    );
    assert_eq!(
        run.result("carol@example.org")["mxid"],
        "@carol:sink.example"
    );

    let hs_token = fed.sandbox.homeserver_token().to_owned();
    let names: Vec<String> = fed
        .sandbox
        .servers()
        .iter()
        .map(|s| s.name.clone())
        .collect();
    let mut carried = 0;
    for name in &names {
        for request in fed.received(name) {
            let auth = request.authorization.as_deref().unwrap_or_default();
            assert!(
                !auth.contains(&hs_token)
                    && !request.body.contains(&hs_token)
                    && !request.path.contains(&hs_token),
                "the homeserver token reached {name}: {request:?}"
            );
            let Some(token) = auth.strip_prefix("Bearer ") else {
                continue;
            };
            carried += 1;
            assert!(
                fed.sandbox.issued_tokens(name).contains(token),
                "{name} got a token it did not issue: {request:?}"
            );
            for other in names.iter().filter(|o| *o != name) {
                assert!(
                    !fed.sandbox.issued_tokens(other).contains(token),
                    "{name} got a token of {other}"
                );
            }
        }
    }
    assert!(carried >= 3, "too few authenticated requests: {carried}");
    // The homeserver saw its own token only (and OpenID checks, untokened).
    for request in fed.received(HOMESERVER) {
        if let Some(auth) = &request.authorization {
            assert_eq!(auth, &format!("Bearer {hs_token}"), "{request:?}");
        }
    }
}
