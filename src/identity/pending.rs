//! Validation sessions waiting for their token:
//! `$XDG_STATE_HOME/mxlookup/validations.json`, mode 0600 (the client secret
//! proves ownership of the session). `bind --request-only` leaves one there,
//! `bind --token` takes it up, a completed bind removes it.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::tokens::{TokenCache, server_key, write_private};

/// Sessions older than this are forgotten: sydent expires them after 24 hours.
const LIFETIME_SECS: u64 = 24 * 3600;

/// One validation session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingValidation {
    /// The session ID.
    pub sid: String,
    /// The secret it was opened with.
    pub client_secret: String,
    /// The last send attempt.
    pub send_attempt: u32,
    /// When the token was requested (Unix seconds).
    pub requested_at: u64,
}

/// The sessions on disk.
#[derive(Debug)]
pub struct PendingValidations {
    path: PathBuf,
    sessions: BTreeMap<String, PendingValidation>,
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl PendingValidations {
    /// Beside the token cache.
    pub fn default_path() -> Option<PathBuf> {
        TokenCache::default_path().map(|p| p.with_file_name("validations.json"))
    }

    /// Opens the file at `path`; missing or unreadable is empty, and expired
    /// sessions are dropped.
    pub fn open(path: PathBuf) -> PendingValidations {
        let mut sessions: BTreeMap<String, PendingValidation> = fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        let now = now();
        sessions.retain(|_, s| now.saturating_sub(s.requested_at) < LIFETIME_SECS);
        PendingValidations { path, sessions }
    }

    fn key(server: &str, medium: &str, address: &str) -> String {
        format!("{} {medium} {address}", server_key(server))
    }

    /// The session for this address on this server (its URL).
    pub fn get(&self, server: &str, medium: &str, address: &str) -> Option<&PendingValidation> {
        self.sessions.get(&Self::key(server, medium, address))
    }

    /// Records (or with `None` forgets) a session and writes the file.
    pub fn set(
        &mut self,
        server: &str,
        medium: &str,
        address: &str,
        session: Option<PendingValidation>,
    ) -> std::io::Result<()> {
        let key = Self::key(server, medium, address);
        match session {
            Some(s) => self.sessions.insert(key, s),
            None => self.sessions.remove(&key),
        };
        write_private(
            &self.path,
            &serde_json::to_vec_pretty(&self.sessions).expect("strings serialise"),
        )
    }

    /// A new session record, requested now.
    pub fn record(sid: String, client_secret: String, send_attempt: u32) -> PendingValidation {
        PendingValidation {
            sid,
            client_secret,
            send_attempt,
            requested_at: now(),
        }
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_survive_a_reopen_privately_and_expire() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mxlookup/validations.json");
        let mut pending = PendingValidations::open(path.clone());
        let session = PendingValidations::record("7".into(), "secret".into(), 1);
        pending
            .set("https://is", "email", "a@b.c", Some(session.clone()))
            .unwrap();
        let mut stale = session.clone();
        stale.requested_at -= LIFETIME_SECS + 1;
        pending
            .set("https://is", "email", "old@b.c", Some(stale))
            .unwrap();
        let again = PendingValidations::open(path.clone());
        assert_eq!(again.get("https://is", "email", "a@b.c"), Some(&session));
        assert_eq!(again.get("https://is", "email", "old@b.c"), None);
        assert_eq!(again.get("https://other", "email", "a@b.c"), None);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }
}
