//! CSV through the binary, both ways: the results written as CSV (every
//! column a script needs, `mxids`, `input` and `reason` included), and
//! address books read from CSV exports in any language.

use serde_json::Value;

use crate::common::{Fed, text_book};
use crate::support::mxlookup;

/// Two start servers that disagree about one address; a localpart with a
/// `;` (the historical grammar allows it) shows that `mxids` splits on blanks.
const TWO_SERVERS: &str = r#"
[[servers]]
name = "one.example:443"
start = true
pepper = "p1"
associations = [
  { medium = "email", address = "ann@example.org", mxid = "@a;nn:one.example" },
  { medium = "email", address = "bob@example.org", mxid = "@bob:both.example" },
]

[[servers]]
name = "two.example:443"
start = true
pepper = "p2"
associations = [
  { medium = "email", address = "ann@example.org", mxid = "@ann:two.example" },
  { medium = "email", address = "bob@example.org", mxid = "@bob:both.example" },
]
"#;

/// The CSV a run wrote: its header and its records.
fn parse_csv(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let records = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, records)
}

/// A JSON field as the CSV writes it: a string, or empty for null.
fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

#[test]
fn csv_results_carry_mxids_input_and_reason() {
    let fed = Fed::start(Some(TWO_SERVERS));
    let book = ["ann@example.org", " Bob@Example.org", "not an address"].map(str::to_owned);
    let (_dir, book) = text_book(book);
    let (code, csv_out, stderr) = mxlookup()
        .args(["lookup", &book, "-f", "csv"])
        .args(fed.args())
        .run_with_env(&[("MXLOOKUP_BACKOFF_MS", "0")]);
    assert_eq!(code, 0, "{stderr}");
    let (json_code, results, stderr) = fed.lookup(&book, &[]);
    assert_eq!(json_code, code, "{stderr}");

    let (header, rows) = parse_csv(&csv_out);
    assert_eq!(
        header,
        [
            "contact", "medium", "address", "status", "mxid", "via", "mxids", "input", "reason"
        ]
    );
    assert_eq!(rows.len(), results.len());
    // Every column says what the JSON result says.
    for (row, result) in rows.iter().zip(&results) {
        let via: Vec<String> = result["via"].as_array().unwrap().iter().map(text).collect();
        let mxids: Vec<String> = result["mxids"]
            .as_array()
            .unwrap()
            .iter()
            .map(text)
            .collect();
        let split: Vec<String> = row[6]
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        assert_eq!(row[0], text(&result["contact"]), "{row:?}");
        assert_eq!(row[1], text(&result["medium"]), "{row:?}");
        assert_eq!(row[2], text(&result["address"]), "{row:?}");
        assert_eq!(row[3], text(&result["status"]), "{row:?}");
        assert_eq!(row[4], text(&result["mxid"]), "{row:?}");
        assert_eq!(row[5], via.join(" > "), "{row:?}");
        assert_eq!(split, mxids, "{row:?}");
        assert_eq!(row[7], text(&result["input"]), "{row:?}");
        assert_eq!(row[8], text(&result["reason"]), "{row:?}");
    }

    let by_input = |input: &str| rows.iter().find(|r| r[7] == input).unwrap();
    // A conflict: no mxid, both Matrix IDs in mxids.
    let ann = by_input("ann@example.org");
    assert_eq!((ann[3].as_str(), ann[4].as_str()), ("conflict", ""));
    let mut mxids: Vec<&str> = ann[6].split(' ').collect();
    mxids.sort_unstable();
    assert_eq!(mxids, ["@a;nn:one.example", "@ann:two.example"]);
    // Found: the address as written in the file, and its one Matrix ID.
    let bob = by_input("Bob@Example.org");
    assert_eq!(bob[2], "bob@example.org");
    assert_eq!(
        (bob[3].as_str(), bob[6].as_str()),
        ("found", bob[4].as_str())
    );
    // Invalid: what was written, and why it is no address.
    let invalid = by_input("not an address");
    assert_eq!(invalid[3], "invalid");
    assert!(!invalid[8].is_empty(), "{invalid:?}");
}
