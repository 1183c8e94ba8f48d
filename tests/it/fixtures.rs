//! Every fixture kind yields the right contacts and addresses.

use crate::common::{dry_run, fixture, triples};

fn t(contact: Option<&str>, input: &str, status: &str) -> (Option<String>, String, String) {
    (
        contact.map(str::to_owned),
        input.to_owned(),
        status.to_owned(),
    )
}

#[test]
fn android_2_1_quoted_printable_and_latin1() {
    let results = dry_run(&[&fixture("android-2.1.vcf")], &["--region", "DE"]);
    let zoe = Some("Zoë Müller-Lüdenscheidt");
    assert_eq!(
        triples(&results),
        vec![
            t(zoe, "+49 171 1234567", "not_asked"),
            t(zoe, "0171 7654321", "not_asked"),
            t(zoe, "zoe.mueller@example.de", "not_asked"),
            t(Some("Chidi Okafor"), "+33 6 12 34 56 78", "not_asked"),
            // Read in DE, `06 12 34 56 78` is a German number (area code 06123).
            t(Some("Chidi Okafor"), "06 12 34 56 78", "not_asked"),
            t(
                Some("Chidi Okafor"),
                "Chidi.Okafor@Example.ORG",
                "not_asked"
            ),
            t(Some("Raúl Benítez"), "+34 612 34 56 78", "not_asked"),
            t(Some("Raúl Benítez"), "raul.benitez@example.es", "not_asked"),
            t(Some("Renée Fontaine"), "07 81 23 45 67", "not_asked"),
        ]
    );
    assert_eq!(results[2]["address"], "zoe.mueller@example.de");
    assert_eq!(results[1]["address"], "491717654321");
    assert_eq!(results[4]["address"], "49612345678");
    assert_eq!(results[5]["address"], "chidi.okafor@example.org");
    assert_eq!(results[0]["source"], "fixtures/android-2.1.vcf:6");
}

#[test]
fn two_spellings_of_one_number_in_a_card_give_one_result() {
    let results = dry_run(&[&fixture("android-2.1.vcf")], &["--region", "FR"]);
    let chidi: Vec<_> = results
        .iter()
        .filter(|r| r["contact"] == "Chidi Okafor")
        .collect();
    let numbers: Vec<_> = chidi.iter().filter(|r| r["medium"] == "msisdn").collect();
    assert_eq!(numbers.len(), 1, "{chidi:?}");
    assert_eq!(numbers[0]["address"], "33612345678");
    assert_eq!(numbers[0]["input"], "+33 6 12 34 56 78");
}

