//! The address book most tests look up, what sydent should answer for it,
//! and the command lines around it.

use serde_json::{Value, json};

use crate::home::{Home, Run};
use crate::servers::Interop;
use crate::sydent::Sydent;

/// An address book exercising normalisation: mixed-case email, an email only
/// Unicode case folding matches (`ß` → `ss`; SQL `lower()` would not), French
/// numbers in national form (`--region FR`), and misses.
pub const CONTACTS: &str = "\
BEGIN:VCARD\r
VERSION:3.0\r
FN:Alice Martin\r
EMAIL;TYPE=work:Alice.Martin@Example.ORG\r
TEL;TYPE=cell:06 12 34 56 78\r
END:VCARD\r
BEGIN:VCARD\r
VERSION:3.0\r
FN:Gustav Strauß\r
EMAIL:Strauß@Example.com\r
END:VCARD\r
BEGIN:VCARD\r
VERSION:3.0\r
FN:Chloé Bernard\r
TEL;TYPE=work:01 42 68 53 00\r
EMAIL:chloe@example.net\r
END:VCARD\r
BEGIN:VCARD\r
VERSION:3.0\r
FN:Hana Kobayashi\r
EMAIL:hana@example.org\r
TEL:06 23 45 67 89\r
END:VCARD\r
";

/// A Matrix ID on the suite's Synapse.
pub fn mxid(interop: &Interop, local: &str) -> String {
    format!("@{local}:{}", interop.hs_server_name)
}

/// Seeds what [`CONTACTS`] should find (as sydent's bind would store it).
pub fn seed_contacts(interop: &Interop, sydent: &Sydent) -> Value {
    sydent.seed(&[
        ("email", "alice.martin@example.org", &mxid(interop, "alice")),
        ("email", "Strauß@Example.com", &mxid(interop, "gustav")),
        ("msisdn", "33612345678", &mxid(interop, "alice")),
        ("msisdn", "33142685300", &mxid(interop, "chloe")),
    ])
}

/// What a lookup of [`CONTACTS`] answers: (input, normalised address,
/// status, local part of the Matrix ID).
pub const CONTACTS_ANSWERS: [(&str, &str, &str, Option<&str>); 7] = [
    (
        "Alice.Martin@Example.ORG",
        "alice.martin@example.org",
        "found",
        Some("alice"),
    ),
    ("06 12 34 56 78", "33612345678", "found", Some("alice")),
    (
        "Strauß@Example.com",
        "strauss@example.com",
        "found",
        Some("gustav"),
    ),
    ("01 42 68 53 00", "33142685300", "found", Some("chloe")),
    ("chloe@example.net", "chloe@example.net", "not_found", None),
    ("hana@example.org", "hana@example.org", "not_found", None),
    ("06 23 45 67 89", "33623456789", "not_found", None),
];

/// Asserts a run over [`CONTACTS`] answered [`CONTACTS_ANSWERS`], each
/// through `via`.
pub fn assert_contacts_answered(interop: &Interop, run: &Run, via: &[&str]) {
    run.expect_code(0);
    assert_eq!(
        run.results().len(),
        CONTACTS_ANSWERS.len(),
        "{}",
        run.describe()
    );
    for (input, address, status, local) in CONTACTS_ANSWERS {
        let r = run.result(input);
        let expected_mxid = local.map(|l| mxid(interop, l));
        assert_eq!(r["address"], address, "{r}");
        assert_eq!(r["status"], status, "{r}\n{}", run.describe());
        assert_eq!(r["mxid"].as_str(), expected_mxid.as_deref(), "{r}");
        assert_eq!(r["via"], json!(via), "{r}");
    }
}

/// `lookup FILE -s URL --homeserver … --hs-token … -r FR -f ndjson EXTRA…`.
pub fn lookup_args(
    interop: &Interop,
    file: &std::path::Path,
    server: &str,
    extra: &[&str],
) -> Vec<String> {
    let mut args = vec![
        "lookup".to_owned(),
        file.display().to_string(),
        "-s".into(),
        server.into(),
    ];
    args.extend(interop.hs_args());
    args.extend(["-r", "FR", "-f", "ndjson"].map(String::from));
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// `mxlookup hash ADDRESS --algorithm none` (the clear-text form).
pub fn plaintext_form(home: &Home, input: &str) -> String {
    let run = home.run(&["hash", input, "--algorithm", "none", "-r", "FR"]);
    run.expect_code(0);
    run.stdout().trim().to_owned()
}

/// `mxlookup hash ADDRESS --pepper P`.
pub fn hash(home: &Home, input: &str, pepper: &str) -> String {
    let run = home.run(&["hash", input, "--pepper", pepper, "-r", "FR"]);
    run.expect_code(0);
    run.stdout().trim().to_owned()
}
