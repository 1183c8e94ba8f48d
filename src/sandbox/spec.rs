//! The description of a sandbox federation: which identity servers, what
//! they hold, and how each misbehaves. Read from TOML (`--federation FILE`)
//! or built in ([`Federation::default_federation`]).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Deserializer};

use super::error::SandboxError;
use super::wire::Policy;
use crate::threepid::Medium;

/// A whole federation: identity servers and the homeserver stub their users
/// come from.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Federation {
    /// The identity servers, in file order.
    pub servers: Vec<ServerSpec>,
    /// The homeserver stub (OpenID tokens for registration).
    #[serde(default)]
    pub homeserver: HomeserverSpec,
    /// A CardDAV server holding address books, when described.
    #[serde(default)]
    pub dav: Option<super::dav_spec::DavSpec>,
}

/// The homeserver stub.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HomeserverSpec {
    /// Its server name, as OpenID tokens carry it (`matrix_server_name`).
    #[serde(default = "default_hs_name")]
    pub server_name: String,
    /// Its one user, who owns every token of the sandbox.
    #[serde(default = "default_hs_user")]
    pub user_id: String,
    /// A fixed access token for that user; random when absent.
    #[serde(default)]
    pub token: Option<String>,
    /// What its `/.well-known/matrix/client` names; absent: it answers 404.
    #[serde(default)]
    pub well_known: Option<WellKnownSpec>,
    /// The user's account data at the start; a type not set answers 404
    /// `M_NOT_FOUND`, as Synapse does. Clients may change it (`PUT`).
    #[serde(default)]
    pub account_data: AccountDataSpec,
    /// The user's password, for `POST /login` (`m.login.password`);
    /// absent: every password login is refused (403 `M_FORBIDDEN`).
    #[serde(default)]
    pub password: Option<String>,
    /// The login types `GET /login` offers, in order (default
    /// `["m.login.password"]`); without `m.login.password` (e.g.
    /// `["m.login.sso", "m.login.token"]`), a password login is refused as
    /// an unknown login type (400 `M_UNKNOWN`), as Synapse does.
    #[serde(default = "default_login_flows")]
    pub login_flows: Vec<String>,
}

/// The homeserver user's account data at the start.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountDataSpec {
    /// `m.identity_server`'s `base_url`, the identity server the user
    /// chose: the name (`host:port`) of a server of the federation, served
    /// as its URL, or anything else, served verbatim.
    #[serde(default)]
    pub identity_server: Option<String>,
    /// `m.identity_server` is `{"base_url": null}`: the user chose to use
    /// no identity server.
    #[serde(default)]
    pub no_identity_server: bool,
    /// `m.accepted_terms`'s `accepted`: the URLs of the terms documents the
    /// user accepted (in any client).
    #[serde(default)]
    pub accepted_terms: Option<Vec<String>>,
    /// Any type's content as JSON text, served verbatim (it replaces what
    /// the keys above give that type; a server name as `base_url` is still
    /// served as its URL).
    #[serde(default)]
    pub raw: BTreeMap<String, String>,
}

/// The identity servers a homeserver's `/.well-known/matrix/client` names.
/// Each is the name (`host:port`) of a server of the federation, served as
/// its URL, or anything else, served verbatim.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WellKnownSpec {
    /// `m.identity_server.base_url`.
    #[serde(default)]
    pub identity_server: Option<String>,
    /// `m.federated_identity_services.base_urls` (ToM/Twake).
    #[serde(default)]
    pub federated_identity_services: Vec<String>,
}

impl Default for HomeserverSpec {
    fn default() -> Self {
        HomeserverSpec {
            server_name: default_hs_name(),
            user_id: default_hs_user(),
            token: None,
            well_known: None,
            account_data: AccountDataSpec::default(),
            password: None,
            login_flows: default_login_flows(),
        }
    }
}

