//! The CardDAV side of the suite: a real Radicale or Xandikos per test
//! (configured by `dav.py`, run under `harness.py guard`, stopped when
//! dropped), the seeded address books, plain HTTP to them from the tests,
//! a recording proxy (which can also change a card behind mxlookup's back),
//! and runs of mxlookup with a DAV password in its environment.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tempfile::TempDir;

use crate::home::Run;
use crate::servers::{Guarded, block_on, python_json, temp_dir, venv_python};
use crate::support::{Mx, mxlookup_in};

/// Radicale's user and password (plain htpasswd).
pub const DAV_USER: &str = "alice";
pub const DAV_PASSWORD: &str = "carddav-Secret-7f3a";

/// Which server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Radicale 3: Basic auth (htpasswd), principal `/alice/`, which is
    /// also the address-book home set.
    Radicale,
    /// Xandikos: no authentication, principal `/user/`, home set
    /// `/user/contacts/`, a default book `addressbook` made on start.
    Xandikos,
}

/// The seeded cards of the book "Friends" (file name, body as PUT). The
/// comments in `carddav.rs` say what sydent holds for each.
pub const FRIENDS: [(&str, &str); 4] = [
    (
        "alice.vcf",
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:interop-alice\r\nFN:Alice Martin\r\n\
         N:Martin;Alice;;;\r\nORG:Example Org\r\nEMAIL;TYPE=work:Alice.Martin@Example.ORG\r\n\
         TEL;TYPE=cell:06 12 34 56 78\r\nNOTE:Met at the 2019 conference\\, table 4.\r\n\
         CATEGORIES:friends,work\r\nEND:VCARD\r\n",
    ),
    (
        "gustav.vcf",
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:interop-gustav\r\nFN:Gustav Strauß\r\n\
         N:Strauß;Gustav;;;\r\nEMAIL:Strauß@Example.com\r\nADR;TYPE=home:;;Hauptstraße 1;Wien;;1010;Austria\r\n\
         END:VCARD\r\n",
    ),
    (
        "chloe.vcf",
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:interop-chloe\r\nFN:Chloé Bernard\r\n\
         N:Bernard;Chloé;;;\r\nTEL;TYPE=work:01 42 68 53 00\r\nEMAIL:chloe@example.net\r\n\
         END:VCARD\r\n",
    ),
    (
        "hana.vcf",
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:interop-hana\r\nFN:Hana Kobayashi\r\n\
         N:Kobayashi;Hana;;;\r\nEMAIL:hana@example.org\r\nTEL:06 23 45 67 89\r\nEND:VCARD\r\n",
    ),
];

/// The seeded card of the book "Work".
pub const WORK: [(&str, &str); 1] = [(
    "bob.vcf",
    "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:interop-bob\r\nFN:Bob Durand\r\nN:Durand;Bob;;;\r\n\
     EMAIL:bob@example.com\r\nEND:VCARD\r\n",
)];

/// A CardDAV server of one test, stopped when dropped.
pub struct DavServer {
    pub kind: Kind,
    /// `http://127.0.0.1:PORT` (no trailing `/`).
    pub url: String,
    /// The user's principal path (`/alice/`, `/user/`).
    pub principal: String,
    /// Where the user's address books are made (`addressbook-home-set`).
    pub home_set: String,
    dir: TempDir,
    server: Option<Guarded>,
}

impl DavServer {
    /// Starts an empty server on a free port.
    pub fn start(kind: Kind) -> DavServer {
        DavServer::start_with(kind, &[])
    }

    /// Starts Radicale with a book `/alice/bulk/` of `n` cards, its item
    /// cache built beforehand (kept in the install cache for later runs).
    pub fn radicale_bulk(n: usize) -> DavServer {
        let cache = crate::servers::cache_dir();
        let n = n.to_string();
        DavServer::start_with(
            Kind::Radicale,
            &[
                OsStr::new("--bulk"),
                OsStr::new(&n),
                OsStr::new("--bulk-cache"),
                cache.as_os_str(),
            ],
        )
    }

