//! Fixtures of the interop suite: a Synapse shared by the whole test process,
//! a sydent per test, a recording (and, on demand, gating or rewriting) proxy
//! in front of a sydent, and runs of the real `mxlookup` binary.
//!
//! Every server runs under `harness.py guard`, which stops it when its stdin
//! closes: when its fixture is dropped (sydent), or when the test process
//! exits, however it exits (Synapse, which lives in a static).

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, LazyLock, Mutex, OnceLock, mpsc};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tempfile::TempDir;

/// How long a server may take to answer its first request.
const READY: Duration = Duration::from_secs(90);
/// How long one `mxlookup` run may take.
const RUN: Duration = Duration::from_secs(240);

/// The shared part of the suite: where the venvs are, and the running
/// Synapse with its one user.
pub struct Interop {
    sydent_python: PathBuf,
    /// Synapse's client listener (`--homeserver`).
    pub hs_url: String,
    /// Synapse's server name, `127.0.0.1:PORT` of its TLS federation listener.
    pub hs_server_name: String,
    /// The user mxlookup acts for.
    pub user_id: String,
    /// Its Synapse access token (`--hs-token`), from a password login.
    pub hs_token: String,
    /// Synapse's files: its configuration, TLS certificate and key.
    pub synapse_dir: PathBuf,
    synapse_python: PathBuf,
    synapse_config: String,
    _synapse: Guarded,
}

static INTEROP: OnceLock<Result<Interop, String>> = OnceLock::new();

/// The suite, started on first use. A missing install or a server that
/// does not start fails the test: this target is built only on purpose
/// (`test = false` in Cargo.toml; `bash tests/interop/run` selects it).
pub fn interop(_test: &str) -> Option<&'static Interop> {
    match INTEROP.get_or_init(Interop::start) {
        Ok(interop) => Some(interop),
        Err(e) => panic!("interop suite cannot start: {e}"),
    }
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn harness_py() -> PathBuf {
    manifest_dir().join("tests/interop/harness.py")
}

/// Where runs keep their files (`target/tmp/interop`).
fn work_root() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("interop");
    std::fs::create_dir_all(&dir).expect("create target/tmp/interop");
    dir
}

/// A fresh directory for one fixture, removed when dropped.
pub fn temp_dir(prefix: &str) -> TempDir {
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in(work_root())
        .expect("temp dir")
}

