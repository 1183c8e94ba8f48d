//! `mxlookup hash`.

use crate::support::mxlookup;

fn hash(args: &[&str]) -> (i32, String, String) {
    mxlookup().args(["hash"]).args(args).run()
}

#[test]
fn reproduces_the_spec_vectors() {
    for (address, medium, expected) in [
        (
            "alice@example.com",
            "email",
            "4kenr7N9drpCJ4AfalmlGQVsOn3o2RHjkADUpXJWZUc",
        ),
        (
            "bob@example.com",
            "email",
            "LJwSazmv46n0hlMlsb_iYxI0_HXEqy_yj6Jm636cdT8",
        ),
        (
            "18005552067",
            "msisdn",
            "nlo35_T5fzSGZzJApqu8lgIudJvmOQtDaHtr-I4rU7I",
        ),
    ] {
        let (code, stdout, stderr) =
            hash(&[address, "--pepper", "matrixrocks", "--medium", medium]);
        assert_eq!(
            (code, stdout.as_str(), stderr.as_str()),
            (0, format!("{expected}\n").as_str(), "")
        );
        // The medium is inferred the same way when not given.
        let (_, inferred, _) = hash(&[address, "--pepper", "matrixrocks"]);
        assert_eq!(inferred, stdout);
    }
}

#[test]
fn normalises_before_hashing() {
    let (_, folded, _) = hash(&["  ALICE@Example.COM ", "--pepper", "matrixrocks"]);
    assert_eq!(folded, "4kenr7N9drpCJ4AfalmlGQVsOn3o2RHjkADUpXJWZUc\n");
    let (_, national, _) = hash(&[
        "(800) 555-2067",
        "--region",
        "us",
        "--pepper",
        "matrixrocks",
    ]);
    assert_eq!(national, "nlo35_T5fzSGZzJApqu8lgIudJvmOQtDaHtr-I4rU7I\n");
}

#[test]
fn none_prints_the_clear_text_form() {
    let (code, stdout, _) = hash(&["Strauß@Example.com", "--algorithm", "none"]);
    assert_eq!((code, stdout.as_str()), (0, "strauss@example.com email\n"));
}

#[test]
fn invalid_address_is_a_usage_error() {
    let (code, stdout, stderr) = hash(&["06 12", "--region", "FR", "--pepper", "p"]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(
        stderr.starts_with("error: cannot hash `06 12` as msisdn: not a valid phone number"),
        "{stderr}"
    );
}

#[test]
fn sha256_needs_a_pepper_and_regions_are_checked() {
    let (code, _, stderr) = hash(&["alice@example.com"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--pepper"), "{stderr}");
    let (code, _, stderr) = hash(&["0612345678", "--region", "XX", "--pepper", "p"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown region `XX`"), "{stderr}");
}
