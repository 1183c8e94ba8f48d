//! Serving one site (an identity server or the homeserver stub) on
//! loopback. Connections are served by hand with hyper, not `axum::serve`,
//! so that a request can end its connection with a reset and no HTTP
//! answer at all, as sydent does to an oversized body. Every request is
//! recorded.

use std::convert::Infallible;
use std::future::poll_fn;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use axum::response::IntoResponse;
use hyper::body::{Body as _, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::{JoinHandle, JoinSet};
use url::Url;

use super::error::SandboxError;
use super::faults::Faults;
use super::reply;
use super::wire::errcode;

/// Bodies are read whole, up to this much when no `max_body_bytes` is set.
const BODY_CAP: usize = 64 << 20;

/// One request as a server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// `GET`, `POST`…
    pub method: String,
    /// The path with its query string.
    pub path: String,
    /// The `Authorization` header, verbatim.
    pub authorization: Option<String>,
    /// The body as text (invalid UTF-8 replaced); what was read of it when
    /// the connection was reset.
    pub body: String,
    /// The status answered; 0 when there was no HTTP answer (connection
    /// reset) or none yet.
    pub status: u16,
}

/// A server's routes, its faults and its request log.
pub(crate) struct Site {
    router: Router,
    faults: Faults,
    log: Mutex<Vec<Recorded>>,
}

impl Site {
    pub fn new(router: Router, faults: Faults) -> Arc<Site> {
        Arc::new(Site {
            router,
            faults,
            log: Mutex::default(),
        })
    }

    /// Every request received so far, in order of arrival.
    pub fn requests(&self) -> Vec<Recorded> {
        self.log().clone()
    }

    fn log(&self) -> MutexGuard<'_, Vec<Recorded>> {
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Logs a request on arrival; returns its slot for [`Site::update`].
    fn arrive(&self, entry: Recorded) -> usize {
        let mut log = self.log();
        log.push(entry);
        log.len() - 1
    }

    fn update(&self, slot: usize, change: impl FnOnce(&mut Recorded)) {
        if let Some(entry) = self.log().get_mut(slot) {
            change(entry);
        }
    }
}

/// Listens on 127.0.0.1, port 0.
pub(crate) async fn bind(server: &str) -> Result<(TcpListener, Url), SandboxError> {
    let fail = |error| SandboxError::Bind {
        server: server.to_owned(),
        error,
    };
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.map_err(fail)?;
    let addr = listener.local_addr().map_err(fail)?;
    let url = Url::parse(&format!("http://{addr}")).map_err(|e| fail(std::io::Error::other(e)))?;
    Ok((listener, url))
}

/// Serves `site` on `listener` until the task is aborted; aborting it ends
/// every connection too.
pub(crate) fn spawn(listener: TcpListener, site: Arc<Site>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => {
                        connections.spawn(serve_connection(stream, site.clone()));
                    }
                    // Out of file descriptors and the like: let some close.
                    Err(_) => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
                },
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
    })
}

/// Serves one connection; a request may ask for it to be reset instead.
async fn serve_connection(stream: TcpStream, site: Arc<Site>) {
    // No Nagle: an answer's last segment must not wait for the client's
    // delayed ACK (40 ms a request on Linux), as real servers arrange too.
    let _ = stream.set_nodelay(true);
    let reset = Arc::new(Notify::new());
    let service = {
        let reset = reset.clone();
        service_fn(move |request| handle(site.clone(), reset.clone(), request))
    };
    let mut connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    let reset_asked = tokio::select! {
        _ = &mut connection => false,
        () = reset.notified() => true,
    };
    if reset_asked {
        // An abortive close: the peer gets a RST, not a FIN, and no answer.
        let parts = connection.into_parts();
        let _ = parts.io.inner().set_zero_linger();
    }
}

/// One request: read the body (or reset), record, apply faults, route.
async fn handle(
    site: Arc<Site>,
    reset: Arc<Notify>,
    request: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let arrived = tokio::time::Instant::now();
    let (parts, body) = request.into_parts();
    let slot = site.arrive(Recorded {
        method: parts.method.to_string(),
        path: parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_owned(), |pq| pq.as_str().to_owned()),
        authorization: parts
            .headers
            .get(header::AUTHORIZATION)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
        body: String::new(),
        status: 0,
    });
    let limit = site.faults.max_body.unwrap_or(BODY_CAP);
    let (bytes, complete) = read_body(body, limit).await;
    site.update(slot, |r| {
        r.body = String::from_utf8_lossy(&bytes).into_owned()
    });
    let response = match complete {
        Read::Whole => {
            let fault = site.faults.intercept(parts.uri.path(), bytes.len());
            match fault {
                Some(response) => response,
                None => route(&site.router, Request::from_parts(parts, Body::from(bytes))).await,
            }
        }
        Read::TooLarge if site.faults.max_body.is_some() => {
            reset.notify_one();
            // The connection is dropped under this future: never answer.
            return std::future::pending().await;
        }
        Read::TooLarge => reply::matrix_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            errcode::TOO_LARGE,
            "Request body too large",
        )
        .into_response(),
        Read::Broken => reply::html(StatusCode::BAD_REQUEST),
    };
    site.faults.delay(arrived).await;
    site.update(slot, |r| r.status = response.status().as_u16());
    Ok(response)
}

/// How reading a body ended.
enum Read {
    Whole,
    TooLarge,
    Broken,
}

/// Reads a body up to `limit` bytes; returns what was read.
async fn read_body(mut body: Incoming, limit: usize) -> (Vec<u8>, Read) {
    let mut bytes = Vec::new();
    loop {
        match poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
            None => return (bytes, Read::Whole),
            Some(Err(_)) => return (bytes, Read::Broken),
            Some(Ok(frame)) => {
                let Ok(data) = frame.into_data() else {
                    continue;
                };
                if bytes.len() + data.len() > limit {
                    let room = limit - bytes.len();
                    bytes.extend_from_slice(&data[..room]);
                    return (bytes, Read::TooLarge);
                }
                bytes.extend_from_slice(&data);
            }
        }
    }
}

/// Hands a request to the site's routes.
async fn route(router: &Router, request: Request<Body>) -> Response<Body> {
    let service = TowerToHyperService::new(router.clone());
    match hyper::service::Service::call(&service, request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}
