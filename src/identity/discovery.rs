//! Which identity server to ask when none is named, as the Client-Server
//! spec has it ("Notes on identity servers"): the user's own choice first,
//! the `m.identity_server` account data on their homeserver (a `base_url`
//! there is the server; `null` means they want none; none set, 404, means
//! no choice), then the homeserver's `GET /.well-known/matrix/client`: its
//! `m.identity_server.base_url`, and the base URLs of ToM/Twake's
//! `m.federated_identity_services` (`{"base_urls": [...]}`; a bare array is
//! read too). Bounded calls through [`Http`] (time limit, body cap, no
//! redirect followed); every URL is checked before it is used, as `-s`
//! URLs are ([`server_url`]).

use reqwest::Method;
use serde_json::Value;
use url::Url;

use super::client::HomeserverClient;
use super::error::CallError;
use super::http::{Http, Request, Retry};

/// The well-known document's path.
pub const WELL_KNOWN: &str = "/.well-known/matrix/client";

/// The account data type holding the user's choice of identity server.
pub const IDENTITY_SERVER: &str = "m.identity_server";

/// Where the start servers were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The user's `m.identity_server` account data.
    AccountData,
    /// The homeserver's `/.well-known/matrix/client`.
    WellKnown,
}

/// What discovery found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovery {
    /// Where it was read: the account data's or the document's URL.
    pub url: String,
    /// Which of the two that is.
    pub origin: Origin,
    /// Start servers, as `-s` takes them (no trailing `/`), without repeats.
    pub servers: Vec<String>,
}

impl Discovery {
    /// One line for stderr: which servers, from where.
    pub fn describe(&self) -> String {
        let servers = crate::sanitize::for_terminal(&self.servers.join(", ")).into_owned();
        match self.origin {
            Origin::AccountData => format!(
                "identity server of your choice (m.identity_server account data, {}): {servers}",
                crate::sanitize::for_terminal(&self.url)
            ),
            Origin::WellKnown => format!("identity servers from {}: {servers}", self.url),
        }
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
    /// The user's choice could not be read (whoami or the account data).
    #[error("cannot read your choice of identity server (m.identity_server account data): {0}")]
    AccountData(CallError),
    /// The user's choice is `base_url: null`: they want no identity server.
    #[error(
        "you chose to use no identity server: your m.identity_server account data has `base_url: null` ({url})"
    )]
    NoneChosen {
        /// The account data's URL.
        url: String,
    },
    /// The user's choice is not an identity server's URL.
    #[error("your m.identity_server account data ({url}): {problem}")]
    BadChoice {
        /// The account data's URL.
        url: String,
        /// What is wrong.
        problem: String,
    },
}

/// What the user chose in their `m.identity_server` account data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// This server (its name as `-s` takes it).
    Server(String),
    /// `base_url: null`: no identity server at all.
    NoServer,
    /// No `base_url` (a type emptied to `{}`, as a deletion leaves it).
    Unset,
}

/// The start servers: with a homeserver client, the user's choice in their
/// account data first; when they made none (or no token is at hand), the
/// homeserver's well-known document.
pub async fn discover(
    http: &Http,
    homeserver: &Url,
    account: Option<&HomeserverClient>,
) -> Result<Discovery, DiscoveryError> {
    if let Some(hs) = account
        && let Some(found) = user_choice(hs).await?
    {
        return Ok(found);
    }
    well_known(http, homeserver).await
}

/// The server the user chose, `None` when they made no choice.
async fn user_choice(hs: &HomeserverClient) -> Result<Option<Discovery>, DiscoveryError> {
    let user = hs.user_id().await.map_err(DiscoveryError::AccountData)?;
    let content = hs
        .account_data(&user, IDENTITY_SERVER)
        .await
        .map_err(DiscoveryError::AccountData)?;
    let url = hs.account_data_url(&user, IDENTITY_SERVER);
    let Some(content) = content else {
        return Ok(None);
    };
    match choice_in(&content) {
        Ok(Choice::Server(name)) => Ok(Some(Discovery {
            url,
            origin: Origin::AccountData,
            servers: vec![name],
        })),
        Ok(Choice::Unset) => Ok(None),
        Ok(Choice::NoServer) => Err(DiscoveryError::NoneChosen { url }),
        Err(problem) => Err(DiscoveryError::BadChoice { url, problem }),
    }
}

/// Reads the content of `m.identity_server`: a `base_url` string must be
/// an http(s) URL; `null` is a choice of none; no `base_url` is no choice.
pub fn choice_in(content: &Value) -> Result<Choice, String> {
    let Value::Object(content) = content else {
        return Err("not a JSON object".to_owned());
    };
    match content.get("base_url") {
        None => Ok(Choice::Unset),
        Some(Value::Null) => Ok(Choice::NoServer),
        Some(Value::String(url)) => server_url(url)
            .map(|(name, _)| Choice::Server(name))
            .map_err(|e| format!("`base_url`: {e}")),
        Some(_) => Err("`base_url` is neither a string nor null".to_owned()),
    }
}

/// Fetches `homeserver`'s well-known document and reads its identity servers.
async fn well_known(http: &Http, homeserver: &Url) -> Result<Discovery, DiscoveryError> {
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
    Ok(Discovery {
        url,
        origin: Origin::WellKnown,
        servers,
    })
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
    fn the_users_choice_is_a_server_none_or_no_choice() {
        assert_eq!(
            choice_in(&json!({"base_url": "https://is.example/"})),
            Ok(Choice::Server("https://is.example".to_owned()))
        );
        assert_eq!(choice_in(&json!({"base_url": null})), Ok(Choice::NoServer));
        assert_eq!(choice_in(&json!({})), Ok(Choice::Unset));
        for (content, expected) in [
            (
                json!({"base_url": "vector.im"}),
                "`base_url`: `vector.im` is not a URL",
            ),
            (json!({"base_url": ""}), "`base_url`: `` is not a URL"),
            (
                json!({"base_url": "ftp://is.example"}),
                "only http and https servers",
            ),
            (json!({"base_url": 1}), "neither a string nor null"),
            (json!("https://is.example"), "not a JSON object"),
        ] {
            let e = choice_in(&content).unwrap_err();
            assert!(e.contains(expected), "{content}: {e}");
        }
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
