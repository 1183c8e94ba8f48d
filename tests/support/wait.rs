//! Waiting for a run: the deadline, and the `unsafe` of the test suites.
//!
//! Cargo.toml sets `unsafe_code = "deny"` (not `forbid`) so that this file
//! alone may call kill(2) (Ctrl-C, for the tests of an interrupted run) and
//! wait4(2), the precise way to learn a child's peak memory
//! (`ru_maxrss`): std's `Child::wait` drops the rusage that wait4 reports,
//! `getrusage(RUSAGE_CHILDREN)` mixes in every child reaped before, and
//! polling `/proc/PID/status` misses what the child does between two reads.
//! Every run of the suites is reaped here, measured or not.

use std::process::Child;
use std::time::{Duration, Instant};

/// How a child ended.
pub struct Ended {
    /// Its exit code; `None` when a signal ended it.
    pub code: Option<i32>,
    pub signal: Option<i32>,
    /// Whether it was killed for running past its deadline.
    pub timed_out: bool,
    /// From spawn to exit.
    pub elapsed: Duration,
    /// `ru_maxrss` in bytes. It is the child's own peak only when its
    /// parent was small when it spawned it (see `measure.rs`): Linux counts
    /// the memory a child was forked (or vforked) from as its own.
    pub peak_rss: u64,
}

/// Waits for `child` (started at `started`), killing it once `deadline` has
/// passed, and reaps it with wait4(2).
#[allow(unsafe_code)] // wait4(2), with kill(2) below the unsafe code of the test suites.
pub fn wait(child: &mut Child, started: Instant, deadline: Duration) -> Ended {
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain integers and timevals: all zeroes is a value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let mut timed_out = false;
    loop {
        // SAFETY: `pid` is our own child, not reaped yet (std never waits for
        // it: only this function does); both pointers are to live locals.
        let got = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if got == pid {
            break;
        }
        if got < 0 {
            let error = std::io::Error::last_os_error();
            assert_eq!(
                error.kind(),
                std::io::ErrorKind::Interrupted,
                "wait4: {error}"
            );
        }
        // Still running (so the pid is still ours to kill).
        if !timed_out && started.elapsed() > deadline {
            let _ = child.kill();
            timed_out = true;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let elapsed = started.elapsed();
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    let signal = libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status));
    // Linux reports ru_maxrss in KiB.
    let peak_rss = u64::try_from(usage.ru_maxrss).unwrap() * 1024;
    Ended {
        code,
        signal,
        timed_out,
        elapsed,
        peak_rss,
    }
}

/// Sends `child` SIGINT, as Ctrl-C in a terminal does.
#[allow(unsafe_code)] // kill(2): the other unsafe call of the test suites.
pub fn interrupt(child: &Child) {
    let pid = libc::pid_t::try_from(child.id()).expect("a pid");
    // SAFETY: kill(2) takes two integers and touches no memory of ours.
    let sent = unsafe { libc::kill(pid, libc::SIGINT) };
    assert_eq!(sent, 0, "SIGINT to pid {pid}");
}
