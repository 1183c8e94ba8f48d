//! Accounts at sydent: mxlookup registers through Synapse's OpenID, caches
//! the token it gets, and accepts terms of service only when told to.

use serde_json::json;

use crate::contacts::{CONTACTS, assert_contacts_answered, lookup_args, seed_contacts};
use crate::home::Home;
use crate::servers::interop;
use crate::sydent::{Sydent, SydentOptions};

/// Must show 1: the full OpenID path. mxlookup gets an OpenID token from
/// Synapse, registers at sydent with it (sydent verifies it against
/// Synapse's federation API over TLS), and finds what sydent's bind stored.
#[test]
fn openid_registration_finds_seeded_associations() {
    let interop = interop();
    let sydent = Sydent::start(interop, SydentOptions::default());
    let seeded = seed_contacts(interop, &sydent);
    // sydent case-folds emails when it binds them: `ß` is stored as `ss`.
    assert_eq!(seeded["associations"][1]["address"], "strauss@example.com");
    assert_eq!(sydent.count("SELECT COUNT(*) FROM accounts", &[]), 0);

    let home = Home::new();
    let book = home.write("contacts.vcf", CONTACTS);
    let run = home.run(&lookup_args(interop, &book, &sydent.url, &[]));
    assert_contacts_answered(interop, &run, &[&sydent.url]);

    // It registered by itself, as the Synapse user: sydent has exactly that
    // account and one token for it, from one successful registration.
    let accounts = sydent.sql("SELECT user_id FROM accounts", &[]);
    assert_eq!(accounts, vec![vec![json!(interop.user_id)]]);
    let tokens = sydent.tokens();
    assert_eq!(tokens.len(), 1, "{tokens:?}");
    assert_eq!(tokens[0].0, interop.user_id);
    assert_eq!(
        sydent.statuses("POST", "/_matrix/identity/v2/account/register"),
        [200]
    );
    // To accept the OpenID token, sydent called Synapse's federation listener.
    let called = format!("Connecting to {}", interop.hs_server_name);
    assert!(sydent.log().contains(&called), "{}", sydent.log());
    assert!(
        sydent
            .statuses("POST", "/_matrix/identity/v2/lookup")
            .iter()
            .all(|&s| s == 200)
    );
}

/// Must show 2: the IS token cache. A second run with the same
/// `XDG_STATE_HOME` uses the cached token and does not register again; a run
/// with an empty state does (which shows the count would have moved).
#[test]
fn token_cache_avoids_a_second_registration() {
    let interop = interop();
    let sydent = Sydent::start(interop, SydentOptions::default());
    seed_contacts(interop, &sydent);
    let home = Home::new();
    let book = home.write("contacts.vcf", CONTACTS);
    let args = lookup_args(interop, &book, &sydent.url, &[]);

    assert_contacts_answered(interop, &home.run(&args), &[&sydent.url]);
    let issued = sydent.tokens();
    assert_eq!(issued.len(), 1, "{issued:?}");
    // The cache holds the token sydent issued, readable by its owner only.
    let cache = std::fs::read_to_string(home.token_cache()).expect("tokens.json written");
    assert!(
        cache.contains(&issued[0].1),
        "tokens.json does not hold sydent's token: {cache}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(home.token_cache())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "tokens.json mode {mode:o}");
    }

    assert_contacts_answered(interop, &home.run(&args), &[&sydent.url]);
    assert_eq!(sydent.tokens(), issued, "the second run registered again");
    assert_eq!(
        sydent.statuses("POST", "/_matrix/identity/v2/account/register"),
        [200]
    );
    assert_eq!(sydent.count("SELECT COUNT(*) FROM accounts", &[]), 1);

    let fresh = Home::new();
    let book = fresh.write("contacts.vcf", CONTACTS);
    assert_contacts_answered(
        interop,
        &fresh.run(&lookup_args(interop, &book, &sydent.url, &[])),
        &[&sydent.url],
    );
    assert_eq!(
        sydent.tokens().len(),
        2,
        "a run without the cache registers"
    );
}

/// Must show 5: sydent with terms of service. Without `--accept-terms` every
/// address ends in `error` naming the policy and its URL, and nothing is
/// accepted; with it, mxlookup accepts, sydent records the acceptance, and
/// the lookup succeeds.
#[test]
fn terms_are_reported_then_accepted() {
    let interop = interop();
    let sydent = Sydent::start(
        interop,
        SydentOptions {
            terms: true,
            ..SydentOptions::default()
        },
    );
    seed_contacts(interop, &sydent);
    let url = "https://sydent.interop/terms/privacy-en-1.0.html";
    let home = Home::new();
    let book = home.write("contacts.vcf", CONTACTS);

    let refused = home.run(&lookup_args(interop, &book, &sydent.url, &[]));
    refused.expect_code(1);
    for r in refused.results() {
        assert_eq!(r["status"], "error", "{r}");
        let reason = r["reason"].as_str().expect("a reason");
        assert!(reason.contains("privacy_policy"), "{reason}");
        assert!(reason.contains(url), "{reason}");
    }
    assert!(
        sydent
            .statuses("GET", "/_matrix/identity/v2/hash_details")
            .contains(&403)
    );
    assert_eq!(
        sydent.count("SELECT COUNT(*) FROM accepted_terms_urls", &[]),
        0
    );

    let accepted = home.run(&lookup_args(
        interop,
        &book,
        &sydent.url,
        &["--accept-terms"],
    ));
    assert_contacts_answered(interop, &accepted, &[&sydent.url]);
    let rows = sydent.sql("SELECT user_id, url FROM accepted_terms_urls", &[]);
    assert_eq!(rows, vec![vec![json!(interop.user_id), json!(url)]]);
    let consent = sydent.sql("SELECT consent_version FROM accounts", &[]);
    assert_eq!(consent, vec![vec![json!("1.0")]]);
}
