//! What reading phone numbers costs: the first number of a run (metadata
//! loaded, patterns compiled), measured in fresh processes, and each number
//! after it, over libphonenumber's example numbers (tests/data/refs/phones.tsv).
//!
//! `cargo bench --bench phones` prints both; no assertion (timings are not
//! tests). The figures are quoted in issue 15 and the normalisation section
//! of README.md.

use std::hint::black_box;
use std::process::Command;
use std::time::{Duration, Instant};

use mxlookup::threepid::{MsisdnOptions, normalise_msisdn};

/// `tests/data/refs/phones.tsv`.
const PHONES: &str = include_str!("../tests/data/refs/phones.tsv");

/// Set in the child processes that time one first number.
const FIRST: &str = "MXLOOKUP_BENCH_FIRST_NUMBER";

/// Fresh processes per first-number figure.
const RUNS: usize = 15;

fn opts(region: Option<&str>) -> MsisdnOptions {
    MsisdnOptions {
        region: region.map(|r| r.parse().expect("a region of the metadata")),
        bare_digits_are_international: false,
    }
}

/// `(region, text)` of every row of the table.
fn rows() -> Vec<(Option<&'static str>, &'static str)> {
    PHONES
        .lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            ((fields[0] != "-").then_some(fields[0]), fields[3])
        })
        .collect()
}

/// In a child: reads one number and prints how long it took, in ns.
fn first_number(spec: &str) {
    let (region, text) = spec.split_once(':').expect("REGION:TEXT");
    let region = (!region.is_empty()).then_some(region);
    let started = Instant::now();
    // Valid or not, the first answer pays the same fixed cost.
    let _ = black_box(normalise_msisdn(text, &opts(region)));
    let took = started.elapsed();
    println!("{}", took.as_nanos());
}

/// The median and the least of `RUNS` first numbers, each in a new process.
fn first_number_cost(spec: &str) -> (Duration, Duration) {
    let exe = std::env::current_exe().expect("the bench's own path");
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let out = Command::new(&exe)
                .env(FIRST, spec)
                .output()
                .expect("the bench runs itself");
            assert!(out.status.success(), "{out:?}");
            let ns: u64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
            Duration::from_nanos(ns)
        })
        .collect();
    times.sort();
    (times[RUNS / 2], times[0])
}

fn main() {
    if let Ok(spec) = std::env::var(FIRST) {
        first_number(&spec);
        return;
    }
    for spec in [
        ":+33 6 12 34 56 78",
        "FR:06 12 34 56 78",
        "RU:8 (800) 123-45-67",
    ] {
        let (median, least) = first_number_cost(spec);
        println!(
            "first number {spec:<24} median {median:>10.2?}, least {least:>10.2?} ({RUNS} processes)"
        );
    }
    let rows = rows();
    let parsed: Vec<_> = rows.iter().map(|&(r, text)| (opts(r), text)).collect();
    // One pass compiles what every region needs; the timed ones read.
    for (o, text) in &parsed {
        let _ = normalise_msisdn(text, o);
    }
    let rounds = 20;
    let started = Instant::now();
    for _ in 0..rounds {
        for (o, text) in &parsed {
            let _ = black_box(normalise_msisdn(black_box(text), o));
        }
    }
    let per = started.elapsed() / (rounds * parsed.len()) as u32;
    println!(
        "each number after:              {per:>10.2?} (mean over {} example numbers x {rounds})",
        parsed.len()
    );
}
