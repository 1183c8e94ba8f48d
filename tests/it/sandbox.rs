//! The sandbox federation itself, over real HTTP on loopback: every
//! protocol fact of `design.md` §1 it must be able to show.

use std::time::{Duration, Instant};

use mxlookup::identity::wire::path;
use mxlookup::sandbox::{Federation, HOMESERVER, Sandbox, SandboxError};
use mxlookup::threepid::{Medium, lookup_hash};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::root;

mod faults;
mod protocol;

const MATRIX: &str = "matrix.example:443";
const FED: &str = "fed.example:443";
const IS: &str = "is.example:443";

/// A one-server federation holding alice@example.com; `knobs` are TOML
/// lines appended to the server.
fn one(knobs: &str) -> Federation {
    let text = format!(
        r#"
[[servers]]
name = "{IS}"
start = true
pepper = "pepper"
associations = [{{ medium = "email", address = "alice@example.com", mxid = "@alice:is.example" }}]
{knobs}
"#
    );
    Federation::from_toml(&text).expect("test federation")
}

async fn start(federation: Federation) -> Sandbox {
    Sandbox::start(federation).await.expect("sandbox starts")
}

async fn start_default() -> Sandbox {
    start(Federation::default_federation()).await
}

/// A request's answer: status, `Retry-After`, content type, body.
struct Reply {
    status: StatusCode,
    retry_after: Option<String>,
    content_type: String,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("{e}: {}", self.text))
    }

    fn errcode(&self) -> String {
        self.json()["errcode"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

/// One client for every test: building one loads the system's roots. No
/// idle connections, so none outlives the runtime of the test that made it.
fn client() -> &'static reqwest::Client {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .no_proxy()
            .pool_max_idle_per_host(0)
            .build()
            .expect("client")
    })
}

async fn send(
    method: Method,
    url: reqwest::Url,
    token: Option<&str>,
    body: Option<&Value>,
) -> Result<Reply, reqwest::Error> {
    let mut request = client().request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await?;
    let header = |name| {
        response
            .headers()
            .get(name)
            .map(|v: &reqwest::header::HeaderValue| v.to_str().unwrap_or_default().to_owned())
    };
    let (retry_after, content_type) = (header("retry-after"), header("content-type"));
    Ok(Reply {
        status: response.status(),
        retry_after,
        content_type: content_type.unwrap_or_default(),
        text: response.text().await?,
    })
}

/// Calls `server` (a name, or [`HOMESERVER`]) at `path`.
async fn call(
    sb: &Sandbox,
    server: &str,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let base = match server {
        HOMESERVER => sb.homeserver_url(),
        name => sb.server_url(name).expect("server in the federation"),
    };
    let url = base.join(path).expect("url");
    send(method, url, token, body.as_ref())
        .await
        .expect("an HTTP answer")
}

fn token(sb: &Sandbox, server: &str) -> String {
    sb.server(server).expect("server").access_token.clone()
}

async fn hash_details(sb: &Sandbox, server: &str) -> Value {
    let reply = call(
        sb,
        server,
        Method::GET,
        path::HASH_DETAILS,
        Some(&token(sb, server)),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.json()
}

async fn lookup(
    sb: &Sandbox,
    server: &str,
    algorithm: &str,
    pepper: &str,
    addresses: &[String],
) -> Reply {
    let body = json!({"algorithm": algorithm, "pepper": pepper, "addresses": addresses});
    call(
        sb,
        server,
        Method::POST,
        path::LOOKUP,
        Some(&token(sb, server)),
        Some(body),
    )
    .await
}

fn email(address: &str, pepper: &str) -> String {
    lookup_hash(address, Medium::Email, pepper)
}

#[test]
fn default_federation_matches_the_fixture() {
    let file = Federation::load(&root().join("fixtures/federation.toml")).expect("fixture");
    assert_eq!(file, Federation::default_federation());
    let peppers: Vec<usize> = file.servers.iter().map(|s| s.pepper.len()).collect();
    assert_eq!(peppers[..2], [5, 32]);
}

#[tokio::test]
async fn default_federation_describes_a_ready_command() {
    let sb = start_default().await;
    let starts: Vec<&str> = sb.start_servers().iter().map(|s| s.name.as_str()).collect();
    assert_eq!(starts, [MATRIX]);
    let names: Vec<String> = sb.resolve_map().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, [MATRIX, FED, "far.example:443", "loop.example:443"]);
    let text = sb.describe();
    let bare = |u: reqwest::Url| u.as_str().trim_end_matches('/').to_owned();
    assert!(
        text.contains(&format!("-s {}", bare(sb.server_url(MATRIX).expect("url")))),
        "{text}"
    );
    assert!(text.contains(&format!(
        "--resolve {FED}={}",
        bare(sb.server_url(FED).expect("url"))
    )));
    assert!(text.contains(&format!(
        "--homeserver {} --hs-token {}",
        bare(sb.homeserver_url()),
        sb.homeserver_token()
    )));
    assert!(text.contains(&token(&sb, FED)) && text.contains(sb.user_id()));
}

