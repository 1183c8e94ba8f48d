//! Binding on the sandbox: validation sessions (`validate/{medium}/*`),
//! `3pid/bind` answering a signed association, `3pid/unbind` for the
//! homeserver, `pubkey/{keyId}`; and the homeserver stub's
//! `account/3pid/bind` and `unbind`, which call the identity server over
//! HTTP as Synapse does. Tokens are "sent" to the [`Outbox`].

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use ed25519_dalek::SigningKey;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::homeserver::HsState;
use super::identity::{IsState, internal};
use super::reply::{self, Answer, Refusal};
use crate::identity::signed;
use crate::identity::wire::{
    BindRequest, EmailTokenRequest, HsBindRequest, HsUnbindRequest, HsUnbindResponse,
    MsisdnTokenRequest, PublicKey, SubmitResult, SubmitToken, UnbindRequest, ValidationSession,
    path,
};
use crate::threepid::{Medium, MsisdnOptions, Region, normalise_email, normalise_msisdn};

/// The one signing key ID of a sandbox identity server.
pub const KEY_ID: &str = "ed25519:0";

/// Associations made by `3pid/bind` last this long (sydent: 100 years).
const LIFETIME_MS: u64 = 100 * 365 * 24 * 3600 * 1000;

/// A validation token a sandbox identity server "sent".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// The identity server's name.
    pub server: String,
    /// `email` or `msisdn`.
    pub medium: Medium,
    /// Where it went (normalised).
    pub address: String,
    /// The token.
    pub token: String,
}

/// Every token sent, shared by the servers of a sandbox.
#[derive(Debug, Default)]
pub(crate) struct Outbox {
    sent: Mutex<Vec<Sent>>,
    echo: AtomicBool,
}