    fn start_with(kind: Kind, extra: &[&OsStr]) -> DavServer {
        let (venv, prefix) = match kind {
            Kind::Radicale => ("radicale", "radicale-"),
            Kind::Xandikos => ("xandikos", "xandikos-"),
        };
        let python = venv_python(venv);
        let dir = temp_dir(prefix);
        let mut args = vec![
            OsStr::new(match kind {
                Kind::Radicale => "radicale-prepare",
                Kind::Xandikos => "xandikos-prepare",
            }),
            dir.path().as_os_str(),
        ];
        if kind == Kind::Radicale {
            args.extend([OsStr::new(DAV_USER), OsStr::new(DAV_PASSWORD)]);
        }
        args.extend_from_slice(extra);
        let prepared = python_json(&python, &args).unwrap_or_else(|e| panic!("{e}"));
        let field = |k: &str| prepared[k].as_str().expect("dav.py field").to_owned();
        let cmd: Vec<String> = serde_json::from_value(prepared["cmd"].clone()).expect("cmd");
        let cmd: Vec<&OsStr> = cmd.iter().map(OsStr::new).collect();
        let url = field("url");
        let server = Guarded::spawn(
            &python,
            &dir.path().join("server.log"),
            dir.path(),
            &[],
            &cmd,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        // Any HTTP answer: Radicale redirects `/` to its web page.
        server
            .wait_ready(venv, &format!("{url}/"), |s| s != 0)
            .unwrap_or_else(|e| panic!("{e}"));
        let principal = field("principal");
        let home_set = match kind {
            Kind::Radicale => principal.clone(),
            Kind::Xandikos => format!("{principal}contacts/"),
        };
        let dav = DavServer {
            kind,
            url,
            principal,
            home_set,
            dir,
            server: Some(server),
        };
        if kind == Kind::Radicale {
            // Radicale makes the principal's collection on a first login.
            let (status, _) = dav.send("PROPFIND", &dav.principal, &[("Depth", "0")], "");
            assert_eq!(status, 207, "PROPFIND {}", dav.principal);
        }
        dav
    }

    /// Whether mxlookup needs `--dav-user` and a password here.
    pub fn needs_login(&self) -> bool {
        self.kind == Kind::Radicale
    }

    /// The books "Friends" ([`FRIENDS`]) and "Work" ([`WORK`]), made with
    /// MKCOL and PUT. Returns their URLs (`…/friends/`, `…/work/`).
    pub fn seed(&self) -> (String, String) {
        let friends = self.make_book("friends", "Friends");
        for (name, body) in FRIENDS {
            self.put_new(&format!("{friends}{name}"), body);
        }
        let work = self.make_book("work", "Work");
        for (name, body) in WORK {
            self.put_new(&format!("{work}{name}"), body);
        }
        (friends, work)
    }

    /// Makes an address book (extended MKCOL, RFC 5689) under the home
    /// set; its URL.
    pub fn make_book(&self, name: &str, display: &str) -> String {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\
             <mkcol xmlns=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:carddav\"><set><prop>\
             <resourcetype><collection/><C:addressbook/></resourcetype>\
             <displayname>{display}</displayname></prop></set></mkcol>"
        );
        let path = format!("{}{name}/", self.home_set);
        let (status, text) = self.send("MKCOL", &path, &[], &body);
        assert_eq!(status, 201, "MKCOL {path}: {text}");
        format!("{}{path}", self.url)
    }

    /// `PUT` of a new card (`If-None-Match: *`).
    pub fn put_new(&self, url: &str, body: &str) -> String {
        let (status, etag) = self.put(url, body, None);
        assert_eq!(status, 201, "PUT {url}");
        etag.expect("an ETag for a new card")
    }

    /// `PUT url` (with `If-Match: etag`, else `If-None-Match: *`): the
    /// status and the new ETag.
    pub fn put(&self, url: &str, body: &str, if_match: Option<&str>) -> (u16, Option<String>) {
        block_on(async {
            let mut req = self
                .request(reqwest::Method::PUT, url)
                .header("Content-Type", "text/vcard; charset=utf-8")
                .body(body.to_owned());
            req = match if_match {
                Some(etag) => req.header("If-Match", etag),
                None => req.header("If-None-Match", "*"),
            };
            let resp = req
                .send()
                .await
                .unwrap_or_else(|e| panic!("PUT {url}: {e}"));
            (resp.status().as_u16(), etag_of(resp.headers()))
        })
    }

