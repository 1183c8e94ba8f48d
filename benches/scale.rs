//! Scale: the release binary's offline dry run with hashing over synthetic
//! books of growing size, against the scripted alternative
//! (`benches/script.py`: `phonenumbers` and `hashlib`) on the same books.
//!
//! ```sh
//! cargo bench --bench scale                      # 200,000 and 1,000,000 contacts
//! cargo bench --bench scale -- --huge            # and a ~2 GiB book (16 M contacts)
//! cargo bench --bench scale -- --small 20000 --large 100000 --no-script
//! ```
//!
//! Each book is written by `mxlookup synth` (vCard, French national
//! numbers) under `.cache/bench/scale/`, and read by
//! `mxlookup lookup BOOK --dry-run --pepper P -r FR -f ndjson -o OUT`, which
//! normalises every address and computes its lookup hash (SHA-256 with the
//! pepper, the `hash` field of each result). The script does the same work
//! (case-folding, `phonenumbers` to E.164, SHA-256, base64) in a venv made
//! under `.cache/bench/venv` with `phonenumbers` pinned; without Python or
//! PyPI that part is skipped, saying why. Every run is timed (wall and CPU)
//! and its peak RSS taken from wait4(2). mxlookup runs in three rounds,
//! each over both books, and its median run on each counts: the machine's
//! slow and fast moments fall on both books alike. The two outputs' hashes
//! are compared, so that the ratio is between equal work. The machine's load
//! average is printed: on shared cores, wall times move with it, CPU times
//! less.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PEPPER: &str = "benchpepper";
/// The version of `phonenumbers` the script runs with (the one
/// `tests/interop/constraints-*.txt` pin).
const PHONENUMBERS: &str = "phonenumbers==9.0.43";
/// Contacts in the ~2 GiB book (137 bytes a contact).
const HUGE_CONTACTS: usize = 15_700_000;

struct Options {
    small: usize,
    large: usize,
    huge: bool,
    script: bool,
}

fn options() -> Options {
    let mut options = Options {
        small: 200_000,
        large: 1_000_000,
        huge: false,
        script: true,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or_else(|| panic!("{arg} needs a number"))
        };
        match arg.as_str() {
            "--small" => options.small = value(),
            "--large" => options.large = value(),
            "--huge" => options.huge = true,
            "--no-script" => options.script = false,
            // What cargo passes to every bench target.
            "--bench" => {}
            other => {
                panic!("unknown argument {other} (try --small N, --large N, --huge, --no-script)")
            }
        }
    }
    options
}

/// What one run cost.
#[derive(Debug, Clone, Copy)]
struct Cost {
    wall: Duration,
    cpu: Duration,
    peak_rss: u64,
}

impl Cost {
    fn show(&self) -> String {
        format!(
            "{:7.2} s wall, {:7.2} s CPU, {:7.1} MiB peak RSS",
            self.wall.as_secs_f64(),
            self.cpu.as_secs_f64(),
            self.peak_rss as f64 / f64::from(1 << 20)
        )
    }
}

/// Runs `cmd` (stdout to `out`), reaps it with wait4(2) and says what it
/// cost; panics unless it succeeds.
// wait4(2), which reaps the child: std's `Child::wait` drops the rusage.
#[allow(unsafe_code, clippy::zombie_processes)]
fn run(cmd: &mut Command, out: &Path) -> Cost {
    let started = Instant::now();
    let child = cmd
        .stdout(File::create(out).expect("output file"))
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let pid = libc::pid_t::try_from(child.id()).expect("a pid");
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain integers and timevals: all zeroes is a value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our own child, reaped only here; both pointers
        // are to live locals.
        let got = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if got == pid {
            break;
        }
        let error = std::io::Error::last_os_error();
        assert_eq!(
            error.kind(),
            std::io::ErrorKind::Interrupted,
            "wait4: {error}"
        );
    }
    let wall = started.elapsed();
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{cmd:?} failed (status {status})"
    );
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    Cost {
        wall,
        cpu: time(usage.ru_utime) + time(usage.ru_stime),
        // Linux reports ru_maxrss in KiB.
        peak_rss: u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024,
    }
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The book of `contacts` contacts, written by `mxlookup synth` unless it is
/// there already.
fn book(dir: &Path, contacts: usize) -> PathBuf {
    let path = dir.join(format!("synth-{contacts}.vcf"));
    if !path.exists() {
        let partial = path.with_extension("partial");
        run(
            Command::new(env!("CARGO_BIN_EXE_mxlookup")).args([
                "synth",
                "--contacts",
                &contacts.to_string(),
            ]),
            &partial,
        );
        std::fs::rename(&partial, &path).expect("rename the book");
    }
    path
}