#[tokio::test]
async fn every_request_is_recorded() {
    let sb = start(one("")).await;
    let token = token(&sb, IS);
    let sent = vec![email("alice@example.com", "pepper")];
    hash_details(&sb, IS).await;
    lookup(&sb, IS, "sha256", "pepper", &sent).await;
    call(&sb, IS, Method::GET, "/nowhere?x=1", None, None).await;
    let log = sb.requests(IS);
    let summary: Vec<(&str, &str, u16)> = log
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str(), r.status))
        .collect();
    assert_eq!(
        summary,
        [
            ("GET", path::HASH_DETAILS, 200),
            ("POST", path::LOOKUP, 200),
            ("GET", "/nowhere?x=1", 404)
        ]
    );
    assert_eq!(log[1].authorization, Some(format!("Bearer {token}")));
    let body: Value = serde_json::from_str(&log[1].body).expect("JSON body");
    assert_eq!(body["addresses"], json!(sent));
    assert_eq!(
        (log[2].authorization.as_deref(), log[2].body.as_str()),
        (None, "")
    );
    assert!(sb.requests("unknown.example:443").is_empty() && sb.requests(HOMESERVER).is_empty());
}

#[tokio::test]
async fn unknown_paths_are_html_404_and_wrong_methods_405() {
    let sb = start_default().await;
    for server in [MATRIX, HOMESERVER] {
        let reply = call(
            &sb,
            server,
            Method::GET,
            "/_matrix/identity/v2/nope",
            None,
            None,
        )
        .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert!(
            reply.content_type.starts_with("text/html"),
            "{}",
            reply.content_type
        );
    }
    let reply = call(&sb, MATRIX, Method::GET, path::LOOKUP, None, None).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn dropping_the_sandbox_stops_its_servers() {
    let sb = start_default().await;
    let url = sb
        .server_url(MATRIX)
        .expect("url")
        .join(path::TERMS)
        .expect("url");
    drop(sb);
    let deadline = Instant::now() + Duration::from_secs(2);
    while send(Method::GET, url.clone(), None, None).await.is_ok() {
        assert!(Instant::now() < deadline, "still serving");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[test]
fn federation_errors_name_the_file_and_the_server() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("missing.toml");
    let err = Federation::load(&missing).expect_err("missing file");
    assert!(
        matches!(err, SandboxError::Read { .. }) && err.to_string().contains("missing.toml"),
        "{err}"
    );

    let cases = [
        (
            "[[servers]]\nname = \"a.example:443\"\nstart = true\npepper = \"p\"\nbogus_knob = 1\n",
            "bogus_knob",
        ),
        (
            "[[servers]]\nname = \"a.example:443\"\npepper = \"p\"\n",
            "no server has `start = true`",
        ),
        (
            "[[servers]]\nname = \"a.example:443\"\nstart = true\npepper = \"p\"\n[[servers]]\nname = \"a.example:443\"\npepper = \"q\"\n",
            "`a.example:443` is described twice",
        ),
        (
            "[[servers]]\nname = \"a.example\"\nstart = true\npepper = \"p\"\n",
            "not a server name",
        ),
        (
            "[[servers]]\nname = \"a.example:443\"\nstart = true\npepper = \"p\"\nalgorithms = [\"md5\"]\n",
            "server `a.example:443`: unknown algorithm `md5`",
        ),
        (
            "[[servers]]\nname = \"a.example:443\"\nstart = true\npepper = \"p\"\nassociations = [{ medium = \"fax\", address = \"1\", mxid = \"@a:b\" }]\n",
            "unknown medium `fax`",
        ),
    ];
    for (i, (text, expected)) in cases.into_iter().enumerate() {
        let file = dir.path().join(format!("case{i}.toml"));
        std::fs::write(&file, text).expect("write");
        let err = Federation::load(&file).expect_err(expected);
        let message = err.to_string();
        assert!(
            message.contains(&format!("case{i}.toml")) && message.contains(expected),
            "{message}"
        );
    }
}
