//! The identity service API v2 on the wire (and MSC4004's additions), written
//! by us: ruma's types drop `alt_lookup_peppers` and `third_party_mappings`
//! and fail a whole response on one bad Matrix ID. Decoding here is lenient
//! where servers are known to vary and strict nowhere it would lose answers:
//! a bad value costs that value, not the response.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Endpoint paths.
pub mod path {
    /// `GET`: algorithms and peppers.
    pub const HASH_DETAILS: &str = "/_matrix/identity/v2/hash_details";
    /// `POST`: hashed lookup.
    pub const LOOKUP: &str = "/_matrix/identity/v2/lookup";
    /// `POST`: MSC4004 trusted push of an origin's hashes.
    pub const LOOKUPS: &str = "/_matrix/identity/v2/lookups";
    /// `POST`: exchange an OpenID token for an IS token.
    pub const REGISTER: &str = "/_matrix/identity/v2/account/register";
    /// `GET`: who the IS token belongs to.
    pub const ACCOUNT: &str = "/_matrix/identity/v2/account";
    /// `GET` the policies, `POST` to accept them.
    pub const TERMS: &str = "/_matrix/identity/v2/terms";
    /// Homeserver: `GET` who the access token belongs to.
    pub const WHOAMI: &str = "/_matrix/client/v3/account/whoami";
    /// Homeserver: `POST` an OpenID token request (`{userId}` is substituted).
    pub const OPENID_REQUEST_TOKEN: &str = "/_matrix/client/v3/user/{userId}/openid/request_token";
    /// `POST`: send a validation token (`{medium}` is `email` or `msisdn`).
    pub const REQUEST_TOKEN: &str = "/_matrix/identity/v2/validate/{medium}/requestToken";
    /// `POST`: prove the token received (`{medium}` is `email` or `msisdn`).
    pub const SUBMIT_TOKEN: &str = "/_matrix/identity/v2/validate/{medium}/submitToken";
    /// `POST`: publish a validated 3PID for a Matrix ID; answers the signed association.
    pub const BIND: &str = "/_matrix/identity/v2/3pid/bind";
    /// `POST`: remove an association (homeservers, signed with their key).
    pub const UNBIND: &str = "/_matrix/identity/v2/3pid/unbind";
    /// `GET`: a public signing key (`{keyId}` is substituted, e.g. `ed25519:0`).
    pub const PUBKEY: &str = "/_matrix/identity/v2/pubkey/{keyId}";
    /// Homeserver: `POST` bind a validated 3PID on an identity server.
    pub const HS_BIND: &str = "/_matrix/client/v3/account/3pid/bind";
    /// Homeserver: `POST` unbind a 3PID from identity servers.
    pub const HS_UNBIND: &str = "/_matrix/client/v3/account/3pid/unbind";
}

/// `GET /hash_details`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HashDetails {
    /// Algorithms the server accepts (`sha256`, `none`).
    pub algorithms: Vec<String>,
    /// The pepper to hash with now.
    pub lookup_pepper: String,
    /// Peppers also accepted (ToM: the previous one; `""` until it rotated twice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt_lookup_peppers: Option<Vec<String>>,
}

impl HashDetails {
    /// Whether the server takes `sha256` hashes.
    pub fn offers_sha256(&self) -> bool {
        self.algorithms.iter().any(|a| a == "sha256")
    }

    /// The alternative peppers worth hashing with: not empty (ToM lists `""`
    /// until it has rotated twice), not the current one, each once.
    /// In the server's order; a set tells repeats, as a server may list
    /// millions.
    pub fn alternative_peppers(&self) -> Vec<&str> {
        let mut seen = std::collections::BTreeSet::new();
        let mut peppers: Vec<&str> = Vec::new();
        for pepper in self.alt_lookup_peppers.iter().flatten() {
            if !pepper.is_empty() && *pepper != self.lookup_pepper && seen.insert(pepper.as_str()) {
                peppers.push(pepper);
            }
        }
        peppers
    }
}

