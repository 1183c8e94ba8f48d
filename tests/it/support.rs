//! Helpers: the binary with an isolated environment, and result parsing.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// The repository's root (fixtures are cited relative to it).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `mxlookup` run from the repository root, with HOME and XDG folders in a
/// fresh temporary directory and no `MXLOOKUP_*` or `NO_COLOR` from outside.
pub struct Mx {
    pub cmd: Command,
    _home: tempfile::TempDir,
}

pub fn mxlookup() -> Mx {
    let home = tempfile::tempdir().expect("temp dir");
    let mut cmd = Command::cargo_bin("mxlookup").expect("binary");
    cmd.current_dir(root());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("MXLOOKUP_") {
            cmd.env_remove(&key);
        }
    }
    let h = home.path();
    cmd.env("HOME", h)
        .env("XDG_CONFIG_HOME", h.join("config"))
        .env("XDG_STATE_HOME", h.join("state"))
        .env("XDG_CACHE_HOME", h.join("cache"))
        .env_remove("NO_COLOR");
    Mx { cmd, _home: home }
}

impl Mx {
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.cmd.args(args);
        self
    }

    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.cmd.write_stdin(input);
        self
    }

    /// Runs and returns (exit code, stdout, stderr).
    pub fn run(mut self) -> (i32, String, String) {
        let out = self.cmd.output().expect("run mxlookup");
        (
            out.status.code().expect("exit code"),
            String::from_utf8(out.stdout).expect("utf-8 stdout"),
            String::from_utf8(out.stderr).expect("utf-8 stderr"),
        )
    }
}

/// Runs a dry run over `files` with `extra` arguments and returns the ndjson
/// results, asserting success.
pub fn dry_run(files: &[&str], extra: &[&str]) -> Vec<Value> {
    let (code, stdout, stderr) = mxlookup()
        .args([
            "lookup",
            "--dry-run",
            "--pepper",
            "matrixrocks",
            "-f",
            "ndjson",
        ])
        .args(files)
        .args(extra)
        .run();
    assert_eq!(code, 0, "stderr: {stderr}");
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect()
}

/// `(contact, input, status)` of each result, for compact assertions.
pub fn triples(results: &[Value]) -> Vec<(Option<String>, String, String)> {
    results
        .iter()
        .map(|r| {
            (
                r["contact"].as_str().map(str::to_owned),
                r["input"].as_str().unwrap().to_owned(),
                r["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// A fixture's path as tests name it.
pub fn fixture(name: &str) -> String {
    let path = Path::new("fixtures").join(name);
    assert!(root().join(&path).exists(), "missing fixture {name}");
    path.to_string_lossy().into_owned()
}