#[test]
fn google_and_apple_3_0() {
    let results = dry_run(
        &[&fixture("google-3.0.vcf"), &fixture("apple-3.0.vcf")],
        &[],
    );
    let got: Vec<_> = results
        .iter()
        .map(|r| {
            (
                r["contact"].as_str().unwrap_or("-"),
                r["address"].as_str().unwrap_or("-"),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("Ingrid Halvorsen", "ingrid.halvorsen@example.no"),
            ("Ingrid Halvorsen", "ingrid@halvorsen.example"),
            ("Ingrid Halvorsen", "4741234567"),
            ("Tomás O'Brien", "tomas.obrien@example.ie"),
            ("Tomás O'Brien", "353851234567"),
            ("Tomás O'Brien", "35312345678"),
            ("-", "442079460000"),
            ("-", "office@plumbing.example"),
            ("Johann Strauß", "strauss@example.com"),
            ("Johann Strauß", "436641234567"),
            ("Aiko Nakamura", "aiko.nakamura@example.jp"),
            ("Aiko Nakamura", "819012345678"),
        ]
    );
    // The BOM does not hide the first line, and sources count folded lines.
    assert_eq!(results[0]["source"], "fixtures/google-3.0.vcf:5");
    assert_eq!(results[3]["source"], "fixtures/google-3.0.vcf:22");
}

#[test]
fn vcard_4_tel_uris_and_cards_without_fn() {
    let results = dry_run(&[&fixture("v4.vcf")], &[]);
    assert_eq!(
        triples(&results),
        vec![
            t(Some("Priya Raman"), "tel:+1-202-555-0188", "not_asked"),
            t(Some("Priya Raman"), "priya.raman@example.com", "not_asked"),
            t(Some("Marek Kowalski"), "tel:+48-512-345-678", "not_asked"),
            t(None, "nameless@example.net", "not_asked"),
        ]
    );
    assert_eq!(results[0]["address"], "12025550188");
}

#[test]
fn broken_file_keeps_every_other_card() {
    let results = dry_run(&[&fixture("broken.vcf")], &["--region", "FR"]);
    let got: Vec<_> = results
        .iter()
        .map(|r| {
            (
                r["source"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("fixtures/broken.vcf:")
                    .parse::<u32>()
                    .unwrap(),
                r["contact"].as_str().unwrap_or("-"),
                r["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (4, "First Good", "not_asked"),
            (6, "-", "invalid"),
            (7, "Cut Short", "invalid"),
            (10, "Cut Short", "not_asked"),
            (14, "Middle Good", "not_asked"),
            (15, "Middle Good", "invalid"),
            (16, "Middle Good", "invalid"),
            (18, "-", "invalid"),
            (19, "Last Good", "invalid"),
            (22, "Last Good", "not_asked"),
        ]
    );
    for r in results.iter().filter(|r| r["status"] == "invalid") {
        assert!(r["reason"].as_str().is_some_and(|s| !s.is_empty()), "{r}");
        assert!(r["address"].is_null());
    }
}

#[test]
fn plain_text() {
    let results = dry_run(&[&fixture("friends.txt")], &["--region", "FR"]);
    let got: Vec<_> = results
        .iter()
        .map(|r| {
            (
                r["address"].as_str().unwrap_or("-"),
                r["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("alice@example.com", "not_asked"),
            ("bob@example.com", "not_asked"),
            ("18005552067", "not_asked"),
            ("33612345678", "not_asked"),
            ("33612345679", "not_asked"),
            ("33611223344", "not_asked"),
            ("-", "invalid"),
        ]
    );
    assert_eq!(
        results[0]["hash"],
        "4kenr7N9drpCJ4AfalmlGQVsOn3o2RHjkADUpXJWZUc"
    );
    assert_eq!(results[0]["source"], "fixtures/friends.txt:2");
}

#[test]
fn csv_exports_through_the_binary() {
    // (file, contacts with an address, results) as each exporter writes them.
    for (file, first_contact, results_len) in [
        ("google.csv", "Camille Durand", 14),
        ("google-legacy.csv", "Alice Martin", 10),
        ("outlook.csv", "André Dupré", 14),
        ("thunderbird.csv", "Emma Leroy", 10),
        ("generic-semicolon.csv", "Dupont, Jean", 7),
        ("generic.tsv", "Hugo Lambert", 7),
        ("noheader.csv", "Alice Martin", 9),
    ] {
        let results = dry_run(&[&fixture(file)], &["--region", "FR"]);
        assert_eq!(results.len(), results_len, "{file}");
        assert_eq!(results[0]["contact"], first_contact, "{file}");
        assert!(
            results.iter().all(|r| r["status"] == "not_asked"),
            "{file}: {results:?}"
        );
    }
}

#[test]
fn outlook_cp1252_from_stdin_is_sniffed_as_csv() {
    let bytes = std::fs::read(crate::support::root().join("fixtures/outlook.csv")).unwrap();
    let (code, stdout, stderr) = crate::support::mxlookup()
        .args([
            "lookup",
            "-",
            "--dry-run",
            "--pepper",
            "p",
            "-r",
            "FR",
            "-f",
            "ndjson",
        ])
        .stdin(bytes)
        .run();
    assert_eq!(code, 0, "{stderr}");
    let first: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    assert_eq!(first["contact"], "André Dupré");
    assert_eq!(stdout.lines().count(), 14);
}
