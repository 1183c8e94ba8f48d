//! Generated files are kept fresh by a test, not by memory (uv's
//! generated-files check): the completion scripts in `completions/` and the
//! manual pages in `man/` must be what the binary generates now. To
//! regenerate them: `MXLOOKUP_UPDATE_GENERATED=1 cargo test --test it generated`.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::{mxlookup, root};

const COMPLETIONS: [(&[&str], &str); 5] = [
    (&["completions", "bash"], "mxlookup.bash"),
    (&["completions", "zsh"], "_mxlookup"),
    (&["completions", "fish"], "mxlookup.fish"),
    (&["completions", "powershell"], "_mxlookup.ps1"),
    (&["completions", "elvish"], "mxlookup.elv"),
];

/// Whether this run writes the generated files instead of checking them.
fn updating() -> bool {
    std::env::var_os("MXLOOKUP_UPDATE_GENERATED").is_some()
}

const REGENERATE: &str =
    "regenerate with MXLOOKUP_UPDATE_GENERATED=1 cargo test --test it generated";

#[test]
fn completions_are_fresh() {
    let mut stale = Vec::new();
    for (args, file) in COMPLETIONS {
        let (code, fresh, stderr) = mxlookup().args(args).run();
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert!(fresh.len() > 500, "{args:?} generated almost nothing");
        let path = root().join("completions").join(file);
        if updating() {
            std::fs::write(&path, &fresh).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(fresh.as_str()) {
            stale.push(file);
        }
    }
    assert!(
        stale.is_empty(),
        "stale completions/: {stale:?}; {REGENERATE}"
    );
}

/// The files of `dir`, by name.
fn files_of(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect()
}

/// `mxlookup manpage --dir` into a new folder (one that does not exist
/// yet, to be created): its pages, by name.
fn fresh_pages() -> BTreeMap<String, String> {
    let dir = tempfile::tempdir().unwrap();
    let into = dir.path().join("share/man/man1");
    let (code, stdout, stderr) = mxlookup()
        .args(["manpage", "--dir", into.to_str().unwrap()])
        .run();
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    let pages = files_of(&into);
    assert!(
        stderr.contains(&format!("wrote {} manual pages", pages.len())),
        "{stderr}"
    );
    pages
}

#[test]
fn manual_pages_are_fresh() {
    let fresh = fresh_pages();
    let man = root().join("man");
    if updating() {
        let _ = std::fs::remove_dir_all(&man);
        std::fs::create_dir_all(&man).unwrap();
        for (name, page) in &fresh {
            std::fs::write(man.join(name), page).unwrap();
        }
    }
    let kept = files_of(&man);
    let stale: Vec<&String> = fresh
        .keys()
        .chain(kept.keys())
        .filter(|name| fresh.get(*name) != kept.get(*name))
        .collect();
    assert!(stale.is_empty(), "stale man/: {stale:?}; {REGENERATE}");
    // Without --dir, the main page on stdout.
    let (code, stdout, stderr) = mxlookup().arg("manpage").run();
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(Some(&stdout), fresh.get("mxlookup.1"));
}

#[test]
fn every_page_a_manual_page_names_exists() {
    let pages = fresh_pages();
    for command in [
        "lookup",
        "trace",
        "push",
        "hash",
        "config",
        "config-show",
        "sandbox",
    ] {
        let name = format!("mxlookup-{command}.1");
        assert!(pages.contains_key(&name), "no {name}: {:?}", pages.keys());
    }
    // Hidden commands and clap's `help` get no page, and are named nowhere.
    assert!(!pages.contains_key("mxlookup-help.1") && !pages.contains_key("mxlookup-synth.1"));
    let named = regex::Regex::new(r"(mxlookup(?:\\-[a-z]+)*)(?:\\fR)?\((\d)\)").unwrap();
    for (page, text) in &pages {
        let see_also = text
            .split(".SH \"SEE ALSO\"")
            .nth(1)
            .unwrap_or_else(|| panic!("{page} has no SEE ALSO"));
        assert!(named.is_match(see_also), "{page}: {see_also}");
        for reference in named.captures_iter(text) {
            let file = format!("{}.{}", reference[1].replace("\\-", "-"), &reference[2]);
            assert!(
                pages.contains_key(&file),
                "{page} names {file}, which is not generated"
            );
        }
    }
    // The main page names every command's page.
    let main = &pages["mxlookup.1"];
    for name in pages.keys().filter(|n| n.matches('-').count() == 1) {
        let named = name.trim_end_matches(".1").replace('-', "\\-");
        assert!(main.contains(&named), "mxlookup.1 does not name {name}");
    }
}

#[test]
fn completions_know_the_commands() {
    let (_, bash, _) = mxlookup().args(["completions", "bash"]).run();
    for word in [
        "lookup",
        "trace",
        "hash",
        "sandbox",
        "--allow-server",
        "--region",
    ] {
        assert!(bash.contains(word), "bash completion lacks {word}");
    }
}
