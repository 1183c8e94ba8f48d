//! HTTP with bounds: one shared client (rustls, no redirects followed, a
//! total time limit per request, a cap on the answer's size) and a retry
//! loop that tells transient failures (no answer, 5xx, 429) from permanent
//! ones, backs off with jitter and honours `Retry-After` and
//! `retry_after_ms` up to a limit (matrix-rust-sdk's `RetryKind`, uv's
//! "failed after N retries in 3.2s").

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode, header};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use super::error::{CallError, ErrorKind};
use super::guard::PublicOnly;
use super::wire::MatrixError;

/// Limits of every call.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Total time for one request, answer included.
    pub timeout: Duration,
    /// Retries after the first try, for transient failures.
    pub retries: u32,
    /// The longest `Retry-After` honoured; a longer one is an error.
    pub max_wait: Duration,
    /// The largest answer read.
    pub max_body: usize,
    /// First backoff delay (doubled each retry, with jitter); zero in tests.
    pub backoff: Duration,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            timeout: Duration::from_secs(30),
            retries: 3,
            max_wait: Duration::from_secs(60),
            max_body: 32 << 20,
            backoff: Duration::from_millis(500),
        }
    }
}

/// The shared HTTP client.
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    settings: Arc<HttpSettings>,
    /// The same client resolving names to public addresses only, built
    /// when a referral first needs it.
    public_only: Arc<OnceLock<reqwest::Client>>,
    certs: Arc<Vec<reqwest::Certificate>>,
    /// Requests sent so far, every try counted, by this client and its
    /// clones (see [`Http::sent`]).
    sent: Arc<AtomicU64>,
}

/// How many requests a client and its clones have sent so far, every try
/// counted: what a progress line shows while answers are awaited.
#[derive(Debug, Clone, Default)]
pub struct SentCount(Arc<AtomicU64>);

impl SentCount {
    /// The count now.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A request, as the retry loop resends it.
pub struct Request<'a> {
    /// The server as the user knows it, for errors.
    pub server: &'a str,
    /// Where it is reached.
    pub base: &'a Url,
    /// GET or POST.
    pub method: Method,
    /// The endpoint's path (and query).
    pub path: &'a str,
    /// A token for `Authorization: Bearer`, only ever this server's.
    pub bearer: Option<&'a str>,
    /// The JSON body, serialised once.
    pub body: Option<Vec<u8>>,
    /// Which failures it is sent again after.
    pub retry: Retry,
}

/// Which failures a request is sent again after.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Retry {
    /// Every transient failure: no connection, no answer, 5xx, 429. For
    /// requests that may be repeated (reads, lookups, registration).
    #[default]
    Transient,
    /// Only failures that show the server did not act on it: no connection,
    /// 429. For requests a repeat could harm: a push that the server stored
    /// before timing out or failing would be answered 500 the second time
    /// (ToM-server), hiding what happened to the first.
    Unprocessed,
    /// Every transient failure but a 5xx and a reset, which may be the
    /// server refusing the request's size (ToM answers 500 past 100 KB,
    /// sydent resets past 512 KiB): for a lookup batch larger than any the
    /// server answered, which the caller sends again smaller rather than
    /// the same three more times (each costs one of ToM's 100 requests per
    /// 10 minutes).
    Trial,
}

impl Retry {
    fn allows(self, kind: &ErrorKind) -> bool {
        match self {
            Retry::Transient => is_transient(kind),
            Retry::Unprocessed => matches!(
                kind,
                ErrorKind::Connect(_) | ErrorKind::Status { status: 429, .. }
            ),
            Retry::Trial => matches!(
                kind,
                ErrorKind::Connect(_)
                    | ErrorKind::Timeout(_)
                    | ErrorKind::Status { status: 429, .. }
            ),
        }
    }
}

