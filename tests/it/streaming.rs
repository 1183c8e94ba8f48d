//! The readers stream: standard input is looked up while it is still being
//! written, one enormous line or card costs one `invalid` result (the rest
//! is read), and the binary's peak memory follows the addresses, not the
//! bytes of the book (measured with wait4(2), `crate::support`).

use std::io::Write;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{Fed, saved_as};
use crate::support::mxlookup;

const MIB: u64 = 1 << 20;

/// `mxlookup lookup FILE --dry-run --pepper P -f ndjson`, measured: its
/// results and its peak RSS.
fn dry_run_measured(file: &str) -> (Vec<Value>, u64) {
    let out = mxlookup()
        .args(["lookup", file, "--dry-run", "--pepper", "P", "-f", "ndjson"])
        .measure();
    out.expect_code(0);
    assert!(!out.stderr().contains("panicked"), "{}", out.describe());
    (out.results(), out.peak_rss.expect("measured"))
}

/// `(line, input, status)` of each result.
fn lines(results: &[Value]) -> Vec<(u32, String, String)> {
    results
        .iter()
        .map(|r| {
            let source = r["source"].as_str().unwrap();
            let line = source.rsplit(':').next().unwrap().parse().unwrap();
            let text = |key: &str| r[key].as_str().unwrap_or_default().to_owned();
            (line, text("input"), text("status"))
        })
        .collect()
}

#[test]
fn stdin_is_looked_up_while_it_is_still_written() {
    let fed = Fed::start(None);
    let start = fed
        .sandbox
        .start_servers()
        .first()
        .expect("a start server")
        .name
        .clone();
    let mut running = mxlookup()
        .args(["lookup", "-", "-f", "ndjson"])
        .args(fed.args())
        .env("MXLOOKUP_BACKOFF_MS", "0")
        .stdin_piped()
        .spawn();
    let mut stdin = running.stdin();
    let line = |i: usize| format!("contact{i}@example.org\n");
    // More than one chunk of contacts (`plan::CHUNK`), so that the first is
    // read whole while stdin stays open.
    let first = mxlookup::plan::CHUNK + 4_000;
    let text: String = (0..first).map(line).collect();
    stdin.write_all(text.as_bytes()).unwrap();
    stdin.flush().unwrap();
    let asked = |fed: &Fed| {
        fed.received(&start)
            .iter()
            .any(|r| r.method == "POST" && r.path.ends_with("/lookup"))
    };
    // Not a timing assertion: a generous bound on waiting for an event
    // that, without streaming, never comes while stdin is open.
    let waited = Instant::now();
    while !asked(&fed) {
        assert!(
            waited.elapsed() < Duration::from_secs(120),
            "no lookup reached {start} while stdin was open"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let rest: String = (first..first + 100).map(line).collect();
    stdin.write_all(rest.as_bytes()).unwrap();
    drop(stdin);
    let out = running.wait();
    out.expect_code(0);
    let results = out.results();
    assert_eq!(results.len(), first + 100, "{}", out.stderr());
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r["source"], format!("-:{}", i + 1));
        assert_eq!(r["input"], line(i).trim_end());
        assert_eq!(r["status"], "not_found", "{r}");
    }
}

#[test]
fn an_enormous_card_costs_one_result_and_the_rest_is_read() {
    // Over the 16 MiB bound for one card, on one line.
    let mut book = b"BEGIN:VCARD\r\nFN:A\r\nEMAIL:a@example.org\r\nEND:VCARD\r\n".to_vec();
    book.extend(b"BEGIN:VCARD\r\nFN:Big\r\nNOTE:");
    book.resize(book.len() + (17 << 20), b'x');
    book.extend(b"\r\nEMAIL:big@example.org\r\nEND:VCARD\r\n");
    book.extend(b"BEGIN:VCARD\r\nFN:C\r\nEMAIL:c@example.org\r\nEND:VCARD\r\n");
    let (_dir, path) = saved_as("big.vcf", &book);
    let (results, peak) = dry_run_measured(&path);
    let got = lines(&results);
    assert_eq!(got.len(), 3, "{results:?}");
    assert_eq!(got[0], (3, "a@example.org".into(), "not_asked".into()));
    assert_eq!((got[1].0, got[1].2.as_str()), (5, "invalid"));
    let reason = results[1]["reason"].as_str().unwrap();
    assert!(
        reason.contains("over the 16 MiB limit for one card"),
        "{reason}"
    );
    assert_eq!(got[2], (12, "c@example.org".into(), "not_asked".into()));
    assert!(peak < 128 * MIB, "peak RSS {} MiB", peak / MIB);
}

#[test]
fn an_enormous_csv_line_costs_one_result_and_the_rest_is_read() {
    // Over the 4 MiB bound for one record.
    let mut book = b"Name,Email\nA,a@example.org\nB,".to_vec();
    book.resize(book.len() + (5 << 20), b'7');
    book.extend(b"\nC,c@example.org\n");
    let (_dir, path) = saved_as("big.csv", &book);
    let (results, peak) = dry_run_measured(&path);
    let got = lines(&results);
    assert_eq!(got.len(), 3, "{results:?}");
    assert_eq!(got[0], (2, "a@example.org".into(), "not_asked".into()));
    assert_eq!((got[1].0, got[1].2.as_str()), (3, "invalid"));
    assert!(got[1].1.len() < 400, "the input is quoted, not echoed");
    let reason = results[1]["reason"].as_str().unwrap();
    assert!(reason.contains("over the 4 MiB limit"), "{reason}");
    assert_eq!(got[2], (4, "c@example.org".into(), "not_asked".into()));
    assert!(peak < 96 * MIB, "peak RSS {} MiB", peak / MIB);
}

#[test]
fn memory_follows_the_addresses_not_the_bytes() {
    // 20,000 cards with a 4 KiB photo each (folded as exporters write it):
    // about 90 MB of vCard, 40,000 addresses.
    let photo: String = (0..4096).map(|i| (b'A' + (i % 26) as u8) as char).collect();
    let folded: Vec<&str> = photo
        .as_bytes()
        .chunks(74)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let photo = folded.join("\r\n ");
    let mut book = String::new();
    for i in 0..20_000 {
        book.push_str(&format!(
            "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Person {i}\r\nEMAIL:p{i}@example.org\r\n\
             TEL:+33 6 {:08}\r\nPHOTO;ENCODING=b;TYPE=JPEG:{photo}\r\nEND:VCARD\r\n",
            10_000_000 + i
        ));
    }
    let size = book.len() as u64;
    let (_dir, path) = saved_as("photos.vcf", &book);
    drop(book);
    let (results, peak) = dry_run_measured(&path);
    assert_eq!(results.len(), 40_000);
    assert!(results.iter().all(|r| r["status"] == "not_asked"));
    eprintln!("{} MiB of vCard: peak RSS {} MiB", size / MIB, peak / MIB);
    // Generous, and still under the book's size: it is never held whole.
    assert!(size > 80 * MIB);
    assert!(peak < 80 * MIB, "peak RSS {} MiB", peak / MIB);
}
