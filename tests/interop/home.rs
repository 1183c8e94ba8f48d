//! Runs of the real `mxlookup` binary, through the suites' shared harness
//! (`tests/support/`), in a home that runs can share.

use std::ffi::OsStr;
use std::path::PathBuf;
use std::process::ChildStdin;

use tempfile::TempDir;

use crate::servers::temp_dir;
use crate::support::{Mx, Running, mxlookup_in};

/// What a run of `mxlookup` did.
pub type Run = crate::support::Output;

/// HOME and XDG folders for mxlookup runs: runs sharing a `Home` share the
/// IS token cache.
pub struct Home {
    dir: TempDir,
}

impl Home {
    pub fn new() -> Home {
        Home {
            dir: temp_dir("home-"),
        }
    }

    /// `$XDG_STATE_HOME/mxlookup/tokens.json`.
    pub fn token_cache(&self) -> PathBuf {
        self.dir.path().join("state/mxlookup/tokens.json")
    }

    /// Writes a file (an address book) there; its path.
    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).expect("write file");
        path
    }

    /// `mxlookup ARGS` in this home (also its working directory), with no
    /// retry delay and no colour.
    fn command<S: AsRef<OsStr>>(&self, args: &[S]) -> Mx {
        mxlookup_in(self.dir.path())
            .args(args)
            .env("MXLOOKUP_BACKOFF_MS", "0")
            .env("NO_COLOR", "1")
    }

    /// Runs `mxlookup ARGS` to the end.
    pub fn run<S: AsRef<OsStr>>(&self, args: &[S]) -> Run {
        self.spawn(args).wait()
    }

    /// Starts `mxlookup ARGS` with its stdin to write to.
    pub fn spawn_with_stdin<S: AsRef<OsStr>>(&self, args: &[S]) -> (Running, ChildStdin) {
        let mut running = self.command(args).stdin_piped().spawn();
        let stdin = running.stdin();
        (running, stdin)
    }

    /// Starts `mxlookup ARGS`.
    pub fn spawn<S: AsRef<OsStr>>(&self, args: &[S]) -> Running {
        self.command(args).spawn()
    }
}
