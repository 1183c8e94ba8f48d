//! Fault injection in front of a server's routes: down, rate limited,
//! failing its first lookups, a body over the limit answered 500, slow.
//! The body-size reset lives with the connection (`serve`), since it
//! answers nothing at all.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::reply;
use super::spec::{RateLimit, RateLimitStyle, ServerSpec};
use super::wire::{errcode, path};

/// The fault knobs of one server, and their counters.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    /// A body over this many bytes resets the connection.
    pub max_body: Option<usize>,
    /// A body over this many bytes is answered 500 (ToM's body parser).
    body_limit_500: Option<usize>,
    latency: Duration,
    down: bool,
    fail_first: u32,
    rate_limit: Option<RateLimit>,
    counters: Mutex<Counters>,
}

#[derive(Debug, Default)]
struct Counters {
    lookups: u32,
    window_start: Option<Instant>,
    in_window: u32,
}

impl Faults {
    /// The knobs of an identity server.
    pub fn of(spec: &ServerSpec) -> Self {
        Faults {
            max_body: spec.max_body_bytes,
            body_limit_500: spec.body_limit_500,
            latency: Duration::from_millis(spec.latency_ms),
            down: spec.down,
            fail_first: spec.fail_first,
            rate_limit: spec.rate_limit.clone(),
            counters: Mutex::default(),
        }
    }

    /// Waits until the configured latency has passed since the request
    /// `arrived`: a request takes that long, its handling included, as
    /// from a server whose own work is part of its latency (the sandbox's
    /// work, done on the client's cores, is not added on top).
    pub async fn delay(&self, arrived: tokio::time::Instant) {
        if !self.latency.is_zero() {
            tokio::time::sleep_until(arrived + self.latency).await;
        }
    }

    /// The response a fault imposes on a request for `path` with a body of
    /// `body_bytes`, if any.
    pub fn intercept(&self, request_path: &str, body_bytes: usize) -> Option<Response> {
        if self.down {
            return Some(reply::html(StatusCode::INTERNAL_SERVER_ERROR));
        }
        let mut counters = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(limit) = &self.rate_limit
            && counts(limit, request_path)
            && let Some(window_left) = counters.over_limit(limit)
        {
            return Some(too_many(limit, window_left, SystemTime::now()));
        }
        if self.body_limit_500.is_some_and(|limit| body_bytes > limit) {
            // express's body parser refuses it; ToM's error handler makes
            // that a 500 with a body of its own, not a Matrix error.
            return Some(
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    axum::Json(serde_json::json!({"error": "request entity too large"})),
                )
                    .into_response(),
            );
        }
        if request_path == path::LOOKUP && counters.lookups < self.fail_first {
            counters.lookups += 1;
            return Some(
                reply::matrix_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    errcode::UNKNOWN,
                    "Internal server error (sandbox fail_first)",
                )
                .into_response(),
            );
        }
        None
    }
}

impl Counters {
    /// Counts one request in the current fixed window; when it is over,
    /// how long the window has left.
    fn over_limit(&mut self, limit: &RateLimit) -> Option<Duration> {
        let now = Instant::now();
        let window = Duration::from_millis(limit.window_ms);
        let start = match self.window_start {
            Some(start) if now.duration_since(start) < window => start,
            _ => {
                self.window_start = Some(now);
                self.in_window = 0;
                now
            }
        };
        self.in_window = self.in_window.saturating_add(1);
        (self.in_window > limit.requests).then(|| window.saturating_sub(now - start))
    }
}

/// Whether the rate limit counts requests for `request_path`.
fn counts(limit: &RateLimit, request_path: &str) -> bool {
    limit.endpoints.is_empty()
        || request_path
            .strip_prefix(path::IS_PREFIX)
            .is_some_and(|tail| limit.endpoints.iter().any(|e| e == tail))
}

/// 429, in the configured style, with `Retry-After` (seconds, or a date
/// from `now` past the `window_left`).
fn too_many(limit: &RateLimit, window_left: Duration, now: SystemTime) -> Response {
    let value = if limit.retry_after_date {
        retry_date(limit.retry_after_s, window_left, now)
    } else {
        limit.retry_after_s.to_string()
    };
    let retry_after = [(header::RETRY_AFTER, value)];
    match limit.style {
        RateLimitStyle::Matrix => {
            let mut body = reply::base(errcode::LIMIT_EXCEEDED, "Too many requests");
            body.retry_after_ms = Some(limit.retry_after_s.saturating_mul(1000));
            (
                retry_after,
                reply::with_body(StatusCode::TOO_MANY_REQUESTS, body),
            )
                .into_response()
        }
        RateLimitStyle::Plain => (
            StatusCode::TOO_MANY_REQUESTS,
            retry_after,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "Too many requests, please try again later.",
        )
            .into_response(),
    }
}

/// `Retry-After` as an HTTP date `seconds` from `now`, never before the
/// window ends, rounded up to the second (a date has no fraction): a client
/// honouring it comes back in a new window.
fn retry_date(seconds: u64, window_left: Duration, now: SystemTime) -> String {
    let at = now + window_left.max(Duration::from_secs(seconds));
    let since = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    let whole = since.as_secs() + u64::from(since.subsec_nanos() > 0);
    httpdate::fmt_http_date(SystemTime::UNIX_EPOCH + Duration::from_secs(whole))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_windows_count_requests() {
        let limit = RateLimit {
            requests: 2,
            window_ms: 60_000,
            style: RateLimitStyle::Matrix,
            retry_after_s: 1,
            retry_after_date: false,
            endpoints: vec!["lookup".into()],
        };
        let mut counters = Counters::default();
        let over: Vec<bool> = (0..3)
            .map(|_| counters.over_limit(&limit).is_some())
            .collect();
        assert_eq!(over, [false, false, true]);
        assert!(counts(&limit, path::LOOKUP));
        assert!(!counts(&limit, path::HASH_DETAILS));
    }

    #[test]
    fn a_retry_date_is_past_the_window_and_whole_seconds() {
        use std::time::UNIX_EPOCH;
        let now = UNIX_EPOCH + Duration::from_millis(784_111_777_250);
        // Sun, 06 Nov 1994 08:49:37.25 GMT
        assert_eq!(
            retry_date(0, Duration::from_millis(300), now),
            "Sun, 06 Nov 1994 08:49:38 GMT"
        );
        assert_eq!(
            retry_date(600, Duration::from_millis(300), now),
            "Sun, 06 Nov 1994 08:59:38 GMT"
        );
        assert_eq!(
            retry_date(1, Duration::from_secs(5), now),
            "Sun, 06 Nov 1994 08:49:43 GMT"
        );
    }
}
