//! End-to-end benchmark: the release binary resolves a synthetic address book
//! through a chain of three sandbox identity servers, each answering every
//! request a fixed latency after it arrived, and writes the results to a
//! file, as a script exporting them would; the run is compared with the
//! chain's round-trip floor.
//!
//! ```sh
//! cargo bench --bench e2e                                   # 100,000 contacts, 25 ms
//! cargo bench --bench e2e -- --contacts 20000 --latency-ms 50
//! ```
//!
//! Contact `i` has an email address and a French mobile number. Contacts
//! with `i % 3 == 0` are held by the start server `a.bench:443`; `== 1` are
//! referred by it to `b.bench:443`, which holds them; `== 2` are referred on
//! by `b` to `c.bench:443`. Every server accepts 10,000 addresses a lookup
//! (sydent's default). The floor counts, hop after hop, one `register`, one
//! `hash_details` and the lookup batches at that limit with 4 in flight,
//! each one latency long; local work (reading, hashing, JSON) is on top.

use std::io::{BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mxlookup::sandbox::{Association, Federation, Referral, Sandbox};
use mxlookup::threepid::Medium;

const SERVERS: [&str; 3] = ["a.bench:443", "b.bench:443", "c.bench:443"];
const LIMIT: usize = 10_000;
const IN_FLIGHT: usize = 4;

struct Options {
    contacts: usize,
    latency_ms: u64,
}

fn options() -> Options {
    let mut options = Options {
        contacts: 100_000,
        latency_ms: 25,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or_else(|| panic!("{arg} needs a number"))
        };
        match arg.as_str() {
            "--contacts" => options.contacts = value() as usize,
            "--latency-ms" => options.latency_ms = value(),
            // What cargo passes to every bench target.
            "--bench" => {}
            other => panic!("unknown argument {other} (try --contacts N, --latency-ms MS)"),
        }
    }
    options
}

fn email(i: usize) -> String {
    format!("contact{i}@bench.example")
}

/// `+33 6 NN NN NN NN`, normalised `336NNNNNNNN`.
fn phone(i: usize) -> (String, String) {
    let digits = format!("{:08}", 10_000_000 + i);
    (format!("+33 6 {digits}"), format!("336{digits}"))
}

fn federation(contacts: usize, latency_ms: u64) -> Federation {
    let mut toml = String::new();
    for (n, name) in SERVERS.iter().enumerate() {
        toml.push_str(&format!(
            "[[servers]]\nname = \"{name}\"\nstart = {}\npepper = \"pepper{n}\"\n\
             address_limit = {LIMIT}\nlatency_ms = {latency_ms}\n\n",
            n == 0
        ));
    }
    let mut federation = Federation::from_toml(&toml).expect("bench federation");
    for i in 0..contacts {
        let class = i % 3;
        let addresses = [(Medium::Email, email(i)), (Medium::Msisdn, phone(i).1)];
        for (medium, address) in addresses {
            // Every server before the holder refers to the next one.
            for hop in 0..class {
                federation.servers[hop].referrals.push(Referral {
                    medium,
                    address: address.clone(),
                    server: SERVERS[hop + 1].to_owned(),
                    inactive: false,
                });
            }
            federation.servers[class].associations.push(Association {
                medium,
                address,
                mxid: format!("@contact{i}:bench.example"),
                only_alt: false,
            });
        }
    }
    federation
}

fn write_book(path: &std::path::Path, contacts: usize) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("book"));
    for i in 0..contacts {
        write!(
            out,
            "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Contact {i}\r\nEMAIL:{}\r\nTEL;TYPE=cell:{}\r\nEND:VCARD\r\n",
            email(i),
            phone(i).0
        )
        .expect("write book");
    }
    out.flush().expect("write book");
}

/// The chain's floor: per hop, register + hash_details + lookup rounds.
fn floor(contacts: usize, latency: Duration) -> (Duration, Vec<(usize, usize)>) {
    let addresses = 2 * contacts;
    let mut total = Duration::ZERO;
    let mut hops = Vec::new();
    for hop in 0..SERVERS.len() {
        // Hop h is asked about the addresses of classes h and beyond.
        let asked = (0..contacts).filter(|i| i % 3 >= hop).count() * 2;
        let batches = asked.div_ceil(LIMIT);
        let rounds = 2 + batches.div_ceil(IN_FLIGHT);
        total += latency * rounds as u32;
        hops.push((asked, batches));
    }
    debug_assert_eq!(hops[0].0, addresses);
    (total, hops)
}