impl Outbox {
    fn send(&self, message: Sent) {
        if self.echo.load(Ordering::Relaxed) {
            eprintln!(
                "[sandbox] {} sent a token to {} {}: {}",
                message.server, message.medium, message.address, message.token
            );
        }
        self.lock().push(message);
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Sent>> {
        self.sent.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Everything sent so far.
    pub fn sent(&self) -> Vec<Sent> {
        self.lock().clone()
    }

    /// Also print each token on stderr, for a person at a prompt.
    pub fn echo(&self, on: bool) {
        self.echo.store(on, Ordering::Relaxed);
    }
}

/// A validation session.
#[derive(Debug, Clone)]
pub(crate) struct Validation {
    medium: Medium,
    address: String,
    client_secret: String,
    token: String,
    send_attempt: u32,
    validated: bool,
}

/// A server's signing key, derived from its name (a sandbox needs no secrecy).
pub(crate) fn signing_key(server: &str) -> SigningKey {
    let seed: [u8; 32] =
        Sha256::digest(format!("mxlookup sandbox signing key {server}").as_bytes()).into();
    SigningKey::from_bytes(&seed)
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn bad_request(errcode: &str, error: &str) -> Refusal {
    reply::matrix_error(StatusCode::BAD_REQUEST, errcode, error)
}

fn no_session() -> Refusal {
    reply::matrix_error(
        StatusCode::NOT_FOUND,
        "M_NO_VALID_SESSION",
        "No valid session was found matching that sid and client secret",
    )
}

/// The specification's grammar: `[0-9a-zA-Z.=_-]`, 1 to 255.
fn check_client_secret(secret: &str) -> Answer<()> {
    let ok = (1..=255).contains(&secret.len())
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".=_-".contains(&b));
    ok.then_some(())
        .ok_or_else(|| bad_request("M_INVALID_PARAM", "Invalid client_secret provided"))
}

type Is = State<Arc<IsState>>;

impl IsState {
    /// Opens (or reuses) a session and sends its token when `send_attempt`
    /// is new; returns the session ID.
    fn open_session(
        &self,
        medium: Medium,
        address: String,
        client_secret: String,
        send_attempt: u32,
    ) -> String {
        let mut inner = self.lock();
        let existing = inner.sessions.iter().find(|(_, v)| {
            v.medium == medium && v.address == address && v.client_secret == client_secret
        });
        let sid = match existing {
            Some((sid, _)) => sid.clone(),
            None => {
                inner.next_sid += 1;
                let sid = inner.next_sid.to_string();
                let token: String = std::iter::repeat_with(|| fastrand::char('0'..='9'))
                    .take(6)
                    .collect();
                inner.sessions.insert(
                    sid.clone(),
                    Validation {
                        medium,
                        address: address.clone(),
                        client_secret,
                        token,
                        send_attempt: 0,
                        validated: false,
                    },
                );
                sid
            }
        };
        let session = inner.sessions.get_mut(&sid).expect("inserted above");
        if send_attempt > session.send_attempt {
            session.send_attempt = send_attempt;
            self.outbox.send(Sent {
                server: self.spec.name.clone(),
                medium,
                address,
                token: session.token.clone(),
            });
        }
        sid
    }

    /// The validated session `sid` with this secret.
    fn validated(&self, sid: &str, client_secret: &str) -> Answer<Validation> {
        let inner = self.lock();
        let session = inner
            .sessions
            .get(sid)
            .filter(|v| v.client_secret == client_secret)
            .ok_or_else(no_session)?;
        if !session.validated {
            return Err(bad_request(
                "M_SESSION_NOT_VALIDATED",
                "This validation session has not yet been completed",
            ));
        }
        Ok(session.clone())
    }
}

/// `POST validate/email/requestToken`.
pub(crate) async fn request_email_token(
    State(is): Is,
    headers: HeaderMap,
    body: Bytes,
) -> Answer<Json<ValidationSession>> {
    is.authorise(&headers, true)?;
    let request: EmailTokenRequest = reply::json_body(&body)?;
    check_client_secret(&request.client_secret)?;
    let address = normalise_email(&request.email)
        .map_err(|_| bad_request("M_INVALID_EMAIL", "Invalid email address"))?;
    let sid = is.open_session(
        Medium::Email,
        address,
        request.client_secret,
        request.send_attempt,
    );
    Ok(Json(ValidationSession { sid }))
}

/// `POST validate/msisdn/requestToken`.
pub(crate) async fn request_msisdn_token(
    State(is): Is,
    headers: HeaderMap,
    body: Bytes,
) -> Answer<Json<Value>> {
    is.authorise(&headers, true)?;
    let request: MsisdnTokenRequest = reply::json_body(&body)?;
    check_client_secret(&request.client_secret)?;
    let options = MsisdnOptions {
        region: request.country.parse::<Region>().ok(),
        bare_digits_are_international: false,
    };
    let msisdn = normalise_msisdn(&request.phone_number, &options)
        .map_err(|_| bad_request("M_INVALID_ADDRESS", "Invalid phone number"))?;
    let sid = is.open_session(
        Medium::Msisdn,
        msisdn.clone(),
        request.client_secret,
        request.send_attempt,
    );
    Ok(Json(
        json!({ "sid": sid, "msisdn": msisdn, "intl_fmt": format!("+{msisdn}") }),
    ))
}

/// `POST validate/{medium}/submitToken`: `success: false` for a wrong token.
pub(crate) async fn submit_token(
    State(is): Is,
    Path(medium): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer<Json<SubmitResult>> {
    is.authorise(&headers, true)?;
    let request: SubmitToken = reply::json_body(&body)?;
    let mut inner = is.lock();
    let session = inner
        .sessions
        .get_mut(&request.sid)
        .filter(|v| v.client_secret == request.client_secret && v.medium.as_str() == medium)
        .ok_or_else(no_session)?;
    let success = session.token == request.token.trim();
    session.validated |= success;
    Ok(Json(SubmitResult { success }))
}

/// `POST 3pid/bind`: binds the validated session to the token's own user
/// and answers the signed association.
pub(crate) async fn bind(State(is): Is, headers: HeaderMap, body: Bytes) -> Answer<Json<Value>> {
    let user = is.authorise(&headers, true)?;
    let request: BindRequest = reply::json_body(&body)?;
    check_client_secret(&request.client_secret)?;
    if request.mxid != user {
        return Err(reply::matrix_error(
            StatusCode::FORBIDDEN,
            "M_UNAUTHORIZED",
            "This user is prohibited from binding to the mxid",
        ));
    }
    let session = is.validated(&request.sid, &request.client_secret)?;
    {
        let mut inner = is.lock();
        inner.bound.insert(
            (session.medium, session.address.clone()),
            request.mxid.clone(),
        );
        inner.indexes.clear();
    }
    let now = now_ms();
    let mut association = json!({
        "address": session.address,
        "medium": session.medium.as_str(),
        "mxid": request.mxid,
        "not_before": now,
        "not_after": now + LIFETIME_MS,
        "ts": now,
    });
    signed::sign(&mut association, &is.spec.name, KEY_ID, &is.signing_key)
        .map_err(|_| internal())?;
    if is.spec.bad_signature {
        association["ts"] = json!(now + 1);
    }
    Ok(Json(association))
}

/// `POST 3pid/unbind`, from the homeserver: `Authorization: X-Matrix
/// origin=…` must name this sandbox's homeserver (its signature is not
/// checked: the sandbox has no federation keys).
pub(crate) async fn unbind(State(is): Is, headers: HeaderMap, body: Bytes) -> Answer<Json<Value>> {
    let origin = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("X-Matrix "))
        .and_then(|v| {
            v.split(',')
                .find_map(|part| part.trim().strip_prefix("origin="))
        })
        .map(|o| o.trim_matches('"').to_owned());
    if origin.as_deref() != Some(is.homeserver_name()) {
        return Err(reply::matrix_error(
            StatusCode::FORBIDDEN,
            "M_FORBIDDEN",
            "Unbinding needs a request signed by the user's homeserver",
        ));
    }
    let request: UnbindRequest = reply::json_body(&body)?;
    let medium: Medium = request
        .threepid
        .medium
        .parse()
        .map_err(|_| bad_request("M_INVALID_PARAM", "Unknown medium"))?;
    let mut inner = is.lock();
    let key = (medium, request.threepid.address);
    if inner.bound.get(&key) != Some(&request.mxid) {
        return Err(reply::matrix_error(
            StatusCode::NOT_FOUND,
            "M_NOT_FOUND",
            "No such association",
        ));
    }
    inner.bound.remove(&key);
    inner.indexes.clear();
    Ok(Json(json!({})))
}

/// `GET pubkey/{keyId}`.
pub(crate) async fn public_key(
    State(is): Is,
    Path(key_id): Path<String>,
) -> Answer<Json<PublicKey>> {
    if key_id != KEY_ID {
        return Err(reply::matrix_error(
            StatusCode::NOT_FOUND,
            "M_NOT_FOUND",
            "The public key was not found",
        ));
    }
    Ok(Json(PublicKey {
        public_key: signed::public_key_base64(&is.signing_key),
    }))
}

type Hs = State<Arc<HsState>>;

/// Where the homeserver stub finds an identity server named `id_server`:
/// by its sandbox name or by the `host:port` of its URL.
fn reach(hs: &HsState, id_server: &str) -> Answer<url::Url> {
    hs.identity_servers()
        .iter()
        .find(|(name, url)| {
            name == id_server
                || url
                    .host_str()
                    .zip(url.port())
                    .is_some_and(|(h, p)| format!("{h}:{p}") == id_server)
        })
        .map(|(_, url)| url.clone())
        .ok_or_else(|| {
            bad_request(
                "M_SERVER_NOT_TRUSTED",
                &format!("Unknown identity server {id_server}"),
            )
        })
}

/// Relays an identity server's refusal as the homeserver's own.
async fn relay(response: reqwest::Response) -> Refusal {
    let status = StatusCode::from_u16(response.status().as_u16())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body: Value = response.json().await.unwrap_or_else(|_| json!({}));
    let errcode = body["errcode"].as_str().unwrap_or("M_UNKNOWN");
    let error = body["error"]
        .as_str()
        .unwrap_or("The identity server refused");
    reply::matrix_error(status, errcode, error)
}

/// Homeserver `POST account/3pid/bind`.
pub(crate) async fn hs_bind(State(hs): Hs, headers: HeaderMap, body: Bytes) -> Answer<Json<Value>> {
    hs.authorise(&headers)?;
    let request: HsBindRequest = reply::json_body(&body)?;
    let url = reach(&hs, &request.id_server)?
        .join(path::BIND)
        .map_err(|_| internal())?;
    let bind = BindRequest {
        sid: request.sid,
        client_secret: request.client_secret,
        mxid: hs.user_id().to_owned(),
    };
    let response = hs
        .http()
        .post(url)
        .bearer_auth(&request.id_access_token)
        .json(&bind)
        .send()
        .await
        .map_err(|_| internal())?;
    if !response.status().is_success() {
        return Err(relay(response).await);
    }
    let association: Value = response.json().await.map_err(|_| internal())?;
    let medium = association["medium"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let address = association["address"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    hs.record_binding(medium, address, request.id_server);
    Ok(Json(json!({})))
}

/// Homeserver `POST account/3pid/unbind`: asks each identity server the
/// binding was made on (or the one named).
pub(crate) async fn hs_unbind(
    State(hs): Hs,
    headers: HeaderMap,
    body: Bytes,
) -> Answer<Json<HsUnbindResponse>> {
    hs.authorise(&headers)?;
    let request: HsUnbindRequest = reply::json_body(&body)?;
    let servers = match &request.id_server {
        Some(server) => vec![server.clone()],
        None => hs.bindings_of(&request.medium, &request.address),
    };
    let mut success = !servers.is_empty();
    for server in servers {
        let url = reach(&hs, &server)?
            .join(path::UNBIND)
            .map_err(|_| internal())?;
        let body = UnbindRequest {
            mxid: hs.user_id().to_owned(),
            threepid: crate::identity::wire::ThreePid {
                medium: request.medium.clone(),
                address: request.address.clone(),
            },
        };
        let response = hs
            .http()
            .post(url)
            .header(
                header::AUTHORIZATION,
                format!(
                    "X-Matrix origin=\"{}\",key=\"ed25519:sandbox\",sig=\"unchecked\"",
                    hs.server_name()
                ),
            )
            .json(&body)
            .send()
            .await
            .map_err(|_| internal())?;
        success &= response.status().is_success();
        if response.status().is_success() {
            hs.forget_binding(&request.medium, &request.address, &server);
        }
    }
    Ok(Json(HsUnbindResponse {
        id_server_unbind_result: if success { "success" } else { "no-support" }.to_owned(),
    }))
}

/// The bindings the homeserver stub made: (medium, address) → servers.
pub(crate) type Bindings = BTreeMap<(String, String), Vec<String>>;