/// `POST /lookup` request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupRequest {
    /// `sha256` or `none`.
    pub algorithm: String,
    /// The pepper the hashes were made with.
    pub pepper: String,
    /// Hashes (or `"<address> <medium>"` for `none`).
    pub addresses: Vec<String>,
}

/// `POST /lookup` response. Values are kept raw so that one bad entry costs
/// only that entry: [`LookupResponse::mappings`] and
/// [`LookupResponse::referrals`] decode them one by one. Only a JSON object
/// is an answer: serde would take an array for the fields in order, so `[]`
/// from a broken server would read as "nothing found".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "serde_json::Map<String, Value>")]
pub struct LookupResponse {
    /// Hash → Matrix ID.
    #[serde(default)]
    pub mappings: BTreeMap<String, Value>,
    /// MSC4004: `"host:port"` → hashes that server knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub third_party_mappings: Option<BTreeMap<String, Value>>,
}

/// A referred server's hashes: a flat array in practice; ToM's API
/// description also shows `{"actives": [..], "inactives": [..]}`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Referred {
    /// Hashes to follow.
    pub actives: Vec<String>,
    /// Hashes named but not to be followed.
    pub inactives: Vec<String>,
}

/// The fields of a [`LookupResponse`], decoded from an object only.
#[derive(Deserialize)]
struct LookupFields {
    #[serde(default)]
    mappings: BTreeMap<String, Value>,
    #[serde(default)]
    third_party_mappings: Option<BTreeMap<String, Value>>,
}

impl TryFrom<serde_json::Map<String, Value>> for LookupResponse {
    type Error = serde_json::Error;

    fn try_from(object: serde_json::Map<String, Value>) -> Result<Self, Self::Error> {
        let fields: LookupFields = serde_json::from_value(Value::Object(object))?;
        Ok(LookupResponse {
            mappings: fields.mappings,
            third_party_mappings: fields.third_party_mappings,
        })
    }
}

impl LookupResponse {
    /// The string mappings, and the hashes whose value was not a string.
    pub fn mappings(&self) -> (Vec<(&str, &str)>, Vec<&str>) {
        let mut good = Vec::with_capacity(self.mappings.len());
        let mut bad = Vec::new();
        for (hash, value) in &self.mappings {
            match value.as_str() {
                Some(mxid) => good.push((hash.as_str(), mxid)),
                None => bad.push(hash.as_str()),
            }
        }
        (good, bad)
    }

    /// The referrals by server name, in either shape; a value of neither
    /// shape refers nothing.
    pub fn referrals(&self) -> BTreeMap<&str, Referred> {
        let Some(all) = &self.third_party_mappings else {
            return BTreeMap::new();
        };
        let strings = |v: Option<&Value>| -> Vec<String> {
            v.and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|h| h.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        all.iter()
            .map(|(server, value)| {
                let referred = if value.is_array() {
                    Referred {
                        actives: strings(Some(value)),
                        inactives: Vec::new(),
                    }
                } else {
                    Referred {
                        actives: strings(value.get("actives")),
                        inactives: strings(value.get("inactives")),
                    }
                };
                (server.as_str(), referred)
            })
            .collect()
    }
}

/// `POST /lookups` (MSC4004 push) request: one origin per request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushRequest {
    /// `sha256`.
    pub algorithm: String,
    /// The recipient's pepper the hashes were made with.
    pub pepper: String,
    /// `"origin host:port"` → hashes.
    pub mappings: BTreeMap<String, Vec<String>>,
}

/// An OpenID token from the homeserver; also the body of `account/register`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenIdToken {
    /// The token.
    pub access_token: String,
    /// `Bearer`.
    pub token_type: String,
    /// The homeserver that issued it, which the IS asks to verify it.
    pub matrix_server_name: String,
    /// Seconds it stays valid.
    pub expires_in: u64,
}

/// `POST /account/register` response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterResponse {
    /// The IS token.
    pub token: String,
}

