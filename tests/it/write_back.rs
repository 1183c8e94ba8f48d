//! `lookup --write-back` against the sandbox federation: the Matrix IDs
//! found go into the vCard file read, every other byte kept, once; with
//! `--dry-run` a diff is printed and nothing written; what cannot be
//! written back is refused before anything is sent; a file that changed
//! meanwhile is left alone.

use std::path::Path;

use crate::common::{Fed, saved_as};
use crate::support::mxlookup;
use crate::vcard_out::hazards;

/// `lookup FILE --write-back --sandbox ARGS`: (exit code, stdout bytes, stderr).
fn write_back(file: &str, extra: &[&str]) -> (Option<i32>, Vec<u8>, String) {
    let out = mxlookup()
        .args(["lookup", file, "--write-back", "--sandbox"])
        .args(extra)
        .output();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (out.code, out.stdout, stderr)
}

/// The files in `dir`.
fn files_in(dir: &Path) -> usize {
    std::fs::read_dir(dir).unwrap().count()
}

#[test]
fn the_ids_go_into_the_file_once_every_other_byte_kept() {
    for eol in ["\r\n", "\n"] {
        let (book, back) = hazards(eol);
        let (dir, path) = saved_as("contacts.vcf", &book);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::Permissions::from_mode(0o640);
            std::fs::set_permissions(&path, mode).unwrap();
        }
        let (code, stdout, stderr) = write_back(&path, &["-f", "ndjson"]);
        assert_eq!(code, Some(0), "{stderr}");
        // The results are printed as usual.
        let stdout = String::from_utf8(stdout).unwrap();
        assert_eq!(
            stdout.matches("\"status\":\"found\"").count(),
            2,
            "{stdout}"
        );
        let said = format!("wrote 2 Matrix IDs into 2 cards of {path}");
        assert!(stderr.contains(&said), "{stderr}");
        let written = std::fs::read(&path).unwrap();
        assert!(written == back, "{}", String::from_utf8_lossy(&written));
        assert_eq!(files_in(dir.path()), 1, "a file was left beside it");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o640);
        }
        // Again: nothing to add, the file is not touched.
        let (code, _, stderr) = write_back(&path, &["-f", "ndjson"]);
        assert_eq!(code, Some(0), "{stderr}");
        assert!(stderr.contains("no card gained a Matrix ID"), "{stderr}");
        assert!(std::fs::read(&path).unwrap() == back);
    }
}

/// Checks each hunk of a unified diff against the file it should make:
/// its new side (context and added lines) must be `new`'s lines where
/// its header says. Returns the added lines.
fn check_hunks(diff: &[u8], new: &[u8]) -> Vec<Vec<u8>> {
    let new_lines: Vec<&[u8]> = new.split_inclusive(|&b| b == b'\n').collect();
    let mut added = Vec::new();
    let mut at = usize::MAX;
    for line in diff.split_inclusive(|&b| b == b'\n') {
        if let Some(header) = line.strip_prefix(b"@@ -") {
            let header = String::from_utf8_lossy(header);
            let plus = header.split(" +").nth(1).unwrap();
            let start: usize = plus.split([',', ' ']).next().unwrap().parse().unwrap();
            at = start - 1;
        } else if line.starts_with(b"---") || line.starts_with(b"+++") {
            continue;
        } else if let Some(text) = line.strip_prefix(b"+").or(line.strip_prefix(b" ")) {
            assert!(new_lines[at] == text, "hunk line {at} differs");
            if line.starts_with(b"+") {
                added.push(text.to_vec());
            }
            at += 1;
        } else {
            panic!("not a diff line: {}", String::from_utf8_lossy(line));
        }
    }
    added
}

