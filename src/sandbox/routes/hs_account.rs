//! The homeserver stub's own endpoints: `/.well-known/matrix/client`,
//! `whoami`, the user's account data, OpenID token requests, and the
//! federation `userinfo` endpoint identity servers verify those tokens
//! with.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{hs_user, unknown_token};
use crate::sandbox::reply::{self, Answer};
use crate::sandbox::state::hs_state::HsState;
use crate::sandbox::wire::{Account, OpenIdToken, errcode};

/// OpenID tokens are valid this long (seconds), as Synapse says.
const OPENID_LIFETIME: u64 = 3600;

/// One type of a user's account data (`GET` and `PUT`).
pub(crate) const ACCOUNT_DATA: &str = "/_matrix/client/v3/user/{user_id}/account_data/{kind}";

type Hs = State<Arc<HsState>>;

/// `GET /.well-known/matrix/client`: 404 until the sandbox set it.
pub(crate) async fn well_known(State(hs): Hs) -> Answer<Json<Value>> {
    match hs.well_known() {
        Some(doc) => Ok(Json(doc.clone())),
        None => Err(reply::matrix_error(
            StatusCode::NOT_FOUND,
            errcode::NOT_FOUND,
            "No .well-known found",
        )),
    }
}

/// `GET account/whoami`.
pub(crate) async fn whoami(State(hs): Hs, headers: HeaderMap) -> Answer<Json<Account>> {
    hs_user(&hs, &headers)?;
    Ok(Json(Account {
        user_id: hs.user_id().to_owned(),
    }))
}

/// `POST user/{user_id}/openid/request_token`, for its own user only.
pub(crate) async fn request_token(
    State(hs): Hs,
    Path(user_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer<Json<OpenIdToken>> {
    hs_user(&hs, &headers)?;
    if user_id != hs.user_id() {
        return Err(reply::matrix_error(
            StatusCode::FORBIDDEN,
            errcode::FORBIDDEN,
            "Cannot request tokens for other users",
        ));
    }
    let _: serde_json::Map<String, Value> = reply::json_body(&body)?;
    Ok(Json(OpenIdToken {
        access_token: hs.issue_openid(),
        token_type: "Bearer".to_owned(),
        matrix_server_name: hs.server_name().to_owned(),
        expires_in: OPENID_LIFETIME,
    }))
}

/// The user's own account data only, as Synapse has it: 403 for another's.
fn own_account_data(hs: &HsState, headers: &HeaderMap, user_id: &str) -> Answer<()> {
    hs_user(hs, headers)?;
    if user_id != hs.user_id() {
        return Err(reply::matrix_error(
            StatusCode::FORBIDDEN,
            errcode::FORBIDDEN,
            "Cannot get or set account data for other users.",
        ));
    }
    Ok(())
}

/// `GET user/{user_id}/account_data/{kind}`: 404 `M_NOT_FOUND` when unset.
pub(crate) async fn get_account_data(
    State(hs): Hs,
    Path((user_id, kind)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer<Json<Value>> {
    own_account_data(&hs, &headers, &user_id)?;
    hs.account_data_of(&kind).map(Json).ok_or_else(|| {
        reply::matrix_error(
            StatusCode::NOT_FOUND,
            errcode::NOT_FOUND,
            "Account data not found",
        )
    })
}

/// `PUT user/{user_id}/account_data/{kind}`: the content, a JSON object,
/// replaces what was there.
pub(crate) async fn put_account_data(
    State(hs): Hs,
    Path((user_id, kind)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer<Json<Value>> {
    own_account_data(&hs, &headers, &user_id)?;
    let content: serde_json::Map<String, Value> = reply::json_body(&body)?;
    hs.set_account_data(kind, Value::Object(content));
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
pub(crate) struct UserInfoQuery {
    access_token: Option<String>,
}

/// `GET /_matrix/federation/v1/openid/userinfo`.
pub(crate) async fn userinfo(
    State(hs): Hs,
    Query(query): Query<UserInfoQuery>,
) -> Answer<Json<Value>> {
    if !query.access_token.is_some_and(|t| hs.knows_openid(&t)) {
        return Err(unknown_token());
    }
    Ok(Json(json!({ "sub": hs.user_id() })))
}