impl Request<'_> {
    /// Serialises `body` as the request's JSON body.
    pub fn json(mut self, body: &impl Serialize) -> Self {
        self.body = Some(serde_json::to_vec(body).expect("wire types serialise"));
        self
    }

    /// Sends it again only after failures that show it was not acted on.
    pub fn once(mut self) -> Self {
        self.retry = Retry::Unprocessed;
        self
    }

    fn endpoint(&self) -> String {
        format!(
            "{} {}",
            self.method,
            self.path.split('?').next().unwrap_or(self.path)
        )
    }
}

/// One failed try: what went wrong and how long the server asked us to wait.
struct Failure {
    kind: ErrorKind,
    retry_after: Option<Duration>,
}

impl Http {
    /// A client trusting the system roots and, when given, the CA in `ca_pem`.
    pub fn new(settings: HttpSettings, ca_pem: Option<&[u8]>) -> Result<Http, String> {
        let certs = match ca_pem {
            Some(pem) => {
                let certs = reqwest::Certificate::from_pem_bundle(pem)
                    .map_err(|e| format!("not a PEM certificate: {e}"))?;
                if certs.is_empty() {
                    return Err("no certificate in the PEM file".to_owned());
                }
                certs
            }
            None => Vec::new(),
        };
        let client = build(&settings, &certs, false)?;
        Ok(Http {
            client,
            settings: Arc::new(settings),
            public_only: Arc::default(),
            certs: Arc::new(certs),
            sent: Arc::default(),
        })
    }

    /// The same client, but one that connects to a name only at its public
    /// addresses (see [`super::guard`]): for servers a referral named.
    pub fn public_only(&self) -> Http {
        let client = self.public_only.get_or_init(|| {
            build(&self.settings, &self.certs, true)
                .expect("the same settings built a client before")
        });
        Http {
            client: client.clone(),
            ..self.clone()
        }
    }

    /// The count of requests this client and its clones send.
    pub fn sent(&self) -> SentCount {
        SentCount(Arc::clone(&self.sent))
    }

    /// The limits in force.
    pub fn settings(&self) -> &HttpSettings {
        &self.settings
    }

    /// Sends `request` until it succeeds, fails for good, or runs out of
    /// retries, and decodes the answer as `T`.
    pub async fn call<T: DeserializeOwned>(&self, request: Request<'_>) -> Result<T, CallError> {
        self.call_with(request, |body| serde_json::from_slice(body))
            .await
    }

    /// [`Http::call`], decoding a successful answer with `decode`.
    pub async fn call_with<T>(
        &self,
        request: Request<'_>,
        decode: impl Fn(&[u8]) -> serde_json::Result<T>,
    ) -> Result<T, CallError> {
        let started = Instant::now();
        let mut tries = 0;
        loop {
            tries += 1;
            let failure = match self.attempt(&request).await {
                Ok(body) => match decode(&body) {
                    Ok(value) => return Ok(value),
                    Err(e) => Failure {
                        kind: ErrorKind::Decode(e.to_string()),
                        retry_after: None,
                    },
                },
                Err(failure) => failure,
            };
            let give_up = |kind| CallError {
                server: request.server.to_owned(),
                endpoint: request.endpoint(),
                kind,
                tries,
                elapsed: started.elapsed(),
            };
            if !request.retry.allows(&failure.kind) || tries > self.settings.retries {
                return Err(give_up(failure.kind));
            }
            let limit = self.settings.max_wait;
            let wait =
                match wait_before_retry(failure.retry_after, limit, self.settings.backoff, tries) {
                    Ok(wait) => wait,
                    Err(asked) => return Err(give_up(ErrorKind::WaitTooLong { asked, limit })),
                };
            tokio::time::sleep(wait).await;
        }
    }

