//! The sandbox's own side of the wire: the paths it serves, the requests it
//! decodes and the answers it encodes, for its identity servers and its
//! homeserver stub.
//!
//! These are not the client's types (`crate::identity::wire`) on purpose:
//! the sandbox plays the servers, and a mistake in the client's reading of
//! the protocol must not be mirrored by the servers it is tested against.
//! Each type has only the direction the sandbox needs (a request is
//! decoded, an answer encoded), except the two requests the homeserver stub
//! itself sends to identity servers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Paths served.
pub(crate) mod path {
    /// Identity server `GET`: the status check.
    pub const STATUS: &str = "/_matrix/identity/v2";
    /// Identity server `GET`: algorithms and peppers.
    pub const HASH_DETAILS: &str = "/_matrix/identity/v2/hash_details";
    /// Identity server `POST`: hashed lookup.
    pub const LOOKUP: &str = "/_matrix/identity/v2/lookup";
    /// Identity server `POST`: MSC4004 push of an origin's hashes.
    pub const LOOKUPS: &str = "/_matrix/identity/v2/lookups";
    /// Identity server `POST`: an OpenID token for an IS token.
    pub const REGISTER: &str = "/_matrix/identity/v2/account/register";
    /// Identity server `GET`: whose token this is.
    pub const ACCOUNT: &str = "/_matrix/identity/v2/account";
    /// Identity server `GET` the policies, `POST` to accept them.
    pub const TERMS: &str = "/_matrix/identity/v2/terms";
    /// Identity server `POST`: send an email validation token.
    pub const REQUEST_EMAIL_TOKEN: &str = "/_matrix/identity/v2/validate/email/requestToken";
    /// Identity server `POST`: send an SMS validation token.
    pub const REQUEST_MSISDN_TOKEN: &str = "/_matrix/identity/v2/validate/msisdn/requestToken";
    /// Identity server `POST`: the token received (`{medium}` is captured).
    pub const SUBMIT_TOKEN: &str = "/_matrix/identity/v2/validate/{medium}/submitToken";
    /// Identity server `POST`: bind a validated 3PID; answers it signed.
    pub const BIND: &str = "/_matrix/identity/v2/3pid/bind";
    /// Identity server `POST`: remove an association (from a homeserver).
    pub const UNBIND: &str = "/_matrix/identity/v2/3pid/unbind";
    /// Identity server `GET`: a public key (`{keyId}` is captured).
    pub const PUBKEY: &str = "/_matrix/identity/v2/pubkey/{keyId}";
    /// The prefix of every identity server endpoint but the status check.
    pub const IS_PREFIX: &str = "/_matrix/identity/v2/";

    /// Homeserver `GET`: the client discovery document.
    pub const WELL_KNOWN: &str = "/.well-known/matrix/client";
    /// Homeserver `GET`: whose access token this is.
    pub const WHOAMI: &str = "/_matrix/client/v3/account/whoami";
    /// Homeserver `POST`: an OpenID token (`{user_id}` is captured).
    pub const OPENID_REQUEST_TOKEN: &str = "/_matrix/client/v3/user/{user_id}/openid/request_token";
    /// Homeserver (federation API) `GET`: whose OpenID token this is.
    pub const OPENID_USERINFO: &str = "/_matrix/federation/v1/openid/userinfo";
    /// Homeserver `POST`: bind a validated 3PID on an identity server.
    pub const HS_BIND: &str = "/_matrix/client/v3/account/3pid/bind";
    /// Homeserver `POST`: unbind a 3PID from identity servers.
    pub const HS_UNBIND: &str = "/_matrix/client/v3/account/3pid/unbind";
}

