//! Fault injection in front of a server's routes: down, rate limited,
//! failing its first lookups, slow. The body-size reset lives with the
//! connection (`serve`), since it answers nothing at all.

use std::sync::Mutex;
use std::time::{Duration, Instant};

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

    /// The response a fault imposes on a request for `path`, if any.
    pub fn intercept(&self, request_path: &str) -> Option<Response> {
        if self.down {
            return Some(reply::html(StatusCode::INTERNAL_SERVER_ERROR));
        }
        let mut counters = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(limit) = &self.rate_limit
            && counts(limit, request_path)
            && counters.over_limit(limit)
        {
            return Some(too_many(limit));
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
    /// Counts one request in the current fixed window; true when it is over.
    fn over_limit(&mut self, limit: &RateLimit) -> bool {
        let now = Instant::now();
        let window = Duration::from_millis(limit.window_ms);
        match self.window_start {
            Some(start) if now.duration_since(start) < window => {}
            _ => {
                self.window_start = Some(now);
                self.in_window = 0;
            }
        }
        self.in_window = self.in_window.saturating_add(1);
        self.in_window > limit.requests
    }
}

/// Whether the rate limit counts requests for `request_path`.
fn counts(limit: &RateLimit, request_path: &str) -> bool {
    limit.endpoints.is_empty()
        || request_path
            .strip_prefix(path::IS_PREFIX)
            .is_some_and(|tail| limit.endpoints.iter().any(|e| e == tail))
}

/// 429, in the configured style, with `Retry-After`.
fn too_many(limit: &RateLimit) -> Response {
    let retry_after = [(header::RETRY_AFTER, limit.retry_after_s.to_string())];
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
            endpoints: vec!["lookup".into()],
        };
        let mut counters = Counters::default();
        let over: Vec<bool> = (0..3).map(|_| counters.over_limit(&limit)).collect();
        assert_eq!(over, [false, false, true]);
        assert!(counts(&limit, path::LOOKUP));
        assert!(!counts(&limit, path::HASH_DETAILS));
    }
}
