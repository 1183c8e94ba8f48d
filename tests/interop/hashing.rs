//! What mxlookup sends: sha256 hashes with sydent's pepper, the clear-text
//! `none` form only when allowed, and `mxlookup trace` showing both.

use std::collections::BTreeSet;

use serde_json::json;

use crate::contacts::{
    CONTACTS, CONTACTS_ANSWERS, assert_contacts_answered, lookup_args, mxid, plaintext_form,
    seed_contacts,
};
use crate::home::Home;
use crate::proxy::Proxy;
use crate::servers::{interop, post_json};
use crate::sydent::{Sydent, SydentOptions};

/// Must show 6: the `none` algorithm. sydent always offers `sha256` and
/// `none`: mxlookup sends sha256 hashes to it, `--allow-plaintext` or not
/// (checked on the wire, through a recording proxy). sydent cannot be made
/// to offer `none` alone, so a proxy edits its `hash_details` to say so
/// (lookups are still answered by sydent, unchanged): then mxlookup refuses
/// without `--allow-plaintext`, sending nothing, and with it sends the clear
/// text forms `mxlookup hash --algorithm none` prints, which sydent answers.
#[test]
fn none_algorithm_only_with_allow_plaintext() {
    let interop = interop();
    let sydent = Sydent::start(interop, SydentOptions::default());
    seed_contacts(interop, &sydent);
    let home = Home::new();
    let book = home.write("contacts.vcf", CONTACTS);
    let inputs: Vec<&str> = CONTACTS_ANSWERS.iter().map(|a| a.0).collect();
    let forms: BTreeSet<String> = inputs.iter().map(|i| plaintext_form(&home, i)).collect();
    assert!(forms.contains("strauss@example.com email"), "{forms:?}");
    assert!(forms.contains("33612345678 msisdn"), "{forms:?}");

    // sydent as it is (sha256 and none): hashes only, even when allowed.
    let both = Proxy::start(&sydent.url, false);
    let run = home.run(&lookup_args(
        interop,
        &book,
        &both.url,
        &["--allow-plaintext"],
    ));
    assert_contacts_answered(interop, &run, &[&both.url]);
    assert!(!both.lookups().is_empty());
    for exchange in both.exchanges() {
        if exchange.path.ends_with("/lookup") {
            assert_eq!(
                exchange.request_json()["algorithm"],
                "sha256",
                "{exchange:?}"
            );
        }
        for form in &forms {
            let address = form.split(' ').next().unwrap();
            assert!(
                !exchange.request.contains(address),
                "{address} sent in clear: {exchange:?}"
            );
        }
    }

    // sydent offering `none` only: refused, and nothing sent.
    let none_only = Proxy::start(&sydent.url, true);
    let refused = home.run(&lookup_args(interop, &book, &none_only.url, &[]));
    refused.expect_code(1);
    for r in refused.results() {
        assert_eq!(r["status"], "error", "{r}");
        let reason = r["reason"].as_str().expect("a reason");
        assert!(
            reason.contains("none") && reason.contains("--allow-plaintext"),
            "{reason}"
        );
    }
    assert!(
        none_only.lookups().is_empty(),
        "addresses were sent: {:?}",
        none_only.lookups()
    );

    // Allowed: the clear-text forms, answered by sydent keyed by them.
    let allowed = home.run(&lookup_args(
        interop,
        &book,
        &none_only.url,
        &["--allow-plaintext"],
    ));
    assert_contacts_answered(interop, &allowed, &[&none_only.url]);
    let mut sent = BTreeSet::new();
    for exchange in none_only.lookups() {
        assert_eq!(exchange.status, 200, "{exchange:?}");
        let body = exchange.request_json();
        assert_eq!(body["algorithm"], "none", "{exchange:?}");
        assert_eq!(body["pepper"], sydent.pepper(), "{exchange:?}");
        for a in body["addresses"].as_array().expect("addresses") {
            sent.insert(a.as_str().expect("a string").to_owned());
        }
    }
    assert_eq!(sent, forms);

    // And sydent itself, asked directly: its `none` answers are keyed by the
    // form it stores, which is what `mxlookup hash --algorithm none` gives.
    // Asked with another ASCII case it still answers, under its own form; an
    // unfolded `ß` it does not match at all (SQL `lower()`, not casefold):
    // only the folded form finds it.
    let token = &sydent.tokens()[0].1;
    let lookup = format!("{}/_matrix/identity/v2/lookup", sydent.url);
    let strauss = plaintext_form(&home, "Strauß@Example.com");
    let addresses = json!([
        strauss,
        "Alice.Martin@EXAMPLE.org email",
        "Strauß@Example.com email"
    ]);
    let body = json!({"algorithm": "none", "pepper": sydent.pepper(), "addresses": addresses});
    let (status, answer) = post_json(&lookup, token, &body);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["mappings"],
        json!({
            "strauss@example.com email": mxid(interop, "gustav"),
            "alice.martin@example.org email": mxid(interop, "alice"),
        })
    );
}

/// Must show 7: `mxlookup trace` against sydent shows the hop with sydent's
/// pepper (the one in its database) and the hash sent (the one sydent's bind
/// stored).
#[test]
fn trace_shows_sydent_pepper_and_hash() {
    let interop = interop();
    let sydent = Sydent::start(interop, SydentOptions::default());
    let seeded = seed_contacts(interop, &sydent);
    let pepper = sydent.pepper();
    assert_eq!(seeded["pepper"], pepper);
    let stored = seeded["associations"][1]["lookup_hash"]
        .as_str()
        .unwrap()
        .to_owned();
    let home = Home::new();
    let mut args = vec![
        "trace".to_owned(),
        "Strauß@Example.com".into(),
        "-s".into(),
        sydent.url.clone(),
    ];
    args.extend(interop.hs_args());

    let mut json_args = args.clone();
    json_args.extend(["-f".to_owned(), "json".to_owned()]);
    let run = home.run(&json_args);
    run.expect_code(0);
    let trace = run.json();
    assert_eq!(trace["status"], "found", "{trace}");
    assert_eq!(trace["address"], "strauss@example.com");
    assert_eq!(trace["via"], json!([sydent.url]));
    let hops = trace["hops"].as_array().expect("hops");
    assert_eq!(hops.len(), 1, "{trace}");
    let hop = &hops[0];
    assert_eq!(hop["server"], sydent.url);
    assert_eq!(hop["algorithm"], "sha256");
    assert_eq!(hop["lookup_pepper"], pepper);
    assert_eq!(hop["sent"], json!([{"pepper": pepper, "key": stored}]));
    assert_eq!(hop["answer"], "found");
    assert_eq!(hop["detail"], mxid(interop, "gustav"));

    let table = home.run(&args);
    table.expect_code(0);
    assert!(
        table.stdout().contains(&format!("pepper {pepper}")),
        "{}",
        table.describe()
    );
    assert!(table.stdout().contains(&stored), "{}", table.describe());
    assert!(
        table.stdout().contains(&mxid(interop, "gustav")),
        "{}",
        table.describe()
    );
}
