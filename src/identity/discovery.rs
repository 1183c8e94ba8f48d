//! Start servers from a homeserver's `GET /.well-known/matrix/client`: its
//! `m.identity_server.base_url`, and the base URLs of ToM/Twake's
//! `m.federated_identity_services` (`{"base_urls": [...]}`; a bare array is
//! read too). One bounded call through [`Http`] (time limit, body cap, no
//! redirect followed); every URL is checked before it is used, as `-s`
//! URLs are ([`server_url`]).

use reqwest::Method;
use serde_json::Value;
use url::Url;

use super::error::CallError;
use super::http::{Http, Request, Retry};

/// The well-known document's path.
pub const WELL_KNOWN: &str = "/.well-known/matrix/client";

/// What discovery found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovery {
    /// The document's URL.
    pub url: String,
    /// Start servers, as `-s` takes them (no trailing `/`), without repeats.
    pub servers: Vec<String>,
}

impl Discovery {
    /// One line for stderr: which servers, from where.
    pub fn describe(&self) -> String {
        format!(
            "identity servers from {}: {}",
            self.url,
            crate::sanitize::for_terminal(&self.servers.join(", "))
        )
    }
}

/// Why discovery found no server.
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    /// The document could not be fetched (redirects are not followed).
    #[error("cannot discover identity servers: {0}")]
    Call(CallError),
    /// The document names no identity server.
    #[error(
        "{url} names no identity server (neither `m.identity_server` nor `m.federated_identity_services`)"
    )]
    Nothing {
        /// The document's URL.
        url: String,
    },
    /// The document is not the JSON object expected, or a URL in it is bad.
    #[error("{url}: {problem}")]
    Invalid {
        /// The document's URL.
        url: String,
        /// What is wrong.
        problem: String,
    },
}

/// Fetches `homeserver`'s well-known document and reads its identity servers.
pub async fn discover(http: &Http, homeserver: &Url) -> Result<Discovery, DiscoveryError> {
    let name = homeserver.as_str().trim_end_matches('/');
    let url = format!("{}{WELL_KNOWN}", homeserver.origin().ascii_serialization());
    let document: Value = http
        .call(Request {
            server: name,
            base: homeserver,
            method: Method::GET,
            path: WELL_KNOWN,
            bearer: None,
            body: None,
            retry: Retry::Transient,
        })
        .await
        .map_err(DiscoveryError::Call)?;
    let servers = servers_in(&document).map_err(|problem| DiscoveryError::Invalid {
        url: url.clone(),
        problem,
    })?;
    if servers.is_empty() {
        return Err(DiscoveryError::Nothing { url });
    }
    Ok(Discovery { url, servers })
}

/// The identity servers a well-known document names: `m.identity_server`
/// first, then `m.federated_identity_services`, without repeats. A key
/// that is absent, null or empty names none; one that is malformed, or a
/// URL that is not http(s), is an error.
pub fn servers_in(document: &Value) -> Result<Vec<String>, String> {
    let Value::Object(doc) = document else {
        return Err("not a JSON object".to_owned());
    };
    let mut found: Vec<(String, &str)> = Vec::new();
    match doc.get("m.identity_server") {
        None | Some(Value::Null) => {}
        Some(Value::Object(is)) => match is.get("base_url") {
            None | Some(Value::Null) => {}
            Some(Value::String(url)) => found.push(("m.identity_server.base_url".into(), url)),
            Some(_) => return Err("`m.identity_server.base_url` is not a string".to_owned()),
        },
        Some(_) => return Err("`m.identity_server` is not an object".to_owned()),
    }
    let federated = match doc.get("m.federated_identity_services") {
        None | Some(Value::Null) => None,
        Some(Value::Object(f)) => match f.get("base_urls") {
            None | Some(Value::Null) => None,
            Some(Value::Array(urls)) => Some(urls),
            Some(_) => {
                return Err("`m.federated_identity_services.base_urls` is not an array".to_owned());
            }
        },
        Some(Value::Array(urls)) => Some(urls),
        Some(_) => {
            return Err("`m.federated_identity_services` is neither an object nor an array".into());
        }
    };
    for (i, url) in federated.into_iter().flatten().enumerate() {
        let key = format!("m.federated_identity_services.base_urls[{i}]");
        match url {
            Value::String(url) => found.push((key, url)),
            _ => return Err(format!("`{key}` is not a string")),
        }
    }
    let mut servers: Vec<String> = Vec::new();
    for (key, url) in found {
        if url.trim().is_empty() {
            continue;
        }
        let (name, _) = server_url(url).map_err(|e| format!("`{key}`: {e}"))?;
        if !servers.contains(&name) {
            servers.push(name);
        }
    }
    Ok(servers)
}

