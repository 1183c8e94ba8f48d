//! vdir folders as sources (issue 16): one `.vcf` per contact, the storage
//! of vdirsyncer and khard. mxlookup reads the folder, finds what sydent
//! holds, writes the Matrix IDs back into the files (atomically, only the
//! files that change), and a real khard (from PyPI) reads the folder back.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::contacts::{mxid, seed_contacts};
use crate::dav_servers::{DavHome, FRIENDS, impp_for, line_of};
use crate::servers::{Interop, interop, venv_python};
use crate::sydent::{Sydent, SydentOptions};

/// The cards that gain a Matrix ID: (file, local part).
const CHANGED: [(&str, &str); 3] = [
    ("alice.vcf", "alice"),
    ("gustav.vcf", "gustav"),
    ("chloe.vcf", "chloe"),
];

/// A file vdirsyncer may leave beside the cards, which is not a card.
const NOT_A_CARD: (&str, &str) = (
    ".vdirsyncer-status",
    "not a card: EMAIL:alice.martin@example.org\n",
);

/// A vdir of the [`FRIENDS`] cards (one file each, as written) and a file
/// that is not a card, in `home`.
fn seeded_vdir(home: &DavHome) -> PathBuf {
    let dir = home.path().join("friends");
    std::fs::create_dir(&dir).expect("vdir");
    for (name, body) in FRIENDS.iter().chain([&NOT_A_CARD]) {
        std::fs::write(dir.join(name), body).expect("write card");
    }
    dir
}

/// sydent holding the seeded contacts, a home, and the seeded vdir in it.
fn started() -> (&'static Interop, Sydent, DavHome, PathBuf) {
    let interop = interop();
    let sydent = Sydent::start(interop, SydentOptions::default());
    seed_contacts(interop, &sydent);
    let home = DavHome::new();
    let dir = seeded_vdir(&home);
    (interop, sydent, home, dir)
}

/// Every file of a folder: name → (bytes, inode).
fn snapshot(dir: &Path) -> BTreeMap<String, (Vec<u8>, u64)> {
    std::fs::read_dir(dir)
        .expect("read vdir")
        .map(|e| {
            let e = e.expect("entry");
            let meta = e.metadata().expect("metadata");
            (
                e.file_name().to_string_lossy().into_owned(),
                (std::fs::read(e.path()).expect("read"), meta.ino()),
            )
        })
        .collect()
}

