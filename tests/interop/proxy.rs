//! A recording (and, on demand, gating or rewriting) proxy in front of a
//! sydent: what mxlookup put on the wire.

use std::sync::{Arc, Mutex, mpsc};

use serde_json::{Value, json};

use crate::servers::{RUNTIME, block_on, http};

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
        let app = axum::Router::new()
            .fallback(forward)
            .with_state(state.clone());
        let (url, task) = serve_on_loopback(app);
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

/// Serves `app` on a loopback port picked now: its URL, and the task
/// serving it (aborted by whoever holds it).
pub fn serve_on_loopback(app: axum::Router) -> (String, tokio::task::JoinHandle<()>) {
    let (listener, url) = block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind proxy");
        let port = listener.local_addr().expect("proxy address").port();
        (listener, format!("http://127.0.0.1:{port}"))
    });
    let task = RUNTIME.spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, task)
}