/// Error codes answered.
pub(crate) mod errcode {
    /// Anything else, and 500s.
    pub const UNKNOWN: &str = "M_UNKNOWN";
    /// Terms must be accepted first.
    pub const TERMS_NOT_SIGNED: &str = "M_TERMS_NOT_SIGNED";
    /// The pepper is not the server's.
    pub const INVALID_PEPPER: &str = "M_INVALID_PEPPER";
    /// Too many addresses (sydent), or too large a body.
    pub const TOO_LARGE: &str = "M_TOO_LARGE";
    /// Bad input (ToM also says so of too many addresses).
    pub const INVALID_PARAM: &str = "M_INVALID_PARAM";
    /// Rate limited.
    pub const LIMIT_EXCEEDED: &str = "M_LIMIT_EXCEEDED";
    /// The token is not one the server issued.
    pub const UNKNOWN_TOKEN: &str = "M_UNKNOWN_TOKEN";
    /// No token, or not allowed.
    pub const UNAUTHORIZED: &str = "M_UNAUTHORIZED";
    /// No token (the homeserver's word for it).
    pub const MISSING_TOKEN: &str = "M_MISSING_TOKEN";
    /// Not allowed.
    pub const FORBIDDEN: &str = "M_FORBIDDEN";
    /// No such thing.
    pub const NOT_FOUND: &str = "M_NOT_FOUND";
    /// The body is not JSON.
    pub const NOT_JSON: &str = "M_NOT_JSON";
    /// The body is JSON of the wrong shape.
    pub const BAD_JSON: &str = "M_BAD_JSON";
}

/// `POST lookup`.
#[derive(Debug, Deserialize)]
pub(crate) struct LookupRequest {
    /// `sha256` or `none`.
    pub algorithm: String,
    /// The pepper the hashes were made with.
    pub pepper: String,
    /// Hashes, or `"<address> <medium>"` for `none`.
    pub addresses: Vec<String>,
}

/// `POST lookups` (MSC4004 push).
#[derive(Debug, Deserialize)]
pub(crate) struct PushRequest {
    /// `sha256`.
    pub algorithm: String,
    /// This server's pepper the hashes were made with.
    pub pepper: String,
    /// Origin server → hashes; exactly one origin is accepted.
    pub mappings: BTreeMap<String, Vec<String>>,
}

/// `GET hash_details`.
#[derive(Debug, Serialize)]
pub(crate) struct HashDetails {
    /// Algorithms offered.
    pub algorithms: Vec<String>,
    /// The current pepper.
    pub lookup_pepper: String,
    /// Peppers also accepted, when there are any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alt_lookup_peppers: Option<Vec<String>>,
}

/// An OpenID token: what the homeserver issues, and the body of
/// `account/register` at an identity server.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct OpenIdToken {
    /// The token.
    pub access_token: String,
    /// `Bearer`.
    pub token_type: String,
    /// The homeserver that issued it.
    pub matrix_server_name: String,
    /// Seconds it stays valid.
    pub expires_in: u64,
}

/// The answer to `account/register`.
#[derive(Debug, Serialize)]
pub(crate) struct RegisterResponse {
    /// The IS token.
    pub token: String,
}

/// The answer to `GET account` (identity server) and `whoami` (homeserver).
#[derive(Debug, Serialize)]
pub(crate) struct Account {
    /// The token's user.
    pub user_id: String,
}

/// The answer to `GET terms`.
#[derive(Debug, Serialize)]
pub(crate) struct Terms {
    /// Policy name → policy.
    pub policies: BTreeMap<String, Policy>,
}

/// One policy an identity server asks its users to accept, as `GET terms`
/// serves it and as a federation file describes it.
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
    /// Where to read it; what `POST terms` accepts.
    pub url: String,
}

/// `POST terms`.
#[derive(Debug, Deserialize)]
pub(crate) struct AcceptTerms {
    /// URLs of the documents accepted.
    pub user_accepts: Vec<String>,
}

/// `POST validate/email/requestToken`.
#[derive(Debug, Deserialize)]
pub(crate) struct EmailTokenRequest {
    /// The client's secret.
    pub client_secret: String,
    /// Where to send the token.
    pub email: String,
    /// A token is sent only when this is greater than the last one seen.
    pub send_attempt: u32,
}

/// `POST validate/msisdn/requestToken`.
#[derive(Debug, Deserialize)]
pub(crate) struct MsisdnTokenRequest {
    /// The client's secret.
    pub client_secret: String,
    /// The two-letter region the number is read in.
    pub country: String,
    /// The number.
    pub phone_number: String,
    /// A token is sent only when this is greater than the last one seen.
    pub send_attempt: u32,
}

