//! One identity server's endpoints, typed, and the homeserver's. A client
//! holds where its server is reached and never sends a token it is not
//! given for that server.

use std::sync::Arc;

use reqwest::Method;
use serde_json::Value;
use tokio::sync::OnceCell;
use url::Url;

use super::answer::{BatchAnswer, decode_lookup, sent_keys};
use super::error::CallError;
use super::http::{Http, Request, Retry};
use super::wire::{
    AcceptTerms, Account, BindRequest, EmailTokenRequest, HashDetails, HsBindRequest,
    HsUnbindRequest, HsUnbindResponse, LookupRequest, MsisdnTokenRequest, OpenIdToken, PublicKey,
    PushRequest, RegisterResponse, SubmitResult, SubmitToken, Terms, ValidationSession, path,
};
use crate::threepid::Medium;

/// A typed client for one identity server.
#[derive(Clone)]
pub struct IdentityClient {
    http: Http,
    name: String,
    base: Url,
}

impl IdentityClient {
    /// A client for the server known as `name` (a start URL, or `host:port`),
    /// reached at `base`.
    pub fn new(http: Http, name: impl Into<String>, base: Url) -> Self {
        IdentityClient {
            http,
            name: name.into(),
            base,
        }
    }

    /// The server as the user knows it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where it is reached.
    pub fn base(&self) -> &Url {
        &self.base
    }

    fn request<'a>(
        &'a self,
        method: Method,
        path: &'a str,
        bearer: Option<&'a str>,
    ) -> Request<'a> {
        Request {
            server: &self.name,
            base: &self.base,
            method,
            path,
            bearer,
            body: None,
            retry: Retry::Transient,
        }
    }

    /// `GET hash_details`.
    pub async fn hash_details(&self, token: &str) -> Result<HashDetails, CallError> {
        self.http
            .call(self.request(Method::GET, path::HASH_DETAILS, Some(token)))
            .await
    }

    /// `POST lookup`. What the answer says of hashes not in the request is
    /// dropped as it is read. A batch on `trial` (larger than any the
    /// server answered) is not sent again after a 5xx or a reset, which
    /// may refuse its size (see [`Retry::Trial`]).
    pub async fn lookup(
        &self,
        token: &str,
        body: &LookupRequest,
        trial: bool,
    ) -> Result<BatchAnswer, CallError> {
        let sent = sent_keys(body.addresses.iter().map(String::as_str));
        let mut request = self
            .request(Method::POST, path::LOOKUP, Some(token))
            .json(body);
        if trial {
            request.retry = Retry::Trial;
        }
        self.http
            .call_with(request, |answer| decode_lookup(answer, &sent))
            .await
    }

    /// `POST lookups` (MSC4004 push), answered 201 `{}`.
    ///
    /// Sent again only when the server surely did not act on it (no
    /// connection, 429): ToM-server answers 500 to a hash pushed before, so
    /// a 5xx is not transient here, and resending after a timeout or a reset
    /// could turn a stored batch into a 500.
    pub async fn push(&self, token: &str, body: &PushRequest) -> Result<(), CallError> {
        let _: serde::de::IgnoredAny = self.post_once(path::LOOKUPS, token, body).await?;
        Ok(())
    }

    /// `POST account/register`: an OpenID token for an IS token.
    pub async fn register(&self, openid: &OpenIdToken) -> Result<String, CallError> {
        let response: RegisterResponse = self
            .http
            .call(
                self.request(Method::POST, path::REGISTER, None)
                    .json(openid),
            )
            .await?;
        Ok(response.token)
    }

    /// `GET account`: who the token belongs to.
    pub async fn account(&self, token: &str) -> Result<Account, CallError> {
        self.http
            .call(self.request(Method::GET, path::ACCOUNT, Some(token)))
            .await
    }

    /// `GET terms`.
    pub async fn terms(&self) -> Result<Terms, CallError> {
        self.http
            .call(self.request(Method::GET, path::TERMS, None))
            .await
    }

    /// `POST terms`: accept these documents.
    pub async fn accept_terms(&self, token: &str, urls: Vec<String>) -> Result<(), CallError> {
        let body = AcceptTerms { user_accepts: urls };
        let _: serde_json::Value = self
            .http
            .call(
                self.request(Method::POST, path::TERMS, Some(token))
                    .json(&body),
            )
            .await?;
        Ok(())
    }
}

