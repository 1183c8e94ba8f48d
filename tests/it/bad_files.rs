//! Broken inputs through the real binary (`lookup FILE --dry-run --pepper P
//! -f ndjson`, offline): each ends in a clear error naming the file (exit 2)
//! or in `invalid` results citing FILE:LINE, never in a panic, and within a
//! bounded peak RSS, measured for the child alone with wait4(2) (see
//! `tests/support/measure.rs`).
//!
//! Big inputs are made at test time: a 2 GB file is sparse (no disk used),
//! a 2 GB line on stdin is written while the binary reads it.

use std::ffi::OsStr;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ChildStdin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{Mx, mxlookup, root};

const MIB: u64 = 1 << 20;
/// A run that takes longer is killed and fails: a generous "it ends".
const DEADLINE: Duration = Duration::from_secs(180);

/// How a child ended, what it wrote, and what it cost.
struct Ran {
    /// Exit code, `None` if a signal ended it.
    code: Option<i32>,
    signal: Option<i32>,
    stdout: String,
    stderr: String,
    /// Peak resident set size, bytes (`ru_maxrss`).
    peak_rss: u64,
    elapsed: Duration,
}

/// Runs `run` (made by [`mxlookup`]) past no more than [`DEADLINE`] and
/// measures its own peak RSS (`crate::support`'s `measure`).
fn run_measured(run: Mx) -> Ran {
    let out = run.deadline(DEADLINE).measure();
    Ran {
        code: out.code,
        signal: out.signal,
        peak_rss: out.peak_rss.expect("measured"),
        elapsed: out.elapsed,
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// `lookup FILE --dry-run --pepper P -f ndjson`, measured.
fn lookup(file: &Path) -> Ran {
    let file = file.as_os_str();
    let args: [&OsStr; 7] = [
        "lookup".as_ref(),
        file,
        "--dry-run".as_ref(),
        "--pepper".as_ref(),
        "P".as_ref(),
        "-f".as_ref(),
        "ndjson".as_ref(),
    ];
    run_measured(mxlookup().args(args))
}

impl Ran {
    /// Prints the measurement (shown with `--nocapture`) and checks that the
    /// run ended by itself, without a panic, under `max_rss`.
    fn settled(&self, what: &str, max_rss: u64) -> &Self {
        eprintln!(
            "{what}: exit {:?}, peak RSS {:.1} MiB, {:.2} s",
            self.code,
            self.peak_rss as f64 / MIB as f64,
            self.elapsed.as_secs_f64()
        );
        assert_eq!(self.signal, None, "{what}: killed (deadline {DEADLINE:?}?)");
        assert!(!self.stderr.contains("panicked"), "{what}: {}", self.stderr);
        assert!(
            matches!(self.code, Some(0 | 2)),
            "{what}: exit {:?}, stderr: {}",
            self.code,
            self.stderr
        );
        assert!(
            self.peak_rss <= max_rss,
            "{what}: peak RSS {} MiB over {} MiB",
            self.peak_rss / MIB,
            max_rss / MIB
        );
        self
    }

    /// Exit 2 with one error naming `file`, and nothing on stdout.
    fn refused(&self, file: &str) -> &str {
        assert_eq!(self.code, Some(2), "stderr: {}", self.stderr);
        assert_eq!(self.stdout, "");
        let first = self.stderr.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("error: ") && first.contains(file),
            "no error naming {file}: {}",
            self.stderr
        );
        first
    }

    /// The results of a run that read `file` (of `lines` lines): each cites
    /// FILE:LINE within the file, and is either an address not asked (a dry
    /// run) or `invalid` with a reason.
    fn results(&self, file: &str, lines: u32) -> Vec<Value> {
        assert_eq!(self.code, Some(0), "stderr: {}", self.stderr);
        let results: Vec<Value> = self
            .stdout
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect();
        for r in &results {
            let source = r["source"].as_str().unwrap();
            let line = source
                .strip_prefix(file)
                .and_then(|s| s.strip_prefix(':'))
                .and_then(|n| n.parse::<u32>().ok())
                .unwrap_or_else(|| panic!("source {source:?} is not {file}:LINE"));
            assert!((1..=lines).contains(&line), "{source}: past line {lines}");
            match r["status"].as_str().unwrap() {
                "not_asked" => assert!(r["address"].is_string(), "{r}"),
                "invalid" => assert!(!r["reason"].as_str().unwrap().is_empty(), "{r}"),
                other => panic!("status {other}: {r}"),
            }
        }
        results
    }

    /// Either of the two honest endings.
    fn refused_or_results(&self, file: &str, lines: u32) {
        if self.code == Some(2) {
            self.refused(file);
        } else {
            self.results(file, lines);
        }
    }
}

/// A file in a fresh temporary directory.
fn temp_file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

fn shown(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

fn line_count(bytes: &[u8]) -> u32 {
    u32::try_from(bytes.iter().filter(|&&b| b == b'\n').count()).unwrap() + 1
}

/// Deterministic noise (a xorshift), `nul` saying whether 0 may appear.
fn noise(len: usize, nul: bool) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let b = (x >> 24) as u8;
            if b == 0 && !nul { 1 } else { b }
        })
        .collect()
}

