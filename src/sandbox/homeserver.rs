//! The homeserver stub: one user, `whoami`, OpenID token requests, the
//! federation `userinfo` endpoint identity servers verify those tokens with,
//! and `account/3pid/bind`/`unbind` (in `bind`).

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, OnceLock};

use url::Url;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::bind::{self, Bindings};
use super::config::HomeserverSpec;
use super::reply::{self, Answer, Refusal};
use crate::identity::discovery::WELL_KNOWN;
use crate::identity::wire::{Account, OpenIdToken, errcode, path};

/// OpenID tokens are valid this long (seconds), as Synapse says.
const OPENID_LIFETIME: u64 = 3600;

/// The stub's state.
pub(crate) struct HsState {
    server_name: String,
    user_id: String,
    token: String,
    /// OpenID tokens issued (all for `user_id`).
    openid: Mutex<BTreeSet<String>>,
    /// The identity servers (name, URL) and the client to reach them, once
    /// they run.
    links: OnceLock<(reqwest::Client, Vec<(String, Url)>)>,
    /// Bindings made through `account/3pid/bind`.
    bindings: Mutex<Bindings>,
    /// `/.well-known/matrix/client`, once the servers it names are bound.
    well_known: OnceLock<Value>,
}

impl HsState {
    pub fn new(spec: &HomeserverSpec) -> Arc<Self> {
        Arc::new(HsState {
            server_name: spec.server_name.clone(),
            user_id: spec.user_id.clone(),
            token: spec
                .token
                .clone()
                .unwrap_or_else(|| reply::new_token("syt_sandbox_")),
            openid: Mutex::default(),
            links: OnceLock::new(),
            bindings: Mutex::default(),
            well_known: OnceLock::new(),
        })
    }

    /// Tells the stub where the identity servers are, once they run.
    pub fn link(&self, http: reqwest::Client, servers: Vec<(String, Url)>) {
        let _ = self.links.set((http, servers));
    }

    /// The identity servers, by name and URL.
    pub fn identity_servers(&self) -> &[(String, Url)] {
        self.links.get().map_or(&[], |(_, s)| s.as_slice())
    }

    /// The client it calls identity servers with.
    pub fn http(&self) -> reqwest::Client {
        self.links
            .get()
            .map(|(http, _)| http.clone())
            .unwrap_or_default()
    }

    /// Its one user.
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    /// Its server name.
    pub fn server_name(&self) -> &str {
        &self.server_name
    }

    fn bindings(&self) -> std::sync::MutexGuard<'_, Bindings> {
        self.bindings.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Remembers that `address` was bound on `id_server`.
    pub fn record_binding(&self, medium: String, address: String, id_server: String) {
        let mut bindings = self.bindings();
        let servers = bindings.entry((medium, address)).or_default();
        if !servers.contains(&id_server) {
            servers.push(id_server);
        }
    }

    /// The identity servers `address` was bound on.
    pub fn bindings_of(&self, medium: &str, address: &str) -> Vec<String> {
        self.bindings()
            .get(&(medium.to_owned(), address.to_owned()))
            .cloned()
            .unwrap_or_default()
    }

    /// Forgets one binding.
    pub fn forget_binding(&self, medium: &str, address: &str, id_server: &str) {
        let key = (medium.to_owned(), address.to_owned());
        let mut bindings = self.bindings();
        if let Some(servers) = bindings.get_mut(&key) {
            servers.retain(|s| s != id_server);
            if servers.is_empty() {
                bindings.remove(&key);
            }
        }
    }

    /// The user's access token.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Serves `doc` as `/.well-known/matrix/client` (until then: 404).
    pub fn set_well_known(&self, doc: Value) {
        let _ = self.well_known.set(doc);
    }

    /// Its routes.
    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route(WELL_KNOWN, get(well_known))
            .route(path::WHOAMI, get(whoami))
            .route(
                "/_matrix/client/v3/user/{user_id}/openid/request_token",
                post(request_token),
            )
            .route("/_matrix/federation/v1/openid/userinfo", get(userinfo))
            .route(path::HS_BIND, post(bind::hs_bind))
            .route(path::HS_UNBIND, post(bind::hs_unbind))
            .fallback(reply::not_found)
            .layer(DefaultBodyLimit::disable())
            .with_state(self)
    }

    pub fn authorise(&self, headers: &HeaderMap) -> Answer<()> {
        match reply::bearer(headers) {
            None => Err(reply::matrix_error(
                StatusCode::UNAUTHORIZED,
                "M_MISSING_TOKEN",
                "Missing access token",
            )),
            Some(token) if token == self.token => Ok(()),
            Some(_) => Err(unknown_token()),
        }
    }
}

fn unknown_token() -> Refusal {
    reply::matrix_error(
        StatusCode::UNAUTHORIZED,
        errcode::UNKNOWN_TOKEN,
        "Unrecognised access token",
    )
}

type Hs = State<Arc<HsState>>;

async fn well_known(State(hs): Hs) -> Answer<Json<Value>> {
    match hs.well_known.get() {
        Some(doc) => Ok(Json(doc.clone())),
        None => Err(reply::matrix_error(
            StatusCode::NOT_FOUND,
            "M_NOT_FOUND",
            "No .well-known found",
        )),
    }
}

async fn whoami(State(hs): Hs, headers: HeaderMap) -> Answer<Json<Account>> {
    hs.authorise(&headers)?;
    Ok(Json(Account {
        user_id: hs.user_id.clone(),
    }))
}

async fn request_token(
    State(hs): Hs,
    Path(user_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer<Json<OpenIdToken>> {
    hs.authorise(&headers)?;
    if user_id != hs.user_id {
        return Err(reply::matrix_error(
            StatusCode::FORBIDDEN,
            "M_FORBIDDEN",
            "Cannot request tokens for other users",
        ));
    }
    let _: serde_json::Map<String, Value> = reply::json_body(&body)?;
    let access_token = reply::new_token("oid_");
    hs.openid
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(access_token.clone());
    Ok(Json(OpenIdToken {
        access_token,
        token_type: "Bearer".to_owned(),
        matrix_server_name: hs.server_name.clone(),
        expires_in: OPENID_LIFETIME,
    }))
}

#[derive(Deserialize)]
struct UserInfoQuery {
    access_token: Option<String>,
}

async fn userinfo(State(hs): Hs, Query(query): Query<UserInfoQuery>) -> Answer<Json<Value>> {
    let known = query.access_token.is_some_and(|t| {
        hs.openid
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&t)
    });
    if !known {
        return Err(unknown_token());
    }
    Ok(Json(json!({ "sub": hs.user_id })))
}