/// The validation and binding endpoints: asked once each, since a repeat
/// could send a second mail or text, or bind twice.
impl IdentityClient {
    /// An authenticated `POST` of `body` to `path`, sent again only when the
    /// server surely did not act on it.
    async fn post_once<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        token: &str,
        body: &impl serde::Serialize,
    ) -> Result<T, CallError> {
        self.http
            .call(
                self.request(Method::POST, path, Some(token))
                    .json(body)
                    .once(),
            )
            .await
    }

    /// `POST validate/email/requestToken`: the server mails a token.
    pub async fn request_email_token(
        &self,
        token: &str,
        body: &EmailTokenRequest,
    ) -> Result<ValidationSession, CallError> {
        let path = path::REQUEST_TOKEN.replace("{medium}", Medium::Email.as_str());
        self.post_once(&path, token, body).await
    }

    /// `POST validate/msisdn/requestToken`: the server texts a token.
    pub async fn request_msisdn_token(
        &self,
        token: &str,
        body: &MsisdnTokenRequest,
    ) -> Result<ValidationSession, CallError> {
        let path = path::REQUEST_TOKEN.replace("{medium}", Medium::Msisdn.as_str());
        self.post_once(&path, token, body).await
    }

    /// `POST validate/{medium}/submitToken`.
    pub async fn submit_token(
        &self,
        token: &str,
        medium: Medium,
        body: &SubmitToken,
    ) -> Result<SubmitResult, CallError> {
        let path = path::SUBMIT_TOKEN.replace("{medium}", medium.as_str());
        self.post_once(&path, token, body).await
    }

    /// `POST 3pid/bind`: the signed association, kept raw so that its
    /// signature can be checked over exactly what was signed.
    pub async fn bind(
        &self,
        token: &str,
        body: &BindRequest,
    ) -> Result<serde_json::Value, CallError> {
        self.post_once(path::BIND, token, body).await
    }

    /// `GET pubkey/{keyId}`: one of the server's signing keys (no token).
    pub async fn public_key(&self, key_id: &str) -> Result<PublicKey, CallError> {
        let encoded: String = url::form_urlencoded::byte_serialize(key_id.as_bytes()).collect();
        let path = path::PUBKEY.replace("{keyId}", &encoded);
        self.http.call(self.request(Method::GET, &path, None)).await
    }
}

/// The homeserver: who the user is, OpenID tokens, the user's account
/// data (`m.identity_server`, `m.accepted_terms`) and 3PID binding; its
/// token goes nowhere else.
#[derive(Clone)]
pub struct HomeserverClient {
    http: Http,
    base: Url,
    name: String,
    token: String,
    /// `whoami`, asked once for every clone (discovery and registration
    /// both need it).
    user_id: Arc<OnceCell<Result<String, CallError>>>,
}

/// `GET`/`PUT` one type of a user's account data.
const ACCOUNT_DATA: &str = "/_matrix/client/v3/user/{userId}/account_data/{type}";

impl HomeserverClient {
    /// A client for the homeserver at `base`, with the user's access token.
    pub fn new(http: Http, base: Url, token: String) -> Self {
        let name = base.as_str().trim_end_matches('/').to_owned();
        HomeserverClient {
            http,
            base,
            name,
            token,
            user_id: Arc::default(),
        }
    }

    /// The homeserver as the user gave it (no trailing `/`).
    pub fn name(&self) -> &str {
        &self.name
    }

    fn request<'a>(&'a self, method: Method, path: &'a str) -> Request<'a> {
        Request {
            server: &self.name,
            base: &self.base,
            method,
            path,
            bearer: Some(&self.token),
            body: None,
            retry: Retry::Transient,
        }
    }