fn lookup_args(interop: &Interop, sydent: &Sydent, dir: &Path, extra: &[&str]) -> Vec<String> {
    let mut args = vec![
        "lookup".to_owned(),
        dir.display().to_string(),
        "-s".into(),
        sydent.url.clone(),
    ];
    args.extend(interop.hs_args());
    args.extend(["-r", "FR", "-f", "ndjson"].map(String::from));
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// Reading a vdir: one result per address, its source the card's file and
/// line; without `--write-back` nothing changes.
#[test]
fn vdir_is_read_card_by_card() {
    let (interop, sydent, home, dir) = started();
    let before = snapshot(&dir);
    let run = home.run(&lookup_args(interop, &sydent, &dir, &[]), None);
    run.expect_code(0);
    // Seven addresses in the four cards; the status file is not read.
    assert_eq!(run.results().len(), 7, "{}", run.describe());
    for (name, body) in FRIENDS {
        for line in body
            .lines()
            .filter(|l| l.starts_with("EMAIL") || l.starts_with("TEL"))
        {
            let input = line.split_once(':').expect("value").1;
            let r = run.result(input);
            let source = format!("{}:{}", dir.join(name).display(), line_of(body, input));
            assert_eq!(r["source"], source, "{r}");
        }
    }
    assert_eq!(
        run.result("Alice.Martin@Example.ORG")["mxid"],
        mxid(interop, "alice")
    );
    assert_eq!(snapshot(&dir), before, "the vdir changed");
}

/// `--write-back` on a vdir rewrites only the files that gained a Matrix
/// ID (a new file renamed into place: a new inode), each with exactly one
/// `IMPP` line more and every other byte as it was; names are kept, no
/// temporary file is left, the others are untouched (same inode). A
/// second run changes nothing. Then khard, configured with that folder,
/// lists every contact and shows the Matrix IDs.
#[test]
fn vdir_write_back_then_khard_reads_it() {
    let (interop, sydent, home, dir) = started();
    let before = snapshot(&dir);
    let args = lookup_args(interop, &sydent, &dir, &["--write-back"]);
    let run = home.run(&args, None);
    run.expect_code(0);

    let after = snapshot(&dir);
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>(),
        "files added or removed"
    );
    for (name, (old, old_ino)) in &before {
        let (new, new_ino) = &after[name];
        match CHANGED.iter().find(|(card, _)| card == name) {
            Some((_, local)) => {
                let impp = impp_for(&mxid(interop, local));
                let text = String::from_utf8(new.clone()).expect("utf-8 card");
                let added: Vec<&str> = text.lines().filter(|l| l.starts_with("IMPP")).collect();
                assert_eq!(added, [impp.as_str()], "{name}:\n{text}");
                // The same line ends as the rest of the card (CRLF here).
                let without = text.replacen(&format!("{impp}\r\n"), "", 1);
                assert_eq!(
                    without.as_bytes(),
                    old.as_slice(),
                    "{name}: other bytes changed:\n{text}"
                );
                assert_ne!(old_ino, new_ino, "{name} rewritten in place, not renamed");
            }
            None => {
                assert_eq!(new, old, "{name} changed");
                assert_eq!(old_ino, new_ino, "{name} rewritten");
            }
        }
    }

    let again = home.run(&args, None);
    again.expect_code(0);
    assert_eq!(
        snapshot(&dir),
        after,
        "a second write-back changed the vdir"
    );

    // khard reads the folder back.
    let khard = Khard::new(&home, &dir);
    let listed = khard.run(&["list", "--parsable"]);
    for name in [
        "Alice Martin",
        "Gustav Strauß",
        "Chloé Bernard",
        "Hana Kobayashi",
    ] {
        assert!(
            listed.contains(name),
            "khard does not list {name}:\n{listed}"
        );
    }
    assert_eq!(listed.lines().count(), 4, "{listed}");
    for (name, local) in [
        ("Alice Martin", "alice"),
        ("Gustav Strauß", "gustav"),
        ("Chloé Bernard", "chloe"),
    ] {
        let shown = khard.run(&["show", name]);
        let value = format!("matrix: u/{}", mxid(interop, local).trim_start_matches('@'));
        assert!(
            shown.contains("IMPP"),
            "khard shows no IMPP for {name}:\n{shown}"
        );
        assert!(shown.contains(&value), "khard shows no {value:?}:\n{shown}");
    }
    let hana = khard.run(&["show", "Hana Kobayashi"]);
    assert!(!hana.contains("IMPP"), "{hana}");
}

/// `--write-back --dry-run` on a vdir prints a unified diff per file that
/// would change and writes nothing.
#[test]
fn vdir_write_back_dry_run_prints_diffs() {
    let (interop, sydent, home, dir) = started();
    let before = snapshot(&dir);
    let args = lookup_args(interop, &sydent, &dir, &["--write-back", "--dry-run"]);
    let run = home.run(&args, None);
    run.expect_code(0);
    let printed = format!("{}\n{}", run.stdout(), run.stderr());
    for (name, local) in CHANGED {
        let added = format!("+{}", impp_for(&mxid(interop, local)));
        assert!(
            printed.lines().any(|l| l.trim_end() == added),
            "no {added:?}:\n{}",
            run.describe()
        );
        assert!(printed.contains(name), "no diff header for {name}");
    }
    assert_eq!(snapshot(&dir), before, "a dry run wrote");
}

/// khard from the suite's venv, with a config naming one vdir.
struct Khard {
    config: PathBuf,
    home: PathBuf,
}

impl Khard {
    fn new(home: &DavHome, vdir: &Path) -> Khard {
        let config = home.write(
            "khard.conf",
            &format!(
                "[addressbooks]\n[[friends]]\npath = {}\n\n[general]\ndebug = no\n\
                 default_action = list\neditor = /bin/false\nmerge_editor = /bin/false\n",
                vdir.display()
            ),
        );
        Khard {
            config,
            home: home.path().to_owned(),
        }
    }

    /// `khard -c CONFIG ARGS`: its stdout (it must succeed).
    fn run(&self, args: &[&str]) -> String {
        let khard = venv_python("khard").with_file_name("khard");
        let out = Command::new(&khard)
            .arg("-c")
            .arg(&self.config)
            .args(args)
            .env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join("config"))
            .env("XDG_CACHE_HOME", self.home.join("cache"))
            .env("NO_COLOR", "1")
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", khard.display()));
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "khard {args:?}: {}\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }
}
