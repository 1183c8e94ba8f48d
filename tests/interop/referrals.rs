//! A referral chain from the sandbox federation to the real sydent.

use serde_json::json;

use crate::contacts::{lookup_args, mxid};
use crate::home::Home;
use crate::servers::{block_on, interop};
use crate::sydent::{Sydent, SydentOptions};

/// Must show 8: a referral chain that leaves the sandbox for sydent. sydent
/// has no MSC4004, so the sandbox's server (tests/interop/federation.toml)
/// is the start server and refers addresses to `sydent.example:443`, which
/// `--resolve` maps to the real sydent. Outside `--allow-server`, the
/// referral is `unfollowed`; allowed, mxlookup registers at sydent through Synapse (its
/// own token, never shown to the sandbox) and finds what only sydent holds.
#[test]
fn referral_chain_leaves_the_sandbox_for_sydent() {
    use mxlookup::sandbox::{Federation, HOMESERVER, Sandbox};

    let interop = interop();
    let sydent = Sydent::start(interop, SydentOptions::default());
    sydent.seed(&[
        (
            "email",
            "Carol@Sydent-Only.example",
            &mxid(interop, "carol"),
        ),
        ("msisdn", "33142685300", &mxid(interop, "chloe")),
    ]);
    let federation_file =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/federation.toml");
    let federation = Federation::load(&federation_file).expect("federation.toml");
    let sandbox = block_on(Sandbox::start(federation)).expect("sandbox starts");
    let front = sandbox.server("front.interop:443").expect("front server");
    let front_url = front.url.as_str().trim_end_matches('/').to_owned();

    let home = Home::new();
    let book = home.write(
        "referred.txt",
        "dana@front.example\nCarol@Sydent-Only.example\n01 42 68 53 00\nghost@sydent-only.example\n",
    );
    let base = [
        "--access-token".to_owned(),
        front.access_token.clone(),
        "--resolve".into(),
        format!("sydent.example:443={}", sydent.url),
    ];
    let mut args = lookup_args(interop, &book, &front_url, &[]);
    args.extend(base.iter().cloned());

    // Not in the allowed servers: left, naming sydent, which is asked nothing.
    let mut elsewhere = args.clone();
    elsewhere.extend(["--allow-server".to_owned(), "*.trusted.example".to_owned()]);
    let run = home.run(&elsewhere);
    run.expect_code(0);
    for input in [
        "Carol@Sydent-Only.example",
        "01 42 68 53 00",
        "ghost@sydent-only.example",
    ] {
        let r = run.result(input);
        assert_eq!(r["status"], "unfollowed", "{r}");
        assert!(
            r["reason"].as_str().unwrap().contains("sydent.example:443"),
            "{r}"
        );
        assert_eq!(r["via"], json!([front_url]), "{r}");
    }
    assert_eq!(run.result("dana@front.example")["status"], "found");
    assert!(sydent.lookup_sizes().is_empty());
    assert_eq!(sydent.count("SELECT COUNT(*) FROM accounts", &[]), 0);

    args.extend(["--allow-server".to_owned(), "sydent.example:443".to_owned()]);
    let run = home.run(&args);
    run.expect_code(0);
    let chain = json!([front_url, "sydent.example:443"]);
    let expect = [
        (
            "dana@front.example",
            "found",
            Some("@dana:front.example".to_owned()),
            json!([front_url]),
        ),
        (
            "Carol@Sydent-Only.example",
            "found",
            Some(mxid(interop, "carol")),
            chain.clone(),
        ),
        (
            "01 42 68 53 00",
            "found",
            Some(mxid(interop, "chloe")),
            chain.clone(),
        ),
        (
            "ghost@sydent-only.example",
            "not_found",
            None,
            chain.clone(),
        ),
    ];
    for (input, status, m, via) in expect {
        let r = run.result(input);
        assert_eq!(r["status"], status, "{r}\n{}", run.describe());
        assert_eq!(r["mxid"].as_str(), m.as_deref(), "{r}");
        assert_eq!(r["via"], via, "{r}");
    }

    // sydent was asked about the three referred addresses only, by the
    // Synapse user, who registered there through OpenID.
    assert_eq!(sydent.lookup_sizes().iter().sum::<usize>(), 3);
    assert_eq!(
        sydent.sql("SELECT user_id FROM accounts", &[]),
        vec![vec![json!(interop.user_id)]]
    );
    // Tokens stay with their issuers: the sandbox saw only its own, and its
    // homeserver stub was never asked (OpenID came from Synapse).
    let sydent_tokens: Vec<String> = sydent.tokens().into_iter().map(|(_, t)| t).collect();
    for request in sandbox.requests("front.interop:443") {
        if let Some(auth) = &request.authorization {
            assert_eq!(
                auth,
                &format!("Bearer {}", front.access_token),
                "{request:?}"
            );
        }
        for token in &sydent_tokens {
            assert!(!request.body.contains(token.as_str()), "{request:?}");
        }
    }
    assert!(sandbox.requests(HOMESERVER).is_empty());
}
