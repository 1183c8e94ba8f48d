//! `--format vcard`: the book written back with Matrix IDs added, every other
//! byte kept (charsets, folds, stray lines, cards with no address), and
//! nothing added twice; `-o` may name the input itself.

use std::path::Path;

use crate::common::{Fed, saved_as};
use crate::support::{mxlookup, root};

fn vcard_run(fed: &Fed, file: &str) -> String {
    let (code, stdout, stderr) = mxlookup()
        .args(["lookup", file, "-f", "vcard", "-r", "FR"])
        .args(fed.args())
        .run_with_env(&[("MXLOOKUP_BACKOFF_MS", "0")]);
    assert_eq!(code, 0, "{stderr}");
    stdout
}

/// The card texts of a vCard file, split on BEGIN lines, line endings dropped.
fn cards(text: &str) -> Vec<Vec<String>> {
    let mut cards: Vec<Vec<String>> = Vec::new();
    for line in text.lines() {
        let line = line.trim_start_matches('\u{feff}');
        if line.eq_ignore_ascii_case("BEGIN:VCARD") {
            cards.push(Vec::new());
        }
        if let Some(card) = cards.last_mut() {
            card.push(line.to_owned());
        }
    }
    cards
}

#[test]
fn round_trip_keeps_every_property_and_adds_impp_once() {
    let fed = Fed::start(None);
    let out = vcard_run(&fed, "fixtures/contacts.vcf");
    let original = std::fs::read_to_string(root().join("fixtures/contacts.vcf")).unwrap();
    let (before, after) = (cards(&original), cards(&out));
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        let kept: Vec<&String> = a
            .iter()
            .filter(|l| !l.starts_with("IMPP:matrix:"))
            .collect();
        assert_eq!(kept, b.iter().collect::<Vec<_>>(), "a property changed");
    }
    let impp = |card: &[String]| {
        card.iter()
            .filter(|l| l.starts_with("IMPP:matrix:"))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(impp(&after[0]), vec!["IMPP:matrix:u/alice:matrix.example"]);
    assert_eq!(impp(&after[3]), vec!["IMPP:matrix:u/dmitri:far.example"]);
    assert!(impp(&after[4]).is_empty(), "Elif was not found");

    // Written back through mxlookup again: nothing is added twice.
    let dir = tempfile::tempdir().unwrap();
    let once = dir.path().join("once.vcf");
    std::fs::write(&once, &out).unwrap();
    let twice = vcard_run(&fed, once.to_str().unwrap());
    assert_eq!(twice, out);
}

#[test]
fn other_inputs_give_minimal_cards() {
    let fed = Fed::start(None);
    let out = vcard_run(&fed, "fixtures/friends.txt");
    let all = cards(&out);
    let alice = all
        .iter()
        .find(|c| c.contains(&"EMAIL:alice@example.com".to_owned()))
        .expect("alice's card");
    assert!(
        alice.contains(&"IMPP:matrix:u/alice:matrix.example".to_owned()),
        "{alice:?}"
    );
    assert!(alice.contains(&"VERSION:4.0".to_owned()));
    assert!(
        out.lines().all(|l| !l.contains("not an address")),
        "an invalid line became a card"
    );
}

/// The lines of a vCard book with every hazard of writing back: raw
/// Latin-1 and Shift_JIS under `CHARSET`, folded lines (an address among
/// them), stray lines between and after cards, a card with no address, a
/// card whose address nobody knows. Lines starting with `+` are those a
/// write-back adds (the sandbox's default federation knows alice and bob).
const HAZARDS: &[&[u8]] = &[
    b"BEGIN:VCARD",
    b"VERSION:2.1",
    b"FN;CHARSET=ISO-8859-1:Ren\xe9 Fran\xe7ois",
    b"EMAIL;INTERNET:alice@example.com",
    b"+IMPP:matrix:u/alice:matrix.example",
    b"END:VCARD",
    b"a stray line between cards",
    b"",
    b"BEGIN:VCARD",
    b"VERSION:2.1",
    b"FN;CHARSET=SHIFT_JIS:\x8eR\x93c \x95\\\x8e\xa6",
    b"NOTE:a note folded",
    b"  over two lines",
    b"EMAIL:bob@exam",
    b" ple.com",
    b"+IMPP:matrix:u/bob:matrix.example",
    b"END:VCARD",
    b"BEGIN:VCARD",
    b"VERSION:3.0",
    b"FN:No Address",
    b"NOTE:kept though it holds no address",
    b"END:VCARD",
    b"BEGIN:VCARD",
    b"VERSION:3.0",
    b"FN:Nobody Known",
    b"EMAIL:nobody@example.org",
    b"END:VCARD",
    b"a stray line at the end",
];

