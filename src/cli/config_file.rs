//! The configuration file: `$XDG_CONFIG_HOME/mxlookup/config.toml` (else
//! `~/.config/mxlookup/config.toml`) or `--config FILE`. It holds the
//! defaults a user would otherwise repeat on every command line; flags and
//! `MXLOOKUP_*` variables override it (the binary does the layering).
//!
//! Secrets are never written in it: `hs_token_file`, `access_token_file`
//! and the files of `[access_token_files]` (one per start server URL) name
//! files that hold them, read when the file is loaded.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Deserializer};

use mxlookup::report::OutputFormat;
use mxlookup::threepid::Region;

use crate::commands::JobError;

/// The longest `max_wait` (a day), in seconds.
pub const MAX_WAIT_LIMIT: f64 = 86_400.0;

/// The file's content, as written (paths resolved against its folder).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Start servers (identity-server base URLs).
    #[serde(default)]
    pub servers: Vec<String>,
    /// The homeserver that provides OpenID tokens, and whose
    /// `/.well-known/matrix/client` names identity servers.
    #[serde(default)]
    pub homeserver: Option<String>,
    /// A file holding the homeserver access token.
    #[serde(default)]
    pub hs_token_file: Option<PathBuf>,
    /// A file holding an identity-server token for the one start server.
    #[serde(default)]
    pub access_token_file: Option<PathBuf>,
    /// Start server URL → a file holding its identity-server token.
    #[serde(default)]
    pub access_token_files: BTreeMap<String, PathBuf>,
    /// Region of phone numbers written in national form.
    #[serde(default, deserialize_with = "parsed")]
    pub region: Option<Region>,
    /// `lookup`'s output format.
    #[serde(default, deserialize_with = "output_format")]
    pub format: Option<OutputFormat>,
    /// Seconds allowed per request.
    #[serde(default)]
    pub timeout: Option<f64>,
    /// The longest `Retry-After` waited for, in seconds.
    #[serde(default)]
    pub max_wait: Option<f64>,
    /// Extra CA certificates (PEM).
    #[serde(default)]
    pub ca_cert: Option<PathBuf>,
    /// Accept the servers' terms when they ask.
    #[serde(default)]
    pub accept_terms: Option<bool>,
    /// Allow the `none` algorithm (addresses in clear text).
    #[serde(default)]
    pub allow_plaintext: Option<bool>,
    /// Which referrals are followed.
    #[serde(default)]
    pub policy: PolicyFile,
    /// Server name (`host:port`) → URL where it is reached.
    #[serde(default)]
    pub resolve: BTreeMap<String, String>,
    /// The CardDAV login (`--dav-user`).
    #[serde(default)]
    pub dav_user: Option<String>,
    /// A file whose first line is the CardDAV password.
    #[serde(default)]
    pub dav_password_file: Option<PathBuf>,
}

/// `[policy]`: which referrals are followed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    /// Follow at most this many referral hops.
    #[serde(default)]
    pub max_depth: Option<u32>,
    /// Ask at most this many distinct referred servers.
    #[serde(default)]
    pub server_budget: Option<usize>,
    /// Follow referrals only to servers matching these globs.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Never follow referrals to servers matching these globs.
    #[serde(default)]
    pub deny: Vec<String>,
}

/// A configuration file as loaded: where it is, what it says, and the
/// secrets it points to.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The file.
    pub path: PathBuf,
    /// Its content, with relative paths made relative to its folder.
    pub file: ConfigFile,
    /// The content of `hs_token_file`.
    pub hs_token: Option<String>,
    /// The contents of `access_token_file` and `[access_token_files]`.
    pub access_tokens: Vec<FileToken>,
}

/// An identity-server token read from a file the config file names.
#[derive(Clone, PartialEq)]
pub struct FileToken {
    /// The start server's URL, for a file of `[access_token_files]`.
    pub server: Option<String>,
    /// The file's content, trimmed.
    pub token: String,
    /// The file.
    pub file: PathBuf,
}

impl std::fmt::Debug for FileToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileToken")
            .field("server", &self.server)
            .field("file", &self.file)
            .finish_non_exhaustive()
    }
}

/// Why a configuration file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file (or a file it names) cannot be read.
    #[error("cannot read {what} {}: {source}", path.display())]
    Read {
        /// `config file`, or the key naming the file.
        what: String,
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file is not valid TOML, or has an unknown key or a bad value.
    #[error("config file {}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A value is out of range.
    #[error("config file {}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl ConfigError {
    /// What the user can do about it.
    pub fn hint(&self) -> String {
        match self {
            ConfigError::Read { what, .. } if what == "config file" => {
                "check the path given to --config or MXLOOKUP_CONFIG".to_owned()
            }
            ConfigError::Read { what, .. } => {
                format!("fix `{what}` in the config file, or create the file it names")
            }
            ConfigError::Parse { .. } | ConfigError::Invalid { .. } => {
                "fix the file (the keys are listed in README, section Configuration), or pass --config FILE to use another"
                    .to_owned()
            }
        }
    }
}