fn status_of(results: &[Value]) -> Vec<(&str, &str, &str)> {
    results
        .iter()
        .map(|r| {
            let line = r["source"].as_str().unwrap().rsplit(':').next().unwrap();
            (
                line,
                r["input"].as_str().unwrap(),
                r["status"].as_str().unwrap(),
            )
        })
        .collect()
}

#[test]
fn binary_garbage_is_refused_naming_the_file() {
    let file = "fixtures/bad/garbage.bin";
    let ran = lookup(Path::new(file));
    let error = ran.settled("garbage.bin", 64 * MIB).refused(file);
    assert!(error.contains("binary data"), "{error}");
    // The same noise without NUL bytes, under every extension: refused, or
    // read into invalid results; never a panic.
    let bytes = noise(64 * 1024, false);
    for name in ["noise.vcf", "noise.csv", "noise.txt", "noise"] {
        let (_dir, path) = temp_file(name, &bytes);
        let ran = lookup(&path);
        ran.settled(name, 128 * MIB)
            .refused_or_results(&shown(&path), line_count(&bytes));
    }
}

#[test]
fn a_2gb_file_of_nuls_is_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.txt");
    // Sparse: one 2 GB line of NULs that takes no disk. Its start says it
    // is no text: the rest is never read.
    File::create(&path).unwrap().set_len(2 << 30).unwrap();
    let ran = lookup(&path);
    let error = ran
        .settled("2 GB sparse file", 32 * MIB)
        .refused(&shown(&path));
    assert!(error.contains("binary data"), "{error}");
    assert!(ran.stderr.contains("hint: "), "{}", ran.stderr);
}

#[test]
fn a_2gb_line_on_stdin_is_read_past_in_bounded_memory() {
    let written = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let count = Arc::clone(&written);
    let stream = move |stdin: &mut ChildStdin| {
        let chunk = vec![b'a'; MIB as usize];
        for _ in 0..2048 {
            if stdin.write_all(&chunk).is_err() {
                return;
            }
            count.fetch_add(MIB, Ordering::SeqCst);
        }
        let _ = stdin.write_all(b"\nalice@example.org\n");
    };
    let args = ["lookup", "-", "--dry-run", "--pepper", "P", "-f", "ndjson"];
    let ran = run_measured(mxlookup().args(args).stdin_stream(stream));
    // No input size limit: the line is read to its end, its start kept.
    let results = ran.settled("2 GB line on stdin", 64 * MIB).results("-", 3);
    assert_eq!(written.load(Ordering::SeqCst), 2 << 30);
    let got = status_of(&results);
    assert_eq!(got.len(), 2, "{results:?}");
    assert_eq!((got[0].0, got[0].2), ("1", "invalid"));
    assert!(got[0].1.len() < 400, "the input is quoted, not echoed");
    let reason = results[0]["reason"].as_str().unwrap();
    assert!(reason.contains("2147483648 bytes long"), "{reason}");
    assert_eq!(got[1], ("2", "alice@example.org", "not_asked"));
}

#[test]
fn a_long_line_is_one_invalid_result() {
    let mut bytes = b"alice@example.org\n".to_vec();
    bytes.extend(std::iter::repeat_n(b'7', 16 << 20));
    bytes.extend(b"\n+33 6 12 34 56 78\n");
    let (_dir, path) = temp_file("long.txt", &bytes);
    let ran = lookup(&path);
    let file = shown(&path);
    let results = ran
        .settled("16 MiB line", 96 * MIB)
        .results(&file, line_count(&bytes));
    let got = status_of(&results);
    assert_eq!(got.len(), 3);
    assert_eq!(got[0], ("1", "alice@example.org", "not_asked"));
    assert_eq!((got[1].0, got[1].2), ("2", "invalid"));
    assert!(got[1].1.len() < 400, "the input is quoted, not echoed");
    let reason = results[1]["reason"].as_str().unwrap();
    assert!(reason.contains("4096-byte limit"), "{reason}");
    assert_eq!(got[2], ("3", "+33 6 12 34 56 78", "not_asked"));
}

