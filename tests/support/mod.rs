//! The one way the test suites run the `mxlookup` binary, shared by
//! `tests/it/` and the interop suite (`tests/interop.rs`), which both mount
//! this folder as `support`.
//!
//! Every run is isolated: HOME and `XDG_*` in a temporary directory, and no
//! `MXLOOKUP_*`, `*_PROXY` or `NO_COLOR` from the outside environment. Every
//! run has a deadline: a run still going past it is killed and the test
//! fails, so a hang shows as a failure, not a stuck suite. Its output is
//! read whole. [`Mx::measure`] also takes the run's peak memory, by the one
//! method described in `measure.rs`.

// Each test binary uses the part it needs.
#![allow(dead_code)]

mod measure;
mod wait;

use std::ffi::OsStr;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long a run may take unless the test says otherwise.
pub const DEADLINE: Duration = Duration::from_secs(240);

/// The repository's root (fixtures are cited relative to it).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `mxlookup` run from the repository root, with HOME and XDG folders in a
/// fresh temporary directory (removed when the run is dropped).
pub fn mxlookup() -> Mx {
    let home = tempfile::tempdir().expect("temp dir");
    let mut mx = Mx::isolated(home.path());
    mx.owned_home = Some(home);
    mx.cmd.current_dir(root());
    mx
}

/// `mxlookup` run in `home`, with HOME and XDG folders there: runs sharing
/// a home share its state (the IS token cache).
pub fn mxlookup_in(home: &Path) -> Mx {
    let mut mx = Mx::isolated(home);
    mx.cmd.current_dir(home);
    mx
}

/// What the run reads on stdin.
enum Input {
    Nothing,
    Bytes(Vec<u8>),
    /// Written by this function on its own thread, while the run goes on
    /// (it may stop early: the run closing the pipe is not an error).
    Stream(Box<dyn FnOnce(&mut ChildStdin) + Send>),
    /// A pipe handed to the test ([`Running::stdin`]).
    Piped,
}

/// A run of `mxlookup` being set up: arguments, environment, stdin, deadline.
pub struct Mx {
    cmd: Command,
    home: PathBuf,
    owned_home: Option<tempfile::TempDir>,
    input: Input,
    deadline: Duration,
}

impl Mx {
    fn isolated(home: &Path) -> Mx {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mxlookup"));
        for (key, _) in std::env::vars_os() {
            let name = key.to_string_lossy().to_ascii_uppercase();
            // No mxlookup settings from outside, and no proxy: every server
            // the tests start is on loopback.
            if name.starts_with("MXLOOKUP_") || name.ends_with("_PROXY") {
                cmd.env_remove(&key);
            }
        }
        cmd.env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_STATE_HOME", home.join("state"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env_remove("NO_COLOR")
            // The table's width, and --help's, are the test's choice.
            .env_remove("COLUMNS");
        Mx {
            cmd,
            home: home.to_owned(),
            owned_home: None,
            input: Input::Nothing,
            deadline: DEADLINE,
        }
    }

    /// Where this run looks for its config file by default
    /// (`$XDG_CONFIG_HOME/mxlookup/config.toml`).
    pub fn default_config(&self) -> PathBuf {
        self.home.join("config/mxlookup/config.toml")
    }

    /// Sets an environment variable for this run.
    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Self {
        self.cmd.env(key, value);
        self
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.cmd.arg(arg);
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.cmd.args(args);
        self
    }

