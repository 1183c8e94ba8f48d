//! An identity server's validation sessions (`validate/{medium}/*`): a
//! token per session, "sent" again only for a new `send_attempt`, and
//! whether the right one came back.

use std::collections::BTreeMap;

use crate::threepid::Medium;

/// A validation session.
#[derive(Debug, Clone)]
pub(crate) struct Validation {
    /// What is being validated.
    pub medium: Medium,
    /// The address (normalised).
    pub address: String,
    client_secret: String,
    token: String,
    send_attempt: u32,
    validated: bool,
}

/// Why a session cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SessionProblem {
    /// No session with that ID and secret.
    Unknown,
    /// It exists, but its token has not come back.
    NotValidated,
}

/// The sessions by ID.
#[derive(Debug, Default)]
pub(crate) struct Sessions {
    by_id: BTreeMap<String, Validation>,
    /// The last session ID given.
    last_sid: u64,
}

impl Sessions {
    /// Opens a session, or reuses the one for the same address and secret;
    /// returns its ID, and its token when `send_attempt` is new (the token
    /// is then to be sent).
    pub fn open(
        &mut self,
        medium: Medium,
        address: &str,
        client_secret: String,
        send_attempt: u32,
    ) -> (String, Option<String>) {
        let existing = self.by_id.iter().find(|(_, v)| {
            v.medium == medium && v.address == address && v.client_secret == client_secret
        });
        let sid = match existing {
            Some((sid, _)) => sid.clone(),
            None => {
                self.last_sid += 1;
                let sid = self.last_sid.to_string();
                let token: String = std::iter::repeat_with(|| fastrand::char('0'..='9'))
                    .take(6)
                    .collect();
                self.by_id.insert(
                    sid.clone(),
                    Validation {
                        medium,
                        address: address.to_owned(),
                        client_secret,
                        token,
                        send_attempt: 0,
                        validated: false,
                    },
                );
                sid
            }
        };
        let session = self.by_id.get_mut(&sid).expect("inserted above");
        let send = (send_attempt > session.send_attempt).then(|| {
            session.send_attempt = send_attempt;
            session.token.clone()
        });
        (sid, send)
    }

    /// Checks `token` against the session `sid` of `medium` with this
    /// secret; `None` when there is no such session.
    pub fn submit(
        &mut self,
        sid: &str,
        client_secret: &str,
        medium: &str,
        token: &str,
    ) -> Option<bool> {
        let session = self
            .by_id
            .get_mut(sid)
            .filter(|v| v.client_secret == client_secret && v.medium.as_str() == medium)?;
        let success = session.token == token.trim();
        session.validated |= success;
        Some(success)
    }

    /// The validated session `sid` with this secret.
    pub fn validated(&self, sid: &str, client_secret: &str) -> Result<Validation, SessionProblem> {
        let session = self
            .by_id
            .get(sid)
            .filter(|v| v.client_secret == client_secret)
            .ok_or(SessionProblem::Unknown)?;
        if !session.validated {
            return Err(SessionProblem::NotValidated);
        }
        Ok(session.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_sent_once_per_new_attempt_and_validates_its_session() {
        let mut sessions = Sessions::default();
        let (sid, token) = sessions.open(Medium::Email, "a@b.example", "s3cret".into(), 1);
        let token = token.expect("first attempt sends");
        assert_eq!(token.len(), 6);
        let (same, again) = sessions.open(Medium::Email, "a@b.example", "s3cret".into(), 1);
        assert_eq!((same.as_str(), again), (sid.as_str(), None));
        let (_, resent) = sessions.open(Medium::Email, "a@b.example", "s3cret".into(), 2);
        assert_eq!(resent.as_deref(), Some(token.as_str()));
        let (other, _) = sessions.open(Medium::Email, "a@b.example", "other".into(), 1);
        assert_ne!(other, sid);

        assert_eq!(
            sessions.validated(&sid, "s3cret").err(),
            Some(SessionProblem::NotValidated)
        );
        assert_eq!(sessions.submit(&sid, "s3cret", "msisdn", &token), None);
        assert_eq!(sessions.submit(&sid, "wrong", "email", &token), None);
        assert_eq!(
            sessions.submit(&sid, "s3cret", "email", "000000x"),
            Some(false)
        );
        assert_eq!(
            sessions.submit(&sid, "s3cret", "email", &format!(" {token}\n")),
            Some(true)
        );
        let session = sessions.validated(&sid, "s3cret").expect("validated");
        assert_eq!(session.address, "a@b.example");
        assert_eq!(
            sessions.validated(&sid, "wrong").err(),
            Some(SessionProblem::Unknown)
        );
    }
}
