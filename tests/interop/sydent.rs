//! A sydent per test: configured and seeded by `harness.py` with sydent's
//! own code, read back through its database and its log, stopped when
//! dropped.

use std::ffi::OsStr;
use std::path::PathBuf;

use serde_json::{Value, json};
use tempfile::TempDir;

use crate::servers::{Guarded, Interop, manifest_dir, temp_dir};

/// How to configure a sydent.
#[derive(Debug, Default, Clone)]
pub struct SydentOptions {
    /// Serve `tests/interop/terms.yaml` as terms of service.
    pub terms: bool,
    /// `address_lookup_limit` (sydent's default: 10,000).
    pub lookup_limit: Option<u32>,
    /// Where sydent sends its validation mails (an SMTP sink's port).
    pub smtp_port: Option<u16>,
}

/// A sydent of one test, stopped when dropped.
pub struct Sydent {
    interop: &'static Interop,
    dir: TempDir,
    config: PathBuf,
    /// Its database.
    pub db: PathBuf,
    /// Its client API, `http://127.0.0.1:PORT` (the `-s` URL).
    pub url: String,
    server: Option<Guarded>,
}

impl Sydent {
    /// Configures and starts a sydent on a free port.
    pub fn start(interop: &'static Interop, options: SydentOptions) -> Sydent {
        let dir = temp_dir("sydent-");
        let terms = if options.terms {
            manifest_dir().join("tests/interop/terms.yaml")
        } else {
            PathBuf::new()
        };
        let limit = options.lookup_limit.unwrap_or(10_000).to_string();
        let smtp = options.smtp_port.unwrap_or(9).to_string();
        let prepared = interop.sydent_py(&[
            OsStr::new("sydent-prepare"),
            dir.path().as_os_str(),
            OsStr::new("--terms"),
            terms.as_os_str(),
            OsStr::new("--limit"),
            OsStr::new(&limit),
            OsStr::new("--smtp-port"),
            OsStr::new(&smtp),
        ]);
        let path = |k: &str| PathBuf::from(prepared[k].as_str().expect("harness path"));
        let mut sydent = Sydent {
            interop,
            config: path("config"),
            db: path("db"),
            url: prepared["url"].as_str().expect("harness url").to_owned(),
            dir,
            server: None,
        };
        sydent.launch();
        sydent
    }

    fn launch(&mut self) {
        let server = Guarded::spawn(
            &self.interop.sydent_python,
            &self.dir.path().join("sydent.log"),
            self.dir.path(),
            &[("SYDENT_CONF", self.config.as_os_str())],
            &[
                self.interop.sydent_python.as_os_str(),
                OsStr::new("-m"),
                OsStr::new("sydent.sydent"),
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        server
            .wait_ready(
                "sydent",
                &format!("{}/_matrix/identity/v2", self.url),
                |s| s == 200,
            )
            .unwrap_or_else(|e| panic!("{e}"));
        self.server = Some(server);
    }

    /// Makes sydent pick a new pepper: deletes the `hashing_metadata` row and
    /// restarts it, which rehashes every association. Returns (old, new).
    pub fn rotate_pepper(&mut self) -> (String, String) {
        let old = self.pepper();
        if let Some(server) = self.server.take() {
            server.stop();
        }
        self.sql("DELETE FROM hashing_metadata", &[]);
        self.launch();
        let new = self.pepper();
        assert_ne!(old, new, "sydent picked the same pepper again");
        (old, new)
    }

    /// Binds `(medium, address, mxid)` associations with sydent's own code;
    /// returns what sydent stored: `{pepper, associations: [{medium,
    /// address, mxid, lookup_hash}]}`.
    pub fn seed(&self, associations: &[(&str, &str, &str)]) -> Value {
        let spec: Vec<Value> = associations
            .iter()
            .map(|(medium, address, mxid)| json!({"medium": medium, "address": address, "mxid": mxid}))
            .collect();
        let spec = Value::Array(spec).to_string();
        self.interop.sydent_py(&[
            OsStr::new("seed"),
            self.config.as_os_str(),
            OsStr::new(&spec),
        ])
    }

    /// Runs one SQL statement on its database; the rows.
    pub fn sql(&self, query: &str, params: &[&str]) -> Vec<Vec<Value>> {
        let mut args = vec![OsStr::new("sql"), self.db.as_os_str(), OsStr::new(query)];
        args.extend(params.iter().map(OsStr::new));
        let rows = self.interop.sydent_py(&args);
        serde_json::from_value(rows).expect("rows")
    }

    /// One number from a `SELECT COUNT(*)…`.
    pub fn count(&self, query: &str, params: &[&str]) -> i64 {
        self.sql(query, params)[0][0].as_i64().expect("a count")
    }

    /// The pepper in its database.
    pub fn pepper(&self) -> String {
        let rows = self.sql("SELECT lookup_pepper FROM hashing_metadata", &[]);
        rows[0][0].as_str().expect("a pepper").to_owned()
    }

    /// The IS tokens it issued (one per registration).
    pub fn tokens(&self) -> Vec<(String, String)> {
        self.sql("SELECT user_id, token FROM tokens ORDER BY token", &[])
            .into_iter()
            .map(|r| {
                (
                    r[0].as_str().unwrap().to_owned(),
                    r[1].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    /// Its whole log (access log included).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sydent.log")).unwrap_or_default()
    }

    /// The sizes of the lookups it processed, from its log ("Lookup of N
    /// threepid(s)").
    pub fn lookup_sizes(&self) -> Vec<usize> {
        self.log()
            .lines()
            .filter_map(|l| l.split("Lookup of ").nth(1))
            .filter_map(|rest| rest.split(' ').next()?.parse().ok())
            .collect()
    }

    /// The HTTP statuses it answered to `METHOD path` (access log).
    pub fn statuses(&self, method: &str, path: &str) -> Vec<u16> {
        let needle = format!("\"{method} {path} HTTP/1.1\" ");
        self.log()
            .lines()
            .filter_map(|l| l.split(&needle).nth(1))
            .filter_map(|rest| rest.split(' ').next()?.parse().ok())
            .collect()
    }
}

impl Drop for Sydent {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "--- sydent log ({}) ---\n{}",
                self.url,
                tail(&self.log(), 60)
            );
        }
        if let Some(server) = self.server.take() {
            server.stop();
        }
    }
}

fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
