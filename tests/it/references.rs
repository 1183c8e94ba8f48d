//! References as tests: phone numbers are read as libphonenumber (Python
//! `phonenumbers`) reads its own example numbers, for every region and type,
//! written internationally and nationally; email addresses fold as Python's
//! `str.casefold` (the whole table is checked by a unit test in
//! `src/threepid/email.rs`; here, through the binary). The tables are made by
//! `tests/data/refs/make_tables.py` from PyPI packages and committed.

use mxlookup::threepid::{MsisdnOptions, normalise_msisdn};

use crate::support::mxlookup;

/// `tests/data/refs/phones.tsv`.
const PHONES: &str = include_str!("../data/refs/phones.tsv");

/// One row of the phone table.
#[derive(Debug)]
struct Row {
    /// The region the text is read in (`None`: a non-geographic code).
    region: Option<&'static str>,
    /// The number types whose example this is, or `named`.
    types: &'static str,
    /// `international`, `national` or `named`.
    form: &'static str,
    text: &'static str,
    /// libphonenumber's E.164 digits, if it reads a valid number.
    expected: Option<&'static str>,
}

fn rows() -> Vec<Row> {
    let rows: Vec<Row> = PHONES
        .lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            assert_eq!(f.len(), 6, "phones.tsv: bad line {line:?}");
            Row {
                region: (f[0] != "-").then_some(f[0]),
                types: f[1],
                form: f[2],
                text: f[3],
                expected: (f[5] == "1").then_some(f[4]),
            }
        })
        .collect();
    // A table that lost its lines would make the tests pass vacuously.
    assert!(rows.len() > 2000, "{} rows", rows.len());
    rows
}

fn opts(region: Option<&str>) -> MsisdnOptions {
    MsisdnOptions {
        region: region.map(|r| r.parse().expect("a region of the metadata")),
        bare_digits_are_international: false,
    }
}

#[test]
fn phone_numbers_are_read_as_libphonenumber_reads_its_examples() {
    let rows = rows();
    let mut mismatches = Vec::new();
    for row in &rows {
        let got = normalise_msisdn(row.text, &opts(row.region));
        let agrees = match (&got, row.expected) {
            (Ok(ours), Some(theirs)) => ours == theirs,
            (Err(_), None) => true,
            _ => false,
        };
        if !agrees {
            mismatches.push(format!(
                "{} {:?} ({} {}): {got:?}, libphonenumber {:?}",
                row.region.unwrap_or("-"),
                row.text,
                row.form,
                row.types,
                row.expected
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} rows differ from libphonenumber:\n{}",
        mismatches.len(),
        rows.len(),
        mismatches.join("\n")
    );
}

#[test]
fn hash_reads_the_named_numbers_as_libphonenumber_does() {
    let named: Vec<Row> = rows().into_iter().filter(|r| r.form == "named").collect();
    assert!(named.len() >= 8, "{named:?}");
    for row in named {
        let region = row.region.expect("named numbers have a region");
        let expected = row.expected.expect("named numbers are valid");
        let (code, stdout, stderr) = mxlookup()
            .args(["hash", row.text, "--medium", "msisdn", "--region", region])
            .args(["--algorithm", "none"])
            .run();
        assert_eq!(
            (code, stdout.as_str(), stderr.as_str()),
            (0, format!("{expected} msisdn\n").as_str(), ""),
            "{row:?}"
        );
    }
}

#[test]
fn hash_folds_dotted_capital_i_as_python() {
    // Python: "İstanbul@x.com".casefold() == "i\u0307stanbul@x.com".
    let (code, stdout, stderr) = mxlookup()
        .args(["hash", "İstanbul@X.com", "--algorithm", "none"])
        .run();
    assert_eq!(
        (code, stdout.as_str(), stderr.as_str()),
        (0, "i\u{307}stanbul@x.com email\n", "")
    );
}
