//! Generated files are kept fresh by a test, not by memory (uv's
//! generated-files check): the completion scripts and the manual page in
//! `completions/` must be what the binary generates now. To regenerate them:
//! `MXLOOKUP_UPDATE_GENERATED=1 cargo test --test it generated`.

use crate::support::{mxlookup, root};

const GENERATED: [(&[&str], &str); 6] = [
    (&["completions", "bash"], "mxlookup.bash"),
    (&["completions", "zsh"], "_mxlookup"),
    (&["completions", "fish"], "mxlookup.fish"),
    (&["completions", "powershell"], "_mxlookup.ps1"),
    (&["completions", "elvish"], "mxlookup.elv"),
    (&["manpage"], "mxlookup.1"),
];

#[test]
fn completions_and_manual_are_fresh() {
    let update = std::env::var_os("MXLOOKUP_UPDATE_GENERATED").is_some();
    let mut stale = Vec::new();
    for (args, file) in GENERATED {
        let (code, fresh, stderr) = mxlookup().args(args).run();
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert!(fresh.len() > 500, "{args:?} generated almost nothing");
        let path = root().join("completions").join(file);
        if update {
            std::fs::write(&path, &fresh).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(fresh.as_str()) {
            stale.push(file);
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files in completions/: {stale:?}; regenerate with MXLOOKUP_UPDATE_GENERATED=1 cargo test --test it generated"
    );
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
