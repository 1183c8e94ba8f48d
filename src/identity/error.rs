//! Failures of identity-server (and homeserver) calls. Every error names the
//! server and the endpoint, and after retries how many tries and how long.

use std::fmt;
use std::time::Duration;

use super::wire::{MatrixError, errcode};
use crate::sanitize::excerpt;

/// At most this many characters of a server's own text are shown in an
/// error (and so in the reason of every address it failed).
pub const TEXT_SHOWN: usize = 300;

/// A failed call.
#[derive(Debug, Clone, thiserror::Error)]
pub struct CallError {
    /// The server as the user knows it (start URL or `host:port`).
    pub server: String,
    /// The endpoint, e.g. `POST /_matrix/identity/v2/lookup`.
    pub endpoint: String,
    /// What went wrong.
    pub kind: ErrorKind,
    /// How many requests were sent.
    pub tries: u32,
    /// From the first try to the last answer.
    pub elapsed: Duration,
}

/// What went wrong with a call.
#[derive(Debug, Clone, PartialEq)]
pub enum ErrorKind {
    /// No connection: refused, unreachable, DNS, TLS.
    Connect(String),
    /// Connected, but no HTTP answer: the connection was reset or closed.
    Transport(String),
    /// No answer within the time limit.
    Timeout(Duration),
    /// An HTTP error status, with the Matrix error when the body was one.
    Status {
        /// The status code.
        status: u16,
        /// The Matrix error body, if it was JSON.
        error: Option<MatrixError>,
    },
    /// The answer was larger than the limit.
    TooLarge(usize),
    /// The answer was not the JSON expected.
    Decode(String),
    /// The server asked to wait longer than we wait.
    WaitTooLong {
        /// What it asked for.
        asked: Duration,
        /// The most we wait.
        limit: Duration,
    },
}

impl CallError {
    /// The Matrix error code, if the server sent one.
    pub fn errcode(&self) -> Option<&str> {
        match &self.kind {
            ErrorKind::Status { error: Some(e), .. } => Some(e.errcode.as_str()),
            _ => None,
        }
    }

