//! Hostile answers below HTTP, from a raw TCP listener: a body of 1 GiB
//! (announced or not), an endless chunked body, a body trickling a byte a
//! second, a server that accepts and never answers, one that resets.
//!
//! The listener is a start server beside the honest sandbox one. It
//! registers and serves `hash_details` properly; the fault comes with the
//! lookup (the silent one answers nothing at all).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use super::{GOOD, Run, fed_args};
use crate::common::Fed;

const GIB: u64 = 1 << 30;
const MIB: u64 = 1 << 20;

/// How the listener misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The lookup's answer is 1 GiB of JSON whitespace, with its
    /// `Content-Length` or without (until the connection closes).
    GiB { announced: bool },
    /// The lookup's answer is chunked, and the chunks never end.
    Endless,
    /// The lookup's answer announces 64 bytes and sends one a second.
    Trickle,
    /// Accepts connections, reads, never answers anything.
    Silent,
    /// Resets the connection (RST, no answer) on each lookup.
    Reset,
    /// Resets the connection on each lookup after this many milliseconds.
    SlowReset(u64),
    /// Answers registration and `hash_details`, never a lookup.
    SilentLookups,
    /// The lookup's answer is just under the 32 MiB cap, all mappings of
    /// hashes nobody sent.
    Stuffed,
    /// `hash_details` offers one algorithm, unknown, named with 1 MiB.
    OddAlgorithm,
    /// Every lookup answers `M_INVALID_PEPPER` naming a 4 MiB pepper.
    HugePepperInError,
    /// Accepts and closes at once, whatever comes (a TLS hello included).
    Close,
}

/// What the listener saw and did.
#[derive(Debug, Default)]
pub struct Counters {
    pub connections: AtomicUsize,
    pub lookups: AtomicUsize,
    /// Bytes of hostile body written before the client stopped reading.
    pub written: AtomicU64,
}

/// A raw listener on 127.0.0.1, port 0, on its own runtime.
pub struct Raw {
    pub port: u16,
    pub counters: Arc<Counters>,
    _runtime: tokio::runtime::Runtime,
}

impl Raw {
    pub fn start(mode: Mode) -> Raw {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let listener = runtime
            .block_on(TcpListener::bind(("127.0.0.1", 0)))
            .expect("bind");
        let port = listener.local_addr().expect("address").port();
        let counters = Arc::new(Counters::default());
        let shared = Arc::clone(&counters);
        runtime.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                shared.connections.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(serve(stream, mode, Arc::clone(&shared)));
            }
        });
        Raw {
            port,
            counters,
            _runtime: runtime,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn lookups(&self) -> usize {
        self.counters.lookups.load(Ordering::SeqCst)
    }

    pub fn connections(&self) -> usize {
        self.counters.connections.load(Ordering::SeqCst)
    }
}