/// Runs `command`, which writes its JSON results to `results`, counting
/// them by status; (wall time, its peak RSS and CPU time, exit code,
/// statuses, per-server statistics, stderr).
fn run(
    mut command: Command,
    results: &std::path::Path,
) -> (
    Duration,
    Usage,
    i32,
    Vec<(String, usize)>,
    serde_json::Value,
    String,
) {
    command.stdout(Stdio::null()).stderr(Stdio::piped());
    let cpu_before = own_cpu_time();
    let started = Instant::now();
    let mut child = command.spawn().expect("start mxlookup");
    let watcher = watch(child.id());
    let stderr = child.stderr.take().expect("stderr");
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut BufReader::new(stderr), &mut text);
        text
    });
    let status = child.wait().expect("wait for mxlookup");
    let wall = started.elapsed();
    let sandbox_cpu = own_cpu_time().saturating_sub(cpu_before);
    // Read once mxlookup is done: a reader draining a pipe meanwhile would
    // take CPU from it.
    let bytes = std::fs::read(results).expect("the results");
    let code = status.code().unwrap_or(-1);
    let usage = Usage {
        sandbox_cpu,
        ..watcher.join().unwrap_or_default()
    };
    let document: serde_json::Value = serde_json::from_slice(&bytes).expect("one JSON document");
    let mut counts: Vec<(String, usize)> = Vec::new();
    for result in document["results"].as_array().into_iter().flatten() {
        let status = result["status"].as_str().unwrap_or("?").to_owned();
        match counts.iter_mut().find(|(s, _)| *s == status) {
            Some((_, n)) => *n += 1,
            None => counts.push((status, 1)),
        }
    }
    let servers = document["servers"].clone();
    (
        wall,
        usage,
        code,
        counts,
        servers,
        errors.join().unwrap_or_default(),
    )
}

/// What the watcher read of the child last: peak RSS (KiB) and CPU time;
/// and the CPU time this process took meanwhile.
#[derive(Default, Clone, Copy)]
struct Usage {
    peak_rss_kib: u64,
    cpu: Duration,
    sandbox_cpu: Duration,
}

/// Polls the child's `VmHWM` (its own peak RSS) and CPU time every
/// millisecond until it exits; returns the last values read. Not
/// `ru_maxrss`: a child spawned with vfork semantics starts with the
/// parent's high-water mark, here the sandbox's.
fn watch(pid: u32) -> std::thread::JoinHandle<Usage> {
    std::thread::spawn(move || {
        let mut usage = Usage::default();
        while let (Ok(status), Ok(stat)) = (
            std::fs::read_to_string(format!("/proc/{pid}/status")),
            std::fs::read_to_string(format!("/proc/{pid}/stat")),
        ) {
            let Some(kib) = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            else {
                break; // a zombie: its memory is gone
            };
            usage.peak_rss_kib = usage.peak_rss_kib.max(kib);
            usage.cpu = cpu_time(&stat);
            std::thread::sleep(Duration::from_millis(1));
        }
        usage
    })
}

/// The user and system CPU time in a `/proc/<pid>/stat` line.
fn cpu_time(stat: &str) -> Duration {
    // utime and stime, fields 14 and 15, after the `(comm)` field.
    let ticks: u64 = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().skip(11).take(2))
        .into_iter()
        .flatten()
        .filter_map(|t| t.parse::<u64>().ok())
        .sum();
    // The kernel's USER_HZ is 100 on Linux.
    Duration::from_millis(ticks * 10)
}

/// This process's CPU time so far: the sandbox's servers, and the watcher.
fn own_cpu_time() -> Duration {
    std::fs::read_to_string("/proc/self/stat").map_or(Duration::ZERO, |stat| cpu_time(&stat))
}

