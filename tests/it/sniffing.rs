//! Content over name (issue 15, point 4): a file whose content is beyond
//! doubt vCard or CSV is read as such whatever its extension, with a note
//! at `-v`; a list of addresses stays text; `--input-format` still wins.

use std::path::Path;

use serde_json::Value;

use crate::common::{dry_run_any, saved_as};
use crate::support::root;

fn fixture_bytes(name: &str) -> Vec<u8> {
    std::fs::read(root().join(Path::new("fixtures").join(name))).unwrap()
}

fn contacts(results: &[Value]) -> Vec<&str> {
    let mut names: Vec<&str> = results
        .iter()
        .filter_map(|r| r["contact"].as_str())
        .collect();
    names.dedup();
    names
}

fn invalid(results: &[Value]) -> usize {
    results.iter().filter(|r| r["status"] == "invalid").count()
}

#[test]
fn a_vcard_saved_as_txt_is_read_as_vcard_and_says_so_at_v() {
    let (_dir, file) = saved_as("book.txt", fixture_bytes("v4.vcf"));
    let (code, quiet, stderr) = dry_run_any(&file, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(invalid(&quiet), 0, "{quiet:?}");
    assert_eq!(quiet.len(), 4, "{quiet:?}");
    assert!(contacts(&quiet).contains(&"Priya Raman"), "{quiet:?}");
    assert!(
        !stderr.contains("read as"),
        "a note is for -v only: {stderr}"
    );

    let (code, verbose, stderr) = dry_run_any(&file, &["-v"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(verbose, quiet);
    let note =
        format!("note: {file}:1: read as vCard: its content is vCard, though its name says text");
    assert!(stderr.lines().any(|l| l == note), "{stderr}");

    let (code, _, stderr) = dry_run_any(&file, &["-q"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("read as"), "{stderr}");
}

#[test]
fn a_vcard_after_a_bom_and_blank_lines_in_any_case_is_still_vcard() {
    let mut content = b"\xEF\xBB\xBF\r\n\r\n".to_vec();
    content.extend_from_slice(
        b"begin:vcard\r\nversion:3.0\r\nfn:Ana Lima\r\nemail:ana@example.org\r\nend:vcard\r\n",
    );
    let (_dir, file) = saved_as("ana.list", &content);
    let (code, results, stderr) = dry_run_any(&file, &["-v"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(contacts(&results), ["Ana Lima"]);
    assert_eq!(results.len(), 1, "{results:?}");
    assert!(
        stderr.contains(&format!("{file}:3: read as vCard")),
        "{stderr}"
    );
}

#[test]
fn a_vcard_saved_as_csv_is_read_as_vcard() {
    let (_dir, file) = saved_as("export.csv", fixture_bytes("v4.vcf"));
    let (code, results, stderr) = dry_run_any(&file, &["-v"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(invalid(&results), 0, "{results:?}");
    assert!(contacts(&results).contains(&"Priya Raman"), "{results:?}");
    assert!(
        stderr.contains("read as vCard: its content is vCard, though its name says CSV"),
        "{stderr}"
    );
}

#[test]
fn a_csv_with_an_address_header_saved_as_txt_is_read_as_csv() {
    let csv = "Name,E-mail Address,Mobile Phone\n\
               Jo Park,jo@example.org,+33 6 12 34 56 78\n\
               Lee Kim,lee@example.org,\n";
    let (_dir, file) = saved_as("people.txt", csv.as_bytes());
    let (code, results, stderr) = dry_run_any(&file, &["-v"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(invalid(&results), 0, "{results:?}");
    assert_eq!(contacts(&results), ["Jo Park", "Lee Kim"]);
    assert_eq!(results.len(), 3, "{results:?}");
    assert!(
        stderr.contains(&format!(
            "note: {file}:1: read as CSV: its content is CSV, though its name says text"
        )),
        "{stderr}"
    );
}

#[test]
fn a_list_of_addresses_stays_text_whatever_its_commas() {
    // One address a line is text and one-column CSV alike: the name decides.
    let list = "# friends, family\nalice@example.org\n+33 6 12 34 56 78\n";
    let (_dir, file) = saved_as("friends.txt", list.as_bytes());
    let (code, results, stderr) = dry_run_any(&file, &["-v"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(results.len(), 2, "{results:?}");
    assert_eq!(invalid(&results), 0, "{results:?}");
    assert!(!stderr.contains("read as"), "{stderr}");

    // Two addresses a line split like CSV but have no header: still text.
    let pairs = "alice@example.org,bob@example.org\ncarol@example.org,dan@example.org\n";
    let (_dir, file) = saved_as("pairs.txt", pairs.as_bytes());
    let (_, results, stderr) = dry_run_any(&file, &["-v"]);
    assert!(!stderr.contains("read as"), "{stderr}");
    assert_eq!(results[0]["input"], "alice@example.org,bob@example.org");
}

#[test]
fn input_format_text_forces_text_on_vcard_content() {
    let (_dir, file) = saved_as("book.txt", fixture_bytes("v4.vcf"));
    let (code, results, stderr) = dry_run_any(&file, &["-v", "--input-format", "text"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        results.iter().all(|r| r["contact"].is_null()),
        "{results:?}"
    );
    assert_eq!(results[0]["input"], "BEGIN:VCARD");
    assert_eq!(results[0]["status"], "invalid");
    assert!(!stderr.contains("read as"), "{stderr}");
}
