//! vdir folders (vdirsyncer's storage, read by khard): one `.vcf` item per
//! contact, read in name order, each cited as its own file; a folder of
//! collections one level down; `--write-back` rewriting only the items
//! that gain a Matrix ID.

use std::path::Path;

use crate::common::dry_run_any;
use crate::support::mxlookup;

/// A card for `email`, named `name`, with `extra` lines before its end.
fn card(name: &str, email: &str, extra: &str) -> String {
    format!("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{name}\r\nEMAIL:{email}\r\n{extra}END:VCARD\r\n")
}

/// Writes `items` (name, content) into `folder`, creating it.
fn vdir(folder: &Path, items: &[(&str, &str)]) {
    std::fs::create_dir_all(folder).unwrap();
    for (name, content) in items {
        std::fs::write(folder.join(name), content).unwrap();
    }
}

/// The `source` of each result of an offline dry run over `folder`.
fn sources(folder: &Path) -> Vec<String> {
    let (code, results, stderr) = dry_run_any(folder.to_str().unwrap(), &[]);
    assert_eq!(code, 0, "{stderr}");
    results
        .iter()
        .map(|r| r["source"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_collection_is_read_item_by_item_in_name_order() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("friends");
    vdir(
        &folder,
        &[
            ("b.vcf", &card("Bob", "bob@example.com", "")),
            ("a.vcf", &card("Alice", "alice@example.com", "")),
            (".hidden.vcf", &card("Hidden", "hidden@example.com", "")),
            ("notes.txt", "carol@example.com\n"),
        ],
    );
    let f = folder.to_str().unwrap();
    assert_eq!(
        sources(&folder),
        vec![format!("{f}/a.vcf:4"), format!("{f}/b.vcf:4")]
    );
}

#[test]
fn a_folder_of_collections_is_read_one_level_down() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("contacts");
    vdir(
        &root.join("work"),
        &[("x.vcf", &card("X", "x@example.com", ""))],
    );
    vdir(
        &root.join("home"),
        &[("y.vcf", &card("Y", "y@example.com", ""))],
    );
    vdir(
        &root.join("home/deeper"),
        &[("z.vcf", &card("Z", "z@example.com", ""))],
    );
    let r = root.to_str().unwrap();
    assert_eq!(
        sources(&root),
        vec![format!("{r}/home/y.vcf:4"), format!("{r}/work/x.vcf:4")]
    );
}

#[test]
fn a_folder_with_no_vcf_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("empty");
    vdir(&folder, &[("notes.txt", "alice@example.com\n")]);
    let (code, results, stderr) = dry_run_any(folder.to_str().unwrap(), &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(results.is_empty());
    let f = folder.to_str().unwrap();
    assert!(
        stderr.starts_with(&format!("error: {f} is a folder with no .vcf file in it")),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: a folder is read as a vdir"),
        "{stderr}"
    );
}

/// Each file of `folder`: (name, content, inode).
fn snapshot(folder: &Path) -> Vec<(String, Vec<u8>, u64)> {
    let mut files: Vec<_> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            #[cfg(unix)]
            let inode = std::os::unix::fs::MetadataExt::ino(&e.metadata().unwrap());
            #[cfg(not(unix))]
            let inode = 0;
            let content = std::fs::read(e.path()).unwrap();
            (e.file_name().to_string_lossy().into_owned(), content, inode)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn write_back_rewrites_only_the_items_that_gain_an_id() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("friends");
    let alice = card("Ren\u{e9}", "alice@example.com", "NOTE:kept\r\n");
    let bob = card(
        "Bob",
        "bob@example.com",
        "IMPP:matrix:u/bob:matrix.example\r\n",
    );
    let nobody = card("Nobody", "nobody@example.org", "");
    vdir(
        &folder,
        &[
            ("alice.vcf", &alice),
            ("bob.vcf", &bob),
            ("nobody.vcf", &nobody),
            ("notes.txt", "x"),
        ],
    );
    let before = snapshot(&folder);
    let f = folder.to_str().unwrap();
    // A dry run shows the one item that would change, and changes nothing.
    let (code, diff, stderr) = mxlookup()
        .args(["lookup", f, "--write-back", "--dry-run", "--sandbox"])
        .run();
    assert_eq!(code, 0, "{stderr}");
    let header = format!("--- {f}/alice.vcf\n+++ {f}/alice.vcf\n@@ ");
    assert!(diff.starts_with(&header), "{diff}");
    assert_eq!(diff.matches("\n+IMPP:").count(), 1, "{diff}");
    assert_eq!(diff.matches("\n--- ").count(), 0, "{diff}");
    assert_eq!(snapshot(&folder), before);
    let (code, stdout, stderr) = mxlookup()
        .args(["lookup", f, "--write-back", "--sandbox", "-f", "csv"])
        .run();
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.matches(",found,").count(), 2, "{stdout}");
    let said = format!("wrote 1 Matrix ID into 1 card of {f} (1 file)");
    assert!(stderr.contains(&said), "{stderr}");
    let after = snapshot(&folder);
    let names: Vec<&str> = after.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(names, ["alice.vcf", "bob.vcf", "nobody.vcf", "notes.txt"]);
    let gained = alice.replace(
        "END:VCARD",
        "IMPP:matrix:u/alice:matrix.example\r\nEND:VCARD",
    );
    assert_eq!(after[0].1, gained.as_bytes());
    // The others are the very files they were: not rewritten at all.
    assert_eq!(after[1..], before[1..]);
}

#[test]
fn a_vdir_of_more_items_than_files_may_be_open_is_read_whole() {
    // Each item is checked, closed, and opened again when read: 300 items
    // under a limit of 64 open files.
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("contacts");
    std::fs::create_dir_all(&folder).unwrap();
    for i in 0..300 {
        let item = card(&format!("P {i}"), &format!("p{i}@example.org"), "");
        std::fs::write(folder.join(format!("{i:03}.vcf")), item).unwrap();
    }
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -n 64 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_mxlookup"))
        .args(["lookup", "--dry-run", "--pepper", "p", "-f", "ndjson"])
        .arg(&folder)
        .env("HOME", dir.path())
        .env_remove("MXLOOKUP_CONFIG")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 300, "{stderr}");
    assert!(stdout.contains("\"source\":\"") && stdout.contains("299.vcf:4"));
}
