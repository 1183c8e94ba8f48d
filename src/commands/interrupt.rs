//! Ctrl-C: the run stops at once, the file of `-o` being written beside
//! its place is removed (FILE stays as it was), and the user is told so in
//! an `error:` and a `hint:` line; the exit code is 130 (128 + SIGINT), as
//! shells report an interrupted command.
//!
//! The signal is awaited on a thread of its own, so the handler works the
//! same whichever stage (reading, asking, writing, a prompt) the run is in.
//!
//! Results written to stdout go through [`stdout`], which writes whole
//! lines only, each write at most [`ATOMIC`] bytes: a pipe takes such a
//! write all at once or not at all, so stdout ends on a whole line however
//! the run is stopped, even while its reader is not reading.

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

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

/// Removes every temporary file, ends stdout on a whole line, says what
/// happened, and ends the process.
fn stop() -> ! {
    STOPPING.store(true, Ordering::SeqCst);
    let pending = std::mem::take(&mut *PENDING.lock().unwrap_or_else(|e| e.into_inner()));
    for (temp, _) in &pending {
        let _ = std::fs::remove_file(temp);
    }
    end_stdout();
    let (error, hint) = lines(pending.iter().map(|(_, shown)| shown.as_str()));
    let shown = PROGRESS.lock().unwrap_or_else(|e| e.into_inner()).take();
    match shown {
        Some(bar) => {
            bar.finish_and_clear();
            eprintln!("{error}\n{hint}");
        }
        // A line of progress may be on stderr without its end.
        None => eprintln!("\n{error}\n{hint}"),
    }
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

/// The progress line on stderr while there is one, cleared on Ctrl-C.
static PROGRESS: Mutex<Option<indicatif::ProgressBar>> = Mutex::new(None);

/// Tells which progress line is shown (`None`: none any more), for Ctrl-C
/// to clear it before it says what happened.
pub fn progress_shown(bar: Option<indicatif::ProgressBar>) {
    *PROGRESS.lock().unwrap_or_else(|e| e.into_inner()) = bar;
}

/// Results on their way to stdout, written out a whole line at a time
/// under this lock (see [`stdout`]).
static STDOUT: Mutex<Vec<u8>> = Mutex::new(Vec::new());

/// Set when Ctrl-C came: stdout is then [`stop`]'s alone.
static STOPPING: AtomicBool = AtomicBool::new(false);

/// The results waiting, for the run's own writes. Once Ctrl-C came, the
/// thread waits instead for the process to end: the run may not go on
/// writing, nor end as if it had not been interrupted.
fn waiting_results() -> MutexGuard<'static, Vec<u8>> {
    let pending = STDOUT.lock().unwrap_or_else(|e| e.into_inner());
    if STOPPING.load(Ordering::SeqCst) {
        drop(pending);
        wait_for_the_end();
    }
    pending
}

/// Waits for [`stop`] to end the process.
fn wait_for_the_end() -> ! {
    loop {
        std::thread::park();
    }
}

/// Results wait until there are this many bytes of them.
const BUFFER: usize = 1 << 16;

/// The most a write to a pipe may hold to be atomic: POSIX's `PIPE_BUF`,
/// 4096 bytes on Linux (512 at the least elsewhere, where a line may then be
/// cut as before).
pub const ATOMIC: usize = 4096;

/// stdout for results: whole lines, written [`ATOMIC`] bytes at most at a
/// time (a longer line alone), so that an interrupted run leaves no line
/// half written; the rest is written by `flush`, at the end of the run.
pub fn stdout() -> WholeLines {
    WholeLines(())
}

/// See [`stdout`].
pub struct WholeLines(());