    async fn attempt(&self, request: &Request<'_>) -> Result<Vec<u8>, Failure> {
        let url = request.base.join(request.path).map_err(|e| Failure {
            kind: ErrorKind::Connect(format!("bad URL: {e}")),
            retry_after: None,
        })?;
        let mut builder = self.client.request(request.method.clone(), url);
        if let Some(token) = request.bearer {
            builder = builder.bearer_auth(token);
        }
        if let Some(body) = &request.body {
            builder = builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        self.sent.fetch_add(1, Ordering::Relaxed);
        let response = builder.send().await.map_err(|e| Failure {
            kind: transport(&e, &self.settings),
            retry_after: None,
        })?;
        let status = response.status();
        let retry_after = retry_after_header(&response);
        let body = read_capped(response, &self.settings)
            .await
            .map_err(|kind| Failure {
                kind,
                retry_after: None,
            })?;
        if status.is_success() {
            return Ok(body);
        }
        let error: Option<MatrixError> = serde_json::from_slice::<MatrixError>(&body)
            .ok()
            .filter(|e| !e.errcode.is_empty());
        let retry_after =
            retry_after.or_else(|| error.as_ref()?.retry_after_ms.map(Duration::from_millis));
        Err(Failure {
            kind: ErrorKind::Status {
                status: status.as_u16(),
                error,
            },
            retry_after,
        })
    }
}

/// A client with `settings` trusting `certs` too; with `public_only`, names
/// are resolved to public addresses only.
fn build(
    settings: &HttpSettings,
    certs: &[reqwest::Certificate],
    public_only: bool,
) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("mxlookup/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout.min(Duration::from_secs(10)));
    for cert in certs {
        builder = builder.add_root_certificate(cert.clone());
    }
    // Through a proxy, the proxy resolves the server's name; the resolver
    // would only see the proxy's own, which may well be private.
    if public_only && !behind_proxy() {
        builder = builder.dns_resolver(PublicOnly);
    }
    builder
        .build()
        .map_err(|e| format!("cannot set up HTTPS: {e}"))
}

/// Whether the environment sets a proxy for HTTPS (reqwest's system proxy).
fn behind_proxy() -> bool {
    ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
        .iter()
        .any(|var| std::env::var_os(var).is_some_and(|v| !v.is_empty()))
}

fn is_transient(kind: &ErrorKind) -> bool {
    match kind {
        ErrorKind::Connect(_) | ErrorKind::Transport(_) | ErrorKind::Timeout(_) => true,
        ErrorKind::Status { status, .. } => {
            *status == StatusCode::TOO_MANY_REQUESTS.as_u16() || *status >= 500
        }
        ErrorKind::TooLarge(_) | ErrorKind::Decode(_) | ErrorKind::WaitTooLong { .. } => false,
    }
}

fn transport(e: &reqwest::Error, settings: &HttpSettings) -> ErrorKind {
    if e.is_timeout() {
        return ErrorKind::Timeout(settings.timeout);
    }
    // The innermost cause says the most ("connection reset by peer").
    let mut cause: &dyn std::error::Error = e;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    if e.is_connect() {
        ErrorKind::Connect(cause.to_string())
    } else {
        ErrorKind::Transport(cause.to_string())
    }
}

/// `Retry-After`, as seconds or as an HTTP date (RFC 9110 §10.2.3).
pub(crate) fn retry_after_header(response: &reqwest::Response) -> Option<Duration> {
    let value = response.headers().get(header::RETRY_AFTER)?.to_str().ok()?;
    retry_after(value, std::time::SystemTime::now())
}

/// How long a `Retry-After` value asks to wait at `now`: a number of
/// seconds, or an HTTP date (any of the three forms RFC 9110 allows); a
/// date already past asks for no wait. Anything else is not a wait (backoff
/// applies). The caller caps it like any other (`max_wait`).
fn retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Reads the body, failing past `max_body` bytes without reading on; the
/// request's time limit runs on while the body comes.
async fn read_capped(
    mut response: reqwest::Response,
    settings: &HttpSettings,
) -> Result<Vec<u8>, ErrorKind> {
    let limit = settings.max_body;
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(ErrorKind::TooLarge(limit));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| {
        if e.is_timeout() {
            ErrorKind::Timeout(settings.timeout)
        } else {
            ErrorKind::Transport(e.to_string())
        }
    })? {
        if body.len() + chunk.len() > limit {
            return Err(ErrorKind::TooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// How long to wait before the try after try `tries`: what the server
/// asked (`Retry-After`, `retry_after_ms`), else [`backoff`] from `base`;
/// `Err(asked)` when it asked for more than `max_wait`, which is not
/// waited for. For identity servers and CardDAV servers alike.
pub(crate) fn wait_before_retry(
    asked: Option<Duration>,
    max_wait: Duration,
    base: Duration,
    tries: u32,
) -> Result<Duration, Duration> {
    match asked {
        Some(asked) if asked > max_wait => Err(asked),
        Some(asked) => Ok(asked),
        None => Ok(backoff(base, tries)),
    }
}

/// `base` × 2^(try-1), with ±50 % jitter, at most 10 s.
fn backoff(base: Duration, tries: u32) -> Duration {
    let exp = base.saturating_mul(1 << tries.saturating_sub(1).min(16));
    let jittered = exp.mul_f64(0.5 + fastrand::f64());
    jittered.min(Duration::from_secs(10))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        use std::time::{SystemTime, UNIX_EPOCH};
        // Sun, 06 Nov 1994 08:49:37 GMT, RFC 9110's example date.
        let date = UNIX_EPOCH + Duration::from_secs(784_111_777);
        let before = date - Duration::from_secs(90);
        assert_eq!(retry_after("120", before), Some(Duration::from_secs(120)));
        assert_eq!(retry_after(" 0 ", before), Some(Duration::ZERO));
        // The three forms of an HTTP date, all 90 s ahead.
        for form in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(
                retry_after(form, before),
                Some(Duration::from_secs(90)),
                "{form}"
            );
        }
        // A date already past asks for no wait; a long one is still long
        // (the caller refuses waits over its limit).
        assert_eq!(
            retry_after(
                "Sun, 06 Nov 1994 08:49:37 GMT",
                date + Duration::from_secs(5)
            ),
            Some(Duration::ZERO)
        );
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:59:37 GMT", date),
            Some(Duration::from_secs(600))
        );
        assert_eq!(retry_after("soon", SystemTime::now()), None);
        assert_eq!(retry_after("-5", SystemTime::now()), None);
    }

    #[test]
    fn backoff_grows_and_is_bounded() {
        let base = Duration::from_millis(100);
        let first = backoff(base, 1);
        assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(150));
        let third = backoff(base, 3);
        assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(600));
        assert!(backoff(base, 40) <= Duration::from_secs(10));
        assert_eq!(backoff(Duration::ZERO, 3), Duration::ZERO);
    }

    #[test]
    fn classification() {
        let status = |s| ErrorKind::Status {
            status: s,
            error: None,
        };
        assert!(is_transient(&status(500)));
        assert!(is_transient(&status(429)));
        assert!(!is_transient(&status(400)));
        assert!(!is_transient(&status(403)));
        assert!(is_transient(&ErrorKind::Transport("reset".into())));
        assert!(!is_transient(&ErrorKind::Decode("x".into())));
    }

    #[test]
    fn requests_sent_once_are_retried_only_when_not_acted_on() {
        let status = |s| ErrorKind::Status {
            status: s,
            error: None,
        };
        let once = Retry::Unprocessed;
        assert!(once.allows(&ErrorKind::Connect("refused".into())));
        assert!(once.allows(&status(429)));
        assert!(!once.allows(&status(500)));
        assert!(!once.allows(&status(503)));
        assert!(!once.allows(&ErrorKind::Transport("reset".into())));
        assert!(!once.allows(&ErrorKind::Timeout(Duration::from_secs(1))));
        assert!(Retry::Transient.allows(&status(500)));
    }

    #[test]
    fn a_batch_on_trial_is_not_resent_after_what_may_refuse_its_size() {
        let status = |s| ErrorKind::Status {
            status: s,
            error: None,
        };
        let trial = Retry::Trial;
        assert!(!trial.allows(&status(500)));
        assert!(!trial.allows(&status(502)));
        assert!(!trial.allows(&ErrorKind::Transport("reset".into())));
        assert!(!trial.allows(&status(400)));
        assert!(trial.allows(&status(429)));
        assert!(trial.allows(&ErrorKind::Connect("refused".into())));
        assert!(trial.allows(&ErrorKind::Timeout(Duration::from_secs(1))));
    }
}