    /// `GET url`: the card as the server now serves it, and its ETag.
    pub fn get(&self, url: &str) -> (String, String) {
        block_on(async {
            let resp = self
                .request(reqwest::Method::GET, url)
                .send()
                .await
                .unwrap_or_else(|e| panic!("GET {url}: {e}"));
            assert_eq!(resp.status().as_u16(), 200, "GET {url}");
            let etag = etag_of(resp.headers()).expect("GET answers an ETag");
            (resp.text().await.expect("card body"), etag)
        })
    }

    /// Every card of `book` (the seeded names): name → (body, ETag).
    pub fn cards(&self, book: &str, names: &[&str]) -> Vec<(String, String, String)> {
        names
            .iter()
            .map(|name| {
                let (body, etag) = self.get(&format!("{book}{name}"));
                (name.to_string(), body, etag)
            })
            .collect()
    }

    /// A request with this server's credentials, if it has any.
    fn request(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        let req = dav_http().request(method, url);
        if self.needs_login() {
            req.basic_auth(DAV_USER, Some(DAV_PASSWORD))
        } else {
            req
        }
    }

    /// A WebDAV request to `path` with an XML body: (status, answer).
    pub fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (u16, String) {
        let url = format!("{}{path}", self.url);
        block_on(async {
            let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
            let mut req = self
                .request(method.clone(), &url)
                // Xandikos answers 415 to a body without an XML type.
                .header("Content-Type", "application/xml; charset=utf-8")
                .body(body.to_owned());
            for (k, v) in headers {
                req = req.header(*k, *v);
            }
            let resp = req
                .send()
                .await
                .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
            (
                resp.status().as_u16(),
                resp.text().await.unwrap_or_default(),
            )
        })
    }

    /// The server's log (Radicale logs one `… request for '/path' …` line
    /// per request at level info).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// The time Radicale spent answering, summed over the answers it logged
    /// after the first `skip` (`… response status for '/…' in 0.004 seconds …`).
    pub fn logged_seconds(&self, skip: usize) -> f64 {
        self.log()
            .lines()
            .filter_map(|l| {
                l.split_once(" response status for '")?
                    .1
                    .split_once("' in ")
            })
            .skip(skip)
            .filter_map(|(_, rest)| rest.split(' ').next()?.parse::<f64>().ok())
            .sum()
    }

    /// The requests Radicale logged so far, as (method, path).
    pub fn logged_requests(&self) -> Vec<(String, String)> {
        self.log()
            .lines()
            .filter_map(|l| {
                let (head, rest) = l.split_once(" request for '")?;
                let method = head.rsplit(' ').next()?.to_owned();
                let path = rest.split('\'').next()?.to_owned();
                Some((method, path))
            })
            .collect()
    }
}

impl Drop for DavServer {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let log = self.log();
            let lines: Vec<&str> = log.lines().collect();
            eprintln!(
                "--- {:?} log ({}) ---\n{}",
                self.kind,
                self.url,
                lines[lines.len().saturating_sub(60)..].join("\n")
            );
        }
        if let Some(server) = self.server.take() {
            server.stop();
        }
    }
}

fn etag_of(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get(reqwest::header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The tests' client for DAV servers and the proxy's upstream: it follows
/// no redirect (the proxy passes them on as they are).
fn dav_http() -> &'static reqwest::Client {
    static CLIENT: std::sync::LazyLock<reqwest::Client> = std::sync::LazyLock::new(|| {
        reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(120))
            .build()
            .expect("http client")
    });
    &CLIENT
}

// --- cards -----------------------------------------------------------------

/// The 1-based line of `body` holding `needle` (exactly one must).
pub fn line_of(body: &str, needle: &str) -> usize {
    let lines: Vec<usize> = body
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(lines.len(), 1, "{needle:?} in\n{body}");
    lines[0]
}

/// The `IMPP` lines of a card.
pub fn impp_lines(body: &str) -> Vec<String> {
    body.lines()
        .filter(|l| {
            let name = l.split([':', ';']).next().unwrap_or("");
            name.eq_ignore_ascii_case("IMPP")
        })
        .map(str::to_owned)
        .collect()
}

/// The card without its `IMPP` lines.
pub fn without_impp(body: &str) -> Vec<String> {
    let impp = impp_lines(body);
    body.lines()
        .filter(|l| !impp.iter().any(|i| i == l))
        .map(str::to_owned)
        .collect()
}