async fn serve(stream: TcpStream, mode: Mode, counters: Arc<Counters>) {
    match mode {
        Mode::Close => return,
        Mode::Silent => {
            let mut stream = stream;
            let mut buf = [0u8; 4096];
            while let Ok(1..) = stream.read(&mut buf).await {}
            return;
        }
        _ => {}
    }
    let mut reader = BufReader::new(stream);
    loop {
        let Some((path, length)) = read_head(&mut reader).await else {
            return;
        };
        let mut body = vec![0u8; length];
        if reader.read_exact(&mut body).await.is_err() {
            return;
        }
        if path.ends_with("/lookup") {
            counters.lookups.fetch_add(1, Ordering::SeqCst);
            misbehave(reader.into_inner(), mode, &counters).await;
            return;
        }
        let (status, body) = if path.ends_with("/account/register") {
            ("200 OK", r#"{"token":"raw-token"}"#.to_owned())
        } else if path.ends_with("/hash_details") {
            let algorithm = match mode {
                Mode::OddAlgorithm => "x".repeat(1 << 20),
                _ => "sha256".to_owned(),
            };
            let body = format!(r#"{{"algorithms":["{algorithm}"],"lookup_pepper":"rawpepper"}}"#);
            ("200 OK", body)
        } else {
            (
                "404 Not Found",
                r#"{"errcode":"M_UNRECOGNIZED"}"#.to_owned(),
            )
        };
        let answer = format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if reader.get_mut().write_all(answer.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// Reads a request's head: its path and `Content-Length`.
async fn read_head(reader: &mut BufReader<TcpStream>) -> Option<(String, usize)> {
    let mut line = String::new();
    reader.read_line(&mut line).await.ok().filter(|&n| n > 0)?;
    let path = line.split_whitespace().nth(1)?.to_owned();
    let mut length = 0;
    loop {
        line.clear();
        reader.read_line(&mut line).await.ok().filter(|&n| n > 0)?;
        let header = line.trim_end();
        if header.is_empty() {
            return Some((path, length));
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok()?;
        }
    }
}

/// Answers a lookup the hostile way.
async fn misbehave(mut stream: TcpStream, mode: Mode, counters: &Counters) {
    let head =
        |fields: &str| format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{fields}\r\n");
    let chunk = vec![b' '; 64 << 10];
    match mode {
        Mode::GiB { announced } => {
            let fields = if announced {
                format!("Content-Length: {GIB}\r\n")
            } else {
                "Connection: close\r\n".to_owned()
            };
            if stream.write_all(head(&fields).as_bytes()).await.is_err() {
                return;
            }
            let mut sent = 0;
            while sent < GIB && stream.write_all(&chunk).await.is_ok() {
                sent += chunk.len() as u64;
                counters
                    .written
                    .fetch_add(chunk.len() as u64, Ordering::SeqCst);
            }
        }
        Mode::Endless => {
            let head = head("Transfer-Encoding: chunked\r\n");
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
            framed.extend_from_slice(&chunk);
            framed.extend_from_slice(b"\r\n");
            while stream.write_all(&framed).await.is_ok() {
                counters
                    .written
                    .fetch_add(chunk.len() as u64, Ordering::SeqCst);
            }
        }
        Mode::Trickle => {
            if stream
                .write_all(head("Content-Length: 64\r\n").as_bytes())
                .await
                .is_err()
            {
                return;
            }
            for _ in 0..64 {
                if stream.write_all(b" ").await.is_err() {
                    return;
                }
                counters.written.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
        Mode::Reset | Mode::SlowReset(_) => {
            if let Mode::SlowReset(ms) = mode {
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            // An abortive close: the client gets a RST and no answer.
            let _ = stream.set_zero_linger();
            drop(stream);
        }
        Mode::Stuffed => {
            let mut body = String::from(r#"{"mappings":{"#);
            let mut n = 0;
            while body.len() < (31 << 20) {
                body.push_str(&format!(r#""stray-{n:08}":"@mallory{n}:stray.example","#));
                n += 1;
            }
            body.push_str(r#""stray-last":"@mallory:stray.example"}}"#);
            let answer = head(&format!("Content-Length: {}\r\n", body.len()));
            if stream.write_all(answer.as_bytes()).await.is_ok()
                && stream.write_all(body.as_bytes()).await.is_ok()
            {
                counters
                    .written
                    .fetch_add(body.len() as u64, Ordering::SeqCst);
            }
        }
        Mode::HugePepperInError => {
            let body = format!(
                r#"{{"errcode":"M_INVALID_PEPPER","error":"wrong pepper","algorithm":"sha256","lookup_pepper":"{}"}}"#,
                "p".repeat(4 << 20)
            );
            let answer = format!(
                "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes()).await;
        }
        Mode::SilentLookups => {
            let mut buf = [0u8; 4096];
            while let Ok(1..) = stream.read(&mut buf).await {}
        }
        Mode::Silent | Mode::Close => unreachable!("handled on connection"),
        Mode::OddAlgorithm => unreachable!("never gets to a lookup"),
    }
}

/// [`super::run`] with `--format ndjson`: the streaming writer must not
/// drop an address either.
fn run(case: &str, others: &[&str], args: &[String]) -> Run {
    super::run_as(case, "ndjson", others, args)
}

/// The honest sandbox server beside `raw` as a second start server.
fn beside(raw: &Raw, timeout: &str) -> (Fed, Vec<String>) {
    let fed = Fed::start(Some(GOOD));
    let mut args = fed_args(&fed, true);
    args.extend([
        "-s".to_owned(),
        raw.url(),
        "--timeout".to_owned(),
        timeout.to_owned(),
    ]);
    (fed, args)
}

#[test]
fn a_body_of_a_gibibyte_is_cut_at_the_cap() {
    for announced in [true, false] {
        let raw = Raw::start(Mode::GiB { announced });
        let (_fed, args) = beside(&raw, "10");
        let case = format!("1 GiB body, Content-Length {announced}");
        let run = run(&case, &["bob@example.org"], &args);
        assert_eq!(run.status("bob@example.org"), "error", "{case}");
        let reason = run.reason("bob@example.org");
        assert!(
            reason.contains(&raw.url()) && reason.contains("larger than 32 MiB"),
            "{case}: {reason}"
        );
        // Not retried, and the client stopped reading at the cap.
        assert_eq!(raw.lookups(), 1, "{case}");
        let written = raw.counters.written.load(Ordering::SeqCst);
        assert!(written < 96 * MIB, "{case}: {written} bytes were taken");
    }
}

#[test]
fn an_endless_chunked_body_is_cut_at_the_cap() {
    let raw = Raw::start(Mode::Endless);
    let (_fed, args) = beside(&raw, "10");
    let run = run("endless chunked body", &["bob@example.org"], &args);
    assert_eq!(run.status("bob@example.org"), "error");
    let reason = run.reason("bob@example.org");
    assert!(reason.contains("larger than 32 MiB"), "{reason}");
    assert_eq!(raw.lookups(), 1);
    let written = raw.counters.written.load(Ordering::SeqCst);
    assert!(written < 96 * MIB, "{written} bytes were taken");
}

#[test]
fn a_body_trickling_a_byte_a_second_is_cut_by_the_request_timeout() {
    let raw = Raw::start(Mode::Trickle);
    let (_fed, args) = beside(&raw, "2");
    let run = run("trickling body", &["bob@example.org"], &args);
    assert_eq!(run.status("bob@example.org"), "error");
    let reason = run.reason("bob@example.org");
    assert!(
        reason.contains("no answer within 2s") && reason.contains("after 4 tries"),
        "{reason}"
    );
    assert_eq!(raw.lookups(), 4);
    // Four tries of two seconds each, and nothing else waited on.
    assert!(run.measured.elapsed < Duration::from_secs(16));
}

#[test]
fn a_server_that_never_answers_is_given_up_on() {
    let raw = Raw::start(Mode::Silent);
    let (_fed, args) = beside(&raw, "2");
    let run = run(
        "accepts, never answers",
        &["bob@example.org", "carol@example.org"],
        &args,
    );
    for address in ["bob@example.org", "carol@example.org"] {
        assert_eq!(run.status(address), "error");
        let reason = run.reason(address);
        assert!(
            reason.contains(&raw.url()) && reason.contains("no answer within 2s"),
            "{reason}"
        );
    }
    // The first call (registration) is tried four times, then the server
    // is given up on for the run.
    assert_eq!(raw.connections(), 4);
    assert!(run.measured.elapsed < Duration::from_secs(16));
}

#[test]
fn a_server_that_resets_is_given_up_on() {
    let raw = Raw::start(Mode::Reset);
    let (_fed, args) = beside(&raw, "10");
    let others = ["bob@example.org", "carol@example.org", "dave@example.org"];
    let run = run("connection reset", &others, &args);
    for address in others {
        assert_eq!(run.status(address), "error");
        let reason = run.reason(address);
        assert!(
            reason.contains(&raw.url()) && reason.contains("no answer"),
            "{reason}"
        );
    }
    // A reset may mean "too large" (sydent), but not for a batch of four
    // (ann too): no server refuses fewer than 100 addresses that way. It
    // is tried four times, then the server is given up on.
    assert_eq!(raw.lookups(), 4);
}

/// `n` addresses nobody holds.
fn many(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("user{i}@bulk.example")).collect()
}

#[test]
fn a_server_silent_on_lookups_costs_one_round_of_retries_not_one_per_batch() {
    // 2,000 addresses are 20 batches: were each tried four times with a
    // two-second timeout, four at a time, that would be 40 s.
    let raw = Raw::start(Mode::SilentLookups);
    let (_fed, args) = beside(&raw, "2");
    let book = many(2_000);
    let others: Vec<&str> = book.iter().map(String::as_str).collect();
    let run = run("silent on 2,000 addresses' lookups", &others, &args);
    assert!(others.iter().all(|a| run.status(a) == "error"));
    assert!(
        run.reason(others[1_999]).contains("no answer within 2s"),
        "{}",
        run.reason(others[1_999])
    );
    // The batches in flight when the first gave up, four tries each.
    let lookups = raw.lookups();
    assert!(lookups <= 4 * 4, "{lookups} lookups");
}

#[test]
fn a_server_resetting_slowly_is_probed_down_not_flooded() {
    // A reset may mean "too large", so batches shrink; but not every
    // address at every size: one batch at a time probes down to a single
    // address, and a single address reset is not a size problem.
    let raw = Raw::start(Mode::SlowReset(100));
    let (_fed, args) = beside(&raw, "5");
    let book = many(2_000);
    let others: Vec<&str> = book.iter().map(String::as_str).collect();
    let run = run("slow resets on 2,000 addresses", &others, &args);
    assert!(others.iter().all(|a| run.status(a) == "error"));
    assert!(
        run.reason(others[0]).contains("no answer"),
        "{}",
        run.reason(others[0])
    );
    // The first four batches of 100, then 50, 25, 12, 6, 3, 1: four tries
    // each.
    let lookups = raw.lookups();
    assert!(lookups <= 4 * (4 + 6), "{lookups} lookups");
}

#[test]
fn an_answer_stuffed_up_to_the_cap_with_mappings_nobody_asked_for() {
    let raw = Raw::start(Mode::Stuffed);
    let (_fed, args) = beside(&raw, "10");
    let run = run("31 MiB of stray mappings", &["bob@example.org"], &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.status("bob@example.org"), "not_found");
    assert!(!String::from_utf8_lossy(&run.stdout).contains("mallory"));
    assert!(raw.counters.written.load(Ordering::SeqCst) > 31 * MIB);
}

#[test]
fn an_unknown_algorithm_named_with_a_megabyte_is_not_quoted_whole() {
    let raw = Raw::start(Mode::OddAlgorithm);
    let (_fed, args) = beside(&raw, "10");
    let book = many(2_000);
    let others: Vec<&str> = book.iter().map(String::as_str).collect();
    let run = run("a 1 MiB algorithm name", &others, &args);
    let reason = run.reason(others[0]);
    assert!(
        reason.contains("offers no algorithm mxlookup knows") && reason.len() < 1024,
        "a reason of {} bytes",
        reason.len()
    );
    assert_eq!(raw.lookups(), 0);
}

#[test]
fn a_pepper_of_megabytes_named_in_an_error_is_not_hashed_with() {
    // hash_details offers a good pepper; the lookup's M_INVALID_PEPPER
    // names one of 4 MiB, for 2,000 addresses: 8 GiB of SHA-256.
    let raw = Raw::start(Mode::HugePepperInError);
    let (_fed, args) = beside(&raw, "10");
    let book = many(2_000);
    let others: Vec<&str> = book.iter().map(String::as_str).collect();
    let run = run("a 4 MiB pepper in M_INVALID_PEPPER", &others, &args);
    assert!(others.iter().all(|a| run.status(a) == "error"));
    let reason = run.reason(others[0]);
    assert!(reason.contains("a pepper of 4194304 bytes"), "{reason}");
    // The batches first sent (four in flight), never one with that pepper.
    assert!(raw.lookups() <= 4, "{} lookups", raw.lookups());
}