/// `GET /account` (at the IS) or `GET /whoami` (at the homeserver).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The user the token belongs to.
    pub user_id: String,
}

/// `POST validate/email/requestToken`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailTokenRequest {
    /// A secret of the client's (`[0-9a-zA-Z.=_-]`, at most 255).
    pub client_secret: String,
    /// Where the token is sent.
    pub email: String,
    /// A mail is sent only when this is greater than the last one seen.
    pub send_attempt: u32,
}

/// `POST validate/msisdn/requestToken`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MsisdnTokenRequest {
    /// A secret of the client's.
    pub client_secret: String,
    /// The two-letter region the number is read in.
    pub country: String,
    /// The number (E.164 here, which every region reads alike).
    pub phone_number: String,
    /// A message is sent only when this is greater than the last one seen.
    pub send_attempt: u32,
}

/// The answer to `requestToken`: the validation session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationSession {
    /// The session ID (sydent sends a string; a number is taken too).
    #[serde(deserialize_with = "string_or_number")]
    pub sid: String,
}

fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "expected a string, found {other}"
        ))),
    }
}

/// `POST validate/{medium}/submitToken`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitToken {
    /// The session.
    pub sid: String,
    /// The secret given to `requestToken`.
    pub client_secret: String,
    /// The token the user received.
    pub token: String,
}

/// The answer to `submitToken`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitResult {
    /// Whether the token was right.
    pub success: bool,
}

/// `POST 3pid/bind` on an identity server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindRequest {
    /// The validated session.
    pub sid: String,
    /// Its secret.
    pub client_secret: String,
    /// The Matrix ID to bind to (the token's own user in v2).
    pub mxid: String,
}

/// `GET pubkey/{keyId}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicKey {
    /// Unpadded base64.
    pub public_key: String,
}

/// Homeserver `POST account/3pid/bind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HsBindRequest {
    /// The validated session's secret.
    pub client_secret: String,
    /// The IS token the homeserver passes on to the identity server.
    pub id_access_token: String,
    /// The identity server, `host[:port]` (reached over https).
    pub id_server: String,
    /// The validated session.
    pub sid: String,
}

/// A 3PID as unbind requests carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreePid {
    /// `email` or `msisdn`.
    pub medium: String,
    /// The normalised address.
    pub address: String,
}

/// Homeserver `POST account/3pid/unbind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HsUnbindRequest {
    /// `email` or `msisdn`.
    pub medium: String,
    /// The normalised address.
    pub address: String,
    /// The identity server; absent: every one the homeserver bound it on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_server: Option<String>,
}

/// The homeserver's answer to an unbind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HsUnbindResponse {
    /// `success`, or `no-support` when no identity server removed it.
    pub id_server_unbind_result: String,
}

/// Identity server `POST 3pid/unbind`, as a homeserver sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnbindRequest {
    /// The Matrix ID the 3PID is bound to.
    pub mxid: String,
    /// The 3PID.
    pub threepid: ThreePid,
}

/// `GET /terms`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terms {
    /// Policy name → version and per-language documents.
    #[serde(default)]
    pub policies: BTreeMap<String, Policy>,
}

/// One policy of `GET /terms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Its version.
    pub version: String,
    /// Language → document.
    #[serde(flatten)]
    pub documents: BTreeMap<String, PolicyDocument>,
}

/// A policy's document in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyDocument {
    /// Its title.
    pub name: String,
    /// Where to read it; what `POST /terms` accepts.
    pub url: String,
}

/// `POST /terms` request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptTerms {
    /// URLs of the documents accepted.
    pub user_accepts: Vec<String>,
}

/// A Matrix error body. Extra fields some servers add are kept.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MatrixError {
    /// `M_…` code.
    #[serde(default)]
    pub errcode: String,
    /// Human-readable text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// `M_LIMIT_EXCEEDED`: how long to wait.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
    /// sydent's `M_INVALID_PEPPER`: the pepper to use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookup_pepper: Option<String>,
    /// sydent's `M_INVALID_PEPPER`: the algorithm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<String>,
}

