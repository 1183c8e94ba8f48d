//! The HTTP side of CardDAV: one server (one origin), Basic credentials
//! sent to it alone, a time limit per request, a cap on every answer, and
//! redirects followed by hand, only within the origin.
//!
//! URLs stay as the user gave them (`https://dav.example/…`: sources cite
//! them); `--resolve NAME=URL` only changes where the requests go, as for
//! identity servers.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::{Method, StatusCode, header};
use url::Url;

use crate::identity::http::{retry_after_header, wait_before_retry};
use crate::mxid::url_server_name;

/// The most redirects followed for one request.
const MAX_REDIRECTS: usize = 5;

/// A user and a password, for Basic authentication; the password is never
/// shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The login.
    pub user: String,
    password: String,
}

impl Credentials {
    /// `user` with `password`.
    pub fn new(user: impl Into<String>, password: impl Into<String>) -> Self {
        Credentials {
            user: user.into(),
            password: password.into(),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// Limits and overrides of a [`DavClient`].
#[derive(Debug, Clone)]
pub struct DavClientSettings {
    /// Total time for one request, answer included.
    pub timeout: Duration,
    /// The largest answer read.
    pub max_body: usize,
    /// Extra CA certificates (PEM), as `--ca-cert` gives them.
    pub ca_pem: Option<Vec<u8>>,
    /// `--resolve`: canonical `host:port` → where it is reached.
    pub resolve: BTreeMap<String, Url>,
    /// When a request is sent again ([`DavClient::retried`]).
    pub retry: Retry,
}

/// When a request safe to repeat (not `PUT`) is sent again, after no
/// answer or a 429, 502, 503 or 504.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    /// Retries after the first try.
    pub retries: u32,
    /// The first retry's delay, doubled each retry, with jitter.
    pub backoff: Duration,
    /// The longest `Retry-After` waited for; a longer one ends the retries.
    pub max_wait: Duration,
}

impl Default for DavClientSettings {
    fn default() -> Self {
        DavClientSettings {
            timeout: Duration::from_secs(30),
            max_body: 64 << 20,
            ca_pem: None,
            resolve: BTreeMap::new(),
            retry: Retry {
                retries: 3,
                backoff: Duration::from_millis(500),
                max_wait: Duration::from_secs(60),
            },
        }
    }
}

/// Why a CardDAV request failed.
#[derive(Debug, thiserror::Error)]
pub enum DavError {
    /// 401: the server refused the credentials, or wants some.
    #[error("the CardDAV server refused {} ({method} {url}: 401)", match user { Some(user) => format!("the credentials of {user}"), None => "to answer without a login".to_owned() })]
    Unauthorized {
        /// The login sent, if any.
        user: Option<String>,
        /// The request.
        method: String,
        /// Its URL.
        url: String,
    },
    /// Another status than the one expected.
    #[error("{method} {url}: the CardDAV server answered {status}")]
    Status {
        /// The request.
        method: String,
        /// Its URL.
        url: String,
        /// The status.
        status: u16,
    },
    /// No answer: connection, TLS, time limit.
    #[error("{method} {url}: {why}")]
    Transport {
        /// The request.
        method: String,
        /// Its URL.
        url: String,
        /// What failed.
        why: String,
    },
    /// An answer larger than the cap.
    #[error("{method} {url}: the answer is larger than {} MiB", .limit >> 20)]
    TooLarge {
        /// The request.
        method: String,
        /// Its URL.
        url: String,
        /// The cap, in bytes.
        limit: usize,
    },
    /// A redirect to another origin (the credentials are not sent there),
    /// or too many.
    #[error("{url} redirects to {to}: {why}")]
    Redirect {
        /// The URL asked.
        url: String,
        /// Where it points.
        to: String,
        /// Why it is not followed.
        why: String,
    },
    /// The answer is not what CardDAV answers.
    #[error("{url}: {why}")]
    NotCardDav {
        /// The URL asked.
        url: String,
        /// What was wrong.
        why: String,
    },
}

/// An answer: its status, the URL that gave it (after redirects), its
/// `ETag` and its body.
#[derive(Debug)]
pub struct Answer {
    /// The status.
    pub status: StatusCode,
    /// The URL that answered, after redirects (as the user knows it).
    pub url: Url,
    /// The `ETag` header.
    pub etag: Option<String>,
    /// The `Location` header of a redirect.
    location: Option<String>,
    /// The `Retry-After` header, as a wait.
    retry_after: Option<Duration>,
    /// The body.
    pub body: Vec<u8>,
}

/// A client for one CardDAV server.
pub struct DavClient {
    http: reqwest::Client,
    origin: String,
    /// Where requests to the origin go instead, per `--resolve`.
    reached_at: Option<Url>,
    credentials: Option<Credentials>,
    max_body: usize,
    retry: Retry,
    requests: AtomicU64,
}

impl fmt::Debug for DavClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DavClient")
            .field("origin", &self.origin)
            .field("user", &self.user())
            .finish_non_exhaustive()
    }
}

