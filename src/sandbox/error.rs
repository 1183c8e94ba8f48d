//! Why a sandbox federation could not be read or started.

use std::fmt;
use std::path::{Path, PathBuf};

/// An error reading a federation description or starting its servers.
///
/// Each message is whole (it includes its cause, e.g. the TOML error with
/// its line), so `to_string()` is enough; none has a `source()`.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The federation file could not be read.
    #[error("cannot read federation file {}: {error}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// The description is not valid TOML, or not a federation.
    #[error("invalid federation description{}: {error}", InFile(path.as_deref()))]
    Parse {
        /// The file, when it came from one.
        path: Option<PathBuf>,
        /// Where and why (with the line).
        error: toml::de::Error,
    },
    /// The description parses but does not make sense.
    #[error("invalid federation description{}: {problem}", InFile(path.as_deref()))]
    Invalid {
        /// The file, when it came from one.
        path: Option<PathBuf>,
        /// What is wrong, naming the server.
        problem: String,
    },
    /// A server could not listen on loopback.
    #[error("cannot start sandbox server {server} on 127.0.0.1: {error}")]
    Bind {
        /// The server (`homeserver` for the stub).
        server: String,
        /// Why.
        error: std::io::Error,
    },
    /// The HTTP client the identity servers verify OpenID tokens with could
    /// not be built.
    #[error("cannot build the sandbox's HTTP client: {0}")]
    Client(reqwest::Error),
}

impl SandboxError {
    /// The same error, naming `file` as where the description came from.
    pub(crate) fn in_file(self, file: &Path) -> Self {
        match self {
            SandboxError::Parse { error, .. } => SandboxError::Parse {
                path: Some(file.to_owned()),
                error,
            },
            SandboxError::Invalid { problem, .. } => SandboxError::Invalid {
                path: Some(file.to_owned()),
                problem,
            },
            other => other,
        }
    }
}

/// ` in FILE`, or nothing.
struct InFile<'a>(Option<&'a Path>);

impl fmt::Display for InFile<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(path) => write!(f, " in {}", path.display()),
            None => Ok(()),
        }
    }
}