#[test]
fn a_card_with_100000_properties() {
    let mut card = String::from("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Many\r\n");
    for i in 0..50_000 {
        card.push_str(&format!("EMAIL:u{i}@example.org\r\n"));
        card.push_str(&format!("TEL:+33 6 {:08}\r\n", 10_000_000 + i));
    }
    card.push_str("END:VCARD\r\n");
    let (_dir, path) = temp_file("many.vcf", card.as_bytes());
    let file = shown(&path);
    let ran = lookup(&path);
    let results = ran
        .settled("card with 100,000 properties", 512 * MIB)
        .results(&file, line_count(card.as_bytes()));
    assert_eq!(results.len(), 100_000);
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r["status"], "not_asked", "{r}");
        assert_eq!(r["contact"], "Many");
        assert_eq!(r["source"], format!("{file}:{}", i + 4));
    }
    assert_eq!(results[99_999]["address"], "33610049999");
}

#[test]
fn nested_begin_without_end() {
    let file = "fixtures/bad/nested.vcf";
    let ran = lookup(Path::new(file));
    let bytes = std::fs::read(root().join(file)).unwrap();
    let results = ran
        .settled("nested.vcf", 64 * MIB)
        .results(file, line_count(&bytes));
    assert_eq!(
        status_of(&results),
        vec![
            ("1", "BEGIN:VCARD", "invalid"),
            ("4", "outer@example.org", "not_asked"),
            ("5", "BEGIN:VCARD", "invalid"),
            ("8", "inner@example.org", "not_asked"),
            ("9", "BEGIN:VCALENDAR", "invalid"),
            ("10", "after-calendar@example.org", "not_asked"),
            ("11", "END:VCALENDAR", "invalid"),
            ("12", "+33 6 12 34 56 78", "not_asked"),
        ]
    );
    assert!(
        results[0]["reason"]
            .as_str()
            .unwrap()
            .contains("no END:VCARD (closed at line 5)")
    );
    assert!(results[4]["reason"].as_str().unwrap().contains("component"));

    // 100,000 BEGIN lines: each an unterminated card, each reported.
    let bytes = "BEGIN:VCARD\n".repeat(100_000);
    let (_dir, path) = temp_file("begins.vcf", bytes.as_bytes());
    let ran = lookup(&path);
    let results = ran
        .settled("100,000 BEGIN:VCARD", 256 * MIB)
        .results(&shown(&path), line_count(bytes.as_bytes()));
    assert_eq!(results.len(), 100_000);
    assert!(results.iter().all(|r| r["status"] == "invalid"));

    // 100,000 components opened inside one card: the address after them is read.
    let mut bytes = String::from("BEGIN:VCARD\nVERSION:3.0\nFN:Deep\n");
    bytes.push_str(&"BEGIN:X\n".repeat(100_000));
    bytes.push_str("EMAIL:deep@example.org\nEND:VCARD\n");
    let (_dir, path) = temp_file("deep.vcf", bytes.as_bytes());
    let file = shown(&path);
    let ran = lookup(&path);
    let results = ran
        .settled("100,000 nested BEGIN:X", 256 * MIB)
        .results(&file, line_count(bytes.as_bytes()));
    let found = results.iter().find(|r| r["status"] == "not_asked").unwrap();
    assert_eq!(found["address"], "deep@example.org");
    assert_eq!(found["source"], format!("{file}:100004"));
    assert_eq!(results.len(), 100_001);
}

#[test]
fn nul_bytes() {
    // At the start: binary, refused.
    let file = "fixtures/bad/nul.txt";
    let ran = lookup(Path::new(file));
    let error = ran.settled("nul.txt", 64 * MIB).refused(file);
    assert!(error.contains("binary data"), "{error}");
    // Past the first 8 KiB that the binary test looks at: read, and the
    // address holding the NUL is invalid at its line.
    let mut text = "# padding\n".repeat(1000);
    text.push_str("bob\0@example.org\nalice@example.org\n");
    let (_dir, path) = temp_file("late-nul.txt", text.as_bytes());
    let ran = lookup(&path);
    let results = ran
        .settled("late NUL in text", 64 * MIB)
        .results(&shown(&path), line_count(text.as_bytes()));
    assert_eq!(
        status_of(&results),
        vec![
            ("1001", "bob\0@example.org", "invalid"),
            ("1002", "alice@example.org", "not_asked")
        ]
    );
    assert!(results[0]["reason"].as_str().unwrap().contains("U+0000"));
    let mut card = "BEGIN:VCARD\nFN:Pad\nNOTE:padding\nEND:VCARD\n".repeat(300);
    card.push_str("BEGIN:VCARD\nFN:N\0ul\nEMAIL:a\0b@example.org\nEND:VCARD\n");
    let (_dir, path) = temp_file("late-nul.vcf", card.as_bytes());
    let ran = lookup(&path);
    let results = ran
        .settled("late NUL in vCard", 64 * MIB)
        .results(&shown(&path), line_count(card.as_bytes()));
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["status"], "invalid");
}

