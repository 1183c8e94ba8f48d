//! The user's own choices, kept by Synapse as account data: the identity
//! server (`m.identity_server`, used when no `-s` is given; `base_url:
//! null` stops the run) and the terms accepted (`m.accepted_terms`, read
//! before asking and added to by `--accept-terms`). Each test has a
//! Synapse user of its own, so that no other test sees its account data.

use serde_json::{Value, json};

use crate::contacts::{CONTACTS, assert_contacts_answered, lookup_args, seed_contacts};
use crate::home::{Home, Run};
use crate::servers::{Interop, block_on, http, interop};
use crate::sydent::{Sydent, SydentOptions};

/// The URL of the one policy of `tests/interop/terms.yaml`.
const PRIVACY: &str = "https://sydent.interop/terms/privacy-en-1.0.html";

/// A Synapse user of one test: its Matrix ID and access token.
struct User {
    id: String,
    token: String,
}

impl User {
    fn new(interop: &Interop, local: &str) -> User {
        let (id, token) = interop.new_user(local);
        User { id, token }
    }

    /// `--homeserver URL --hs-token TOKEN` for this user.
    fn hs_args(&self, interop: &Interop) -> Vec<String> {
        vec![
            "--homeserver".into(),
            interop.hs_url.clone(),
            "--hs-token".into(),
            self.token.clone(),
        ]
    }

    fn account_data_url(&self, interop: &Interop, kind: &str) -> String {
        let user: String = url::form_urlencoded::byte_serialize(self.id.as_bytes()).collect();
        format!(
            "{}/_matrix/client/v3/user/{user}/account_data/{kind}",
            interop.hs_url
        )
    }

    /// Synapse's own `PUT user/{userId}/account_data/{type}`.
    fn set_account_data(&self, interop: &Interop, kind: &str, content: &Value) {
        let url = self.account_data_url(interop, kind);
        let status = block_on(async {
            http()
                .put(&url)
                .bearer_auth(&self.token)
                .json(content)
                .send()
                .await
                .unwrap_or_else(|e| panic!("PUT {url}: {e}"))
                .status()
                .as_u16()
        });
        assert_eq!(status, 200, "PUT {url}");
    }

    /// Synapse's own `GET user/{userId}/account_data/{type}`: (status, body).
    fn account_data(&self, interop: &Interop, kind: &str) -> (u16, Value) {
        let url = self.account_data_url(interop, kind);
        block_on(async {
            let resp = http()
                .get(&url)
                .bearer_auth(&self.token)
                .send()
                .await
                .unwrap_or_else(|e| panic!("GET {url}: {e}"));
            let status = resp.status().as_u16();
            (status, resp.json().await.unwrap_or(Value::Null))
        })
    }

    /// `lookup CONTACTS` as this user, with no `-s`.
    fn lookup_without_server(&self, interop: &Interop, home: &Home) -> Run {
        let book = home.write("contacts.vcf", CONTACTS);
        let mut args = vec!["lookup".to_owned(), book.display().to_string()];
        args.extend(self.hs_args(interop));
        args.extend(["-r", "FR", "-f", "ndjson"].map(String::from));
        home.run(&args)
    }
}