impl Interop {
    fn start() -> Result<Interop, String> {
        let cache = std::env::var_os("MXLOOKUP_INTEROP_CACHE")
            .map(PathBuf::from)
            .unwrap_or_else(|| manifest_dir().join(".cache/interop"));
        let sydent_python = cache.join("sydent/bin/python");
        let synapse_python = cache.join("synapse/bin/python");
        for python in [&sydent_python, &synapse_python] {
            if !python.exists() {
                return Err(format!(
                    "{} is missing: the servers are not installed (`bash tests/interop/run` \
                     installs them into {})",
                    python.display(),
                    cache.display()
                ));
            }
        }

        // Synapse lives as long as the process; clear what earlier runs left.
        let root = work_root();
        for entry in std::fs::read_dir(&root)
            .map_err(|e| e.to_string())?
            .flatten()
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(pid) = name.strip_prefix("synapse-")
                && !Path::new("/proc").join(pid).exists()
            {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        let dir = root.join(format!("synapse-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);

        let prepared = python_json(
            &synapse_python,
            &[OsStr::new("synapse-prepare"), dir.as_os_str()],
        )?;
        let field = |v: &Value, k: &str| {
            v[k].as_str()
                .map(str::to_owned)
                .ok_or(format!("no `{k}` in {v}"))
        };
        let config = field(&prepared, "config")?;
        let hs_url = field(&prepared, "client_url")?;
        let synapse = Guarded::spawn(
            &sydent_python,
            &dir.join("synapse.log"),
            &dir,
            &[],
            &[
                synapse_python.as_os_str(),
                OsStr::new("-m"),
                OsStr::new("synapse.app.homeserver"),
                OsStr::new("-c"),
                OsStr::new(&config),
            ],
        )?;
        synapse.wait_ready(
            "Synapse",
            &format!("{hs_url}/_matrix/client/versions"),
            |s| s == 200,
        )?;
        // The TLS federation listener (sydent verifies OpenID tokens there)
        // starts with the client one; check that it accepts connections.
        let federation = field(&prepared, "server_name")?;
        std::net::TcpStream::connect(&federation)
            .map_err(|e| format!("Synapse's federation listener {federation}: {e}"))?;

        let password = format!("interop-{}", fastrand::u64(..));
        let user = python_json(
            &synapse_python,
            &[
                OsStr::new("synapse-user"),
                OsStr::new(&config),
                OsStr::new(&hs_url),
                OsStr::new("mxlookup"),
                OsStr::new(&password),
            ],
        )?;
        Ok(Interop {
            sydent_python,
            synapse_python,
            synapse_config: config,
            synapse_dir: dir,
            hs_url,
            hs_server_name: field(&prepared, "server_name")?,
            user_id: field(&user, "user_id")?,
            hs_token: field(&user, "access_token")?,
            _synapse: synapse,
        })
    }

    /// `--homeserver URL --hs-token TOKEN`.
    pub fn hs_args(&self) -> Vec<String> {
        vec![
            "--homeserver".into(),
            self.hs_url.clone(),
            "--hs-token".into(),
            self.hs_token.clone(),
        ]
    }

    /// Registers another Synapse user; its (user ID, access token).
    pub fn new_user(&self, local: &str) -> (String, String) {
        let password = format!("interop-{}", fastrand::u64(..));
        let user = python_json(
            &self.synapse_python,
            &[
                OsStr::new("synapse-user"),
                OsStr::new(&self.synapse_config),
                OsStr::new(&self.hs_url),
                OsStr::new(local),
                OsStr::new(&password),
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let field = |k: &str| user[k].as_str().expect("harness field").to_owned();
        (field("user_id"), field("access_token"))
    }

    /// Sydent's python (with harness.py's dependencies).
    pub(crate) fn sydent_python(&self) -> PathBuf {
        self.sydent_python.clone()
    }

    /// Runs `harness.py` with sydent's python.
    pub(crate) fn sydent_py(&self, args: &[&OsStr]) -> Value {
        python_json(&self.sydent_python, args).unwrap_or_else(|e| panic!("{e}"))
    }
}

/// Runs `python harness.py ARGS` and parses what it prints.
fn python_json(python: &Path, args: &[&OsStr]) -> Result<Value, String> {
    let out = Command::new(python)
        .arg(harness_py())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    let what = || format!("harness.py {:?}", args.first().unwrap_or(&OsStr::new("")));
    if !out.status.success() {
        return Err(format!(
            "{} failed ({}):\n{}{}",
            what(),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "{} printed no JSON ({e}): {}",
            what(),
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// A server process under `harness.py guard`: it stops when `stdin` closes.
pub(crate) struct Guarded {
    child: Mutex<Child>,
    stdin: Mutex<Option<ChildStdin>>,
    log: PathBuf,
}

impl Guarded {
    pub(crate) fn spawn(
        python: &Path,
        log: &Path,
        cwd: &Path,
        envs: &[(&str, &OsStr)],
        cmd: &[&OsStr],
    ) -> Result<Guarded, String> {
        let mut command = Command::new(python);
        command
            .arg(harness_py())
            .arg("guard")
            .arg(log)
            .arg("--")
            .args(cmd)
            .current_dir(cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (k, v) in envs {
            command.env(k, v);
        }
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot start {:?}: {e}", cmd.first()))?;
        let stdin = child.stdin.take();
        Ok(Guarded {
            child: Mutex::new(child),
            stdin: Mutex::new(stdin),
            log: log.to_owned(),
        })
    }

    /// The last lines of the server's output.
    pub(crate) fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// Polls `url` until `ok(status)` (status 0: no HTTP answer yet).
    fn wait_ready(&self, what: &str, url: &str, ok: impl Fn(u16) -> bool) -> Result<(), String> {
        let deadline = Instant::now() + READY;
        loop {
            let status = block_on(async {
                http()
                    .get(url)
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .unwrap_or(0)
            });
            if ok(status) {
                return Ok(());
            }
            if let Ok(Some(exit)) = self.child.lock().expect("child lock").try_wait() {
                return Err(format!(
                    "{what} exited ({exit}) before it answered:\n{}",
                    self.log_tail()
                ));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{what} did not answer {url} within {READY:?}:\n{}",
                    self.log_tail()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Closes stdin and waits for the guard to have stopped the server.
    fn stop(&self) {
        drop(self.stdin.lock().expect("stdin lock").take());
        let mut child = self.child.lock().expect("child lock");
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!(
            "warning: a server guard did not stop within 30 s ({})",
            self.log.display()
        );
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        self.stop();
    }
}

// --- HTTP from the tests ---------------------------------------------------

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
});

/// Runs `future` on the suite's runtime (proxies and sandboxes live there).
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    RUNTIME.block_on(future)
}

fn http() -> &'static reqwest::Client {
    static CLIENT: LazyLock<reqwest::Client> = LazyLock::new(|| {
        reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("http client")
    });
    &CLIENT
}

/// `POST url` with a JSON body and a bearer token: (status, JSON answer).
pub fn post_json(url: &str, token: &str, body: &Value) -> (u16, Value) {
    block_on(async {
        let resp = http()
            .post(url)
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    })
}

// --- sydent ----------------------------------------------------------------

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

// --- a proxy in front of sydent ----------------------------------------------

/// One request that went through a [`Proxy`], and its answer.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    pub path: String,
    pub request: String,
    pub status: u16,
    pub response: String,
}

impl Exchange {
    /// The request body as JSON (null when it is not).
    pub fn request_json(&self) -> Value {
        serde_json::from_str(&self.request).unwrap_or(Value::Null)
    }

    /// The answer as JSON (null when it is not).
    pub fn response_json(&self) -> Value {
        serde_json::from_str(&self.response).unwrap_or(Value::Null)
    }
}

/// Holds the first lookup until the test says go.
pub struct Gate {
    /// Receives once the first lookup has arrived (and is held).
    pub arrived: mpsc::Receiver<()>,
    release: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Gate {
    /// Lets the held lookup through.
    pub fn release(&mut self) {
        if let Some(tx) = self.release.take() {
            let _ = tx.send(());
        }
    }
}

struct GateInside {
    arrived: mpsc::Sender<()>,
    release: tokio::sync::oneshot::Receiver<()>,
}

struct ProxyState {
    upstream: String,
    none_only: bool,
    gate: Mutex<Option<GateInside>>,
    log: Mutex<Vec<Exchange>>,
}

/// A forwarding HTTP proxy in front of a sydent that records every exchange.
/// It lets the tests see what mxlookup put on the wire, hold a request while
/// sydent is changed behind it, and (with `none_only`) edit `hash_details`
/// so that sydent appears to offer only `none` (sydent always offers sha256
/// as well; its lookups are answered by sydent unchanged).
pub struct Proxy {
    /// Where mxlookup reaches it (`-s`).
    pub url: String,
    state: Arc<ProxyState>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// A recording proxy to `upstream`.
    pub fn start(upstream: &str, none_only: bool) -> Proxy {
        Proxy::start_inner(upstream, none_only, None)
    }

    /// A recording proxy to `upstream` that holds the first lookup.
    pub fn gated(upstream: &str) -> (Proxy, Gate) {
        let (arrived_tx, arrived_rx) = mpsc::channel();
        let (release_tx, release_rx) = tokio::sync::oneshot::channel();
        let proxy = Proxy::start_inner(
            upstream,
            false,
            Some(GateInside {
                arrived: arrived_tx,
                release: release_rx,
            }),
        );
        (
            proxy,
            Gate {
                arrived: arrived_rx,
                release: Some(release_tx),
            },
        )
    }

    fn start_inner(upstream: &str, none_only: bool, gate: Option<GateInside>) -> Proxy {
        let state = Arc::new(ProxyState {
            upstream: upstream.trim_end_matches('/').to_owned(),
            none_only,
            gate: Mutex::new(gate),
            log: Mutex::new(Vec::new()),
        });
        let (listener, url) = block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind proxy");
            let port = listener.local_addr().expect("proxy address").port();
            (listener, format!("http://127.0.0.1:{port}"))
        });
        let app = axum::Router::new()
            .fallback(forward)
            .with_state(state.clone());
        let task = RUNTIME.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Proxy { url, state, task }
    }

    /// Every exchange so far, in order.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.state.log.lock().expect("proxy log").clone()
    }

    /// The `POST …/lookup` exchanges so far.
    pub fn lookups(&self) -> Vec<Exchange> {
        self.exchanges()
            .into_iter()
            .filter(|e| e.method == "POST" && e.path.ends_with("/_matrix/identity/v2/lookup"))
            .collect()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn forward(
    axum::extract::State(state): axum::extract::State<Arc<ProxyState>>,
    request: axum::extract::Request,
) -> axum::response::Response {
    let (parts, body) = request.into_parts();
    let path = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned());
    let bytes = axum::body::to_bytes(body, 64 << 20)
        .await
        .unwrap_or_default();
    let is_lookup = parts.method == "POST" && path.ends_with("/_matrix/identity/v2/lookup");
    if is_lookup {
        let gate = state.gate.lock().expect("gate").take();
        if let Some(gate) = gate {
            let _ = gate.arrived.send(());
            let _ = gate.release.await;
        }
    }
    let mut upstream = http().request(parts.method.clone(), format!("{}{path}", state.upstream));
    for name in [
        reqwest::header::AUTHORIZATION,
        reqwest::header::CONTENT_TYPE,
    ] {
        if let Some(value) = parts.headers.get(&name) {
            upstream = upstream.header(name, value);
        }
    }
    let (status, mut text) = match upstream.body(bytes.to_vec()).send().await {
        Ok(resp) => {
            let status = resp.status().as_u16();
            (status, resp.text().await.unwrap_or_default())
        }
        Err(e) => (502, format!("proxy: {e}")),
    };
    if state.none_only && status == 200 && path.contains("/_matrix/identity/v2/hash_details") {
        let mut details: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        details["algorithms"] = json!(["none"]);
        text = details.to_string();
    }
    state.log.lock().expect("proxy log").push(Exchange {
        method: parts.method.to_string(),
        path,
        request: String::from_utf8_lossy(&bytes).into_owned(),
        status,
        response: text.clone(),
    });
    axum::response::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(axum::body::Body::from(text))
        .expect("response")
}

// --- mxlookup --------------------------------------------------------------

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

    fn command<S: AsRef<OsStr>>(&self, args: &[S]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mxlookup"));
        for (key, _) in std::env::vars_os() {
            let name = key.to_string_lossy().to_ascii_uppercase();
            // Nothing from outside: no mxlookup settings, and no proxy (every
            // server is on loopback).
            if name.starts_with("MXLOOKUP_") || name.ends_with("_PROXY") {
                cmd.env_remove(&key);
            }
        }
        let h = self.dir.path();
        cmd.args(args)
            .current_dir(h)
            .env("HOME", h)
            .env("XDG_CONFIG_HOME", h.join("config"))
            .env("XDG_STATE_HOME", h.join("state"))
            .env("XDG_CACHE_HOME", h.join("cache"))
            .env("MXLOOKUP_BACKOFF_MS", "0")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    /// Runs `mxlookup ARGS` to the end.
    pub fn run<S: AsRef<OsStr>>(&self, args: &[S]) -> Run {
        self.spawn(args).wait()
    }

    /// Starts `mxlookup ARGS` with its stdin to write to.
    pub fn spawn_with_stdin<S: AsRef<OsStr>>(&self, args: &[S]) -> (Pending, ChildStdin) {
        let mut command = self.command(args);
        command.stdin(Stdio::piped());
        let mut pending = self.start(command, args);
        let stdin = pending.child.stdin.take().expect("stdin");
        (pending, stdin)
    }

    /// Starts `mxlookup ARGS`.
    pub fn spawn<S: AsRef<OsStr>>(&self, args: &[S]) -> Pending {
        self.start(self.command(args), args)
    }

    fn start<S: AsRef<OsStr>>(&self, mut command: Command, args: &[S]) -> Pending {
        let shown = args
            .iter()
            .map(|a| a.as_ref().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        let mut child = command.spawn().expect("start mxlookup");
        let reader = |mut pipe: Box<dyn std::io::Read + Send>| {
            std::thread::spawn(move || {
                let mut bytes = Vec::new();
                let _ = pipe.read_to_end(&mut bytes);
                String::from_utf8(bytes).expect("mxlookup writes UTF-8")
            })
        };
        let stdout = reader(Box::new(child.stdout.take().expect("stdout")));
        let stderr = reader(Box::new(child.stderr.take().expect("stderr")));
        Pending {
            child,
            stdout,
            stderr,
            shown,
        }
    }
}

/// A running `mxlookup`.
pub struct Pending {
    child: Child,
    stdout: std::thread::JoinHandle<String>,
    stderr: std::thread::JoinHandle<String>,
    shown: String,
}

impl Pending {
    /// Waits for it (killing it after [`RUN`]).
    pub fn wait(mut self) -> Run {
        let deadline = Instant::now() + RUN;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait mxlookup") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("`mxlookup {}` ran longer than {RUN:?}", self.shown);
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        Run {
            code: status.code().unwrap_or(-1),
            stdout: self.stdout.join().expect("stdout reader"),
            stderr: self.stderr.join().expect("stderr reader"),
            shown: self.shown,
        }
    }
}

/// What a run of `mxlookup` did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    shown: String,
}

impl Run {
    /// Panics (with the run's output) unless it exited with `code`.
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code,
            code,
            "`mxlookup {}`:\n{}",
            self.shown,
            self.describe()
        );
        self
    }

    /// The command line and what it printed, for assertion messages.
    pub fn describe(&self) -> String {
        let mut text = String::new();
        let _ = write!(
            text,
            "mxlookup {}\nexit {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.shown,
            self.code,
            tail(&self.stdout, 60),
            self.stderr
        );
        text
    }

    /// The ndjson results.
    pub fn results(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("not JSON ({e}): {l}\n{}", self.describe()))
            })
            .collect()
    }

    /// The one result whose `input` is `input`.
    pub fn result(&self, input: &str) -> Value {
        let found: Vec<Value> = self
            .results()
            .into_iter()
            .filter(|r| r["input"] == input)
            .collect();
        assert_eq!(
            found.len(),
            1,
            "results for input {input:?}:\n{}",
            self.describe()
        );
        found.into_iter().next().expect("one")
    }

    /// Stdout as one JSON document.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", self.describe()))
    }
}
