//! Logging in to a homeserver with a password, and out again (Client-Server
//! API, "Login"): where the homeserver of a user ID is (its server's
//! `/.well-known/matrix/client`, else the server name itself), which login
//! types it offers (`GET /login`), `m.login.password` (`POST /login`) and
//! `POST /logout`. The password goes to the homeserver only, in the body
//! of one request; the token it answers is the caller's to keep.

use std::collections::BTreeMap;

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use super::discovery::WELL_KNOWN;
use super::error::CallError;
use super::http::{Http, Request, Retry};
use crate::mxid::{canonical_server_name, check_user_id};

/// `GET` the login types, `POST` a login.
pub const LOGIN: &str = "/_matrix/client/v3/login";
/// `POST`: end the session of the access token sent.
pub const LOGOUT: &str = "/_matrix/client/v3/logout";
/// The login type this client uses.
pub const PASSWORD: &str = "m.login.password";

/// Where the homeserver of a user ID was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// `m.homeserver.base_url` of this well-known document.
    WellKnown(String),
    /// The server name itself (no well-known document, 404 or no answer).
    ServerName,
}

/// The homeserver found for a user ID: its base URL (no trailing `/`) and
/// where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Homeserver {
    /// The base URL, as the client API is reached.
    pub url: Url,
    /// How it was found.
    pub found: Found,
}

/// Why logging in (or out) failed.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// A call failed (no answer, or an error the cases below do not cover).
    #[error(transparent)]
    Call(Box<CallError>),
    /// The well-known document answered, but not with a homeserver.
    #[error("{url}: {problem}")]
    WellKnown {
        /// The document's URL.
        url: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The homeserver offers no password login.
    #[error("{homeserver} offers no password login (m.login.password): it offers {}", offered_list(.offered))]
    NoPassword {
        /// The homeserver.
        homeserver: String,
        /// The login types it offers.
        offered: Vec<String>,
    },
    /// 403 `M_FORBIDDEN`: the user ID or the password is wrong.
    #[error("{homeserver}: wrong user ID or password")]
    Forbidden {
        /// The homeserver.
        homeserver: String,
    },
    /// The answer to a login is not one to keep.
    #[error("{homeserver}: unexpected answer to the login: {problem}")]
    BadAnswer {
        /// The homeserver.
        homeserver: String,
        /// What is wrong with it.
        problem: String,
    },
}

impl From<CallError> for LoginError {
    fn from(e: CallError) -> Self {
        LoginError::Call(Box::new(e))
    }
}

fn offered_list(offered: &[String]) -> String {
    if offered.is_empty() {
        return "no login type at all".to_owned();
    }
    offered
        .iter()
        .map(|t| crate::sanitize::excerpt(t, 64).into_owned())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The server name of a user ID, after checking the ID's grammar.
pub fn server_of(user_id: &str) -> Result<&str, &'static str> {
    check_user_id(user_id)?;
    let (_, server) = user_id.split_once(':').ok_or("has no `:server`")?;
    Ok(server)
}

/// Where a server name is reached: its `--resolve` URL, else `https://NAME`.
pub fn server_base(server: &str, resolve: &BTreeMap<String, Url>) -> Result<Url, String> {
    if let Ok(name) = canonical_server_name(server)
        && let Some(url) = resolve.get(&name)
    {
        return Ok(url.clone());
    }
    Url::parse(&format!("https://{server}/"))
        .map_err(|e| format!("`https://{server}` is not a URL: {e}"))
}

/// The homeserver of the user whose server is reached at `base`: the
/// `m.homeserver.base_url` of its `/.well-known/matrix/client`; when there is
/// no such document (404) or no answer at all, `base` itself. A document
/// that answers but names no usable homeserver is an error: it was meant.
pub async fn find_homeserver(http: &Http, base: &Url) -> Result<Homeserver, LoginError> {
    let name = base.as_str().trim_end_matches('/');
    let url = format!("{name}{WELL_KNOWN}");
    let answer: Result<Value, CallError> = http
        .call(Request {
            server: name,
            base,
            method: Method::GET,
            path: WELL_KNOWN,
            bearer: None,
            body: None,
            retry: Retry::Transient,
        })
        .await;
    let document = match answer {
        Ok(document) => document,
        Err(e) if e.status() == Some(404) || e.status().is_none() && !is_decode(&e) => {
            return Ok(Homeserver {
                url: trimmed(base),
                found: Found::ServerName,
            });
        }
        Err(e) => {
            return Err(LoginError::WellKnown {
                url,
                problem: e.kind.to_string(),
            });
        }
    };
    let homeserver = base_url_in(&document).map_err(|problem| LoginError::WellKnown {
        url: url.clone(),
        problem,
    })?;
    Ok(Homeserver {
        url: homeserver,
        found: Found::WellKnown(url),
    })
}