/// `scheme://host:port` of a URL.
pub fn origin_of(url: &Url) -> String {
    format!(
        "{}://{}",
        url.scheme(),
        url_server_name(url).unwrap_or_default()
    )
}

impl DavClient {
    /// A client for the server of `url`, sending `credentials` (if any) to
    /// it only.
    pub fn new(
        url: &Url,
        credentials: Option<Credentials>,
        settings: &DavClientSettings,
    ) -> Result<DavClient, String> {
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("mxlookup/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)));
        if let Some(pem) = &settings.ca_pem {
            for cert in reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| format!("not a PEM certificate: {e}"))?
            {
                builder = builder.add_root_certificate(cert);
            }
        }
        let http = builder
            .build()
            .map_err(|e| format!("cannot set up HTTPS: {e}"))?;
        let reached_at = url_server_name(url).and_then(|name| settings.resolve.get(&name).cloned());
        Ok(DavClient {
            http,
            origin: origin_of(url),
            reached_at,
            credentials,
            max_body: settings.max_body,
            retry: settings.retry,
            requests: AtomicU64::new(0),
        })
    }

    /// The login sent, if any.
    pub fn user(&self) -> Option<&str> {
        self.credentials.as_ref().map(|c| c.user.as_str())
    }

    /// How many requests were sent so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Whether `url` is on this client's server.
    pub fn same_origin(&self, url: &Url) -> bool {
        origin_of(url) == self.origin
    }

    /// Where a request for `url` goes: the `--resolve` target with its path.
    fn wire_url(&self, url: &Url) -> Url {
        let Some(base) = &self.reached_at else {
            return url.clone();
        };
        let mut wire = base.clone();
        wire.set_path(url.path());
        wire.set_query(url.query());
        wire
    }

