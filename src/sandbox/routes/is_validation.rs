//! An identity server's binding endpoints: validation sessions
//! (`validate/{medium}/requestToken` and `submitToken`, the token "sent"
//! to the sandbox's outbox), `3pid/bind` answering a signed association,
//! `3pid/unbind` for the homeserver, and `pubkey/{keyId}`.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use serde_json::{Value, json};

use super::auth::is_user;
use crate::identity::signed;
use crate::sandbox::reply::{self, Answer, Refusal, internal};
use crate::sandbox::state::is_state::{IsState, KEY_ID};
use crate::sandbox::state::sessions::SessionProblem;
use crate::sandbox::wire::{
    BindRequest, EmailTokenRequest, MsisdnTokenRequest, PublicKey, SubmitResult, SubmitToken,
    UnbindRequest, ValidationSession, errcode,
};
use crate::threepid::{Medium, MsisdnOptions, Region, normalise_email, normalise_msisdn};

/// Associations made by `3pid/bind` last this long (sydent: 100 years).
const LIFETIME_MS: u64 = 100 * 365 * 24 * 3600 * 1000;

type Is = State<Arc<IsState>>;

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
        .ok_or_else(|| bad_request(errcode::INVALID_PARAM, "Invalid client_secret provided"))
}

/// `POST validate/email/requestToken`.
pub(crate) async fn request_email_token(
    State(is): Is,
    headers: HeaderMap,
    body: Bytes,
) -> Answer<Json<ValidationSession>> {
    is_user(&is, &headers, true)?;
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
    is_user(&is, &headers, true)?;
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
    is_user(&is, &headers, true)?;
    let request: SubmitToken = reply::json_body(&body)?;
    let success = is
        .submit_token(
            &request.sid,
            &request.client_secret,
            &medium,
            &request.token,
        )
        .ok_or_else(no_session)?;
    Ok(Json(SubmitResult { success }))
}

/// `POST 3pid/bind`: binds the validated session to the token's own user
/// and answers the signed association.
pub(crate) async fn bind(State(is): Is, headers: HeaderMap, body: Bytes) -> Answer<Json<Value>> {
    let user = is_user(&is, &headers, true)?;
    let request: BindRequest = reply::json_body(&body)?;
    check_client_secret(&request.client_secret)?;
    if request.mxid != user {
        return Err(reply::matrix_error(
            StatusCode::FORBIDDEN,
            errcode::UNAUTHORIZED,
            "This user is prohibited from binding to the mxid",
        ));
    }
    let session = is
        .validated(&request.sid, &request.client_secret)
        .map_err(|problem| match problem {
            SessionProblem::Unknown => no_session(),
            SessionProblem::NotValidated => bad_request(
                "M_SESSION_NOT_VALIDATED",
                "This validation session has not yet been completed",
            ),
        })?;
    is.bind(
        session.medium,
        session.address.clone(),
        request.mxid.clone(),
    );
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
    if origin.as_deref() != Some(is.homeserver.server_name.as_str()) {
        return Err(reply::matrix_error(
            StatusCode::FORBIDDEN,
            errcode::FORBIDDEN,
            "Unbinding needs a request signed by the user's homeserver",
        ));
    }
    let request: UnbindRequest = reply::json_body(&body)?;
    let medium: Medium = request
        .threepid
        .medium
        .parse()
        .map_err(|_| bad_request(errcode::INVALID_PARAM, "Unknown medium"))?;
    if !is.unbind(medium, request.threepid.address, &request.mxid) {
        return Err(reply::matrix_error(
            StatusCode::NOT_FOUND,
            errcode::NOT_FOUND,
            "No such association",
        ));
    }
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
            errcode::NOT_FOUND,
            "The public key was not found",
        ));
    }
    Ok(Json(PublicKey {
        public_key: signed::public_key_base64(&is.signing_key),
    }))
}