/// One identity server: what it holds and its knobs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSpec {
    /// Its name as referrals carry it, `host:port` (an opaque label: the
    /// sandbox never resolves it).
    pub name: String,
    /// Whether it is a start server (the client's `-s`).
    #[serde(default)]
    pub start: bool,
    /// Algorithms offered in `hash_details` (`sha256`, `none`).
    #[serde(default = "default_algorithms")]
    pub algorithms: Vec<String>,
    /// The current lookup pepper.
    pub pepper: String,
    /// Alternative peppers also accepted (`""` is listed but matches nothing).
    #[serde(default)]
    pub alt_peppers: Vec<String>,
    /// A lookup with a pepper not offered answers 400 `M_INVALID_PEPPER`
    /// (sydent); when false, it silently finds nothing (ToM).
    #[serde(default = "yes")]
    pub check_pepper: bool,
    /// `M_INVALID_PEPPER` carries `lookup_pepper` and `algorithm` (sydent).
    #[serde(default)]
    pub pepper_in_error: bool,
    /// The pepper changes right after each of the first N `hash_details`
    /// served (`true` is 1, `false` 0): a rotation between a client's
    /// `hash_details` and its lookup, which a refetch then gets past.
    #[serde(default, deserialize_with = "count_or_bool")]
    pub rotate_after_hash_details: u32,
    /// A fixed pre-issued IS token; random when absent.
    #[serde(default)]
    pub access_token: Option<String>,
    /// At most this many addresses per lookup.
    #[serde(default)]
    pub address_limit: Option<usize>,
    /// How a lookup over `address_limit` is refused.
    #[serde(default)]
    pub limit_style: LimitStyle,
    /// A request body over this many bytes gets the connection reset, with
    /// no HTTP answer (sydent).
    #[serde(default)]
    pub max_body_bytes: Option<usize>,
    /// A request body over this many bytes is answered 500
    /// `{"error": "request entity too large"}`, no `errcode` (ToM's
    /// federated identity server: its JSON body parser's "100kb", 102,400
    /// bytes).
    #[serde(default)]
    pub body_limit_500: Option<usize>,
    /// How long every request takes, in milliseconds, from its arrival to
    /// its answer (its handling included, unless that takes longer).
    #[serde(default)]
    pub latency_ms: u64,
    /// The first N lookup requests answer 500.
    #[serde(default)]
    pub fail_first: u32,
    /// Every request answers 500 with an HTML page.
    #[serde(default)]
    pub down: bool,
    /// Requests over a rate answer 429.
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
    /// The shape of `third_party_mappings` values.
    #[serde(default)]
    pub referral_style: ReferralStyle,
    /// Policies to accept before authenticated calls succeed.
    #[serde(default)]
    pub terms: BTreeMap<String, Policy>,
    /// Address → Matrix ID associations.
    #[serde(default)]
    pub associations: Vec<Association>,
    /// Address → other identity server referrals (MSC4004).
    #[serde(default)]
    pub referrals: Vec<Referral>,
    /// Hostile: server name → hashes nobody asked about, added to the
    /// `third_party_mappings` of every lookup answer.
    #[serde(default)]
    pub stray_referrals: BTreeMap<String, Vec<String>>,
    /// Hostile: hash → Matrix ID nobody asked about, added to the
    /// `mappings` of every lookup answer.
    #[serde(default)]
    pub stray_mappings: BTreeMap<String, String>,
    /// Hostile: the association `3pid/bind` answers is changed after it was
    /// signed, so that its signature does not verify.
    #[serde(default)]
    pub bad_signature: bool,
    /// Hostile: this many more made-up hashes (`stray-0`, `stray-1`…),
    /// nobody sent, listed for every server of `stray_referrals`.
    #[serde(default)]
    pub stray_hashes: u32,
    /// Hostile: the pepper changes after every `hash_details` and every
    /// lookup served, so that no pepper a client learns is still good when
    /// it uses it.
    #[serde(default)]
    pub rotate_every_request: bool,
    /// Hostile: every lookup answers 400 `M_INVALID_PEPPER`, whatever the
    /// pepper; with `pepper_in_error`, the error names the very pepper the
    /// request used.
    #[serde(default)]
    pub invalid_pepper_forever: bool,
    /// Hostile: every authorised lookup answers 200 `application/json` with
    /// this text verbatim, JSON or not, of the expected shape or not.
    #[serde(default)]
    pub raw_lookup_body: Option<String>,
    /// Hostile: `account/register` answers with the homeserver user's own
    /// access token (which no identity server is ever sent) as its IS token,
    /// and accepts it afterwards.
    #[serde(default)]
    pub echo_homeserver_token: bool,
}