    /// Sends one request, following same-origin redirects (at most
    /// [`MAX_REDIRECTS`]); `headers` are `(name, value)` pairs.
    pub async fn send(
        &self,
        method: &str,
        url: &Url,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Result<Answer, DavError> {
        let method = Method::from_bytes(method.as_bytes()).map_err(|e| DavError::Transport {
            method: method.to_owned(),
            url: url.to_string(),
            why: e.to_string(),
        })?;
        let mut url = url.clone();
        for _ in 0..=MAX_REDIRECTS {
            if !self.same_origin(&url) {
                return Err(DavError::Redirect {
                    url: url.to_string(),
                    to: url.to_string(),
                    why: "not the server the credentials are for".into(),
                });
            }
            let answer = self.retried(&method, &url, headers, &body).await?;
            if !answer.status.is_redirection() || answer.status == StatusCode::NOT_MODIFIED {
                return self.checked(&method, answer);
            }
            let Some(location) = &answer.location else {
                return Err(DavError::NotCardDav {
                    url: url.to_string(),
                    why: format!("answered {} with no Location", answer.status.as_u16()),
                });
            };
            let next = url.join(location).map_err(|e| DavError::NotCardDav {
                url: url.to_string(),
                why: format!("bad Location {location}: {e}"),
            })?;
            if !self.same_origin(&next) {
                return Err(DavError::Redirect {
                    url: url.to_string(),
                    to: next.to_string(),
                    why: format!(
                        "another server than {}, to which the credentials are not sent",
                        self.origin
                    ),
                });
            }
            url = next;
        }
        Err(DavError::Redirect {
            url: url.to_string(),
            to: url.to_string(),
            why: format!("more than {MAX_REDIRECTS} redirects"),
        })
    }

    /// A 401 becomes [`DavError::Unauthorized`]; other statuses are the
    /// caller's to judge.
    fn checked(&self, method: &Method, answer: Answer) -> Result<Answer, DavError> {
        if answer.status == StatusCode::UNAUTHORIZED {
            return Err(DavError::Unauthorized {
                user: self.user().map(str::to_owned),
                method: method.to_string(),
                url: answer.url.to_string(),
            });
        }
        Ok(answer)
    }

    /// [`Self::once`], sent again after no answer or a 429, 502, 503 or
    /// 504 when `method` is safe to repeat (a `PUT` is not: it may have
    /// been stored): at most [`Retry::retries`] times, after
    /// the server's `Retry-After` up to `max_wait`, else with backoff. The
    /// last try's answer or error is the caller's.
    async fn retried(
        &self,
        method: &Method,
        url: &Url,
        headers: &[(&str, &str)],
        body: &Option<Vec<u8>>,
    ) -> Result<Answer, DavError> {
        let repeatable = *method != Method::PUT && *method != Method::POST;
        let mut tries = 0;
        loop {
            tries += 1;
            let result = self.once(method, url, headers, body.clone()).await;
            let asked = match &result {
                Err(DavError::Transport { .. }) => None,
                Ok(answer) if matches!(answer.status.as_u16(), 429 | 502 | 503 | 504) => {
                    answer.retry_after
                }
                _ => return result,
            };
            if !repeatable || tries > self.retry.retries {
                return result;
            }
            let retry = &self.retry;
            let Ok(wait) = wait_before_retry(asked, retry.max_wait, retry.backoff, tries) else {
                return result;
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// One request, no redirect followed.
    async fn once(
        &self,
        method: &Method,
        url: &Url,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Result<Answer, DavError> {
        let fail = |why: String| DavError::Transport {
            method: method.to_string(),
            url: url.to_string(),
            why,
        };
        let mut request = self.http.request(method.clone(), self.wire_url(url));
        if let Some(credentials) = &self.credentials {
            request = request.basic_auth(&credentials.user, Some(&credentials.password));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut response = request.send().await.map_err(|e| fail(cause(&e)))?;
        let status = response.status();
        let header_text = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &header::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let etag = header_text(header::ETAG);
        let location = header_text(header::LOCATION);
        let retry_after = retry_after_header(&response);
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| fail(cause(&e)))? {
            if body.len() + chunk.len() > self.max_body {
                return Err(DavError::TooLarge {
                    method: method.to_string(),
                    url: url.to_string(),
                    limit: self.max_body,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer {
            status,
            url: url.clone(),
            etag,
            location,
            retry_after,
            body,
        })
    }
}

/// The innermost cause of a transport error ("connection refused").
fn cause(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "no answer in time".to_owned();
    }
    let mut cause: &dyn std::error::Error = e;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_show_their_password() {
        let c = Credentials::new("alice", "s3cret");
        assert!(!format!("{c:?}").contains("s3cret"));
    }

    #[test]
    fn origins_are_canonical() {
        let a = Url::parse("https://DAV.example/x").unwrap();
        let b = Url::parse("https://dav.example:443/y").unwrap();
        let c = Url::parse("http://dav.example/").unwrap();
        assert_eq!(origin_of(&a), origin_of(&b));
        assert_ne!(origin_of(&a), origin_of(&c));
    }
}