    /// Gives the run `input` on stdin.
    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.input = Input::Bytes(input.into());
        self
    }

    /// Feeds stdin with `write`, on its own thread, while the run goes on.
    pub fn stdin_stream(mut self, write: impl FnOnce(&mut ChildStdin) + Send + 'static) -> Self {
        self.input = Input::Stream(Box::new(write));
        self
    }

    /// Leaves stdin to the test: see [`Running::stdin`].
    pub fn stdin_piped(mut self) -> Self {
        self.input = Input::Piped;
        self
    }

    /// Kills the run, and fails the test, past `deadline` (default [`DEADLINE`]).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Runs and returns (exit code, stdout, stderr).
    pub fn run(self) -> (i32, String, String) {
        let out = self.output();
        let code = out.code.expect("exit code");
        (
            code,
            String::from_utf8(out.stdout).expect("utf-8 stdout"),
            String::from_utf8(out.stderr).expect("utf-8 stderr"),
        )
    }

    /// Runs with extra environment variables.
    pub fn run_with_env(mut self, vars: &[(&str, &str)]) -> (i32, String, String) {
        for (k, v) in vars {
            self.cmd.env(k, v);
        }
        self.run()
    }

    /// Runs to the end.
    pub fn output(self) -> Output {
        self.spawn().wait()
    }

    /// Starts the run.
    pub fn spawn(mut self) -> Running {
        let shown = shown(&self.cmd);
        self.cmd
            .stdin(match self.input {
                Input::Nothing => Stdio::null(),
                _ => Stdio::piped(),
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let started = Instant::now();
        let mut child = self.cmd.spawn().expect("start mxlookup");
        let stdin = child.stdin.take();
        let (stdin, writer) = match (self.input, stdin) {
            (Input::Bytes(bytes), Some(mut pipe)) => (
                None,
                Some(std::thread::spawn(move || {
                    let _ = pipe.write_all(&bytes);
                })),
            ),
            (Input::Stream(write), Some(mut pipe)) => {
                (None, Some(std::thread::spawn(move || write(&mut pipe))))
            }
            (_, pipe) => (pipe, None),
        };
        let drain = |mut pipe: Box<dyn std::io::Read + Send>| {
            std::thread::spawn(move || {
                let mut bytes = Vec::new();
                let _ = pipe.read_to_end(&mut bytes);
                bytes
            })
        };
        let stdout = drain(Box::new(child.stdout.take().expect("stdout")));
        let stderr = drain(Box::new(child.stderr.take().expect("stderr")));
        Running {
            child,
            stdin,
            writer,
            stdout,
            stderr,
            started,
            deadline: self.deadline,
            shown,
            _home: self.owned_home,
        }
    }

    /// Runs to the end and measures its peak resident set size
    /// ([`Output::peak_rss`]), as `measure.rs` explains.
    pub fn measure(self) -> Output {
        let shown = shown(&self.cmd);
        let deadline = self.deadline;
        let measured = measure::run(&self.cmd, self.input, deadline);
        let out = Output {
            code: measured.ended.code,
            signal: measured.ended.signal,
            stdout: measured.stdout,
            stderr: measured.stderr,
            elapsed: measured.ended.elapsed,
            peak_rss: Some(measured.ended.peak_rss),
            shown,
        };
        out.check_deadline(measured.ended.timed_out, deadline);
        out
    }
}

/// The command line as assertion messages show it.
fn shown(cmd: &Command) -> String {
    cmd.get_args()
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A run of `mxlookup` under way.
pub struct Running {
    child: Child,
    stdin: Option<ChildStdin>,
    writer: Option<std::thread::JoinHandle<()>>,
    stdout: std::thread::JoinHandle<Vec<u8>>,
    stderr: std::thread::JoinHandle<Vec<u8>>,
    started: Instant,
    deadline: Duration,
    shown: String,
    _home: Option<tempfile::TempDir>,
}

impl Running {
    /// Its stdin, when set up with [`Mx::stdin_piped`] (close it by dropping).
    pub fn stdin(&mut self) -> ChildStdin {
        self.stdin.take().expect("stdin piped, and taken once")
    }

    /// Sends it SIGINT, as Ctrl-C in a terminal does.
    pub fn interrupt(&self) {
        wait::interrupt(&self.child);
    }

    /// Waits for it to end (killing it, and failing, past its deadline).
    pub fn wait(mut self) -> Output {
        drop(self.stdin.take());
        let ended = wait::wait(&mut self.child, self.started, self.deadline);
        if let Some(writer) = self.writer {
            writer.join().expect("stdin writer");
        }
        let out = Output {
            code: ended.code,
            signal: ended.signal,
            stdout: self.stdout.join().expect("stdout reader"),
            stderr: self.stderr.join().expect("stderr reader"),
            elapsed: ended.elapsed,
            // Not this child's own: see `measure.rs`.
            peak_rss: None,
            shown: self.shown,
        };
        out.check_deadline(ended.timed_out, self.deadline);
        out
    }
}

/// How a run ended and what it wrote.
#[derive(Debug)]
pub struct Output {
    /// Its exit code; `None` when a signal ended it.
    pub code: Option<i32>,
    pub signal: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// From spawn to exit.
    pub elapsed: Duration,
    /// Peak resident set size in bytes, for a run made by [`Mx::measure`].
    pub peak_rss: Option<u64>,
    shown: String,
}

impl Output {
    fn check_deadline(&self, timed_out: bool, deadline: Duration) {
        assert!(
            !timed_out,
            "`mxlookup {}` did not end within {deadline:?}; stderr: {}",
            self.shown,
            String::from_utf8_lossy(&self.stderr)
        );
    }

    /// Stdout, which must be UTF-8.
    pub fn stdout(&self) -> &str {
        std::str::from_utf8(&self.stdout).expect("mxlookup writes UTF-8")
    }

    /// Stderr, which must be UTF-8.
    pub fn stderr(&self) -> &str {
        std::str::from_utf8(&self.stderr).expect("mxlookup writes UTF-8")
    }

    /// Panics (with the run's output) unless it exited with `code`.
    pub fn expect_code(&self, code: i32) -> &Output {
        assert_eq!(
            self.code,
            Some(code),
            "`mxlookup {}`:\n{}",
            self.shown,
            self.describe()
        );
        self
    }

    /// The command line and what it printed, for assertion messages.
    pub fn describe(&self) -> String {
        let stdout = String::from_utf8_lossy(&self.stdout);
        let lines: Vec<&str> = stdout.lines().collect();
        format!(
            "mxlookup {}\nexit {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.shown,
            self.code.unwrap_or(-1),
            lines[lines.len().saturating_sub(60)..].join("\n"),
            String::from_utf8_lossy(&self.stderr)
        )
    }

    /// The ndjson results.
    pub fn results(&self) -> Vec<Value> {
        self.stdout()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("not JSON ({e}): {l}\n{}", self.describe()))
            })
            .collect()
    }

    /// The one result whose `input` is `input`.
    pub fn result(&self, input: &str) -> Value {
        let found: Vec<Value> = self
            .results()
            .into_iter()
            .filter(|r| r["input"] == input)
            .collect();
        assert_eq!(
            found.len(),
            1,
            "results for input {input:?}:\n{}",
            self.describe()
        );
        found.into_iter().next().expect("one")
    }

    /// Stdout as one JSON document.
    pub fn json(&self) -> Value {
        serde_json::from_str(self.stdout())
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", self.describe()))
    }
}