fn is_decode(e: &CallError) -> bool {
    matches!(
        e.kind,
        super::error::ErrorKind::Decode(_) | super::error::ErrorKind::TooLarge(_)
    )
}

/// `url` without its trailing `/`, as homeservers are named.
fn trimmed(url: &Url) -> Url {
    Url::parse(url.as_str().trim_end_matches('/')).unwrap_or_else(|_| url.clone())
}

/// `m.homeserver.base_url` of a well-known document: an http(s) URL.
pub fn base_url_in(document: &Value) -> Result<Url, String> {
    let Some(given) = document
        .get("m.homeserver")
        .and_then(|hs| hs.get("base_url"))
    else {
        return Err("no `m.homeserver.base_url`".to_owned());
    };
    let Value::String(given) = given else {
        return Err("`m.homeserver.base_url` is not a string".to_owned());
    };
    let url = Url::parse(given.trim().trim_end_matches('/'))
        .map_err(|e| format!("`m.homeserver.base_url` `{given}` is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "`m.homeserver.base_url` `{given}` is not an http(s) URL"
        ));
    }
    Ok(url)
}

/// `GET /login`'s answer.
#[derive(Debug, Deserialize)]
struct Flows {
    #[serde(default)]
    flows: Vec<Flow>,
}

#[derive(Debug, Deserialize)]
struct Flow {
    #[serde(rename = "type")]
    kind: String,
}

/// `POST /login` with a password.
#[derive(Serialize)]
struct PasswordLogin<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    identifier: Identifier<'a>,
    password: &'a str,
    initial_device_display_name: &'a str,
}

#[derive(Serialize)]
struct Identifier<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    user: &'a str,
}

/// A successful login: who, and the new device's token.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct LoggedIn {
    /// The user, as the homeserver writes the ID.
    pub user_id: String,
    /// The device's access token.
    pub access_token: String,
    /// The device created.
    pub device_id: String,
}

impl std::fmt::Debug for LoggedIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoggedIn")
            .field("user_id", &self.user_id)
            .field("device_id", &self.device_id)
            .finish_non_exhaustive()
    }
}

fn request<'a>(
    name: &'a str,
    base: &'a Url,
    method: Method,
    path: &'a str,
    bearer: Option<&'a str>,
) -> Request<'a> {
    Request {
        server: name,
        base,
        method,
        path,
        bearer,
        body: None,
        retry: Retry::Transient,
    }
}

/// `GET /login`: the login types `homeserver` offers.
pub async fn login_types(http: &Http, homeserver: &Url) -> Result<Vec<String>, CallError> {
    let name = homeserver.as_str().trim_end_matches('/');
    let flows: Flows = http
        .call(request(
            name,
            &with_slash(homeserver),
            Method::GET,
            LOGIN,
            None,
        ))
        .await?;
    let mut types: Vec<String> = Vec::new();
    for flow in flows.flows {
        if !types.contains(&flow.kind) {
            types.push(flow.kind);
        }
    }
    Ok(types)
}

/// `url` with a trailing `/`, so that paths join below it.
fn with_slash(url: &Url) -> Url {
    let text = url.as_str();
    if text.ends_with('/') {
        url.clone()
    } else {
        Url::parse(&format!("{text}/")).unwrap_or_else(|_| url.clone())
    }
}

/// Checks that `offered` has a password login.
pub fn check_password_offered(homeserver: &Url, offered: &[String]) -> Result<(), LoginError> {
    if offered.iter().any(|t| t == PASSWORD) {
        return Ok(());
    }
    Err(LoginError::NoPassword {
        homeserver: homeserver.as_str().trim_end_matches('/').to_owned(),
        offered: offered.to_vec(),
    })
}