/// Every way to put one invalid UTF-8 byte into a small file: before each
/// byte and at the end (inside a UTF-8 sequence too).
fn with_bad_byte_everywhere(body: &[u8]) -> impl Iterator<Item = Vec<u8>> + '_ {
    (0..=body.len()).map(move |i| {
        let mut bytes = body.to_vec();
        bytes.insert(i, 0xFF);
        bytes
    })
}

#[test]
fn invalid_utf8_in_every_position() {
    // Emails only: a phone number costs a debug binary a second of start-up
    // (the metadata), times 150 runs; phone numbers have a fuzz target.
    let files: [(&str, &[u8]); 3] = [
        (
            "card.vcf",
            "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoë\r\nEMAIL:zoe@example.org\r\nEND:VCARD\r\n"
                .as_bytes(),
        ),
        (
            "book.csv",
            "Name,E-mail Address\nZoë,zoe@example.org\n".as_bytes(),
        ),
        ("list.txt", "zoë@example.org\nbob@example.org\n".as_bytes()),
    ];
    let mut runs = 0;
    let mut refused = 0;
    let started = Instant::now();
    let mut peak = 0;
    for (name, body) in files {
        for bytes in with_bad_byte_everywhere(body) {
            let (_dir, path) = temp_file(name, &bytes);
            let ran = lookup(&path);
            assert_eq!(ran.signal, None);
            assert!(!ran.stderr.contains("panicked"), "{}", ran.stderr);
            assert!(ran.peak_rss <= 64 * MIB, "{} MiB", ran.peak_rss / MIB);
            peak = peak.max(ran.peak_rss);
            let file = shown(&path);
            if name == "list.txt" {
                // A text line is only ever one address: never refused.
                // (One more when the byte makes a line of its own at the end.)
                let results = ran.results(&file, line_count(&bytes));
                assert!((2..=3).contains(&results.len()), "{bytes:?}");
            } else {
                ran.refused_or_results(&file, line_count(&bytes));
            }
            refused += usize::from(ran.code == Some(2));
            runs += 1;
        }
    }
    eprintln!(
        "invalid UTF-8: {runs} files, {refused} refused, peak RSS {:.1} MiB, {:.1} s",
        peak as f64 / MIB as f64,
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn csv_with_10000_columns() {
    // A header naming 10,000 email columns, and two full rows.
    let mut csv = (0..10_000)
        .map(|i| format!("E-mail {i}"))
        .collect::<Vec<_>>()
        .join(",");
    csv.push('\n');
    for row in 0..2 {
        let cells: Vec<String> = (0..10_000)
            .map(|i| format!("r{row}c{i}@example.org"))
            .collect();
        csv.push_str(&cells.join(","));
        csv.push('\n');
    }
    let (_dir, path) = temp_file("wide.csv", csv.as_bytes());
    let file = shown(&path);
    let ran = lookup(&path);
    let results = ran
        .settled("CSV with 10,000 columns", 256 * MIB)
        .results(&file, line_count(csv.as_bytes()));
    assert_eq!(results.len(), 20_000);
    assert_eq!(results[0]["source"], format!("{file}:2"));
    assert_eq!(results[19_999]["address"], "r1c9999@example.org");
    assert_eq!(results[19_999]["source"], format!("{file}:3"));

    // No header, 10,000 cells of one row, and a ragged row after it.
    let mut csv = (0..10_000)
        .map(|i| format!("+33 6 {:08}", 10_000_000 + i))
        .collect::<Vec<_>>()
        .join(";");
    csv.push_str("\nalice@example.org;;;\n");
    let (_dir, path) = temp_file("wide-noheader.csv", csv.as_bytes());
    let ran = lookup(&path);
    let results = ran
        .settled("CSV with 10,000 cells, no header", 256 * MIB)
        .results(&shown(&path), line_count(csv.as_bytes()));
    assert_eq!(results.len(), 10_001);
}

#[test]
fn a_folder_is_a_vdir_and_a_bad_item_is_named() {
    // An empty folder, then one whose items include garbage.
    let dir = tempfile::tempdir().unwrap();
    lookup(dir.path())
        .settled("empty folder", 64 * MIB)
        .refused(&shown(dir.path()));
    std::fs::write(
        dir.path().join("a.vcf"),
        "BEGIN:VCARD\nEMAIL:a@example.org\nEND:VCARD\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("b.vcf"), noise(4096, true)).unwrap();
    let first = lookup(dir.path())
        .settled("garbage item", 64 * MIB)
        .refused(&shown(&dir.path().join("b.vcf")))
        .to_owned();
    assert!(first.contains("binary"), "{first}");
}