/// [`HAZARDS`] with lines ending in `eol`: (the book, the book with the
/// Matrix IDs found written back).
pub fn hazards(eol: &str) -> (Vec<u8>, Vec<u8>) {
    let (mut book, mut back) = (Vec::new(), Vec::new());
    for line in HAZARDS {
        if let Some(added) = line.strip_prefix(b"+") {
            back.extend_from_slice(added);
            back.extend_from_slice(eol.as_bytes());
        } else {
            for text in [&mut book, &mut back] {
                text.extend_from_slice(line);
                text.extend_from_slice(eol.as_bytes());
            }
        }
    }
    (book, back)
}

/// `lookup FILE -f vcard --sandbox ARGS`: stdout as bytes, asserting success.
fn vcard_bytes(file: &Path, extra: &[&str]) -> Vec<u8> {
    let out = mxlookup()
        .arg("lookup")
        .arg(file)
        .args(["-f", "vcard", "--sandbox"])
        .args(extra)
        .output();
    assert_eq!(
        out.code,
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn every_card_and_byte_comes_back_with_impp_added_once() {
    for eol in ["\r\n", "\n"] {
        let (book, back) = hazards(eol);
        let (_dir, path) = saved_as("book.vcf", &book);
        let once = vcard_bytes(Path::new(&path), &[]);
        assert!(once == back, "{eol:?}:\n{}", String::from_utf8_lossy(&once));
        // Through mxlookup again: nothing is added twice.
        let (_dir, again) = saved_as("again.vcf", &once);
        assert!(vcard_bytes(Path::new(&again), &[]) == back, "{eol:?}");
    }
}

#[test]
fn o_may_name_the_input_itself() {
    let (book, back) = hazards("\r\n");
    let (dir, path) = saved_as("book.vcf", &book);
    let printed = vcard_bytes(Path::new(&path), &["-o", &path]);
    assert!(printed.is_empty());
    assert!(std::fs::read(&path).unwrap() == back);
    // Through a link to it: the file it points to is written.
    #[cfg(unix)]
    {
        let link = dir.path().join("link.vcf");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        std::fs::write(&path, &book).unwrap();
        vcard_bytes(Path::new(&path), &["-o", link.to_str().unwrap()]);
        assert!(std::fs::read(&path).unwrap() == back);
        assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    }
    // Another name of the same file (a hard link): that name gets the book
    // written back, as a new file; the input is read whole first.
    let other = dir.path().join("other.vcf");
    std::fs::write(&path, &book).unwrap();
    std::fs::hard_link(&path, &other).unwrap();
    vcard_bytes(Path::new(&path), &["-o", other.to_str().unwrap()]);
    assert!(std::fs::read(&other).unwrap() == back);
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(names.len() <= 3, "a file was left beside it: {names:?}");
}

#[test]
fn results_are_not_written_over_the_input() {
    let (book, _) = hazards("\n");
    let (dir, path) = saved_as("book.vcf", &book);
    let other = dir.path().join("other-name.vcf");
    std::fs::hard_link(&path, &other).unwrap();
    for output in [path.clone(), other.to_string_lossy().into_owned()] {
        let (code, stdout, stderr) = mxlookup()
            .args(["lookup", &path, "--dry-run", "--pepper", "p", "-f", "json"])
            .args(["-o", &output])
            .run();
        assert_eq!(code, 2, "{stderr}");
        assert!(stdout.is_empty());
        assert!(
            stderr.contains("would replace the address book"),
            "{stderr}"
        );
        assert!(stderr.contains("hint: "), "{stderr}");
        assert!(std::fs::read(&path).unwrap() == book);
    }
}

#[test]
fn every_vcard_fixture_comes_back_byte_for_byte_when_nothing_is_found() {
    // Offline, nothing is found: the book must come back exactly as read,
    // charsets (fixtures/vcard-charsets), broken cards and all.
    let mut books = vec![root().join("fixtures/vcard-charsets/charsets-2.1.vcf")];
    for entry in std::fs::read_dir(root().join("fixtures")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "vcf") {
            books.push(path);
        }
    }
    assert!(books.len() > 5, "{books:?}");
    for book in books {
        let out = mxlookup()
            .arg("lookup")
            .arg(&book)
            .args(["-f", "vcard", "--dry-run", "--pepper", "p"])
            .output();
        assert_eq!(out.code, Some(0), "{}", book.display());
        assert!(
            out.stdout == std::fs::read(&book).unwrap(),
            "{} changed",
            book.display()
        );
    }
}

#[test]
fn books_written_one_after_another_stay_apart() {
    // The first ends with no line break: the second card still starts a line.
    let (_a, first) = saved_as("a.vcf", "BEGIN:VCARD\nFN:A\nEND:VCARD");
    let (_b, second) = saved_as("b.vcf", "BEGIN:VCARD\r\nFN:B\r\nEND:VCARD\r\n");
    let out = mxlookup()
        .args(["lookup", &first, &second])
        .args(["-f", "vcard", "--dry-run", "--pepper", "p"])
        .output();
    assert_eq!(out.code, Some(0));
    assert_eq!(
        out.stdout(),
        "BEGIN:VCARD\nFN:A\nEND:VCARD\r\nBEGIN:VCARD\r\nFN:B\r\nEND:VCARD\r\n"
    );
}