impl From<ConfigError> for JobError {
    fn from(e: ConfigError) -> Self {
        JobError::Config {
            hint: Some(e.hint()),
            message: e.to_string(),
        }
    }
}

/// Where the configuration file is looked for when `--config` is not given:
/// `$XDG_CONFIG_HOME/mxlookup/config.toml`, else
/// `$HOME/.config/mxlookup/config.toml`.
pub fn default_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|home| PathBuf::from(home).join(".config"))
        })?;
    Some(base.join("mxlookup").join("config.toml"))
}

impl Loaded {
    /// Reads and checks the file at `path`.
    pub fn load(path: &Path) -> Result<Loaded, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            what: "config file".to_owned(),
            path: path.to_owned(),
            source,
        })?;
        Loaded::parse(path, &text)
    }

    /// Reads the default file when it exists; its absence is no error.
    pub fn load_default() -> Result<Option<Loaded>, ConfigError> {
        match default_path() {
            Some(path) if path.exists() => Loaded::load(&path).map(Some),
            _ => Ok(None),
        }
    }

    /// Parses `text`, the content of `path`, and reads the token files it names.
    pub fn parse(path: &Path, text: &str) -> Result<Loaded, ConfigError> {
        let mut file: ConfigFile = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: parse_message(text, &e),
        })?;
        let invalid = |message: &str| ConfigError::Invalid {
            path: path.to_owned(),
            message: message.to_owned(),
        };
        if let Some(t) = file.timeout
            && !(t > 0.0 && t <= 3600.0)
        {
            return Err(invalid("`timeout` must be between 0 and 3600 seconds"));
        }
        if let Some(w) = file.max_wait
            && !(0.0..=MAX_WAIT_LIMIT).contains(&w)
        {
            return Err(invalid(&format!(
                "`max_wait` must be between 0 and {MAX_WAIT_LIMIT} seconds"
            )));
        }
        let folder = path.parent().unwrap_or(Path::new("."));
        for slot in [
            &mut file.hs_token_file,
            &mut file.access_token_file,
            &mut file.ca_cert,
            &mut file.dav_password_file,
        ] {
            if let Some(p) = slot.take() {
                *slot = Some(relative_to(folder, &p));
            }
        }
        for p in file.access_token_files.values_mut() {
            *p = relative_to(folder, p);
        }
        let secret = |key: &str, file: &Option<PathBuf>| -> Result<Option<String>, ConfigError> {
            let Some(p) = file else { return Ok(None) };
            let text = std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
                what: key.to_owned(),
                path: p.clone(),
                source,
            })?;
            let token = text.trim();
            if token.is_empty() {
                return Err(invalid(&format!("`{key}` {} is empty", p.display())));
            }
            Ok(Some(token.to_owned()))
        };
        let hs_token = secret("hs_token_file", &file.hs_token_file)?;
        let mut access_tokens = Vec::new();
        if let Some(p) = &file.access_token_file {
            let token = secret("access_token_file", &file.access_token_file)?;
            access_tokens.extend(token.map(|token| FileToken {
                server: None,
                token,
                file: p.clone(),
            }));
        }
        for (server, p) in &file.access_token_files {
            let key = format!("access_token_files.\"{server}\"");
            let token = secret(&key, &Some(p.clone()))?;
            access_tokens.extend(token.map(|token| FileToken {
                server: Some(server.clone()),
                token,
                file: p.clone(),
            }));
        }
        Ok(Loaded {
            path: path.to_owned(),
            file,
            hs_token,
            access_tokens,
        })
    }
}

