//! The homeserver session `mxlookup login` keeps for later runs:
//! `$XDG_STATE_HOME/mxlookup/session.json` (else `~/.local/state/mxlookup/`),
//! beside the IS token cache, mode 0600, written through a temporary file
//! renamed into place. One session at a time: logging in again replaces it.
//! Its token is never shown (`Debug` leaves it out).

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::tokens::{TokenCache, write_private};

/// A session kept by `mxlookup login`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptSession {
    /// The user logged in.
    pub user_id: String,
    /// The homeserver's base URL (no trailing `/`), the only server the
    /// token is ever sent to.
    pub homeserver: String,
    /// The access token of the session.
    pub access_token: String,
    /// The device the login created.
    pub device_id: String,
    /// When, in seconds since the Unix epoch.
    pub logged_in_at: u64,
}

impl fmt::Debug for KeptSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeptSession")
            .field("user_id", &self.user_id)
            .field("homeserver", &self.homeserver)
            .field("device_id", &self.device_id)
            .field("logged_in_at", &self.logged_in_at)
            .finish_non_exhaustive()
    }
}

impl KeptSession {
    /// Seconds since the Unix epoch, now.
    pub fn now() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }

    /// `@me:example.org, logged in 2026-12-06 07:30 UTC`: where a token
    /// comes from, as `config show` and errors say it (never the token).
    pub fn describe(&self) -> String {
        format!(
            "{}, logged in {}",
            crate::sanitize::for_terminal(&self.user_id),
            utc_minute(self.logged_in_at)
        )
    }

    /// Whether `homeserver` (a URL as given) is this session's homeserver:
    /// the same URL, a trailing `/` or the case of its host aside.
    pub fn is_on(&self, homeserver: &str) -> bool {
        same_url(&self.homeserver, homeserver)
    }
}

/// Whether two URLs name one server: equal once parsed, less a trailing `/`.
fn same_url(a: &str, b: &str) -> bool {
    let parse = |s: &str| url::Url::parse(s.trim().trim_end_matches('/')).ok();
    match (parse(a), parse(b)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// Why the kept session cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum KeptError {
    /// The file exists but cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// The file is not a session.
    #[error("{path} is not a session kept by `mxlookup login`: {problem}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
}

/// Where the session is kept.
#[derive(Debug, Clone)]
pub struct SessionFile {
    path: PathBuf,
}

impl SessionFile {
    /// The default place, beside the token cache; `None` without
    /// `XDG_STATE_HOME` and `HOME`.
    pub fn default_place() -> Option<SessionFile> {
        let path = TokenCache::default_path()?.with_file_name("session.json");
        Some(SessionFile { path })
    }

    /// The session file at `path`.
    pub fn at(path: PathBuf) -> SessionFile {
        SessionFile { path }
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The session kept, `None` when there is none.
    pub fn load(&self) -> Result<Option<KeptSession>, KeptError> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(KeptError::Read {
                    path: self.path.clone(),
                    source,
                });
            }
        };
        let session: KeptSession =
            serde_json::from_slice(&bytes).map_err(|e| KeptError::Corrupt {
                path: self.path.clone(),
                problem: e.to_string(),
            })?;
        Ok(Some(session))
    }

    /// Keeps `session`, replacing any other: mode 0600, atomically.
    pub fn save(&self, session: &KeptSession) -> io::Result<()> {
        let bytes = serde_json::to_vec_pretty(session).expect("strings serialise");
        write_private(&self.path, &bytes)
    }

    /// Forgets the session; `false` when there was none.
    pub fn remove(&self) -> io::Result<bool> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }
}

/// `2026-12-06 07:30 UTC` for seconds since the Unix epoch (the civil
/// calendar from days, as in Howard Hinnant's `civil_from_days`).
pub fn utc_minute(seconds: u64) -> String {
    let days = (seconds / 86_400) as i64;
    let minute = seconds % 86_400 / 60;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        minute / 60,
        minute % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> KeptSession {
        KeptSession {
            user_id: "@me:example.org".to_owned(),
            homeserver: "https://matrix.example.org".to_owned(),
            access_token: "syt_secret".to_owned(),
            device_id: "ABCDEF".to_owned(),
            logged_in_at: 1_796_542_200,
        }
    }

    #[test]
    fn kept_private_read_back_and_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let file = SessionFile::at(dir.path().join("state/mxlookup/session.json"));
        assert_eq!(file.load().unwrap(), None);
        file.save(&session()).unwrap();
        assert_eq!(file.load().unwrap(), Some(session()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(file.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(file.remove().unwrap());
        assert!(!file.remove().unwrap());
        assert_eq!(file.load().unwrap(), None);
        std::fs::write(file.path(), "{").unwrap();
        assert!(matches!(file.load(), Err(KeptError::Corrupt { .. })));
    }

    #[test]
    fn it_is_described_without_its_token() {
        let s = session();
        assert_eq!(
            s.describe(),
            "@me:example.org, logged in 2026-12-06 07:30 UTC"
        );
        assert!(!format!("{s:?}").contains("syt_secret"));
        assert!(s.is_on("https://matrix.example.org/"));
        assert!(s.is_on("https://Matrix.Example.org"));
        assert!(!s.is_on("https://matrix.example.org:8448"));
        assert!(!s.is_on("http://matrix.example.org"));
    }

    #[test]
    fn dates_are_civil() {
        assert_eq!(utc_minute(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_minute(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(utc_minute(1_709_210_096), "2024-02-29 12:34 UTC");
    }
}