    /// The HTTP status, if there was an answer.
    pub fn status(&self) -> Option<u16> {
        match &self.kind {
            ErrorKind::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The Matrix error body, if any.
    pub fn matrix_error(&self) -> Option<&MatrixError> {
        match &self.kind {
            ErrorKind::Status { error, .. } => error.as_ref(),
            _ => None,
        }
    }

    /// The server says it refused the request for its size: sydent's
    /// `M_TOO_LARGE`, ToM's `M_INVALID_PARAM` "Adresses limit", 413. A
    /// reset (sydent, over 512 KiB) or a 500 may be one too: see
    /// [`CallError::may_be_size_refusal`].
    pub fn is_size_refusal(&self) -> bool {
        match &self.kind {
            ErrorKind::Status { status: 413, .. } => true,
            ErrorKind::Status { error: Some(e), .. } => {
                e.errcode == errcode::TOO_LARGE
                    || (e.errcode == errcode::INVALID_PARAM
                        && e.error
                            .as_deref()
                            .is_some_and(|m| m.to_ascii_lowercase().contains("limit")))
            }
            _ => false,
        }
    }

    /// The failure may be a refusal of the request's size, from a server
    /// that does not say so: any 400 but a wrong pepper (ToM's plain
    /// identity server: `M_INVALID_PARAM` "Invalid Param"), a 5xx (ToM's
    /// federated one past 100 KB: 500 `{"error": "request entity too
    /// large"}`), or a reset. Only the caller knows whether the size was
    /// answered before, and so whether it is.
    pub fn may_be_size_refusal(&self) -> bool {
        match &self.kind {
            ErrorKind::Status { status: 400, .. } => self.invalid_pepper().is_none(),
            ErrorKind::Status { status, .. } => *status >= 500 || self.is_size_refusal(),
            ErrorKind::Transport(_) => true,
            _ => false,
        }
    }

    /// The limit a size refusal states, as ToM's federated identity server
    /// does ("Adresses limit of 100 exceeded"): the first number of the
    /// message of a refusal that names a limit.
    pub fn stated_limit(&self) -> Option<usize> {
        let message = self.matrix_error()?.error.as_deref()?;
        if !self.is_size_refusal() || !message.to_ascii_lowercase().contains("limit") {
            return None;
        }
        message
            .split(|c: char| !c.is_ascii_digit())
            .find(|digits| !digits.is_empty())?
            .parse()
            .ok()
    }

    /// 403 `M_TERMS_NOT_SIGNED`.
    pub fn is_terms_not_signed(&self) -> bool {
        self.errcode() == Some(errcode::TERMS_NOT_SIGNED)
    }

    /// 401: the token is missing, unknown or expired.
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(401)
    }

    /// `M_INVALID_PEPPER`, with the pepper the body names (sydent) if any.
    pub fn invalid_pepper(&self) -> Option<Option<&str>> {
        let e = self.matrix_error()?;
        (e.errcode == errcode::INVALID_PEPPER).then_some(e.lookup_pepper.as_deref())
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Connect(e) => write!(f, "cannot connect: {e}"),
            ErrorKind::Transport(e) => write!(f, "no answer: {e}"),
            ErrorKind::Timeout(t) => write!(f, "no answer within {}s", t.as_secs_f64()),
            ErrorKind::Status {
                status,
                error: Some(e),
            } => {
                write!(f, "HTTP {status} {}", excerpt(&e.errcode, 64))?;
                match &e.error {
                    Some(text) => write!(f, ": {}", excerpt(text, TEXT_SHOWN)),
                    None => Ok(()),
                }
            }
            ErrorKind::Status {
                status,
                error: None,
            } => write!(f, "HTTP {status} (not a Matrix error body)"),
            ErrorKind::TooLarge(limit) => write!(f, "answer larger than {} MiB", limit >> 20),
            ErrorKind::Decode(e) => write!(f, "unexpected answer: {}", excerpt(e, TEXT_SHOWN)),
            ErrorKind::WaitTooLong { asked, limit } => write!(
                f,
                "asked to wait {}s, more than the {}s mxlookup waits",
                asked.as_secs(),
                limit.as_secs()
            ),
        }
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.server, self.endpoint, self.kind)?;
        if self.tries > 1 {
            write!(
                f,
                " (after {} tries in {:.1}s)",
                self.tries,
                self.elapsed.as_secs_f64()
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16, errcode: &str, message: &str) -> CallError {
        let error = (!errcode.is_empty()).then(|| MatrixError {
            errcode: errcode.to_owned(),
            error: Some(message.to_owned()),
            ..MatrixError::default()
        });
        CallError {
            server: "is.example:443".to_owned(),
            endpoint: "POST /_matrix/identity/v2/lookup".to_owned(),
            kind: ErrorKind::Status { status, error },
            tries: 1,
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn size_refusals_as_real_servers_give_them() {
        // sydent, ToM's federated and plain identity servers.
        let sydent = status(
            400,
            "M_TOO_LARGE",
            "More than the maximum amount of addresses provided",
        );
        let federated = status(400, "M_INVALID_PARAM", "Adresses limit of 100 exceeded");
        let plain = status(400, "M_INVALID_PARAM", "Invalid Param");
        let body_limit = status(500, "", "");
        assert!(sydent.is_size_refusal() && sydent.may_be_size_refusal());
        assert_eq!(sydent.stated_limit(), None);
        assert!(federated.is_size_refusal());
        assert_eq!(federated.stated_limit(), Some(100));
        assert!(!plain.is_size_refusal() && plain.may_be_size_refusal());
        assert_eq!(plain.stated_limit(), None);
        assert!(!body_limit.is_size_refusal() && body_limit.may_be_size_refusal());
        assert!(status(413, "", "").is_size_refusal());
        // Never a wrong pepper, a refused token or terms, a rate limit.
        assert!(!status(400, "M_INVALID_PEPPER", "pepper does not match").may_be_size_refusal());
        assert!(!status(401, "M_UNKNOWN_TOKEN", "").may_be_size_refusal());
        assert!(!status(403, "M_TERMS_NOT_SIGNED", "").may_be_size_refusal());
        assert!(!status(429, "M_LIMIT_EXCEEDED", "").may_be_size_refusal());
        // A number in a message that names no limit is not one.
        assert_eq!(
            status(400, "M_TOO_LARGE", "at most 10000").stated_limit(),
            None
        );
    }
}
