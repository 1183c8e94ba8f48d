//! A run's peak memory: `ru_maxrss` from wait4(2) (`wait.rs`), taken in a
//! small helper process.
//!
//! Why a helper: Linux counts in a child's `ru_maxrss` the peak of the
//! memory it was forked (or vforked, as std spawns) from, so a child of the
//! test process, which holds other tests' data, would seem to use hundreds
//! of MiB. The helper is this test binary again, fresh and small
//! ([`measure_child`] with [`HELPER`] set): it spawns `mxlookup` as the
//! test asked, reaps it and writes what it measured to files. Its stdin is
//! the run's stdin.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::Input;
use super::wait::{Ended, wait};

/// Set (to a directory) in the helper process that measures one run.
const HELPER: &str = "MEASURE_HELPER_DIR";

const MIB: u64 = 1 << 20;

/// What a measured run did.
pub struct Measured {
    pub ended: Ended,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Runs `cmd` (with `input` on stdin, killed past `deadline`) through the
/// helper and returns what it measured.
pub fn run(cmd: &Command, input: Input, deadline: Duration) -> Measured {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = |s: &std::ffi::OsStr| s.to_str().expect("UTF-8 argument").to_owned();
    let env: Vec<Value> = cmd
        .get_envs()
        .map(|(key, value)| json!([text(key), value.map(text)]))
        .collect();
    let spec = json!({
        "program": text(cmd.get_program()),
        "args": cmd.get_args().map(text).collect::<Vec<_>>(),
        "cwd": cmd.get_current_dir().map(|d| text(d.as_os_str())),
        "env": env,
        "deadline_ms": u64::try_from(deadline.as_millis()).unwrap(),
    });
    std::fs::write(dir.path().join("spec.json"), spec.to_string()).unwrap();
    // This test's name: this module's path without the crate's name.
    let module = module_path!().split_once("::").expect("a module path").1;
    let log = dir.path().join("helper.log");
    let started = Instant::now();
    let mut helper = Command::new(std::env::current_exe().unwrap())
        .args([
            &format!("{module}::measure_child"),
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(HELPER, dir.path())
        .stdin(match input {
            Input::Nothing => Stdio::null(),
            Input::Bytes(_) | Input::Stream(_) => Stdio::piped(),
            Input::Piped => panic!("a measured run takes no stdin from the test"),
        })
        .stdout(File::create(&log).unwrap())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn the helper");
    let writer = match (input, helper.stdin.take()) {
        (Input::Bytes(bytes), Some(mut stdin)) => Some(std::thread::spawn(move || {
            use std::io::Write as _;
            let _ = stdin.write_all(&bytes);
        })),
        (Input::Stream(write), Some(mut stdin)) => {
            Some(std::thread::spawn(move || write(&mut stdin)))
        }
        _ => None,
    };
    // The helper enforces the run's deadline; this one only catches a
    // helper that would hang itself.
    let helper_ended = wait(&mut helper, started, deadline + Duration::from_secs(60));
    if let Some(writer) = writer {
        writer.join().unwrap();
    }
    let log = std::fs::read_to_string(log).unwrap_or_default();
    assert!(
        helper_ended.code == Some(0) && !helper_ended.timed_out,
        "helper failed: {log}"
    );
    let measured: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("measured.json")).unwrap()).unwrap();
    let int = |k: &str| measured[k].as_i64().map(|c| i32::try_from(c).unwrap());
    Measured {
        ended: Ended {
            code: int("code"),
            signal: int("signal"),
            timed_out: measured["timed_out"].as_bool().unwrap(),
            elapsed: Duration::from_secs_f64(measured["seconds"].as_f64().unwrap()),
            peak_rss: measured["peak_rss"].as_u64().unwrap(),
        },
        stdout: std::fs::read(dir.path().join("stdout")).unwrap(),
        stderr: std::fs::read(dir.path().join("stderr")).unwrap(),
    }
}

/// In the helper (see [`run`]): runs `mxlookup` as `spec.json` says, stdin
/// inherited, output to files, killed past its deadline, and writes
/// `measured.json`. Outside the helper: checks that a small run measures
/// small while this process is big, which is what the helper is for.
#[test]
fn measure_child() {
    let Some(dir) = std::env::var_os(HELPER).map(PathBuf::from) else {
        let ballast = vec![1u8; 128 << 20];
        let out = super::mxlookup().args(["--version"]).measure();
        let peak = out.peak_rss.expect("measured");
        assert_eq!(out.code, Some(0), "{}", out.stderr());
        assert!(out.stdout().starts_with("mxlookup "), "{}", out.stdout());
        assert!(
            (1..48 * MIB).contains(&peak),
            "`mxlookup --version` measured at {} MiB beside a {} MiB test process",
            peak / MIB,
            ballast.iter().map(|&b| u64::from(b)).sum::<u64>() / MIB
        );
        return;
    };
    helper(&dir);
}

fn helper(dir: &Path) {
    let spec: Value =
        serde_json::from_slice(&std::fs::read(dir.join("spec.json")).unwrap()).unwrap();
    let text = |v: &Value| v.as_str().expect("a string").to_owned();
    let mut cmd = Command::new(text(&spec["program"]));
    for arg in spec["args"].as_array().unwrap() {
        cmd.arg(text(arg));
    }
    if let Some(cwd) = spec["cwd"].as_str() {
        cmd.current_dir(cwd);
    }
    for pair in spec["env"].as_array().unwrap() {
        match pair[1].as_str() {
            Some(value) => cmd.env(text(&pair[0]), value),
            None => cmd.env_remove(text(&pair[0])),
        };
    }
    cmd.env_remove(HELPER)
        .stdin(Stdio::inherit())
        .stdout(File::create(dir.join("stdout")).unwrap())
        .stderr(File::create(dir.join("stderr")).unwrap());
    let deadline = Duration::from_millis(spec["deadline_ms"].as_u64().unwrap());
    let started = Instant::now();
    let mut child = cmd.spawn().expect("spawn mxlookup");
    let ended = wait(&mut child, started, deadline);
    let measured = json!({
        "code": ended.code,
        "signal": ended.signal,
        "timed_out": ended.timed_out,
        "peak_rss": ended.peak_rss,
        "seconds": ended.elapsed.as_secs_f64(),
    });
    std::fs::write(dir.join("measured.json"), measured.to_string()).unwrap();
}