/// `POST /login` with `m.login.password`, naming the user by `user_id`.
/// Sent again only when the homeserver surely did not act on it (a 429,
/// after the wait it asks for): a second login would leave a device behind.
pub async fn login_password(
    http: &Http,
    homeserver: &Url,
    user_id: &str,
    password: &str,
    device_name: &str,
) -> Result<LoggedIn, LoginError> {
    let name = homeserver.as_str().trim_end_matches('/');
    let body = PasswordLogin {
        kind: PASSWORD,
        identifier: Identifier {
            kind: "m.id.user",
            user: user_id,
        },
        password,
        initial_device_display_name: device_name,
    };
    let base = with_slash(homeserver);
    let answer: Result<LoggedIn, CallError> = http
        .call(
            request(name, &base, Method::POST, LOGIN, None)
                .json(&body)
                .once(),
        )
        .await;
    let logged_in = match answer {
        Ok(logged_in) => logged_in,
        Err(e) if e.status() == Some(403) => {
            return Err(LoginError::Forbidden {
                homeserver: name.to_owned(),
            });
        }
        Err(e) => return Err(e.into()),
    };
    let bad = |problem: String| LoginError::BadAnswer {
        homeserver: name.to_owned(),
        problem,
    };
    check_user_id(&logged_in.user_id).map_err(|why| bad(format!("its `user_id` {why}")))?;
    if logged_in.access_token.is_empty()
        || logged_in
            .access_token
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(bad("its `access_token` is empty or has spaces".to_owned()));
    }
    if logged_in.device_id.is_empty() || logged_in.device_id.chars().any(char::is_control) {
        return Err(bad("its `device_id` is empty or unprintable".to_owned()));
    }
    Ok(logged_in)
}

/// `POST /logout` with the session's own token: the homeserver ends that
/// session (the device goes with it). Repeating it is harmless.
pub async fn logout(http: &Http, homeserver: &Url, token: &str) -> Result<(), CallError> {
    let name = homeserver.as_str().trim_end_matches('/');
    let base = with_slash(homeserver);
    let _: serde::de::IgnoredAny = http
        .call(request(name, &base, Method::POST, LOGOUT, Some(token)).json(&serde_json::json!({})))
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_server_of_a_user_id_is_checked_first() {
        assert_eq!(server_of("@me:example.org"), Ok("example.org"));
        assert_eq!(server_of("@me:[::1]:8448"), Ok("[::1]:8448"));
        assert!(server_of("me:example.org").is_err());
        assert!(server_of("@me").is_err());
        assert!(server_of("@m e:example.org").is_err());
    }

    #[test]
    fn a_server_is_reached_at_its_resolve_url_else_over_https() {
        let mut resolve = BTreeMap::new();
        resolve.insert(
            "hs.example:443".to_owned(),
            Url::parse("http://127.0.0.1:8008/").unwrap(),
        );
        assert_eq!(
            server_base("HS.example", &resolve).unwrap().as_str(),
            "http://127.0.0.1:8008/"
        );
        assert_eq!(
            server_base("other.example:8448", &resolve)
                .unwrap()
                .as_str(),
            "https://other.example:8448/"
        );
    }

    #[test]
    fn the_well_known_names_an_http_homeserver() {
        let doc = json!({"m.homeserver": {"base_url": "https://matrix.example.org/"}});
        assert_eq!(
            base_url_in(&doc).unwrap().as_str(),
            "https://matrix.example.org/"
        );
        for (doc, expected) in [
            (json!({}), "no `m.homeserver.base_url`"),
            (json!({"m.homeserver": {"base_url": 3}}), "not a string"),
            (json!({"m.homeserver": {"base_url": "matrix"}}), "not a URL"),
            (
                json!({"m.homeserver": {"base_url": "ftp://m.example"}}),
                "not an http(s) URL",
            ),
        ] {
            let e = base_url_in(&doc).unwrap_err();
            assert!(e.contains(expected), "{doc}: {e}");
        }
    }

    #[test]
    fn a_homeserver_without_password_login_names_what_it_offers() {
        let hs = Url::parse("https://hs.example/").unwrap();
        let offered = vec!["m.login.sso".to_owned(), "m.login.token".to_owned()];
        let e = check_password_offered(&hs, &offered).unwrap_err();
        assert_eq!(
            e.to_string(),
            "https://hs.example offers no password login (m.login.password): it offers m.login.sso, m.login.token"
        );
        let offered = vec!["m.login.sso".to_owned(), PASSWORD.to_owned()];
        assert!(check_password_offered(&hs, &offered).is_ok());
    }
}
