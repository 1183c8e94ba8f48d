//! Batch sizes learned per server, kept across runs beside the IS token
//! cache (`$XDG_STATE_HOME/mxlookup/limits.json`, mode 0600), so that a
//! second run sends no probe that the first saw refused: each refused probe
//! costs a request that ToM's rate limit (100 per 10 minutes) counts.
//!
//! Keyed by the server's canonical `host:port` (`Server::canonical_name`),
//! so a start URL and a referral naming one server share it. An entry is trusted for
//! [`FRESH_FOR`] only, since a server may raise its limit; one refused at
//! its own size is learned again in that run (see
//! [`super::batching::Sizing::learned`]). A missing, unreadable or corrupt
//! file is an empty one, and failing to write it never fails a run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::batching::Learned;
use crate::identity::TokenCache;

/// How long a learned limit is trusted before sizes are probed again.
pub const FRESH_FOR: Duration = Duration::from_secs(7 * 24 * 3600);

/// What the file holds for one server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    /// The largest batch it answered.
    answered: usize,
    /// The smallest batch it refused (one more than a limit it stated).
    refused: usize,
    /// When it was learned, in seconds since the Unix epoch.
    learned_at: u64,
}

/// The learned limits of every server, read once per run and written back
/// at its end.
#[derive(Debug)]
pub struct LimitStore {
    path: PathBuf,
    entries: Mutex<BTreeMap<String, Entry>>,
}

impl LimitStore {
    /// The default place: beside the token cache.
    pub fn default_path() -> Option<PathBuf> {
        Some(TokenCache::default_path()?.with_file_name("limits.json"))
    }

    /// Reads the store at `path`; a missing or corrupt file is empty.
    pub fn open(path: PathBuf) -> LimitStore {
        let entries = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        LimitStore {
            path,
            entries: Mutex::new(entries),
        }
    }

    /// What was learned of `server` less than [`FRESH_FOR`] before `now`.
    pub fn get(&self, server: &str, now: SystemTime) -> Option<Learned> {
        let entry = *self.lock().get(server)?;
        let age = now
            .duration_since(UNIX_EPOCH + Duration::from_secs(entry.learned_at))
            .unwrap_or(Duration::MAX);
        (age < FRESH_FOR).then_some(Learned {
            answered: entry.answered,
            refused: entry.refused,
        })
    }

    /// Remembers what a run learned of `server` at `now` (`None`: forgets
    /// it, nothing it answered being left to trust).
    pub fn set(&self, server: &str, learned: Option<Learned>, now: SystemTime) {
        let mut entries = self.lock();
        match learned {
            Some(Learned { answered, refused }) => {
                let learned_at = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
                entries.insert(
                    server.to_owned(),
                    Entry {
                        answered,
                        refused,
                        learned_at,
                    },
                );
            }
            None => {
                entries.remove(server);
            }
        }
    }

    /// Writes the store (atomically, mode 0600).
    pub fn save(&self) -> std::io::Result<()> {
        let bytes = serde_json::to_vec_pretty(&*self.lock()).expect("plain data serialises");
        crate::identity::tokens::write_private(&self.path, &bytes)
    }

    /// Where the store lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOM: Learned = Learned {
        answered: 100,
        refused: 400,
    };

    #[test]
    fn limits_round_trip_privately_and_go_stale() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/mxlookup/limits.json");
        let now = SystemTime::now();
        let store = LimitStore::open(path.clone());
        assert_eq!(store.get("tom.example:443", now), None);
        store.set("tom.example:443", Some(TOM), now);
        store.save().unwrap();
        let again = LimitStore::open(path.clone());
        assert_eq!(again.get("tom.example:443", now), Some(TOM));
        assert_eq!(again.get("other.example:443", now), None);
        let later = now + FRESH_FOR;
        assert_eq!(again.get("tom.example:443", later), None);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        again.set("tom.example:443", None, now);
        again.save().unwrap();
        assert_eq!(LimitStore::open(path).get("tom.example:443", now), None);
    }

    #[test]
    fn a_corrupt_or_missing_file_is_an_empty_store() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("limits.json");
        for text in ["", "{", "[1, 2]", r#"{"a": {"answered": "x"}}"#] {
            std::fs::write(&path, text).unwrap();
            let store = LimitStore::open(path.clone());
            assert_eq!(store.get("a", SystemTime::now()), None, "{text}");
        }
        let store = LimitStore::open(dir.path().join("missing/limits.json"));
        store.set("a", Some(TOM), SystemTime::now());
        store.save().unwrap();
    }
}
