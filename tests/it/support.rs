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
    /// Where this run looks for its config file by default
    /// (`$XDG_CONFIG_HOME/mxlookup/config.toml`).
    pub fn default_config(&self) -> PathBuf {
        self._home.path().join("config/mxlookup/config.toml")
    }

    /// Sets an environment variable for this run.
    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Self {
        self.cmd.env(key, value);
        self
    }

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
        let (code, stdout, stderr) = mxlookup()
            .args([command, file, "-f", "ndjson"])
            .args(self.args())
            .args(extra)
            .run_with_env(&[("MXLOOKUP_BACKOFF_MS", "0")]);
        let results = stdout
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect();
        (code, results, stderr)
    }

    /// Every request body and Authorization header a server received.
    pub fn received(&self, server: &str) -> Vec<mxlookup::sandbox::Recorded> {
        self.sandbox.requests(server)
    }
}

impl Mx {
    /// Runs with extra environment variables.
    pub fn run_with_env(mut self, vars: &[(&str, &str)]) -> (i32, String, String) {
        for (k, v) in vars {
            self.cmd.env(k, v);
        }
        self.run()
    }
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

/// How a run of the binary ended, measured from outside.
#[derive(Debug)]
pub struct Measured {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
    /// From spawn to exit.
    pub elapsed: std::time::Duration,
    /// The child's peak resident set size in KiB: the last `VmHWM` read
    /// from `/proc/PID/status` before it exited.
    pub max_rss_kib: u64,
}

impl Mx {
    /// Runs with extra environment variables and measures the run: its
    /// time, and its peak RSS. A run still going after `limit` is killed
    /// and the test fails, so a hang shows as a failure, not a stuck suite.
    ///
    /// The peak is the kernel's high-water mark of the child's own memory
    /// (`VmHWM`), read every millisecond while it runs, so only a peak in
    /// its last millisecond could be missed. Not `ru_maxrss` from `wait4`:
    /// a child spawned with vfork semantics (as std does) starts with the
    /// parent's high-water mark, here the whole test binary's.
    pub fn measure(self, vars: &[(&str, &str)], limit: std::time::Duration) -> Measured {
        use std::io::Read;
        use std::process::Stdio;
        use std::time::{Duration, Instant};

        let mut cmd = std::process::Command::new(self.cmd.get_program());
        cmd.args(self.cmd.get_args());
        if let Some(dir) = self.cmd.get_current_dir() {
            cmd.current_dir(dir);
        }
        for (key, value) in self.cmd.get_envs() {
            match value {
                Some(value) => cmd.env(key, value),
                None => cmd.env_remove(key),
            };
        }
        cmd.envs(vars.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let started = Instant::now();
        let mut child = cmd.spawn().expect("spawn mxlookup");
        let drain = |mut pipe: Box<dyn Read + Send>| {
            std::thread::spawn(move || {
                let mut bytes = Vec::new();
                let _ = pipe.read_to_end(&mut bytes);
                bytes
            })
        };
        let stdout = drain(Box::new(child.stdout.take().expect("stdout")));
        let stderr = drain(Box::new(child.stderr.take().expect("stderr")));
        let status_file = format!("/proc/{}/status", child.id());
        let mut max_rss_kib = 0;
        let mut timed_out = false;
        let status = loop {
            // Read before reaping: once reaped, the file is gone.
            if let Some(kib) = high_water_kib(&status_file) {
                max_rss_kib = max_rss_kib.max(kib);
            }
            if let Some(status) = child.try_wait().expect("wait for mxlookup") {
                break status;
            }
            if started.elapsed() > limit && !timed_out {
                let _ = child.kill();
                timed_out = true;
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        let elapsed = started.elapsed();
        let stdout = stdout.join().expect("stdout reader");
        let stderr = String::from_utf8_lossy(&stderr.join().expect("stderr reader")).into_owned();
        assert!(
            !timed_out,
            "mxlookup did not end within {limit:?}; stderr: {stderr}"
        );
        Measured {
            code: status.code().unwrap_or_else(|| {
                panic!("mxlookup ended without an exit code ({status}); stderr: {stderr}")
            }),
            stdout,
            stderr,
            elapsed,
            max_rss_kib,
        }
    }
}

/// `VmHWM` of a `/proc/PID/status` file, in KiB.
fn high_water_kib(status_file: &str) -> Option<u64> {
    let text = std::fs::read_to_string(status_file).ok()?;
    let line = text.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