/// An identity server's URL as `-s` takes it: its name (as given, less
/// a trailing `/`) and its base URL (with one), or why it cannot be asked.
pub fn server_url(given: &str) -> Result<(String, Url), String> {
    let trimmed = given.trim().trim_end_matches('/');
    let url = Url::parse(trimmed).map_err(|e| format!("`{given}` is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "`{given}`: only http and https servers can be asked"
        ));
    }
    let base = Url::parse(&format!("{trimmed}/")).expect("a URL with a slash is a URL");
    Ok((trimmed.to_owned(), base))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn identity_server_then_federated_services_without_repeats() {
        let doc = json!({
            "m.homeserver": {"base_url": "https://matrix.example/"},
            "m.identity_server": {"base_url": "https://tom.example/"},
            "m.federated_identity_services": {
                "base_urls": ["https://fed.example/", "https://tom.example"]
            }
        });
        assert_eq!(
            servers_in(&doc).unwrap(),
            ["https://tom.example", "https://fed.example"]
        );
        let bare = json!({"m.federated_identity_services": ["https://fed.example"]});
        assert_eq!(servers_in(&bare).unwrap(), ["https://fed.example"]);
    }

    #[test]
    fn a_server_url_is_named_without_its_slash_and_reached_with_one() {
        let (name, url) = server_url(" https://is.example/path/ ").unwrap();
        assert_eq!(name, "https://is.example/path");
        assert_eq!(url.as_str(), "https://is.example/path/");
        let (name, url) = server_url("http://127.0.0.1:8090").unwrap();
        assert_eq!(name, "http://127.0.0.1:8090");
        assert_eq!(url.as_str(), "http://127.0.0.1:8090/");
        assert_eq!(
            server_url("ftp://x.example").unwrap_err(),
            "`ftp://x.example`: only http and https servers can be asked"
        );
        assert_eq!(
            server_url("vector.im").unwrap_err(),
            "`vector.im` is not a URL: relative URL without a base"
        );
    }

    #[test]
    fn nothing_named_is_empty() {
        for doc in [
            json!({}),
            json!({"m.homeserver": {"base_url": "https://m.example"}}),
            json!({"m.identity_server": {}}),
            json!({"m.identity_server": {"base_url": ""}, "m.federated_identity_services": {"base_urls": []}}),
            json!({"m.identity_server": null}),
        ] {
            assert_eq!(servers_in(&doc).unwrap(), Vec::<String>::new(), "{doc}");
        }
    }

    #[test]
    fn malformed_documents_and_urls_are_errors() {
        for (doc, expected) in [
            (json!([]), "not a JSON object"),
            (json!({"m.identity_server": "https://x"}), "not an object"),
            (
                json!({"m.identity_server": {"base_url": "ftp://x.example"}}),
                "`m.identity_server.base_url`: `ftp://x.example`: only http and https",
            ),
            (
                json!({"m.identity_server": {"base_url": "vector.im"}}),
                "is not a URL",
            ),
            (
                json!({"m.federated_identity_services": {"base_urls": [1]}}),
                "`m.federated_identity_services.base_urls[0]` is not a string",
            ),
            (
                json!({"m.federated_identity_services": {"base_urls": "https://x"}}),
                "is not an array",
            ),
        ] {
            let e = servers_in(&doc).unwrap_err();
            assert!(e.contains(expected), "{doc}: {e}");
        }
    }
}
