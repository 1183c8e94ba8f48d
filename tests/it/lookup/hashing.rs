//! Peppers (rotated, alternative, empty), the algorithm offered, and what
//! goes on the wire: no clear text, no foreign token, no stray hash taken.

use serde_json::Value;

use super::status;
use crate::common::{Fed, by_address, fixture, text_book};

const ROTATING: &str = r#"
[[servers]]
name = "rot.example:443"
start = true
pepper = "first"
rotate_after_hash_details = true
check_pepper = true
pepper_in_error = PEPPER_IN_ERROR
associations = [{ medium = "email", address = "ann@example.org", mxid = "@ann:rot.example" }]
"#;

#[test]
fn a_pepper_rotated_between_hash_details_and_lookup_is_recovered() {
    for in_error in ["true", "false"] {
        let fed = Fed::start(Some(&ROTATING.replace("PEPPER_IN_ERROR", in_error)));
        let (_dir, book) = text_book([
            "ann@example.org".to_owned(),
            "nobody@example.org".to_owned(),
        ]);
        let (code, results, stderr) = fed.lookup(&book, &[]);
        assert_eq!(code, 0, "pepper_in_error={in_error}: {stderr}");
        assert_eq!(
            by_address(&results, "ann@example.org")["mxid"],
            "@ann:rot.example"
        );
        assert_eq!(
            status(by_address(&results, "nobody@example.org")),
            "not_found"
        );
        let lookups = fed
            .received("rot.example:443")
            .iter()
            .filter(|r| r.path.ends_with("/lookup"))
            .count();
        assert_eq!(lookups, 2, "one refused, one answered");
    }
}

#[test]
fn alternative_peppers_and_the_empty_one() {
    let fed = Fed::start(None);
    let (_, results, _) = fed.lookup(&fixture("contacts.vcf"), &[]);
    assert_eq!(
        by_address(&results, "gustav.strauss@example.com")["status"],
        "found"
    );
    // fed.example lists "" among its alternatives: never sent.
    for r in fed
        .received("fed.example:443")
        .iter()
        .filter(|r| r.path.ends_with("/lookup"))
    {
        let body: Value = serde_json::from_str(&r.body).unwrap();
        assert_ne!(body["pepper"], "", "an empty pepper was sent");
    }
}

const PLAINTEXT: &str = r#"
[[servers]]
name = "clear.example:443"
start = true
algorithms = ["none"]
pepper = ""
associations = [{ medium = "email", address = "ann@example.org", mxid = "@ann:clear.example" }]
"#;

#[test]
fn plaintext_only_with_allow_plaintext() {
    let fed = Fed::start(Some(PLAINTEXT));
    let (_dir, book) = text_book(["Ann@Example.org".to_owned()]);
    let (code, results, _) = fed.lookup(&book, &[]);
    assert_eq!(code, 1);
    assert!(
        results[0]["reason"]
            .as_str()
            .unwrap()
            .contains("--allow-plaintext")
    );
    assert!(
        fed.received("clear.example:443")
            .iter()
            .all(|r| !r.body.contains("ann@example.org"))
    );
    let (code, results, stderr) = fed.lookup(&book, &["--allow-plaintext"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(results[0]["mxid"], "@ann:clear.example");
    assert!(stderr.contains("clear text"), "{stderr}");
}

#[test]
fn no_clear_text_and_no_foreign_token_on_the_wire() {
    let fed = Fed::start(None);
    let (_, results, _) = fed.lookup(&fixture("contacts.vcf"), &["-r", "FR"]);
    let addresses: Vec<&str> = results
        .iter()
        .filter_map(|r| r["address"].as_str())
        .collect();
    let hs_token = fed.sandbox.homeserver_token().to_owned();
    let mut tokens_by_server: Vec<(String, std::collections::BTreeSet<String>)> = Vec::new();
    for server in fed.sandbox.servers() {
        let received = fed.received(&server.name);
        for r in &received {
            for a in &addresses {
                assert!(
                    !r.body.contains(a),
                    "{a} reached {} in clear text",
                    server.name
                );
            }
            assert!(
                !r.authorization.as_deref().unwrap_or("").contains(&hs_token),
                "the homeserver token reached {}",
                server.name
            );
        }
        let seen = received
            .iter()
            .filter_map(|r| r.authorization.clone())
            .collect();
        tokens_by_server.push((server.name.clone(), seen));
    }
    for (i, (a, seen_a)) in tokens_by_server.iter().enumerate() {
        for (b, seen_b) in &tokens_by_server[i + 1..] {
            assert!(
                seen_a.is_disjoint(seen_b),
                "a token reached both {a} and {b}"
            );
        }
    }
    assert!(!tokens_by_server.iter().all(|(_, seen)| seen.is_empty()));
}

const STRAY: &str = r#"
[[servers]]
name = "stray.example:443"
start = true
pepper = "p"
associations = [{ medium = "email", address = "ann@example.org", mxid = "@ann:stray.example" }]
stray_referrals = { "far.example:443" = ["never-sent-hash-1", "never-sent-hash-2"] }
stray_mappings = { "never-sent-hash-3" = "@mallory:stray.example" }

[[servers]]
name = "far.example:443"
pepper = "q"
"#;

#[test]
fn hashes_the_client_never_sent_are_ignored() {
    let fed = Fed::start(Some(STRAY));
    let (_dir, book) = text_book(["ann@example.org".to_owned(), "bob@example.org".to_owned()]);
    let (code, results, stderr) = fed.lookup(&book, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        by_address(&results, "ann@example.org")["mxid"],
        "@ann:stray.example"
    );
    assert_eq!(status(by_address(&results, "bob@example.org")), "not_found");
    assert!(!results.iter().any(|r| r.to_string().contains("mallory")));
    // Nothing was followed to far.example for hashes nobody sent.
    assert!(fed.received("far.example:443").is_empty());
}