/// The `IMPP` line mxlookup writes for a Matrix ID `@local:server`.
pub fn impp_for(mxid: &str) -> String {
    format!("IMPP:matrix:u/{}", mxid.trim_start_matches('@'))
}

/// Asserts `after` is `before` with exactly the one line `line` added,
/// every other line as it was, in order.
pub fn assert_one_line_added(before: &str, after: &str, line: &str, what: &str) {
    assert_eq!(
        impp_lines(before),
        Vec::<String>::new(),
        "{what} before:\n{before}"
    );
    assert_eq!(
        impp_lines(after),
        [line.to_owned()],
        "{what} after:\n{after}"
    );
    assert_eq!(
        without_impp(after),
        without_impp(before),
        "{what}: lines other than IMPP changed:\n--- before\n{before}\n--- after\n{after}"
    );
    assert_eq!(
        after.lines().count(),
        before.lines().count() + 1,
        "{what}:\n{after}"
    );
}

// --- runs of mxlookup --------------------------------------------------------

/// A home for mxlookup runs that read CardDAV: HOME and XDG folders, and
/// the DAV password in the environment when `login` is set.
pub struct DavHome {
    dir: TempDir,
}

impl DavHome {
    pub fn new() -> DavHome {
        DavHome {
            dir: temp_dir("davhome-"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file there (mode 0600); its path.
    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).expect("write file");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .expect("chmod 0600");
        }
        path
    }

    /// `mxlookup ARGS` here, with no retry delay and no colour, and
    /// `MXLOOKUP_DAV_PASSWORD` set when `password` is given.
    pub fn command<S: AsRef<OsStr>>(&self, args: &[S], password: Option<&str>) -> Mx {
        let mut mx = mxlookup_in(self.dir.path())
            .args(args)
            .env("MXLOOKUP_BACKOFF_MS", "0")
            .env("NO_COLOR", "1");
        if let Some(password) = password {
            mx = mx.env("MXLOOKUP_DAV_PASSWORD", password);
        }
        mx
    }

    /// Runs `mxlookup ARGS` to the end.
    pub fn run<S: AsRef<OsStr>>(&self, args: &[S], password: Option<&str>) -> Run {
        self.command(args, password).output()
    }
}

/// `--dav-user alice` and its password, when `dav` needs a login.
pub fn login(dav: &DavServer) -> (Vec<String>, Option<&'static str>) {
    if dav.needs_login() {
        (
            vec!["--dav-user".to_owned(), DAV_USER.to_owned()],
            Some(DAV_PASSWORD),
        )
    } else {
        (Vec::new(), None)
    }
}

// --- a recording proxy -------------------------------------------------------

/// One request that went through a [`DavProxy`].
#[derive(Debug, Clone)]
pub struct DavExchange {
    pub method: String,
    pub path: String,
    /// Every request header, lower-case names, in order.
    pub headers: Vec<(String, String)>,
    pub status: u16,
}

impl DavExchange {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Changes the proxy makes to a card on the server when mxlookup's `PUT`s
/// to it arrive, before passing each on: the server then holds a newer
/// card than the one mxlookup read, so its `If-Match` fails.
pub struct ConcurrentEdit {
    /// The card's path (`/alice/friends/alice.vcf`).
    pub path: String,
    /// A line added before `END:VCARD` at each `PUT`, in turn: the first
    /// `PUT` gets the first change, the next one the second, and so on;
    /// then the `PUT`s pass untouched.
    pub lines: Vec<String>,
    /// The upstream's credentials.
    pub login: Option<(String, String)>,
}

struct DavProxyState {
    upstream: String,
    edit: tokio::sync::Mutex<Option<ConcurrentEdit>>,
    log: Mutex<Vec<DavExchange>>,
}

/// A forwarding HTTP proxy that records every request with its headers
/// and passes everything else on as it is (any method, every header both
/// ways, redirects not followed). In front of a DAV server it counts
/// requests and can make a concurrent change; in front of sydent or
/// Synapse it shows which credentials reached them.
pub struct DavProxy {
    /// Where mxlookup reaches it (no trailing `/`).
    pub url: String,
    state: Arc<DavProxyState>,
    task: tokio::task::JoinHandle<()>,
}

impl DavProxy {
    pub fn start(upstream: &str) -> DavProxy {
        DavProxy::with_edit(upstream, None)
    }

