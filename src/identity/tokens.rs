//! The IS token cache: `$XDG_STATE_HOME/mxlookup/tokens.json` (else
//! `~/.local/state/mxlookup/`), keyed by server and user, mode 0600, so that
//! a second run does not register again.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Cached IS tokens.
#[derive(Debug)]
pub struct TokenCache {
    path: PathBuf,
    tokens: Mutex<BTreeMap<String, String>>,
}

impl TokenCache {
    /// The default place, from `XDG_STATE_HOME` or `HOME`.
    pub fn default_path() -> Option<PathBuf> {
        let state = std::env::var_os("XDG_STATE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
        Some(state.join("mxlookup").join("tokens.json"))
    }

    /// Opens the cache at `path`; a missing or unreadable file is an empty cache.
    pub fn open(path: PathBuf) -> TokenCache {
        let tokens = fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        TokenCache {
            path,
            tokens: Mutex::new(tokens),
        }
    }

    fn key(server: &str, user: &str) -> String {
        format!("{} {user}", server_key(server))
    }

    /// The token cached for `server` (its URL) and `user`.
    pub fn get(&self, server: &str, user: &str) -> Option<String> {
        self.lock().get(&Self::key(server, user)).cloned()
    }

    /// Caches (or, with `None`, forgets) a token and writes the file.
    pub fn set(&self, server: &str, user: &str, token: Option<&str>) -> std::io::Result<()> {
        let mut tokens = self.lock();
        match token {
            Some(t) => tokens.insert(Self::key(server, user), t.to_owned()),
            None => tokens.remove(&Self::key(server, user)),
        };
        write_private(
            &self.path,
            &serde_json::to_vec_pretty(&*tokens).expect("strings serialise"),
        )
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, String>> {
        self.tokens
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Where the cache lives.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// `server` (a base URL) as the URL parser writes it, less a trailing dot
/// after its host name, as the key of what is kept per server:
/// `https://IS.example./` and `https://is.example/` are one server, as its
/// canonical name (`crate::mxid::canonical_server_name`) has it, and keep
/// one token. Text that is no URL is its own key.
pub fn server_key(server: &str) -> String {
    let Ok(mut url) = url::Url::parse(server) else {
        return server.to_owned();
    };
    if let Some(domain) = url.domain().and_then(|d| d.strip_suffix('.'))
        && !domain.is_empty()
    {
        let domain = domain.to_owned();
        // A domain less its dot is still a domain.
        let _ = url.set_host(Some(&domain));
    }
    url.into()
}

/// Writes `bytes` to `path` readable by the owner only, through a temporary
/// file renamed into place.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut dirs = fs::DirBuilder::new();
    dirs.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut dirs, 0o700);
    dirs.create(dir)?;
    let tmp = path.with_extension("tmp");
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_private_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/mxlookup/tokens.json");
        let cache = TokenCache::open(path.clone());
        assert_eq!(cache.get("https://is.example", "@a:hs"), None);
        cache
            .set("https://is.example", "@a:hs", Some("tok"))
            .unwrap();
        let again = TokenCache::open(path.clone());
        assert_eq!(
            again.get("https://is.example", "@a:hs").as_deref(),
            Some("tok")
        );
        assert_eq!(again.get("https://is.example", "@b:hs"), None);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        // Another spelling of the same server finds the same token.
        for spelling in [
            "https://IS.example./",
            "https://is.example:443",
            "https://is.example.",
        ] {
            assert_eq!(
                again.get(spelling, "@a:hs").as_deref(),
                Some("tok"),
                "{spelling}"
            );
        }
        assert_eq!(again.get("https://is.example:8443", "@a:hs"), None);
        assert_eq!(again.get("http://is.example", "@a:hs"), None);
        again.set("https://is.example", "@a:hs", None).unwrap();
        assert_eq!(
            TokenCache::open(path).get("https://is.example", "@a:hs"),
            None
        );
    }
}
