//! What the modules of this binary share beyond running it
//! (`crate::support`): address books and fixtures, reading results, and a
//! sandbox federation served from the test process.

use std::path::Path;

use serde_json::Value;

use crate::support::{mxlookup, root};

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

/// A sandbox federation served from the test process (on its own runtime),
/// so that tests can read what each server received.
pub struct Fed {
    pub sandbox: mxlookup::sandbox::Sandbox,
    _runtime: tokio::runtime::Runtime,
}

impl Fed {
    /// Starts the federation described by `toml` (or the built-in one).
    pub fn start(toml: Option<&str>) -> Fed {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let federation = match toml {
            Some(text) => {
                mxlookup::sandbox::Federation::from_toml(text).expect("federation parses")
            }
            None => mxlookup::sandbox::Federation::default_federation(),
        };
        let sandbox = runtime
            .block_on(mxlookup::sandbox::Sandbox::start(federation))
            .expect("sandbox starts");
        Fed {
            sandbox,
            _runtime: runtime,
        }
    }

    /// The URL of a server, as `-s` takes it.
    pub fn url(&self, name: &str) -> String {
        self.sandbox
            .server_url(name)
            .expect("server in federation")
            .as_str()
            .trim_end_matches('/')
            .to_owned()
    }

    /// `-s` for every start server, `--resolve` and `--allow-server` for
    /// every server, and the homeserver with its token.
    pub fn args(&self) -> Vec<String> {
        let mut args = Vec::new();
        for s in self.sandbox.start_servers() {
            args.extend([
                "-s".to_owned(),
                s.url.as_str().trim_end_matches('/').to_owned(),
            ]);
        }
        for (name, url) in self.sandbox.resolve_map() {
            args.extend(["--resolve".to_owned(), format!("{name}={url}")]);
            args.extend(["--allow-server".to_owned(), name]);
        }
        args.extend([
            "--homeserver".to_owned(),
            self.sandbox.homeserver_url().to_string(),
            "--hs-token".to_owned(),
            self.sandbox.homeserver_token().to_owned(),
        ]);
        args
    }

    /// Runs `mxlookup lookup FILE -f ndjson` against the federation with
    /// `extra` arguments; returns (exit code, results, stderr).
    pub fn lookup(&self, file: &str, extra: &[&str]) -> (i32, Vec<Value>, String) {
        self.run("lookup", file, extra)
    }

    /// Runs `mxlookup COMMAND FILE -f ndjson` against the federation with
    /// `extra` arguments; returns (exit code, the JSON lines, stderr).
    pub fn run(&self, command: &str, file: &str, extra: &[&str]) -> (i32, Vec<Value>, String) {
        let mut args = self.args();
        args.extend(extra.iter().map(|a| a.to_string()));
        ndjson(command, file, &args)
    }

    /// Every request body and Authorization header a server received.
    pub fn received(&self, server: &str) -> Vec<mxlookup::sandbox::Recorded> {
        self.sandbox.requests(server)
    }
}

/// Writes `content` as `name` in a temporary folder: (the folder, the
/// file's path).
pub fn saved_as(name: &str, content: impl AsRef<[u8]>) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    (dir, path.to_string_lossy().into_owned())
}

/// A dry run of `file` with pepper `p` and `extra` arguments, whatever its
/// exit code: (exit code, the ndjson results, stderr).
pub fn dry_run_any(file: &str, extra: &[&str]) -> (i32, Vec<Value>, String) {
    let mut args: Vec<String> = ["--dry-run", "--pepper", "p"].map(String::from).into();
    args.extend(extra.iter().map(|a| a.to_string()));
    ndjson("lookup", file, &args)
}

/// Runs `mxlookup COMMAND FILE -f ndjson ARGS` (no backoff between
/// retries); returns (exit code, the JSON lines, stderr).
pub fn ndjson(command: &str, file: &str, args: &[String]) -> (i32, Vec<Value>, String) {
    let (code, stdout, stderr) = mxlookup()
        .args([command, file, "-f", "ndjson"])
        .args(args)
        .run_with_env(&[("MXLOOKUP_BACKOFF_MS", "0")]);
    let results = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    (code, results, stderr)
}

/// Writes `lines` to a text address book in a temporary directory.
pub fn text_book(lines: impl IntoIterator<Item = String>) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("book.txt");
    let mut text = String::new();
    for line in lines {
        text.push_str(&line);
        text.push('\n');
    }
    std::fs::write(&path, text).unwrap();
    let path = path.to_string_lossy().into_owned();
    (dir, path)
}

/// The result for a normalised address.
pub fn by_address<'a>(results: &'a [Value], address: &str) -> &'a Value {
    results
        .iter()
        .find(|r| r["address"] == address)
        .unwrap_or_else(|| panic!("no result for {address}"))
}

/// A result's `via`, as strings.
pub fn via(r: &Value) -> Vec<&str> {
    r["via"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

/// `text` with the sandbox's loopback ports made stable, for snapshots.
pub fn stable_ports(text: &str) -> String {
    regex::Regex::new(r"127\.0\.0\.1:\d+")
        .unwrap()
        .replace_all(text, "127.0.0.1:PORT")
        .into_owned()
}