/// An association this server holds.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Association {
    /// `email` or `msisdn`.
    #[serde(deserialize_with = "medium")]
    pub medium: Medium,
    /// The address, normalised (emails are case-folded on load, as sydent
    /// stores them).
    pub address: String,
    /// Served verbatim, valid or not: this is how to serve bad Matrix IDs.
    pub mxid: String,
    /// Indexed only under the alternative peppers.
    #[serde(default)]
    pub only_alt: bool,
}

/// A referral this server answers with (`third_party_mappings`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Referral {
    /// `email` or `msisdn`.
    #[serde(deserialize_with = "medium")]
    pub medium: Medium,
    /// The address, normalised.
    pub address: String,
    /// The server referred to, normally `host:port`; served verbatim, and it
    /// need not be in the federation.
    pub server: String,
    /// Listed under `inactives` (only in the `actives` referral style;
    /// left out of flat arrays).
    #[serde(default)]
    pub inactive: bool,
}

/// How an over-long lookup is refused.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitStyle {
    /// sydent: 400 `M_TOO_LARGE`.
    #[default]
    TooLarge,
    /// ToM's federated identity server: 400 `M_INVALID_PARAM` "Adresses
    /// limit of N exceeded".
    InvalidParam,
    /// A plain ToM identity server: 400 `M_INVALID_PARAM` "Invalid Param",
    /// which names neither a limit nor a number.
    InvalidParamPlain,
}

/// The shape of a referral's hashes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralStyle {
    /// A flat array of hashes (what servers do).
    #[default]
    Flat,
    /// `{"actives": [..], "inactives": [..]}` (ToM's API description).
    Actives,
}

/// A rate limit.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Requests allowed per window; the next ones answer 429 (0: every
    /// request does, forever).
    pub requests: u32,
    /// The window, in milliseconds (fixed windows, from the first request).
    pub window_ms: u64,
    /// The 429's body.
    #[serde(default)]
    pub style: RateLimitStyle,
    /// `Retry-After` (and `retry_after_ms` in the matrix style), in seconds.
    #[serde(default)]
    pub retry_after_s: u64,
    /// `Retry-After` is sent as an HTTP date (RFC 9110 §10.2.3):
    /// `retry_after_s` from now, and never before the window ends,
    /// rounded up to the second.
    #[serde(default)]
    pub retry_after_date: bool,
    /// Endpoints counted, as the path after `/_matrix/identity/v2/`
    /// (`lookup`, `hash_details`, `account/register`…); empty: all requests.
    #[serde(default)]
    pub endpoints: Vec<String>,
}

/// The body of a 429.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateLimitStyle {
    /// `M_LIMIT_EXCEEDED` with `retry_after_ms` (the spec).
    #[default]
    Matrix,
    /// A non-JSON page (ToM's rate limiter).
    Plain,
}

impl Federation {
    /// Parses and checks a federation description.
    pub fn from_toml(text: &str) -> Result<Self, SandboxError> {
        let federation: Federation =
            toml::from_str(text).map_err(|error| SandboxError::Parse { path: None, error })?;
        federation.validate()?;
        Ok(federation)
    }

    /// Reads, parses and checks a federation file; errors name the file.
    pub fn load(path: &Path) -> Result<Self, SandboxError> {
        let text = std::fs::read_to_string(path).map_err(|error| SandboxError::Read {
            path: path.to_owned(),
            error,
        })?;
        Federation::from_toml(&text).map_err(|e| e.in_file(path))
    }

    /// Checks what serde cannot: unique `host:port` names, a start server,
    /// known algorithms, sane limits.
    pub fn validate(&self) -> Result<(), SandboxError> {
        let invalid = |problem: String| SandboxError::Invalid {
            path: None,
            problem,
        };
        if !self.servers.iter().any(|s| s.start) {
            return Err(invalid("no server has `start = true`".into()));
        }
        let mut names = BTreeSet::new();
        for server in &self.servers {
            if !names.insert(server.name.as_str()) {
                return Err(invalid(format!(
                    "server `{}` is described twice",
                    server.name
                )));
            }
            server
                .validate()
                .map_err(|problem| invalid(format!("server `{}`: {problem}", server.name)))?;
        }
        self.homeserver.validate().map_err(invalid)?;
        match &self.dav {
            Some(dav) => dav.validate().map_err(invalid),
            None => Ok(()),
        }
    }
}