    /// Whether `token` is this homeserver's access token: an identity
    /// server that answers with it must not be sent it back.
    pub fn is_own_token(&self, token: &str) -> bool {
        token == self.token
    }

    /// `GET whoami`: the user's Matrix ID.
    pub async fn whoami(&self) -> Result<String, CallError> {
        let account: Account = self
            .http
            .call(self.request(Method::GET, path::WHOAMI))
            .await?;
        Ok(account.user_id)
    }

    /// The user's Matrix ID, from one `whoami` shared by every clone.
    pub async fn user_id(&self) -> Result<String, CallError> {
        self.user_id.get_or_init(|| self.whoami()).await.clone()
    }

    /// `GET user/{userId}/account_data/{type}`: its content, or `None`
    /// when the user has none of that type (404 `M_NOT_FOUND`, as Synapse
    /// answers).
    pub async fn account_data(
        &self,
        user_id: &str,
        kind: &str,
    ) -> Result<Option<Value>, CallError> {
        let path = account_data_path(user_id, kind);
        match self.http.call(self.request(Method::GET, &path)).await {
            Ok(content) => Ok(Some(content)),
            Err(e) if e.status() == Some(404) && e.errcode() == Some("M_NOT_FOUND") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `PUT user/{userId}/account_data/{type}`: replaces its content
    /// (repeating the same `PUT` is harmless, so it is retried).
    pub async fn set_account_data(
        &self,
        user_id: &str,
        kind: &str,
        content: &Value,
    ) -> Result<(), CallError> {
        let path = account_data_path(user_id, kind);
        let _: serde::de::IgnoredAny = self
            .http
            .call(self.request(Method::PUT, &path).json(content))
            .await?;
        Ok(())
    }

    /// Where a type of the user's account data is, as a person reads it
    /// (the Matrix ID not percent-encoded).
    pub fn account_data_url(&self, user_id: &str, kind: &str) -> String {
        let path = ACCOUNT_DATA
            .replace("{userId}", user_id)
            .replace("{type}", kind);
        format!("{}{path}", self.name)
    }

    /// `POST account/3pid/bind`: the homeserver asks `id_server` to bind the
    /// validated session to its user, passing on `id_access_token` (the one
    /// place an IS token goes elsewhere than its issuer, as the spec has it).
    pub async fn bind_3pid(&self, body: &HsBindRequest) -> Result<(), CallError> {
        let _: serde::de::IgnoredAny = self
            .http
            .call(self.request(Method::POST, path::HS_BIND).json(body).once())
            .await?;
        Ok(())
    }

    /// `POST account/3pid/unbind`: `success` or `no-support`.
    pub async fn unbind_3pid(&self, body: &HsUnbindRequest) -> Result<String, CallError> {
        let answer: HsUnbindResponse = self
            .http
            .call(
                self.request(Method::POST, path::HS_UNBIND)
                    .json(body)
                    .once(),
            )
            .await?;
        Ok(answer.id_server_unbind_result)
    }

    /// `POST openid/request_token`: a fresh OpenID token for one IS.
    pub async fn openid_token(&self, user_id: &str) -> Result<OpenIdToken, CallError> {
        let encoded: String = url::form_urlencoded::byte_serialize(user_id.as_bytes()).collect();
        let path = path::OPENID_REQUEST_TOKEN.replace("{userId}", &encoded);
        self.http
            .call(
                self.request(Method::POST, &path)
                    .json(&serde_json::json!({})),
            )
            .await
    }
}

/// The path of one type of a user's account data, both percent-encoded.
fn account_data_path(user_id: &str, kind: &str) -> String {
    let encode =
        |text: &str| -> String { url::form_urlencoded::byte_serialize(text.as_bytes()).collect() };
    ACCOUNT_DATA
        .replace("{userId}", &encode(user_id))
        .replace("{type}", &encode(kind))
}