    pub fn with_edit(upstream: &str, edit: Option<ConcurrentEdit>) -> DavProxy {
        let state = Arc::new(DavProxyState {
            upstream: upstream.trim_end_matches('/').to_owned(),
            edit: tokio::sync::Mutex::new(edit),
            log: Mutex::new(Vec::new()),
        });
        let app = axum::Router::new()
            .fallback(forward)
            .with_state(state.clone());
        let (url, task) = crate::proxy::serve_on_loopback(app);
        DavProxy { url, state, task }
    }

    /// Every exchange so far, in order.
    pub fn exchanges(&self) -> Vec<DavExchange> {
        self.state.log.lock().expect("proxy log").clone()
    }

    /// The exchanges with `method`.
    pub fn with_method(&self, method: &str) -> Vec<DavExchange> {
        self.exchanges()
            .into_iter()
            .filter(|e| e.method == method)
            .collect()
    }

    /// Forgets what was recorded.
    pub fn clear(&self) {
        self.state.log.lock().expect("proxy log").clear();
    }
}

impl Drop for DavProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Hop-by-hop headers and those the HTTP stacks set themselves.
const NOT_FORWARDED: [&str; 5] = [
    "host",
    "content-length",
    "connection",
    "transfer-encoding",
    "keep-alive",
];

async fn forward(
    axum::extract::State(state): axum::extract::State<Arc<DavProxyState>>,
    request: axum::extract::Request,
) -> axum::response::Response {
    let (parts, body) = request.into_parts();
    let path = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned());
    let bytes = axum::body::to_bytes(body, 256 << 20)
        .await
        .unwrap_or_default();
    if parts.method == "PUT" {
        let mut edit = state.edit.lock().await;
        if let Some(edit) = edit
            .as_mut()
            .filter(|e| e.path == path && !e.lines.is_empty())
        {
            let line = edit.lines.remove(0);
            let status = edit_upstream(&state.upstream, edit, &line).await;
            state.log.lock().expect("proxy log").push(DavExchange {
                method: "EDIT".into(),
                path: path.clone(),
                headers: Vec::new(),
                status,
            });
        }
    }
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let mut upstream =
        dav_http().request(parts.method.clone(), format!("{}{path}", state.upstream));
    for (name, value) in parts.headers.iter() {
        if !NOT_FORWARDED.contains(&name.as_str()) {
            upstream = upstream.header(name, value);
        }
    }
    let (status, response_headers, body) = match upstream.body(bytes.to_vec()).send().await {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            (
                status,
                headers,
                resp.bytes().await.unwrap_or_default().to_vec(),
            )
        }
        Err(e) => (
            502,
            reqwest::header::HeaderMap::new(),
            format!("proxy: {e}").into_bytes(),
        ),
    };
    state.log.lock().expect("proxy log").push(DavExchange {
        method: parts.method.to_string(),
        path,
        headers,
        status,
    });
    let mut response = axum::response::Response::builder().status(status);
    for (name, value) in response_headers.iter() {
        if !NOT_FORWARDED.contains(&name.as_str()) {
            response = response.header(name, value);
        }
    }
    response
        .body(axum::body::Body::from(body))
        .expect("response")
}

/// Adds `line` to the card upstream, with its own `If-Match`: the status of
/// that `PUT`.
async fn edit_upstream(upstream: &str, edit: &ConcurrentEdit, line: &str) -> u16 {
    let url = format!("{upstream}{}", edit.path);
    let auth = |req: reqwest::RequestBuilder| match &edit.login {
        Some((user, password)) => req.basic_auth(user, Some(password)),
        None => req,
    };
    let Ok(resp) = auth(dav_http().get(&url)).send().await else {
        return 0;
    };
    let Some(etag) = etag_of(resp.headers()) else {
        return 0;
    };
    let body = resp.text().await.unwrap_or_default();
    let changed = body.replacen("END:VCARD", &format!("{line}\r\nEND:VCARD"), 1);
    auth(dav_http().put(&url))
        .header("Content-Type", "text/vcard; charset=utf-8")
        .header("If-Match", etag)
        .body(changed)
        .send()
        .await
        .map_or(0, |r| r.status().as_u16())
}
