//! Ctrl-C: the run stops at once, the file of `-o` being written beside
//! its place is removed (FILE stays as it was), and the user is told so in
//! an `error:` and a `hint:` line; the exit code is 130 (128 + SIGINT), as
//! shells report an interrupted command.
//!
//! The signal is awaited on a thread of its own, so the handler works the
//! same whichever stage (reading, asking, writing, a prompt) the run is in.

use std::path::PathBuf;
use std::sync::Mutex;

/// The temporary files being written, with the `-o` each one will become.
static PENDING: Mutex<Vec<(PathBuf, String)>> = Mutex::new(Vec::new());

/// The exit code of an interrupted run.
pub const EXIT_CODE: i32 = 130;

/// Listens for Ctrl-C for the rest of the process, from the moment it
/// returns. A failure to listen (no signal support) leaves the default,
/// which ends the process too.
pub fn install() {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    // Registered here, not on the thread: a Ctrl-C right after this
    // returns is already ours.
    let Ok(mut interrupts) = runtime.block_on(async {
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
    }) else {
        return;
    };
    std::thread::spawn(move || {
        if runtime.block_on(interrupts.recv()).is_some() {
            stop();
        }
    });
}

/// Removes every temporary file, says what happened, and ends the process.
fn stop() -> ! {
    let pending = std::mem::take(&mut *PENDING.lock().unwrap_or_else(|e| e.into_inner()));
    for (temp, _) in &pending {
        let _ = std::fs::remove_file(temp);
    }
    let (error, hint) = lines(pending.iter().map(|(_, shown)| shown.as_str()));
    // A line of progress may be on stderr without its end.
    eprintln!("\n{error}\n{hint}");
    std::process::exit(EXIT_CODE)
}

/// The `error:` and `hint:` lines, for the `-o` files left as they were.
fn lines<'a>(untouched: impl Iterator<Item = &'a str>) -> (String, String) {
    let files: Vec<&str> = untouched.collect();
    let error = "error: interrupted (Ctrl-C): the run stopped before its end".to_owned();
    let hint = if files.is_empty() {
        "hint: what was printed before may be cut short; run the command again to finish".to_owned()
    } else {
        format!(
            "hint: nothing was written: {} left as it was; run the command again for every result",
            files.join(", ")
        )
    };
    (error, hint)
}

/// A temporary file registered for removal on Ctrl-C while it lives.
pub struct Registered(PathBuf);

impl Registered {
    /// Registers `temp`, which will become the `-o` file shown as `shown`.
    pub fn new(temp: PathBuf, shown: &str) -> Self {
        let mut pending = PENDING.lock().unwrap_or_else(|e| e.into_inner());
        pending.push((temp.clone(), shown.to_owned()));
        Registered(temp)
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        let mut pending = PENDING.lock().unwrap_or_else(|e| e.into_inner());
        pending.retain(|(temp, _)| *temp != self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_is_told_which_files_were_left_as_they_were() {
        let (error, hint) = lines(["out.csv", "b.json"].into_iter());
        assert!(error.starts_with("error: interrupted"), "{error}");
        assert!(hint.contains("out.csv, b.json left as it was"), "{hint}");
        let (_, hint) = lines(std::iter::empty());
        assert!(hint.contains("run the command again"), "{hint}");
    }

    #[test]
    fn a_file_is_registered_while_it_lives() {
        let path = PathBuf::from("/nonexistent/.x.tmp");
        let registered = Registered::new(path.clone(), "x");
        let held = |p: &PathBuf| PENDING.lock().unwrap().iter().any(|(t, _)| t == p);
        assert!(held(&path));
        drop(registered);
        assert!(!held(&path));
    }
}
