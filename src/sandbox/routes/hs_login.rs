//! The homeserver stub's login and logout, as Synapse answers them:
//! `GET /login` lists the login types offered, `POST /login` with
//! `m.login.password` (the user named by `identifier` `m.id.user`, its full
//! ID or its localpart, or by the older top-level `user`) creates a device
//! and its token, `POST /logout` ends the session of the token it is sent.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::unknown_token;
use crate::sandbox::reply::{self, Answer};
use crate::sandbox::state::hs_logins::Refused;
use crate::sandbox::state::hs_state::HsState;
use crate::sandbox::wire::errcode;

/// `GET` the login types, `POST` a login.
pub(crate) const LOGIN: &str = "/_matrix/client/v3/login";
/// `POST`: end the session of the token sent.
pub(crate) const LOGOUT: &str = "/_matrix/client/v3/logout";

type Hs = State<Arc<HsState>>;

/// `GET /login`: `{"flows": [{"type": ..}, ..]}`.
pub(crate) async fn login_types(State(hs): Hs) -> Json<Value> {
    let flows: Vec<Value> = hs
        .logins()
        .flows()
        .iter()
        .map(|kind| json!({ "type": kind }))
        .collect();
    Json(json!({ "flows": flows }))
}

#[derive(Deserialize)]
pub(crate) struct LoginBody {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    identifier: Option<Identifier>,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    initial_device_display_name: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct Identifier {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    user: Option<String>,
}

/// `POST /login`: `{user_id, access_token, device_id, home_server}`; 403
/// `M_FORBIDDEN` for a wrong user or password, 400 `M_UNKNOWN` for a login
/// type not offered.
pub(crate) async fn login(State(hs): Hs, body: Bytes) -> Answer<Json<Value>> {
    let body: LoginBody = reply::json_body(&body)?;
    let unknown_type = || {
        reply::matrix_error(
            StatusCode::BAD_REQUEST,
            errcode::UNKNOWN,
            &format!("Unknown login type {}", body.kind),
        )
    };
    if body.kind != "m.login.password" {
        return Err(unknown_type());
    }
    let user = match &body.identifier {
        Some(id) if id.kind == "m.id.user" => id.user.clone(),
        Some(_) => None,
        None => body.user.clone(),
    };
    let (Some(user), Some(password)) = (user, body.password.as_deref()) else {
        return Err(reply::matrix_error(
            StatusCode::BAD_REQUEST,
            errcode::BAD_JSON,
            "Missing user or password",
        ));
    };
    let display_name = body.initial_device_display_name.clone();
    match hs.logins().login(&user, password, display_name) {
        Ok((token, device)) => Ok(Json(json!({
            "user_id": hs.user_id(),
            "access_token": token,
            "device_id": device.id,
            "home_server": hs.server_name(),
        }))),
        Err(Refused::NotOffered) => Err(unknown_type()),
        Err(Refused::Forbidden) => Err(reply::matrix_error(
            StatusCode::FORBIDDEN,
            errcode::FORBIDDEN,
            "Invalid username or password",
        )),
    }
}

/// `POST /logout`: `{}`, and the token is no longer accepted; 401
/// `M_UNKNOWN_TOKEN` for a token not live.
pub(crate) async fn logout(State(hs): Hs, headers: HeaderMap) -> Answer<Json<Value>> {
    let Some(token) = reply::bearer(&headers) else {
        return Err(reply::matrix_error(
            StatusCode::UNAUTHORIZED,
            errcode::MISSING_TOKEN,
            "Missing access token",
        ));
    };
    if hs.logins().logout(token) {
        Ok(Json(json!({})))
    } else {
        Err(unknown_token())
    }
}
