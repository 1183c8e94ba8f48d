//! An identity server's account endpoints: the status check,
//! `account/register` (an OpenID token, verified with the homeserver, for
//! an IS token), `account`, `terms`, and `hash_details`.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::auth::is_user;
use crate::sandbox::reply::{self, Answer, internal};
use crate::sandbox::state::is_state::IsState;
use crate::sandbox::wire::{
    AcceptTerms, Account, HashDetails, OpenIdToken, RegisterResponse, Terms, errcode, path,
};

type Is = State<Arc<IsState>>;

/// `GET /_matrix/identity/v2`: the status check.
pub(crate) async fn status() -> Json<serde_json::Value> {
    Json(serde_json::json!({}))
}

/// `GET hash_details`, which may rotate the pepper after it is served.
pub(crate) async fn hash_details(State(is): Is, headers: HeaderMap) -> Answer<Json<HashDetails>> {
    is_user(&is, &headers, true)?;
    let alt = &is.spec.alt_peppers;
    Ok(Json(HashDetails {
        algorithms: is.spec.algorithms.clone(),
        lookup_pepper: is.serve_pepper(),
        alt_lookup_peppers: (!alt.is_empty()).then(|| alt.clone()),
    }))
}

/// `POST account/register`.
pub(crate) async fn register(State(is): Is, body: Bytes) -> Answer<Json<RegisterResponse>> {
    let openid: OpenIdToken = reply::json_body(&body)?;
    let user = verify_openid(&is, &openid).await?;
    Ok(Json(RegisterResponse {
        token: is.register(user),
    }))
}

/// Asks the homeserver whose OpenID token this is.
async fn verify_openid(is: &IsState, openid: &OpenIdToken) -> Answer<String> {
    let link = &is.homeserver;
    if openid.matrix_server_name != link.server_name {
        return Err(reply::matrix_error(
            StatusCode::UNAUTHORIZED,
            errcode::UNAUTHORIZED,
            &format!("Cannot verify tokens of {}", openid.matrix_server_name),
        ));
    }
    let mut url = link
        .url
        .join(path::OPENID_USERINFO)
        .map_err(|_| internal())?;
    url.query_pairs_mut()
        .append_pair("access_token", &openid.access_token);
    let response = link.http.get(url).send().await.map_err(|_| internal())?;
    let unknown = || {
        reply::matrix_error(
            StatusCode::UNAUTHORIZED,
            errcode::UNKNOWN_TOKEN,
            "The OpenID token was not accepted by the homeserver",
        )
    };
    if !response.status().is_success() {
        return Err(unknown());
    }
    let info: serde_json::Value = response.json().await.map_err(|_| unknown())?;
    let sub = info
        .get("sub")
        .and_then(|s| s.as_str())
        .ok_or_else(unknown)?;
    if !sub.ends_with(&format!(":{}", link.server_name)) {
        return Err(unknown());
    }
    Ok(sub.to_owned())
}

/// `GET account` needs a token but not the terms (as in sydent).
pub(crate) async fn account(State(is): Is, headers: HeaderMap) -> Answer<Json<Account>> {
    let user_id = is_user(&is, &headers, false)?;
    Ok(Json(Account { user_id }))
}

/// `GET terms`.
pub(crate) async fn terms(State(is): Is) -> Json<Terms> {
    Json(Terms {
        policies: is.spec.terms.clone(),
    })
}

/// `POST terms`.
pub(crate) async fn accept_terms(
    State(is): Is,
    headers: HeaderMap,
    body: Bytes,
) -> Answer<Response> {
    let user = is_user(&is, &headers, false)?;
    let accept: AcceptTerms = reply::json_body(&body)?;
    is.accept_terms(user, accept.user_accepts);
    Ok(Json(serde_json::json!({})).into_response())
}
