//! Hostile identity servers (issue 6): the sandbox's fault knobs, and a raw
//! TCP listener where HTTP is not enough. Every case checks the same
//! bounds: the run ends in bounded time and memory (the child's peak RSS,
//! from `wait4`), every address of the book gets exactly one result with a
//! status, the honest start server's answer is intact, and the exit code is
//! 1 exactly when some address ended in `error`.

mod bodies;
mod json;
mod peppers;
mod policy;
mod referrals;
mod tokens;

use std::time::Duration;

use serde_json::Value;

use crate::common::{Fed, text_book};
use crate::support::{Output, mxlookup};

/// Every run must end well within this (it is killed after it).
const LIMIT: Duration = Duration::from_secs(20);

/// Every run must stay under this peak RSS: an answer read up to the 32 MiB
/// cap, beside the runtime and the client (about 25 MiB), fits; a 1 GiB
/// body read whole, or a capped one decoded whole into JSON values, does
/// not.
const MAX_RSS_KIB: u64 = 96 * 1024;

/// The honest start server every case has beside the hostile ones; it
/// knows `ann@example.org`.
const GOOD: &str = r#"
[[servers]]
name = "good.example:443"
start = true
pepper = "goodpepper"
associations = [{ medium = "email", address = "ann@example.org", mxid = "@ann:good.example" }]
"#;

/// The address [`GOOD`] knows; every book holds it.
const ANN: &str = "ann@example.org";

const STATUSES: [&str; 6] = [
    "found",
    "not_found",
    "conflict",
    "unfollowed",
    "invalid",
    "error",
];

/// A finished hostile run: the JSON document (or the raw table) and how
/// the run went.
pub struct Run {
    pub code: i32,
    /// The `--format json` document (null for other formats).
    pub doc: Value,
    pub stdout: Vec<u8>,
    pub stderr: String,
    /// How the run went, measured.
    pub measured: Output,
}

impl Run {
    /// The results, in input order.
    pub fn results(&self) -> &[Value] {
        self.doc["results"].as_array().expect("results")
    }

    /// The result for `address`.
    pub fn result(&self, address: &str) -> &Value {
        crate::common::by_address(self.results(), address)
    }

    /// `status` of `address`.
    pub fn status(&self, address: &str) -> &str {
        self.result(address)["status"].as_str().expect("status")
    }

    /// `reason` of `address`.
    pub fn reason(&self, address: &str) -> &str {
        self.result(address)["reason"].as_str().unwrap_or_default()
    }

    /// The `servers` entry named `name`.
    pub fn server(&self, name: &str) -> &Value {
        self.doc["servers"]
            .as_array()
            .expect("servers")
            .iter()
            .find(|s| s["server"] == name)
            .unwrap_or_else(|| panic!("no server {name} in {}", self.doc["servers"]))
    }
}

/// Arguments for a sandbox federation: `-s` for its start servers,
/// `--resolve` for every server, the homeserver and its token; with
/// `allow`, `--allow-server` for every server too (an allow list).
pub fn fed_args(fed: &Fed, allow: bool) -> Vec<String> {
    let mut args = Vec::new();
    for s in fed.sandbox.start_servers() {
        args.extend(["-s".to_owned(), bare(s.url.as_str())]);
    }
    for (name, url) in fed.sandbox.resolve_map() {
        args.extend(["--resolve".to_owned(), format!("{name}={url}")]);
        if allow {
            args.extend(["--allow-server".to_owned(), name]);
        }
    }
    args.extend([
        "--homeserver".to_owned(),
        bare(fed.sandbox.homeserver_url().as_str()),
        "--hs-token".to_owned(),
        fed.sandbox.homeserver_token().to_owned(),
    ]);
    args
}

/// A URL without its trailing `/`, as `-s` names a start server.
pub fn bare(url: &str) -> String {
    url.trim_end_matches('/').to_owned()
}

