//! vCard 2.1 `CHARSET=`: names in ISO-8859-7, Shift_JIS (raw, with a `\`
//! trail byte, and quoted-printable over soft breaks), KOI8-R and Big5 read
//! as Python's codecs read them (`fixtures/vcard-charsets/make.py` wrote both
//! the file and `names.txt`); an unknown label is named with its line and
//! costs nothing else.

use crate::common::fixture;
use crate::support::{mxlookup, root};
use serde_json::Value;

const BOOK: &str = "vcard-charsets/charsets-2.1.vcf";

fn results() -> Vec<Value> {
    let (code, stdout, stderr) = mxlookup()
        .args(["lookup", &fixture(BOOK), "--dry-run", "--pepper", "P"])
        .args(["-f", "ndjson"])
        .run();
    assert_eq!(code, 0, "{stderr}");
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect()
}

#[test]
fn each_name_reads_as_its_charset_says() {
    let names = std::fs::read_to_string(root().join("fixtures/vcard-charsets/names.txt")).unwrap();
    let expected: Vec<(String, String)> = names
        .lines()
        .enumerate()
        .map(|(i, name)| (name.to_owned(), format!("c{i}@example.org")))
        .collect();
    let got: Vec<(String, String)> = results()
        .iter()
        .filter(|r| r["status"] == "not_asked")
        .map(|r| {
            (
                r["contact"].as_str().unwrap_or_default().to_owned(),
                r["input"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn each_address_cites_its_own_line() {
    // Decoding a value (quoted-printable re-encoded included) moves no line.
    let file = std::fs::read(root().join("fixtures").join(BOOK)).unwrap();
    let lines: Vec<&[u8]> = file.split(|&b| b == b'\n').collect();
    let results = results();
    let addresses: Vec<_> = results
        .iter()
        .filter(|r| r["status"] == "not_asked")
        .collect();
    assert_eq!(addresses.len(), 7);
    for r in addresses {
        let source = r["source"].as_str().unwrap();
        let line: usize = source.rsplit(':').next().unwrap().parse().unwrap();
        let input = r["input"].as_str().unwrap();
        let text = String::from_utf8_lossy(lines[line - 1]);
        assert!(
            text.starts_with("EMAIL") && text.contains(input),
            "{source}: {text}"
        );
    }
}

#[test]
fn an_unknown_charset_is_named_with_its_line_and_the_contact_still_read() {
    let results = results();
    let unknown: Vec<_> = results
        .iter()
        .filter(|r| r["status"] == "invalid")
        .map(|r| {
            (
                r["contact"].as_str().unwrap().to_owned(),
                r["source"].as_str().unwrap().to_owned(),
                r["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        unknown,
        vec![(
            "Nobody".to_owned(),
            format!("{}:34", fixture(BOOK)),
            "unknown charset `X-NO-SUCH-CHARSET`; the value was read as UTF-8, else cp1252"
                .to_owned()
        )]
    );
    assert!(
        results
            .iter()
            .any(|r| r["input"] == "c6@example.org" && r["contact"] == "Nobody")
    );
}