/// Error codes mxlookup acts on.
pub mod errcode {
    /// Terms must be accepted first.
    pub const TERMS_NOT_SIGNED: &str = "M_TERMS_NOT_SIGNED";
    /// The pepper is not the server's.
    pub const INVALID_PEPPER: &str = "M_INVALID_PEPPER";
    /// Too many addresses (sydent).
    pub const TOO_LARGE: &str = "M_TOO_LARGE";
    /// Too many addresses (ToM: "Adresses limit of 100 exceeded"), or other bad input.
    pub const INVALID_PARAM: &str = "M_INVALID_PARAM";
    /// Rate limited.
    pub const LIMIT_EXCEEDED: &str = "M_LIMIT_EXCEEDED";
    /// The token is unknown or expired.
    pub const UNKNOWN_TOKEN: &str = "M_UNKNOWN_TOKEN";
    /// No token was given.
    pub const UNAUTHORIZED: &str = "M_UNAUTHORIZED";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn referrals_in_both_shapes() {
        let r: LookupResponse = serde_json::from_value(serde_json::json!({
            "mappings": {"h1": "@a:x", "h2": 7},
            "third_party_mappings": {
                "fed.example:443": ["h3", 4, "h4"],
                "tom.example:8448": {"actives": ["h5"], "inactives": ["h6"]},
                "odd.example:443": "nonsense"
            }
        }))
        .unwrap();
        assert_eq!(r.mappings(), (vec![("h1", "@a:x")], vec!["h2"]));
        let refs = r.referrals();
        assert_eq!(refs["fed.example:443"].actives, vec!["h3", "h4"]);
        assert_eq!(refs["tom.example:8448"].actives, vec!["h5"]);
        assert_eq!(refs["tom.example:8448"].inactives, vec!["h6"]);
        assert!(refs["odd.example:443"].actives.is_empty());
    }

    #[test]
    fn a_lookup_answer_is_an_object() {
        for bad in ["[]", r#"[{"h": "@a:x"}]"#, r#"{"mappings": []}"#, "null"] {
            assert!(
                serde_json::from_str::<LookupResponse>(bad).is_err(),
                "{bad} accepted"
            );
        }
        let empty: LookupResponse = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, LookupResponse::default());
    }

    #[test]
    fn alternative_peppers_skip_the_empty_the_current_and_repeats() {
        let details = HashDetails {
            algorithms: vec!["sha256".into()],
            lookup_pepper: "now".into(),
            alt_lookup_peppers: Some(vec![
                "".into(),
                "before".into(),
                "now".into(),
                "before".into(),
            ]),
        };
        assert_eq!(details.alternative_peppers(), vec!["before"]);
        assert!(details.offers_sha256());
        let none = HashDetails {
            alt_lookup_peppers: None,
            algorithms: vec!["none".into()],
            ..details
        };
        assert!(none.alternative_peppers().is_empty());
        assert!(!none.offers_sha256());
    }

    #[test]
    fn terms_documents_by_language() {
        let t: Terms = serde_json::from_value(serde_json::json!({
            "policies": {"privacy_policy": {"version": "1.2",
                "en": {"name": "Privacy Policy", "url": "https://is.example/privacy-1.2-en.html"}}}
        }))
        .unwrap();
        assert_eq!(
            t.policies["privacy_policy"].documents["en"].url,
            "https://is.example/privacy-1.2-en.html"
        );
    }

    #[test]
    fn sydent_invalid_pepper_carries_the_pepper() {
        let e: MatrixError = serde_json::from_str(
            r#"{"errcode":"M_INVALID_PEPPER","error":"pepper does not match","algorithm":"sha256","lookup_pepper":"abcde"}"#,
        )
        .unwrap();
        assert_eq!(e.lookup_pepper.as_deref(), Some("abcde"));
    }
}