/// With no `-s`, mxlookup asks the server the user chose in Synapse (no
/// well-known is served there: the choice is the only way to sydent);
/// `base_url: null` stops the run before any identity server is asked, and
/// so does a `base_url` that is not a URL.
#[test]
fn the_identity_server_chosen_in_synapse_is_used_and_none_is_respected() {
    let interop = interop();
    let user = User::new(interop, "chooser");
    let sydent = Sydent::start(interop, SydentOptions::default());
    seed_contacts(interop, &sydent);
    let home = Home::new();

    // No choice yet: Synapse answers 404, and it serves no well-known.
    let (status, _) = user.account_data(interop, "m.identity_server");
    assert_eq!(status, 404);
    let run = user.lookup_without_server(interop, &home);
    run.expect_code(2);
    assert!(
        run.stderr().contains("/.well-known/matrix/client"),
        "{}",
        run.describe()
    );

    user.set_account_data(
        interop,
        "m.identity_server",
        &json!({ "base_url": format!("{}/", sydent.url) }),
    );
    let run = user.lookup_without_server(interop, &home);
    assert_contacts_answered(interop, &run, &[&sydent.url]);
    assert!(
        run.stderr().contains(&format!(
            "identity server of your choice (m.identity_server account data, {}/_matrix/client/v3/user/{}/account_data/m.identity_server): {}",
            interop.hs_url, user.id, sydent.url
        )),
        "{}",
        run.describe()
    );
    // It registered there as this user, through Synapse's OpenID.
    let accounts = sydent.sql("SELECT user_id FROM accounts", &[]);
    assert_eq!(accounts, vec![vec![json!(user.id)]]);
    let asked = sydent
        .statuses("GET", "/_matrix/identity/v2/hash_details")
        .len();
    assert!(asked > 0);

    for (content, said) in [
        (
            json!({ "base_url": null }),
            "you chose to use no identity server",
        ),
        (json!({ "base_url": "sydent.interop" }), "is not a URL"),
    ] {
        user.set_account_data(interop, "m.identity_server", &content);
        let run = user.lookup_without_server(interop, &home);
        run.expect_code(2);
        let stderr = run.stderr();
        assert!(
            stderr.starts_with("error: ")
                && stderr.contains(said)
                && stderr.contains("m.identity_server account data")
                && stderr.contains("\nhint: "),
            "{}",
            run.describe()
        );
        assert!(run.results().is_empty());
        assert_eq!(
            sydent
                .statuses("GET", "/_matrix/identity/v2/hash_details")
                .len(),
            asked,
            "{content}: sydent was asked"
        );
    }
}

/// `m.accepted_terms` on Synapse: `--accept-terms` adds sydent's policy to
/// it, keeping what was there; a second sydent with the same terms is then
/// accepted without `--accept-terms`, since the user accepted them.
#[test]
fn terms_accepted_are_recorded_in_synapse_and_not_asked_again() {
    let interop = interop();
    let user = User::new(interop, "accepter");
    let options = SydentOptions {
        terms: true,
        ..SydentOptions::default()
    };
    let run = |sydent: &Sydent, extra: &[&str]| {
        let home = Home::new();
        let book = home.write("contacts.vcf", CONTACTS);
        let mut args = lookup_args(interop, &book, &sydent.url, extra);
        // This test's user, not the suite's.
        let at = args.iter().position(|a| a == "--hs-token").unwrap();
        args[at + 1] = user.token.clone();
        home.run(&args)
    };

    let (status, _) = user.account_data(interop, "m.accepted_terms");
    assert_eq!(status, 404);
    let other = json!({
        "accepted": ["https://elsewhere.example/terms.html"],
        "org.example.note": {"kept": true}
    });
    user.set_account_data(interop, "m.accepted_terms", &other);

    let first = Sydent::start(interop, options.clone());
    seed_contacts(interop, &first);
    let refused = run(&first, &[]);
    refused.expect_code(1);
    let (_, unchanged) = user.account_data(interop, "m.accepted_terms");
    assert_eq!(unchanged, other);

    assert_contacts_answered(interop, &run(&first, &["--accept-terms"]), &[&first.url]);
    let (_, recorded) = user.account_data(interop, "m.accepted_terms");
    assert_eq!(
        recorded,
        json!({
            "accepted": ["https://elsewhere.example/terms.html", PRIVACY],
            "org.example.note": {"kept": true}
        })
    );
    let rows = first.sql("SELECT user_id, url FROM accepted_terms_urls", &[]);
    assert_eq!(rows, vec![vec![json!(user.id), json!(PRIVACY)]]);

    // Another sydent, the same terms: accepted for the user, unasked.
    let second = Sydent::start(interop, options);
    seed_contacts(interop, &second);
    assert_contacts_answered(interop, &run(&second, &[]), &[&second.url]);
    let rows = second.sql("SELECT user_id, url FROM accepted_terms_urls", &[]);
    assert_eq!(rows, vec![vec![json!(user.id), json!(PRIVACY)]]);
    let (_, after) = user.account_data(interop, "m.accepted_terms");
    assert_eq!(after, recorded);
}