fn main() {
    let options = options();
    let latency = Duration::from_millis(options.latency_ms);
    let dir = tempfile::tempdir().expect("temp dir");
    let book = dir.path().join("book.vcf");
    let results = dir.path().join("results.json");
    write_book(&book, options.contacts);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let sandbox = runtime
        .block_on(Sandbox::start(federation(
            options.contacts,
            options.latency_ms,
        )))
        .expect("sandbox");

    // E2E_MXLOOKUP runs another build, to compare two.
    let binary =
        std::env::var_os("E2E_MXLOOKUP").unwrap_or_else(|| env!("CARGO_BIN_EXE_mxlookup").into());
    let mut command = Command::new(binary);
    command
        .arg("lookup")
        .arg(&book)
        .args(["-f", "json", "-v", "-o"])
        .arg(&results)
        .arg("-s")
        .arg(sandbox.server_url(SERVERS[0]).expect("a").as_str())
        .args(["--homeserver", sandbox.homeserver_url().as_str()])
        .args(["--hs-token", sandbox.homeserver_token()])
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .env("HOME", dir.path());
    for (name, url) in sandbox.resolve_map() {
        command
            .arg("--resolve")
            .arg(format!("{name}={url}"))
            .args(["--allow-server", &name]);
    }
    let (wall, usage, code, counts, servers, stderr) = run(command, &results);
    let (floor, hops) = floor(options.contacts, latency);

    println!(
        "end-to-end: {} contacts ({} addresses), 3 servers deep, {} ms a request, limit {LIMIT}",
        options.contacts,
        2 * options.contacts,
        options.latency_ms
    );
    println!("exit code {code}; results: {counts:?}");
    println!("wall time      {:>8.3} s", wall.as_secs_f64());
    println!(
        "peak RSS       {:>8.1} MB",
        usage.peak_rss_kib as f64 / 1024.0
    );
    println!("mxlookup CPU   {:>8.3} s", usage.cpu.as_secs_f64());
    println!(
        "sandbox CPU    {:>8.3} s  (its servers, on the same cores, and the watcher)",
        usage.sandbox_cpu.as_secs_f64()
    );
    println!(
        "round-trip floor {:>6.3} s  → wall / floor = {:.2}",
        floor.as_secs_f64(),
        wall.as_secs_f64() / floor.as_secs_f64()
    );
    for (n, ((asked, batches), name)) in hops.iter().zip(SERVERS).enumerate() {
        let requests = sandbox.requests(name);
        let lookups: Vec<usize> = requests
            .iter()
            .filter(|r| r.path.ends_with("/lookup"))
            .map(|r| {
                serde_json::from_str::<serde_json::Value>(&r.body)
                    .map_or(0, |v| v["addresses"].as_array().map_or(0, Vec::len))
            })
            .collect();
        println!(
            "hop {}: {name}: {} requests ({} lookups, largest {} addresses); floor: {asked} addresses in {batches} batches",
            n + 1,
            requests.len(),
            lookups.len(),
            lookups.iter().max().copied().unwrap_or(0)
        );
    }
    println!("as mxlookup saw them (requests, time in requests summed over 4 in flight):");
    for server in servers.as_array().into_iter().flatten() {
        println!(
            "  {}: {} requests, {} ms, largest batch {}",
            server["server"].as_str().unwrap_or("?"),
            server["requests"],
            server["time_ms"],
            server["batch_size"]
        );
    }
    // Lookups start while the book is still read: what is left of the walk
    // once the last address was read (`normalised …`) until it ends (`asked …`).
    let at = |what: &str| {
        stderr
            .lines()
            .find(|l| l.contains(what))
            .and_then(|l| l.trim_start_matches('[').split('s').next())
            .and_then(|t| t.trim().parse::<f64>().ok())
    };
    if let (Some(planned), Some(asked)) = (at("] normalised"), at("] asked")) {
        println!(
            "walk after reading {:>6.3} s  (read and normalised by {planned:.3} s)",
            asked - planned
        );
    }
    println!("stages (mxlookup -v):");
    for line in stderr.lines().filter(|l| l.starts_with('[')) {
        println!("  {line}");
    }
    if code != 0 || std::env::var_os("E2E_STDERR").is_some() {
        eprintln!("{stderr}");
    }
}