/// The venv's Python with `phonenumbers`, made if needed; `Err` says why
/// there is none.
fn python() -> Result<PathBuf, String> {
    let venv = root().join(".cache/bench/venv");
    let python = venv.join("bin/python");
    let ready = |python: &Path| {
        Command::new(python)
            .args(["-c", "import phonenumbers"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if ready(&python) {
        return Ok(python);
    }
    let made = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .map_err(|e| format!("no python3 ({e})"))?;
    if !made.success() {
        return Err("python3 -m venv failed".to_owned());
    }
    let installed = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", PHONENUMBERS])
        .status()
        .map_err(|e| format!("no pip in the venv ({e})"))?;
    if !installed.success() || !ready(&python) {
        return Err(format!("pip could not install {PHONENUMBERS} (no PyPI?)"));
    }
    Ok(python)
}

/// The hashes in a file, each with how many times it appears: the `hash`
/// field of mxlookup's ndjson results, or the last word of the script's
/// lines for an address.
fn hashes(path: &Path, ndjson: bool) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for line in BufReader::new(File::open(path).expect("output")).lines() {
        let line = line.expect("UTF-8 output");
        let hash = if ndjson {
            let value: serde_json::Value = serde_json::from_str(&line).expect("JSON line");
            value["hash"].as_str().map(str::to_owned)
        } else if line.starts_with("invalid ") {
            None
        } else {
            line.rsplit(' ').next().map(str::to_owned)
        };
        if let Some(hash) = hash {
            *counts.entry(hash).or_default() += 1;
        }
    }
    counts
}

/// One book, as `mxlookup synth` wrote it.
struct Book {
    contacts: usize,
    path: PathBuf,
    bytes: u64,
}

impl Book {
    fn new(dir: &Path, contacts: usize) -> Book {
        let path = book(dir, contacts);
        let bytes = std::fs::metadata(&path).map_or(0, |m| m.len());
        Book {
            contacts,
            path,
            bytes,
        }
    }

    /// `N contacts (S MiB)`.
    fn title(&self) -> String {
        format!(
            "{} contacts ({:.0} MiB)",
            self.contacts,
            self.bytes as f64 / f64::from(1 << 20)
        )
    }

    /// The binary's results: a file beside the book, or, for the huge
    /// book, /dev/null (they would fill gigabytes).
    fn results(&self, dir: &Path) -> PathBuf {
        if self.contacts < HUGE_CONTACTS {
            dir.join(format!("mxlookup-{}.ndjson", self.contacts))
        } else {
            PathBuf::from("/dev/null")
        }
    }

    /// One run of the binary's dry run over the book.
    fn run_binary(&self, dir: &Path) -> Cost {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mxlookup"));
        cmd.arg("lookup").arg(&self.path).args([
            "--dry-run",
            "--pepper",
            PEPPER,
            "-r",
            "FR",
            "-f",
            "ndjson",
            "-q",
            "-o",
        ]);
        cmd.arg(self.results(dir));
        run(&mut cmd, &dir.join("mxlookup.stdout"))
    }
}

/// One book measured: the binary, and the script when there is one.
struct Measured {
    contacts: usize,
    binary: Cost,
    script: Option<Cost>,
}

/// The binary's median cost (by wall time) on each of `books`, over
/// `rounds` rounds, each of which runs it once on every book: one run on
/// shared cores moves with whatever else runs, and the rounds give every
/// book the same share of the machine's slow and fast moments, so that
/// the ratios between books hold.
fn binary_costs(dir: &Path, books: &[Book], rounds: usize) -> Vec<Cost> {
    let mut runs: Vec<Vec<Cost>> = vec![Vec::new(); books.len()];
    for _ in 0..rounds {
        for (book, runs) in books.iter().zip(&mut runs) {
            runs.push(book.run_binary(dir));
        }
    }
    runs.into_iter()
        .map(|mut runs| {
            runs.sort_by_key(|cost| cost.wall);
            runs.swap_remove(runs.len() / 2)
        })
        .collect()
}

/// The script's cost on `book`, its hashes compared with those of the
/// binary's last run there.
fn script_cost(dir: &Path, book: &Book, python: &Path) -> Cost {
    let lines = dir.join(format!("script-{}.txt", book.contacts));
    let cost = run(
        Command::new(python)
            .arg(root().join("benches/script.py"))
            .arg(&book.path)
            .args([PEPPER, "FR"]),
        &lines,
    );
    println!("  script    {}", cost.show());
    let (ours, theirs) = (hashes(&book.results(dir), true), hashes(&lines, false));
    let total: usize = theirs.values().sum();
    let agree: usize = theirs
        .iter()
        .map(|(hash, n)| (*n).min(ours.get(hash).copied().unwrap_or(0)))
        .sum();
    println!(
        "  the same hashes: {agree} of the script's {total}, of mxlookup's {}",
        ours.values().sum::<usize>()
    );
    let _ = std::fs::remove_file(&lines);
    cost
}

/// Measures the binary on `books` (three rounds), then the script on
/// each (once: it takes a minute at a million contacts).
fn measure(dir: &Path, books: &[Book], python: Option<&Path>) -> Vec<Measured> {
    println!("mxlookup: three rounds over the books, load {}", load());
    let costs = binary_costs(dir, books, 3);
    books
        .iter()
        .zip(costs)
        .map(|(book, binary)| {
            println!("{}, load {}:", book.title(), load());
            println!("  mxlookup  {} (median of 3)", binary.show());
            let script = python.map(|python| script_cost(dir, book, python));
            let _ = std::fs::remove_file(book.results(dir));
            Measured {
                contacts: book.contacts,
                binary,
                script,
            }
        })
        .collect()
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}

fn main() {
    let options = options();
    let dir = root().join(".cache/bench/scale");
    std::fs::create_dir_all(&dir).expect("bench folder");
    let python = if options.script {
        python()
            .inspect_err(|why| println!("the script is skipped: {why}"))
            .ok()
    } else {
        println!("the script is skipped (--no-script)");
        None
    };
    println!(
        "{} cores, load {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load()
    );
    let books = [options.small, options.large].map(|contacts| Book::new(&dir, contacts));
    let [small, large]: [Measured; 2] = measure(&dir, &books, python.as_deref())
        .try_into()
        .unwrap_or_else(|_| unreachable!("one per book"));
    println!("\nagainst the targets:");
    for m in [&small, &large] {
        if let Some(script) = m.script {
            let ratio = script.wall.as_secs_f64() / m.binary.wall.as_secs_f64();
            let cpu = script.cpu.as_secs_f64() / m.binary.cpu.as_secs_f64();
            println!(
                "  {} contacts: the script takes {ratio:.1}x mxlookup's wall time \
                 ({cpu:.1}x its CPU time); target >= 10x: {}",
                m.contacts,
                verdict(ratio >= 10.0)
            );
        }
    }
    let growth = large.binary.wall.as_secs_f64() / small.binary.wall.as_secs_f64();
    let cpu_growth = large.binary.cpu.as_secs_f64() / small.binary.cpu.as_secs_f64();
    println!(
        "  {} / {} contacts: {growth:.2}x the wall time ({cpu_growth:.2}x the CPU time) \
         for {:.1}x the contacts; target <= 5.5x: {}",
        large.contacts,
        small.contacts,
        large.contacts as f64 / small.contacts as f64,
        verdict(growth <= 5.5)
    );
    let rss = large.binary.peak_rss as f64 / f64::from(1 << 20);
    println!(
        "  peak RSS at {} contacts: {rss:.1} MiB; target <= 400 MiB: {}",
        large.contacts,
        verdict(rss <= 400.0)
    );
    if options.huge {
        let huge = Book::new(&dir, HUGE_CONTACTS);
        println!("{}, load {}:", huge.title(), load());
        let cost = huge.run_binary(&dir);
        println!("  mxlookup  {} (one run)", cost.show());
        println!(
            "  a {:.2} GiB book: a dry run completed in {:.1} s, peak RSS {:.1} MiB",
            huge.bytes as f64 / f64::from(1 << 30),
            cost.wall.as_secs_f64(),
            cost.peak_rss as f64 / f64::from(1 << 20)
        );
    }
}
