//! Binding an address through Synapse and sydent, then finding it.

use crate::home::Home;
use crate::mail;
use crate::servers::interop;
use crate::sydent::{Sydent, SydentOptions};

/// Must show (issue 5): bind → lookup on Synapse and sydent. sydent mails a
/// token to the SMTP sink; mxlookup gives it back on stdin; Synapse binds
/// the session on sydent (over https, through a TLS front); mxlookup checks
/// sydent's signed association with sydent's published key; another user's
/// lookup finds the new association; unbinding through Synapse (signed with
/// its federation key, which sydent checks) removes it.
#[test]
fn bind_through_synapse_then_another_user_finds_it() {
    use std::io::Write as _;
    use std::time::Duration;

    let interop = interop();
    let smtp = mail::SmtpSink::start();
    let sydent = Sydent::start(
        interop,
        SydentOptions {
            smtp_port: Some(smtp.port),
            ..SydentOptions::default()
        },
    );
    let front = mail::TlsFront::start(interop, &sydent.url);
    let ca = mail::TlsFront::ca_cert(interop);
    let address = "bound.user@example.org";

    let home = Home::new();
    let mut args: Vec<String> = vec![
        "bind".into(),
        "email".into(),
        "Bound.User@Example.ORG".into(),
        "-s".into(),
        front.url(),
        "--ca-cert".into(),
        ca.display().to_string(),
        "-f".into(),
        "json".into(),
    ];
    args.extend(interop.hs_args());
    let (pending, mut stdin) = home.spawn_with_stdin(&args);
    let token = smtp.token_for(address, Duration::from_secs(60));
    stdin.write_all(format!("{token}\n").as_bytes()).unwrap();
    drop(stdin);
    let run = pending.wait();
    run.expect_code(0);
    let report = run.json();
    assert_eq!(report["address"], address, "{}", run.describe());
    assert_eq!(report["mxid"], interop.user_id.as_str());
    assert_eq!(report["id_server"], format!("127.0.0.1:{}", front.port));
    assert_eq!(report["verified"], true, "{}", run.describe());
    assert_eq!(report["signatures"][0]["server"], "sydent.interop");
    assert_eq!(report["signatures"][0]["key_id"], "ed25519:0");
    assert_eq!(smtp.mails().len(), 1, "one mail");

    // sydent holds it, and Synapse recorded where it is bound.
    assert_eq!(
        sydent.count(
            "SELECT COUNT(*) FROM local_threepid_associations WHERE address = ? AND mxid = ?",
            &[address, &interop.user_id],
        ),
        1
    );

    // Another user of the homeserver looks it up and finds it.
    let (_, other_token) = interop.new_user(&format!("finder{}", fastrand::u32(..)));
    let book = home.write("bound.txt", "Bound.User@Example.ORG\nnobody@example.org\n");
    let lookup = |token: &str| {
        Home::new().run(&[
            "lookup",
            &book.display().to_string(),
            "-s",
            &sydent.url,
            "--homeserver",
            &interop.hs_url,
            "--hs-token",
            token,
            "-f",
            "ndjson",
        ])
    };
    let run = lookup(&other_token);
    run.expect_code(0);
    let found = run.result("Bound.User@Example.ORG");
    assert_eq!(found["status"], "found", "{}", run.describe());
    assert_eq!(found["mxid"], interop.user_id.as_str());
    assert_eq!(run.result("nobody@example.org")["status"], "not_found");

    // Unbind through Synapse. sydent 2.6.1 cannot check Synapse's signed
    // request (it puts the request's method and URI into the signed JSON as
    // bytes, which canonicaljson refuses: a TypeError, answered 500), so
    // Synapse reports a failure and sydent keeps the association. mxlookup
    // must say so, exit 1, and not claim success.
    let mut unbind: Vec<String> = vec!["unbind".into(), "email".into(), address.into()];
    unbind.extend(interop.hs_args());
    let run = home.run(&unbind);
    run.expect_code(1);
    assert!(
        run.stderr()
            .contains("error: unbinding through the homeserver")
            && run
                .stderr()
                .contains("/_matrix/client/v3/account/3pid/unbind"),
        "{}",
        run.describe()
    );
    assert!(
        sydent
            .log()
            .contains("Exception whilst authenticating unbind request")
    );
    assert_eq!(
        lookup(&other_token).result("Bound.User@Example.ORG")["status"],
        "found"
    );
}
