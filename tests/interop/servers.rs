//! The servers of the interop suite: a Synapse shared by the whole test
//! process (started on first use, with its one user), the Python side
//! (`harness.py`, with the installed venvs), a guard for every server
//! process, and HTTP from the tests.
//!
//! Every server runs under `harness.py guard`, which stops it when its stdin
//! closes: when its fixture is dropped (sydent), or when the test process
//! exits, however it exits (Synapse, which lives in a static).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{LazyLock, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

/// How long a server may take to answer its first request.
const READY: Duration = Duration::from_secs(90);

/// The shared part of the suite: where the venvs are, and the running
/// Synapse with its one user.
pub struct Interop {
    pub(crate) sydent_python: PathBuf,
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
pub fn interop() -> &'static Interop {
    match INTEROP.get_or_init(Interop::start) {
        Ok(interop) => interop,
        Err(e) => panic!("interop suite cannot start: {e}"),
    }
}

pub(crate) fn manifest_dir() -> PathBuf {
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
        self.new_user_with_password(local, &format!("interop-{}", fastrand::u64(..)))
    }

    /// Registers another Synapse user with `password` (`mxlookup login`
    /// logs in with it); its (user ID, access token).
    pub fn new_user_with_password(&self, local: &str, password: &str) -> (String, String) {
        let user = python_json(
            &self.synapse_python,
            &[
                OsStr::new("synapse-user"),
                OsStr::new(&self.synapse_config),
                OsStr::new(&self.hs_url),
                OsStr::new(local),
                OsStr::new(password),
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
pub(crate) fn python_json(python: &Path, args: &[&OsStr]) -> Result<Value, String> {
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
    pub(crate) fn wait_ready(
        &self,
        what: &str,
        url: &str,
        ok: impl Fn(u16) -> bool,
    ) -> Result<(), String> {
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
    pub(crate) fn stop(&self) {
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

pub(crate) static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
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

pub(crate) fn http() -> &'static reqwest::Client {
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

/// Where `tests/interop/setup` installed the venvs (`MXLOOKUP_INTEROP_CACHE`,
/// else `.cache/interop`).
pub(crate) fn cache_dir() -> PathBuf {
    std::env::var_os("MXLOOKUP_INTEROP_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir().join(".cache/interop"))
}

/// The python of the venv `name` (`radicale`, `xandikos`, `khard`); a
/// missing install fails the test, saying how to install it.
pub(crate) fn venv_python(name: &str) -> PathBuf {
    let python = cache_dir().join(name).join("bin/python");
    assert!(
        python.exists(),
        "{} is missing: {name} is not installed (`bash tests/interop/run` installs it)",
        python.display()
    );
    python
}