/// Runs `mxlookup lookup BOOK --format json ARGS` (no retry delay) where
/// the book is `ANN` and `others`, and checks what every case must hold.
pub fn run(case: &str, others: &[&str], args: &[String]) -> Run {
    run_as(case, "json", others, args)
}

/// [`run`] with another `--format`; `json` and `ndjson` results are
/// checked field by field (`ndjson` lines become the document's
/// `results`), others only for the bounds.
pub fn run_as(case: &str, format: &str, others: &[&str], args: &[String]) -> Run {
    let book: Vec<String> = std::iter::once(ANN)
        .chain(others.iter().copied())
        .map(str::to_owned)
        .collect();
    let (_dir, file) = text_book(book.clone());
    let measured = mxlookup()
        .args(["lookup", &file, "--format", format])
        .args(args)
        .env("MXLOOKUP_BACKOFF_MS", "0")
        .deadline(LIMIT)
        .measure();
    let stderr = String::from_utf8_lossy(&measured.stderr).into_owned();
    let code = measured.code.unwrap_or_else(|| {
        panic!(
            "mxlookup ended without an exit code (signal {:?}); stderr: {stderr}",
            measured.signal
        )
    });
    let max_rss_kib = measured.peak_rss.expect("measured") / 1024;
    eprintln!(
        "hostile {case}: exit {code} in {:.2}s, peak RSS {max_rss_kib} KiB",
        measured.elapsed.as_secs_f64(),
    );
    assert!(
        (1..MAX_RSS_KIB).contains(&max_rss_kib),
        "{case}: peak RSS {max_rss_kib} KiB"
    );
    let not_json = |e: serde_json::Error| -> Value {
        panic!("{case}: stdout is not {format} ({e}); stderr: {stderr}")
    };
    let doc = match format {
        "json" => serde_json::from_slice(&measured.stdout).unwrap_or_else(not_json),
        "ndjson" => {
            let lines = String::from_utf8_lossy(&measured.stdout)
                .lines()
                .map(|l| serde_json::from_str(l).unwrap_or_else(not_json))
                .collect();
            serde_json::json!({ "results": Value::Array(lines) })
        }
        _ => Value::Null,
    };
    let run = Run {
        code,
        doc,
        stdout: measured.stdout.clone(),
        stderr,
        measured,
    };
    if !run.doc.is_null() {
        check_every_address(case, &run, &book);
    }
    run
}

/// Each address once, with a status; ANN found by the honest server; exit
/// code 1 exactly when some address ended in `error`.
fn check_every_address(case: &str, run: &Run, book: &[String]) {
    let results = run.results();
    assert_eq!(results.len(), book.len(), "{case}: {results:?}");
    for address in book {
        let matching: Vec<&Value> = results.iter().filter(|r| r["input"] == **address).collect();
        assert_eq!(matching.len(), 1, "{case}: {address} in {results:?}");
        let status = matching[0]["status"].as_str().unwrap_or_default();
        assert!(STATUSES.contains(&status), "{case}: {address}: {status}");
    }
    let ann = run.result(ANN);
    assert_eq!(
        (ann["status"].as_str(), ann["mxid"].as_str()),
        (Some("found"), Some("@ann:good.example")),
        "{case}: the honest server's answer was lost: {ann}"
    );
    let errors = results.iter().any(|r| r["status"] == "error");
    assert_eq!(
        run.code,
        i32::from(errors),
        "{case}: exit code; stderr: {}",
        run.stderr
    );
}

/// A federation of [`GOOD`] and the servers described by `toml`.
pub fn fed_with(toml: &str) -> Fed {
    Fed::start(Some(&format!("{GOOD}\n{toml}")))
}

/// Requests `server` received at endpoints ending with `suffix`.
pub fn count(fed: &Fed, server: &str, suffix: &str) -> usize {
    fed.received(server)
        .iter()
        .filter(|r| r.path.split('?').next().unwrap_or("").ends_with(suffix))
        .count()
}