impl Write for WholeLines {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut pending = waiting_results();
        if pending.is_empty() && buf.len() >= BUFFER {
            // Straight from the caller's buffer, with no copy: only its
            // last line, unfinished, waits.
            let (written, result) =
                write_whole_lines(&mut io::stdout().lock(), buf, true, piece_size());
            pending.extend_from_slice(&buf[written..]);
            result?;
        } else {
            pending.extend_from_slice(buf);
            if pending.len() >= BUFFER {
                write_lines(&mut io::stdout().lock(), &mut pending, true)?;
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let mut pending = waiting_results();
        let mut out = io::stdout().lock();
        write_lines(&mut out, &mut pending, true)?;
        if STOPPING.load(Ordering::SeqCst) {
            drop((out, pending));
            wait_for_the_end();
        }
        let tail = std::mem::take(&mut *pending);
        out.write_all(&tail)?;
        out.flush()
    }
}

/// The most one write to stdout holds: [`ATOMIC`] bytes to a pipe, a
/// socket or a terminal, whose reader may lag; no limit to a file, whose
/// writes are whole.
fn piece_size() -> usize {
    use std::os::fd::AsFd;
    use std::os::unix::fs::FileTypeExt;
    static SIZE: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *SIZE.get_or_init(|| {
        let kind = io::stdout()
            .as_fd()
            .try_clone_to_owned()
            .ok()
            .and_then(|fd| std::fs::File::from(fd).metadata().ok())
            .map(|m| m.file_type());
        match kind {
            Some(kind) if !(kind.is_fifo() || kind.is_socket() || kind.is_char_device()) => {
                usize::MAX
            }
            _ => ATOMIC,
        }
    })
}

/// Writes the whole lines of `pending` to `out` (see
/// [`write_whole_lines`]) and keeps the rest.
fn write_lines(out: &mut impl Write, pending: &mut Vec<u8>, the_run: bool) -> io::Result<()> {
    let (written, result) = write_whole_lines(out, pending, the_run, piece_size());
    pending.drain(..written);
    result
}

/// Writes the whole lines of `bytes` to `out`, as many as fit in `piece`
/// bytes a write (a longer line alone); returns how many bytes were
/// written. `the_run`'s writes stop early when Ctrl-C comes, leaving the
/// rest to [`stop`].
fn write_whole_lines(
    out: &mut impl Write,
    bytes: &[u8],
    the_run: bool,
    piece: usize,
) -> (usize, io::Result<()>) {
    let Some(last) = memchr::memrchr(b'\n', bytes) else {
        return (0, Ok(()));
    };
    let mut start = 0;
    while start <= last && !(the_run && STOPPING.load(Ordering::SeqCst)) {
        let window = &bytes[start..start.saturating_add(piece).min(last + 1)];
        let end = match memchr::memrchr(b'\n', window) {
            Some(i) => start + i + 1,
            None => start + memchr::memchr(b'\n', &bytes[start..]).unwrap_or(last - start) + 1,
        };
        if let Err(e) = out.write_all(&bytes[start..end]) {
            return (start, Err(e));
        }
        start = end;
    }
    (start, out.flush())
}

/// Writes the whole lines of results waiting, and keeps stdout from then
/// on, so that nothing more reaches it; waits a second at most (a reader
/// that takes nothing then gets the lines written so far).
fn end_stdout() {
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut pending = STDOUT.lock().unwrap_or_else(|e| e.into_inner());
        let _ = write_lines(&mut io::stdout().lock(), &mut pending, false);
        pending.clear();
        let _ = done.send(());
        // Held until the process ends.
        wait_for_the_end();
    });
    let _ = finished.recv_timeout(Duration::from_secs(1));
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
    fn whole_lines_are_written_in_atomic_pieces_and_the_rest_kept() {
        /// Records each write.
        #[derive(Default)]
        struct Writes(Vec<Vec<u8>>);
        impl Write for Writes {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                self.0.push(buf.to_vec());
                Ok(buf.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let line = |n: usize| {
            let mut l = vec![b'x'; n - 1];
            l.push(b'\n');
            l
        };
        let mut bytes: Vec<u8> = [line(1000), line(3000), line(200), line(9000), line(10)].concat();
        bytes.extend_from_slice(b"half a rec");
        let mut out = Writes::default();
        let (written, result) = write_whole_lines(&mut out, &bytes, true, ATOMIC);
        result.unwrap();
        let mut pending = bytes[written..].to_vec();
        let sizes: Vec<usize> = out.0.iter().map(Vec::len).collect();
        // 1000 + 3000 fit together; 200 alone (with the next, 9200, not);
        // the 9000-byte line alone; then the last line.
        assert_eq!(sizes, [4000, 200, 9000, 10]);
        assert!(out.0.iter().all(|w| w.ends_with(b"\n")));
        assert_eq!(pending, b"half a rec");
        // Nothing whole: nothing written.
        let mut out = Writes::default();
        write_lines(&mut out, &mut pending, true).unwrap();
        assert!(out.0.is_empty());
        assert_eq!(pending, b"half a rec");
        // To a file, whole lines in one write.
        let mut out = Writes::default();
        let (written, _) = write_whole_lines(&mut out, &bytes, true, usize::MAX);
        assert_eq!((written, out.0.len()), (13_210, 1));
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
