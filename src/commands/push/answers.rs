//! What the recipient's answers to a push mean: a batch's status from its
//! failure, the reason said for it, and the hints that go with them. Says
//! what ToM-server (the one implementation known) means by its answers.

use super::BatchStatus;
use super::isolate::Isolation;
use mxlookup::identity::wire::errcode;
use mxlookup::identity::{ErrorKind, SessionError};

/// The hint after a batch of at most `size` hashes was left `unknown` by
/// a 500.
pub(super) fn isolate_hint(size: usize) -> String {
    format!(
        "pass --isolate to resend such a batch in halves, quarters… down to single hashes until each is stored or known to be held: at most {} more requests for a batch of {size} (2n-2), and ToM allows 100 requests per 10 minutes, so isolate small batches (--batch-size 50 or less)",
        Isolation::most_requests(size)
    )
}

/// The hint after isolation stopped early.
pub(super) const STOPPED_HINT: &str = "isolation stopped early; ToM-server answers 429 past 100 requests per 10 minutes: run again later, with a smaller --batch-size";

/// Why a push was refused, in words, and what to do about it. Says what
/// ToM-server (the one implementation known) means by its answers.
pub fn explain(error: &SessionError) -> (String, Option<String>) {
    let SessionError::Call(call) = error else {
        return (error.to_string(), error.hint());
    };
    let said = call.kind.to_string();
    match &call.kind {
        ErrorKind::Status { status: 500, .. } => (
            format!(
                "{said}; ToM-server answers 500 when a hash of the batch was pushed before, and stores the batch's new hashes all the same (and to a body over 100 KB, storing nothing): which of these hashes the recipient holds now is unknown"
            ),
            // `--isolate` is the way out: the caller, who knows the batch
            // size, says what it costs.
            None,
        ),
        ErrorKind::Status {
            status: 404 | 405 | 501,
            ..
        } => (
            format!("{said}; the recipient does not implement MSC4004 push (POST /_matrix/identity/v2/lookups)"),
            Some("push to an identity server that implements MSC4004, such as ToM-server's federated identity service".to_owned()),
        ),
        ErrorKind::Status { status: 400, .. } if call.invalid_pepper().is_some() => (
            format!("{said}; the recipient rotated its pepper during the run"),
            Some("run mxlookup push again: it fetches the new pepper".to_owned()),
        ),
        ErrorKind::Status { status: 400, .. } if call.errcode() == Some(errcode::INVALID_PARAM) => (
            said,
            Some(
                "ToM-server answers 400 M_INVALID_PARAM to a push naming more than one origin; mxlookup names exactly one per request, so the recipient objects to something else: read its message"
                    .to_owned(),
            ),
        ),
        ErrorKind::Timeout(_) | ErrorKind::Transport(_) => (
            format!(
                "{said}; the recipient may have stored this batch before the answer was lost (not sent again: a re-push is answered 500)"
            ),
            None,
        ),
        _ => (said, error.hint()),
    }
}

/// What a failed push leaves its batch: `rejected` when the recipient
/// refused it (4xx) or surely never had it (no connection, a 429 not waited
/// out, no token); `unknown` when it may have acted on it (a 5xx, which
/// ToM answers while storing the new hashes; an answer lost or unreadable).
pub(super) fn outcome_of(error: &SessionError) -> BatchStatus {
    let SessionError::Call(call) = error else {
        return BatchStatus::Rejected;
    };
    match &call.kind {
        ErrorKind::Status { status, .. } if *status >= 500 => BatchStatus::Unknown,
        ErrorKind::Status { .. } | ErrorKind::Connect(_) | ErrorKind::WaitTooLong { .. } => {
            BatchStatus::Rejected
        }
        ErrorKind::Transport(_)
        | ErrorKind::Timeout(_)
        | ErrorKind::TooLarge(_)
        | ErrorKind::Decode(_) => BatchStatus::Unknown,
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use mxlookup::identity::CallError;
    use mxlookup::identity::wire::MatrixError;
    use std::time::Duration;

    fn refused(status: u16, code: &str) -> SessionError {
        SessionError::Call(CallError {
            server: "http://r".into(),
            endpoint: "POST /_matrix/identity/v2/lookups".into(),
            kind: ErrorKind::Status {
                status,
                error: Some(MatrixError {
                    errcode: code.into(),
                    error: Some("Internal server error".into()),
                    ..MatrixError::default()
                }),
            },
            tries: 1,
            elapsed: Duration::ZERO,
        })
    }

    #[test]
    fn refusals_are_explained() {
        let (reason, hint) = explain(&refused(500, "M_UNKNOWN"));
        assert!(
            reason.starts_with("HTTP 500 M_UNKNOWN: Internal server error; "),
            "{reason}"
        );
        assert!(reason.contains("pushed before"), "{reason}");
        assert!(reason.contains("is unknown"), "{reason}");
        assert_eq!(hint, None, "the caller hints at --isolate");
        assert!(isolate_hint(50).contains("at most 98 more requests"));
        assert_eq!(outcome_of(&refused(500, "M_UNKNOWN")), BatchStatus::Unknown);
        assert_eq!(
            outcome_of(&refused(400, errcode::INVALID_PARAM)),
            BatchStatus::Rejected
        );
        assert_eq!(
            outcome_of(&refused(429, "M_LIMIT_EXCEEDED")),
            BatchStatus::Rejected
        );
        let (reason, hint) = explain(&refused(400, errcode::INVALID_PARAM));
        assert!(reason.starts_with("HTTP 400 M_INVALID_PARAM"));
        assert!(hint.unwrap().contains("more than one origin"));
        let (reason, _) = explain(&refused(404, "M_UNRECOGNIZED"));
        assert!(reason.contains("does not implement MSC4004"));
    }
}
