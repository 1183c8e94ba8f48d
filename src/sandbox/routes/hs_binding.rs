//! The homeserver stub's `account/3pid/bind` and `unbind`, which call the
//! identity server over HTTP as Synapse does.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use serde_json::{Value, json};

use super::auth::hs_user;
use crate::sandbox::reply::{self, Answer, Refusal, internal};
use crate::sandbox::state::hs_state::HsState;
use crate::sandbox::wire::{
    BindRequest, HsBindRequest, HsUnbindRequest, HsUnbindResponse, ThreePid, UnbindRequest,
    errcode, path,
};

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
            reply::matrix_error(
                StatusCode::BAD_REQUEST,
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
    let code = body["errcode"].as_str().unwrap_or(errcode::UNKNOWN);
    let error = body["error"]
        .as_str()
        .unwrap_or("The identity server refused");
    reply::matrix_error(status, code, error)
}

/// Homeserver `POST account/3pid/bind`.
pub(crate) async fn hs_bind(State(hs): Hs, headers: HeaderMap, body: Bytes) -> Answer<Json<Value>> {
    hs_user(&hs, &headers)?;
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
    hs_user(&hs, &headers)?;
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
            threepid: ThreePid {
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