/// The answer to `validate/email/requestToken`.
#[derive(Debug, Serialize)]
pub(crate) struct ValidationSession {
    /// The session ID.
    pub sid: String,
}

/// `POST validate/{medium}/submitToken`.
#[derive(Debug, Deserialize)]
pub(crate) struct SubmitToken {
    /// The session.
    pub sid: String,
    /// Its secret.
    pub client_secret: String,
    /// The token received.
    pub token: String,
}

/// The answer to `submitToken`.
#[derive(Debug, Serialize)]
pub(crate) struct SubmitResult {
    /// Whether the token was right.
    pub success: bool,
}

/// Identity server `POST 3pid/bind`; the homeserver stub sends it too.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct BindRequest {
    /// The validated session.
    pub sid: String,
    /// Its secret.
    pub client_secret: String,
    /// The Matrix ID to bind to.
    pub mxid: String,
}

/// The answer to `GET pubkey/{keyId}`.
#[derive(Debug, Serialize)]
pub(crate) struct PublicKey {
    /// Unpadded base64.
    pub public_key: String,
}

/// Homeserver `POST account/3pid/bind`.
#[derive(Debug, Deserialize)]
pub(crate) struct HsBindRequest {
    /// The validated session's secret.
    pub client_secret: String,
    /// The IS token to pass on.
    pub id_access_token: String,
    /// The identity server, by name or `host:port`.
    pub id_server: String,
    /// The validated session.
    pub sid: String,
}

/// A 3PID as unbind requests carry it.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ThreePid {
    /// `email` or `msisdn`.
    pub medium: String,
    /// The address.
    pub address: String,
}

/// Homeserver `POST account/3pid/unbind`.
#[derive(Debug, Deserialize)]
pub(crate) struct HsUnbindRequest {
    /// `email` or `msisdn`.
    pub medium: String,
    /// The address.
    pub address: String,
    /// The identity server; absent: each one it was bound on.
    #[serde(default)]
    pub id_server: Option<String>,
}

/// The homeserver's answer to an unbind.
#[derive(Debug, Serialize)]
pub(crate) struct HsUnbindResponse {
    /// `success`, or `no-support`.
    pub id_server_unbind_result: String,
}

/// Identity server `POST 3pid/unbind`, as the homeserver stub sends it.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct UnbindRequest {
    /// The Matrix ID the 3PID is bound to.
    pub mxid: String,
    /// The 3PID.
    pub threepid: ThreePid,
}

/// A Matrix error body, with the extra fields some servers add.
#[derive(Debug, Default, Serialize)]
pub(crate) struct MatrixError {
    /// `M_…`.
    pub errcode: String,
    /// Human-readable text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// `M_LIMIT_EXCEEDED`: how long to wait.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
    /// sydent's `M_INVALID_PEPPER`: the pepper to use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lookup_pepper: Option<String>,
    /// sydent's `M_INVALID_PEPPER`: the algorithm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_policy_reads_its_documents_by_language_and_serves_them_flat() {
        let policy: Policy = toml::from_str(
            "version = \"1.2\"\nen = { name = \"Privacy\", url = \"https://is.example/p-en\" }\n",
        )
        .expect("a policy");
        assert_eq!(policy.documents["en"].url, "https://is.example/p-en");
        assert_eq!(
            serde_json::to_value(&policy).expect("serialises"),
            json!({"version": "1.2", "en": {"name": "Privacy", "url": "https://is.example/p-en"}})
        );
    }

    #[test]
    fn an_error_body_leaves_out_what_it_does_not_have() {
        let body = MatrixError {
            errcode: errcode::INVALID_PEPPER.to_owned(),
            lookup_pepper: Some("abcde".to_owned()),
            ..MatrixError::default()
        };
        assert_eq!(
            serde_json::to_string(&body).expect("serialises"),
            r#"{"errcode":"M_INVALID_PEPPER","lookup_pepper":"abcde"}"#
        );
    }

    #[test]
    fn an_unbind_without_a_server_means_every_one() {
        let request: HsUnbindRequest =
            serde_json::from_value(json!({"medium": "email", "address": "a@b.example"}))
                .expect("decodes");
        assert_eq!(request.id_server, None);
    }
}