/// The parser's message with the line, column and key it is about, but
/// not the line itself: it may hold a token written where it should not be.
fn parse_message(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim_end();
    let Some(span) = e.span() else {
        return message.to_owned();
    };
    let before = &text[..span.start.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    let this_line = text[line_start..].lines().next().unwrap_or("");
    let key = this_line
        .split_once('=')
        .map(|(k, _)| k.trim())
        .filter(|k| !k.is_empty() && !k.starts_with('#'));
    let mut out = format!("line {line}, column {column}");
    if let Some(key) = key {
        out.push_str(&format!(", key `{key}`"));
    }
    out.push_str(": ");
    out.push_str(message);
    if matches!(key, Some("hs_token" | "access_token" | "access_tokens")) {
        out.push_str(" (tokens are not written in the file: put it in a file of its own and name that with `hs_token_file`, `access_token_file` or `[access_token_files]`)");
    }
    out
}

/// `~/x` from the home folder, a relative path from the config file's folder.
fn relative_to(folder: &Path, path: &Path) -> PathBuf {
    if let Ok(rest) = path.strip_prefix("~")
        && let Some(home) = std::env::var_os("HOME")
    {
        return PathBuf::from(home).join(rest);
    }
    if path.is_absolute() {
        path.to_owned()
    } else {
        folder.join(path)
    }
}

fn parsed<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr<Err = String>,
{
    let text = String::deserialize(deserializer)?;
    text.parse().map(Some).map_err(serde::de::Error::custom)
}

fn output_format<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<OutputFormat>, D::Error> {
    let text = String::deserialize(deserializer)?;
    <OutputFormat as clap::ValueEnum>::from_str(&text, true)
        .map(Some)
        .map_err(|_| {
            serde::de::Error::custom(format!(
                "unknown format `{text}`, expected one of table, json, ndjson, csv, vcard"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Loaded, ConfigError> {
        Loaded::parse(Path::new("/etc/mx/config.toml"), text)
    }

    #[test]
    fn every_key() {
        let loaded = parse(
            r#"
servers = ["https://is.example"]
homeserver = "https://hs.example"
region = "fr"
format = "json"
timeout = 5
max_wait = 600
ca_cert = "ca.pem"
accept_terms = true
allow_plaintext = false
[policy]
max_depth = 1
server_budget = 4
allow = ["*.example:443"]
deny = ["bad.example:443"]
[resolve]
"fed.example:443" = "http://127.0.0.1:8091"
"#,
        )
        .unwrap();
        let f = loaded.file;
        assert_eq!(f.servers, ["https://is.example"]);
        assert_eq!(f.region.unwrap().code(), "FR");
        assert_eq!(f.format, Some(OutputFormat::Json));
        assert_eq!(f.timeout, Some(5.0));
        assert_eq!(f.max_wait, Some(600.0));
        assert_eq!(f.ca_cert.unwrap(), Path::new("/etc/mx/ca.pem"));
        assert_eq!(f.policy.max_depth, Some(1));
        assert_eq!(f.policy.deny, ["bad.example:443"]);
        assert_eq!(f.resolve["fed.example:443"], "http://127.0.0.1:8091");
    }

    #[test]
    fn errors_name_the_file_the_line_and_the_key() {
        let e = parse("servers = []\nhs_token = \"secret\"\n").unwrap_err();
        let text = e.to_string();
        assert!(
            text.starts_with("config file /etc/mx/config.toml: "),
            "{text}"
        );
        assert!(text.contains("line 2"), "{text}");
        assert!(text.contains("unknown field `hs_token`"), "{text}");
        assert!(!text.contains("secret"), "{text}");
        let e = parse("region = \"XX\"\n").unwrap_err().to_string();
        assert!(e.contains("line 1") && e.contains("region `XX`"), "{e}");
        let e = parse("[policy]\nmax_depth = -1\n").unwrap_err().to_string();
        assert!(e.contains("line 2"), "{e}");
        let e = parse("timeout = 0\n").unwrap_err().to_string();
        assert!(e.contains("`timeout`"), "{e}");
        let e = parse("max_wait = 90000\n").unwrap_err().to_string();
        assert!(e.contains("`max_wait`"), "{e}");
    }

    #[test]
    fn token_files_are_read_and_must_exist() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("hs"), "syt_secret\n").unwrap();
        let path = dir.path().join("config.toml");
        let loaded = Loaded::parse(&path, "hs_token_file = \"hs\"\n").unwrap();
        assert_eq!(loaded.hs_token.as_deref(), Some("syt_secret"));
        let e = Loaded::parse(&path, "access_token_file = \"none\"\n").unwrap_err();
        assert!(
            e.to_string().starts_with("cannot read access_token_file "),
            "{e}"
        );
    }

    #[test]
    fn per_server_token_files_are_read_relative_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.token"), " mxs_a\n").unwrap();
        std::fs::write(dir.path().join("b.token"), "mxs_b").unwrap();
        let path = dir.path().join("config.toml");
        let text = "access_token_file = \"b.token\"\n[access_token_files]\n\"https://a.example\" = \"a.token\"\n";
        let loaded = Loaded::parse(&path, text).unwrap();
        let tokens: Vec<(Option<&str>, &str, PathBuf)> = loaded
            .access_tokens
            .iter()
            .map(|t| (t.server.as_deref(), t.token.as_str(), t.file.clone()))
            .collect();
        assert_eq!(
            tokens,
            [
                (None, "mxs_b", dir.path().join("b.token")),
                (
                    Some("https://a.example"),
                    "mxs_a",
                    dir.path().join("a.token")
                ),
            ]
        );
        assert!(!format!("{loaded:?}").contains("mxs_a"));
        let text = "[access_token_files]\n\"https://a.example\" = \"none\"\n";
        let e = Loaded::parse(&path, text).unwrap_err().to_string();
        assert!(
            e.starts_with("cannot read access_token_files.\"https://a.example\" "),
            "{e}"
        );
    }
}