impl ServerSpec {
    fn validate(&self) -> Result<(), String> {
        check_server_name(&self.name)?;
        if self.algorithms.is_empty() {
            return Err("`algorithms` is empty".into());
        }
        if let Some(bad) = self
            .algorithms
            .iter()
            .find(|a| *a != "sha256" && *a != "none")
        {
            return Err(format!(
                "unknown algorithm `{bad}` (expected sha256 or none)"
            ));
        }
        if self.address_limit == Some(0) {
            return Err("`address_limit` must be at least 1".into());
        }
        if self.max_body_bytes == Some(0) {
            return Err("`max_body_bytes` must be at least 1".into());
        }
        if self.body_limit_500 == Some(0) {
            return Err("`body_limit_500` must be at least 1".into());
        }
        if let Some(limit) = &self.rate_limit
            && limit.window_ms == 0
        {
            return Err("`rate_limit` needs `window_ms` above 0".into());
        }
        if self.terms.values().any(|p| p.documents.is_empty()) {
            return Err("a policy in `terms` has no document".into());
        }
        Ok(())
    }
}

impl HomeserverSpec {
    fn validate(&self) -> Result<(), String> {
        let suffix = format!(":{}", self.server_name);
        if self.server_name.is_empty()
            || !self.user_id.starts_with('@')
            || !self.user_id.ends_with(&suffix)
        {
            return Err(format!(
                "homeserver: `user_id` `{}` is not a user of `{}`",
                self.user_id, self.server_name
            ));
        }
        self.account_data.validate()
    }
}

impl AccountDataSpec {
    fn validate(&self) -> Result<(), String> {
        if self.identity_server.is_some() && self.no_identity_server {
            return Err(
                "homeserver.account_data: `identity_server` and `no_identity_server` contradict each other"
                    .into(),
            );
        }
        for (kind, text) in &self.raw {
            match serde_json::from_str::<serde_json::Value>(text) {
                Ok(serde_json::Value::Object(_)) => {}
                Ok(_) => {
                    return Err(format!(
                        "homeserver.account_data.raw: `{kind}` is not a JSON object"
                    ));
                }
                Err(e) => {
                    return Err(format!(
                        "homeserver.account_data.raw: `{kind}` is not JSON: {e}"
                    ));
                }
            }
        }
        Ok(())
    }

    /// Each type's content; `base_url` still as written (a name, maybe).
    pub(crate) fn contents(&self) -> BTreeMap<String, serde_json::Value> {
        use serde_json::{Value, json};
        let mut contents = BTreeMap::new();
        if let Some(url) = &self.identity_server {
            contents.insert("m.identity_server".to_owned(), json!({ "base_url": url }));
        }
        if self.no_identity_server {
            contents.insert(
                "m.identity_server".to_owned(),
                json!({ "base_url": Value::Null }),
            );
        }
        if let Some(urls) = &self.accepted_terms {
            contents.insert("m.accepted_terms".to_owned(), json!({ "accepted": urls }));
        }
        for (kind, text) in &self.raw {
            if let Ok(content) = serde_json::from_str(text) {
                contents.insert(kind.clone(), content);
            }
        }
        contents
    }
}

/// A server name must be `host:port`, as referrals carry it.
fn check_server_name(name: &str) -> Result<(), String> {
    let ok = name.rsplit_once(':').is_some_and(|(host, port)| {
        !host.is_empty()
            && !host.contains(|c: char| c.is_whitespace() || c == '/' || c.is_control())
            && port.parse::<u16>().is_ok_and(|p| p > 0)
    });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a server name of the form host:port"
        ))
    }
}

fn medium<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Medium, D::Error> {
    let text = String::deserialize(deserializer)?;
    text.parse().map_err(serde::de::Error::custom)
}

/// `true` is 1, `false` 0, else a count.
fn count_or_bool<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum CountOrBool {
        Bool(bool),
        Count(u32),
    }
    Ok(match CountOrBool::deserialize(deserializer)? {
        CountOrBool::Bool(yes) => u32::from(yes),
        CountOrBool::Count(n) => n,
    })
}

fn default_hs_name() -> String {
    "hs.example".into()
}

fn default_hs_user() -> String {
    "@sandbox:hs.example".into()
}

fn default_login_flows() -> Vec<String> {
    vec!["m.login.password".into()]
}

fn default_algorithms() -> Vec<String> {
    vec!["sha256".into()]
}

fn yes() -> bool {
    true
}