#[test]
fn dry_run_looks_up_prints_a_diff_and_writes_nothing() {
    let (book, back) = hazards("\r\n");
    let (dir, path) = saved_as("contacts.vcf", &book);
    let (code, diff, stderr) = write_back(&path, &["--dry-run"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("looked up; nothing will be written"),
        "{stderr}"
    );
    assert!(!stderr.contains("wrote "), "{stderr}");
    assert!(diff.starts_with(format!("--- {path}").as_bytes()));
    assert_eq!(
        check_hunks(&diff, &back),
        vec![
            b"IMPP:matrix:u/alice:matrix.example\r\n".to_vec(),
            b"IMPP:matrix:u/bob:matrix.example\r\n".to_vec()
        ]
    );
    assert!(std::fs::read(&path).unwrap() == book, "a dry run wrote");
    assert_eq!(files_in(dir.path()), 1);
    // Once written, there is nothing left to show.
    write_back(&path, &[]);
    let (code, diff, stderr) = write_back(&path, &["--dry-run"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(diff.is_empty(), "{}", String::from_utf8_lossy(&diff));
}

#[test]
fn what_cannot_be_written_back_is_refused_before_anything_is_sent() {
    let fed = Fed::start(None);
    let (book, _) = hazards("\n");
    let (dir, vcf) = saved_as("contacts.vcf", &book);
    let csv = dir.path().join("book.csv");
    std::fs::write(&csv, "Name,Email\nAlice,alice@example.com\n").unwrap();
    let txt = dir.path().join("book.txt");
    std::fs::write(&txt, "alice@example.com\n").unwrap();
    let locked = dir.path().join("locked.vcf");
    std::fs::write(&locked, &book).unwrap();
    let mut read_only = std::fs::metadata(&locked).unwrap().permissions();
    read_only.set_readonly(true);
    std::fs::set_permissions(&locked, read_only).unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["-".into()], "standard input"),
        (vec![csv.to_string_lossy().into()], "read as csv"),
        (
            vec![vcf.clone(), txt.to_string_lossy().into()],
            "read as text",
        ),
        (vec![locked.to_string_lossy().into()], "read-only"),
        (
            vec![
                vcf.clone(),
                "--dry-run".into(),
                "--pepper".into(),
                "p".into(),
            ],
            "--pepper",
        ),
        (
            vec![vcf.clone(), "-o".into(), vcf.clone()],
            "which --write-back rewrites",
        ),
    ];
    for (args, says) in cases {
        let (code, stdout, stderr) = mxlookup()
            .arg("lookup")
            .args(&args)
            .arg("--write-back")
            .args(fed.args())
            .stdin(book.clone())
            .run();
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
        assert!(
            stderr.starts_with("error: ") && stderr.contains(says),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains("\nhint: "), "{args:?}: {stderr}");
    }
    assert!(
        fed.received("matrix.example:443").is_empty(),
        "something was sent"
    );
    assert!(std::fs::read(&vcf).unwrap() == book);
}

#[test]
fn a_file_changed_since_it_was_read_is_left_alone() {
    // Every answer takes 2 s: the file is changed while the lookup waits.
    let slow = r#"
[[servers]]
name = "matrix.example:443"
start = true
pepper = "p"
latency_ms = 2000
associations = [{ medium = "email", address = "alice@example.com", mxid = "@alice:matrix.example" }]
"#;
    let fed = Fed::start(Some(slow));
    let (book, _) = hazards("\n");
    let (_dir, path) = saved_as("contacts.vcf", &book);
    let run = mxlookup()
        .args(["lookup", &path, "--write-back", "-f", "ndjson"])
        .args(fed.args())
        .spawn();
    let started = std::time::Instant::now();
    while !fed
        .received("matrix.example:443")
        .iter()
        .any(|r| r.path.ends_with("/lookup"))
    {
        assert!(started.elapsed().as_secs() < 60, "the lookup never started");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let mut edited = book.clone();
    edited.extend_from_slice(b"BEGIN:VCARD\nFN:Added meanwhile\nEND:VCARD\n");
    std::fs::write(&path, &edited).unwrap();
    let ended = run.wait();
    let stderr = ended.stderr();
    assert_eq!(ended.code, Some(1), "{stderr}");
    assert!(ended.stdout().contains("@alice:matrix.example"));
    let warning = format!("warning: {path}: it changed since it was read; left as it is");
    assert!(stderr.contains(&warning), "{stderr}");
    assert!(stderr.contains("hint: "), "{stderr}");
    assert!(std::fs::read(&path).unwrap() == edited, "the edit was lost");
}

#[test]
fn a_card_cut_short_is_left_as_it_was_with_a_warning() {
    let book = "BEGIN:VCARD\nFN:A\nEMAIL:alice@example.com\n";
    let (_dir, path) = saved_as("cut.vcf", book);
    let (code, _, stderr) = write_back(&path, &["-f", "csv"]);
    assert_eq!(code, Some(0), "{stderr}");
    let warning = format!("warning: {path}:1: the card has no END:VCARD");
    assert!(stderr.contains(&warning), "{stderr}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), book);
}
