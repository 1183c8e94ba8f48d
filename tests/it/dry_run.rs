//! `mxlookup lookup --dry-run`: inputs, outputs, errors.

use serde_json::Value;

use crate::common::{dry_run, fixture};
use crate::support::{mxlookup, root};

#[test]
fn reads_stdin_and_sniffs_the_format() {
    let vcard = std::fs::read(root().join("fixtures/v4.vcf")).unwrap();
    let (code, stdout, stderr) = mxlookup()
        .args(["lookup", "-", "--dry-run", "--pepper", "p", "-f", "ndjson"])
        .stdin(vcard)
        .run();
    assert_eq!(code, 0, "{stderr}");
    let first: Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    assert_eq!(first["source"], "-:5");
    assert_eq!(first["contact"], "Priya Raman");
    assert_eq!(stdout.lines().count(), 4);
}

#[test]
fn input_format_overrides_the_name() {
    // A vCard read as text: each line is an "address", mostly invalid.
    let results = dry_run(&[&fixture("v4.vcf")], &["--input-format", "text"]);
    assert!(results.iter().all(|r| r["contact"].is_null()));
    assert!(results.iter().any(|r| r["status"] == "invalid"));
}

#[test]
fn json_document_has_results_servers_and_summary() {
    let (code, stdout, _) = mxlookup()
        .args([
            "lookup",
            "fixtures/contacts.vcf",
            "--dry-run",
            "--pepper",
            "matrixrocks",
            "-r",
            "FR",
            "-f",
            "json",
        ])
        .run();
    assert_eq!(code, 0);
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    let results = doc["results"].as_array().unwrap();
    assert_eq!(results.len(), 14);
    assert_eq!(doc["servers"], serde_json::json!([]));
    assert_eq!(doc["summary"]["results"], 14);
    assert_eq!(doc["summary"]["contacts"], 8);
    assert_eq!(doc["summary"]["statuses"]["invalid"], 1);
    assert_eq!(doc["summary"]["statuses"]["not_asked"], 13);
    let first = &results[0];
    for key in [
        "contact", "input", "source", "medium", "address", "status", "mxid", "mxids", "via",
        "reason",
    ] {
        assert!(first.get(key).is_some(), "missing {key} in {first}");
    }
    assert_eq!(first["hash"], "4kenr7N9drpCJ4AfalmlGQVsOn3o2RHjkADUpXJWZUc");
}

#[test]
fn csv_output_columns() {
    let (code, stdout, _) = mxlookup()
        .args([
            "lookup",
            "fixtures/friends.txt",
            "--dry-run",
            "--pepper",
            "p",
            "-r",
            "FR",
            "-f",
            "csv",
        ])
        .run();
    assert_eq!(code, 0);
    let mut lines = stdout.lines();
    // The first six columns as they have always been, then the new ones.
    assert_eq!(
        lines.next(),
        Some("contact,medium,address,status,mxid,via,mxids,input,reason")
    );
    assert_eq!(
        lines.next(),
        Some(",email,alice@example.com,not_asked,,,,alice@example.com,")
    );
    let last = stdout.lines().last().unwrap();
    assert!(last.starts_with(",,,invalid,,,,not an address,"), "{last}");
    assert!(
        last.len() > ",,,invalid,,,,not an address,".len(),
        "no reason: {last}"
    );
}

#[test]
fn table_output() {
    let (code, stdout, stderr) = mxlookup()
        .args([
            "lookup",
            "fixtures/contacts.vcf",
            "--dry-run",
            "--pepper",
            "matrixrocks",
            "-r",
            "FR",
        ])
        // Wide enough for every hash whole (tests/it/terminal.rs cuts them).
        .env("COLUMNS", "250")
        .run();
    assert_eq!(code, 0);
    insta::assert_snapshot!("dry_run_table", stdout);
    assert_eq!(
        stderr,
        "dry run, nothing sent: 14 results from 8 contacts (13 distinct addresses): 1 invalid, 13 not asked\n"
    );
}

#[test]
fn quiet_prints_nothing_on_stderr_and_output_goes_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.ndjson");
    let (code, stdout, stderr) = mxlookup()
        .args([
            "lookup",
            "fixtures/v4.vcf",
            "--dry-run",
            "--pepper",
            "p",
            "-q",
            "-f",
            "ndjson",
            "-o",
        ])
        .args([&out])
        .run();
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (0, "", ""));
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 4);
}

#[test]
fn a_missing_file_stops_the_run() {
    let (code, stdout, stderr) = mxlookup()
        .args([
            "lookup",
            "fixtures/v4.vcf",
            "no/such/file.vcf",
            "--dry-run",
            "--pepper",
            "p",
        ])
        .run();
    assert_eq!(code, 2);
    assert_eq!(stdout, "");
    assert!(
        stderr.starts_with("error: cannot read no/such/file.vcf: "),
        "{stderr}"
    );
}

#[test]
fn a_file_that_is_no_address_book_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("photo.png");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    let prose = dir.path().join("notes");
    std::fs::write(&prose, "Dear diary,\ntoday nothing happened.\n").unwrap();
    // Prose with a comma may be taken for CSV: either way it names the file.
    for (path, why) in [(&png, "it holds binary data"), (&prose, "")] {
        let (code, _, stderr) = mxlookup()
            .args(["lookup", "--dry-run", "--pepper", "p"])
            .args([path])
            .run();
        assert_eq!(code, 2);
        let expected = format!("error: {} is not an address book: {why}", path.display());
        assert!(stderr.starts_with(&expected), "{stderr}");
        assert!(stderr.contains("\nhint: "), "{stderr}");
    }
}

#[test]
fn without_a_server_lookup_says_what_to_do() {
    let (code, stdout, stderr) = mxlookup().args(["lookup", "fixtures/v4.vcf"]).run();
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert!(
        stderr.contains("error: no identity server to ask"),
        "{stderr}"
    );
    assert!(stderr.contains("\nhint: "), "{stderr}");
}

#[test]
fn help_has_examples() {
    for command in ["lookup", "hash", "completions"] {
        let (code, stdout, _) = mxlookup().args([command, "--help"]).run();
        assert_eq!(code, 0);
        assert!(
            stdout.contains("Example"),
            "{command} --help has no example"
        );
    }
}
