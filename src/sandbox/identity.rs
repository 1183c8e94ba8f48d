//! One identity server: its state (pepper, tokens, accepted terms, pushed
//! hashes), its routes, and the account, terms and `hash_details`
//! endpoints. Lookups and pushes are in `lookup`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use url::Url;

use super::bind::{self, Outbox, Validation};
use super::config::ServerSpec;
use super::lookup::{self, Index, IndexKey};
use super::reply::{self, Answer, Refusal};
use crate::identity::wire::{
    AcceptTerms, Account, HashDetails, OpenIdToken, RegisterResponse, Terms, errcode, path,
};
use crate::threepid::{Algorithm, Medium};

/// Where identity servers verify OpenID tokens.
#[derive(Debug, Clone)]
pub(crate) struct HomeserverLink {
    /// The name OpenID tokens must carry.
    pub server_name: String,
    /// The stub's URL.
    pub url: Url,
    /// The client used to ask it.
    pub http: reqwest::Client,
    /// The homeserver user's access token: identity servers never get it,
    /// and this is only here for `echo_homeserver_token` to misbehave with.
    pub user_token: String,
}

/// A running identity server's state.
pub(crate) struct IsState {
    /// Its description.
    pub spec: ServerSpec,
    homeserver: HomeserverLink,
    inner: Mutex<Inner>,
    /// Where validation tokens go.
    pub outbox: Arc<Outbox>,
    /// What it signs associations with.
    pub signing_key: ed25519_dalek::SigningKey,
}

/// What changes while it runs.
pub(crate) struct Inner {
    /// The current pepper.
    pub pepper: String,
    /// How many more `hash_details` rotate it.
    rotations_left: u32,
    /// IS token → user.
    tokens: BTreeMap<String, String>,
    /// User → policy URLs accepted.
    accepted: BTreeMap<String, BTreeSet<String>>,
    /// (pepper, hash) → origin server, from MSC4004 pushes.
    pub pushed: BTreeMap<(String, String), String>,
    /// Lookup indexes, built on first use.
    pub indexes: BTreeMap<IndexKey, Arc<Index>>,
    /// Validation sessions by ID.
    pub sessions: BTreeMap<String, Validation>,
    /// The last session ID given.
    pub next_sid: u64,
    /// Associations made by `3pid/bind`: (medium, address) → Matrix ID.
    pub bound: BTreeMap<(Medium, String), String>,
}

impl IsState {
    /// A server with one pre-issued token for `user_id`; returns it too.
    pub fn new(
        spec: ServerSpec,
        homeserver: HomeserverLink,
        user_id: &str,
        outbox: Arc<Outbox>,
    ) -> (Arc<Self>, String) {
        let token = spec
            .access_token
            .clone()
            .unwrap_or_else(|| reply::new_token("mxs_is_"));
        let inner = Inner {
            pepper: spec.pepper.clone(),
            rotations_left: spec.rotate_after_hash_details,
            tokens: BTreeMap::from([(token.clone(), user_id.to_owned())]),
            accepted: BTreeMap::new(),
            pushed: BTreeMap::new(),
            indexes: BTreeMap::new(),
            sessions: BTreeMap::new(),
            next_sid: 0,
            bound: BTreeMap::new(),
        };
        let state = IsState {
            signing_key: bind::signing_key(&spec.name),
            spec,
            homeserver,
            inner: Mutex::new(inner),
            outbox,
        };
        // What it holds is hashed with its pepper before it serves, as a
        // real server stores its lookup hashes: the first lookup does not
        // wait for an index of the whole store.
        if state.spec.algorithms.iter().any(|a| a == "sha256") {
            let pepper = state.lock().pepper.clone();
            state
                .lock()
                .prepare_index(&state.spec, Algorithm::Sha256, &pepper);
        }
        (Arc::new(state), token)
    }

    /// Its routes.
    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route("/_matrix/identity/v2", get(status))
            .route(path::HASH_DETAILS, get(hash_details))
            .route(path::LOOKUP, post(lookup::lookup))
            .route(path::LOOKUPS, post(lookup::push))
            .route(path::REGISTER, post(register))
            .route(path::ACCOUNT, get(account))
            .route(path::TERMS, get(terms).post(accept_terms))
            .route(
                &path::REQUEST_TOKEN.replace("{medium}", "email"),
                post(bind::request_email_token),
            )
            .route(
                &path::REQUEST_TOKEN.replace("{medium}", "msisdn"),
                post(bind::request_msisdn_token),
            )
            .route(path::SUBMIT_TOKEN, post(bind::submit_token))
            .route(path::BIND, post(bind::bind))
            .route(path::UNBIND, post(bind::unbind))
            .route(path::PUBKEY, get(bind::public_key))
            .fallback(reply::not_found)
            // `serve` has read and capped the body already.
            .layer(DefaultBodyLimit::disable())
            .with_state(self)
    }

    /// The server name of the homeserver it trusts.
    pub fn homeserver_name(&self) -> &str {
        &self.homeserver.server_name
    }

    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The user of the request's token: 401 without a token or with one
    /// this server did not issue; 403 `M_TERMS_NOT_SIGNED` when `terms` and
    /// the user has not accepted every policy.
    pub fn authorise(&self, headers: &HeaderMap, terms: bool) -> Answer<String> {
        let Some(token) = reply::bearer(headers) else {
            return Err(reply::matrix_error(
                StatusCode::UNAUTHORIZED,
                errcode::UNAUTHORIZED,
                "Unauthorized",
            ));
        };
        let inner = self.lock();
        let Some(user) = inner.tokens.get(token) else {
            return Err(reply::matrix_error(
                StatusCode::UNAUTHORIZED,
                errcode::UNKNOWN_TOKEN,
                "Unrecognised access token",
            ));
        };
        if terms && !self.terms_signed(inner.accepted.get(user)) {
            return Err(reply::matrix_error(
                StatusCode::FORBIDDEN,
                errcode::TERMS_NOT_SIGNED,
                "Terms not signed",
            ));
        }
        Ok(user.clone())
    }

    /// Every policy has one of its documents accepted.
    fn terms_signed(&self, accepted: Option<&BTreeSet<String>>) -> bool {
        self.spec.terms.values().all(|policy| {
            policy
                .documents
                .values()
                .any(|doc| accepted.is_some_and(|a| a.contains(&doc.url)))
        })
    }

    /// Asks the homeserver whose OpenID token this is.
    async fn verify_openid(&self, openid: &OpenIdToken) -> Answer<String> {
        let link = &self.homeserver;
        if openid.matrix_server_name != link.server_name {
            return Err(reply::matrix_error(
                StatusCode::UNAUTHORIZED,
                errcode::UNAUTHORIZED,
                &format!("Cannot verify tokens of {}", openid.matrix_server_name),
            ));
        }
        let mut url = link
            .url
            .join("/_matrix/federation/v1/openid/userinfo")
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

    /// Serves `hash_details`, then rotates the pepper when asked to.
    fn hash_details(&self) -> HashDetails {
        let mut inner = self.lock();
        let alt = &self.spec.alt_peppers;
        let details = HashDetails {
            algorithms: self.spec.algorithms.clone(),
            lookup_pepper: inner.pepper.clone(),
            alt_lookup_peppers: (!alt.is_empty()).then(|| alt.clone()),
        };
        if inner.rotations_left > 0 {
            inner.rotations_left -= 1;
            inner.rotate();
        } else if self.spec.rotate_every_request {
            inner.rotate();
        }
        details
    }

    /// Every token this server has issued (pre-issued and registered).
    pub fn issued(&self) -> BTreeSet<String> {
        self.lock().tokens.keys().cloned().collect()
    }
}

impl Inner {
    /// Replaces the pepper with a fresh one; what was indexed under the old
    /// one is no longer found.
    pub fn rotate(&mut self) {
        self.pepper = rotated(&self.pepper);
        self.indexes.clear();
    }
}

/// A fresh pepper of the same length (at least 5 characters).
fn rotated(old: &str) -> String {
    let len = old.chars().count().max(5);
    loop {
        let new: String = std::iter::repeat_with(fastrand::alphanumeric)
            .take(len)
            .collect();
        if new != old {
            return new;
        }
    }
}

/// 500 `M_UNKNOWN`.
pub(crate) fn internal() -> Refusal {
    reply::matrix_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "M_UNKNOWN",
        "Internal server error",
    )
}

type Is = State<Arc<IsState>>;

/// `GET /_matrix/identity/v2`: the status check.
async fn status() -> Json<serde_json::Value> {
    Json(serde_json::json!({}))
}

async fn hash_details(State(is): Is, headers: HeaderMap) -> Answer<Json<HashDetails>> {
    is.authorise(&headers, true)?;
    Ok(Json(is.hash_details()))
}

async fn register(State(is): Is, body: Bytes) -> Answer<Json<RegisterResponse>> {
    let openid: OpenIdToken = reply::json_body(&body)?;
    let user = is.verify_openid(&openid).await?;
    let token = if is.spec.echo_homeserver_token {
        is.homeserver.user_token.clone()
    } else {
        reply::new_token("mxs_is_")
    };
    is.lock().tokens.insert(token.clone(), user);
    Ok(Json(RegisterResponse { token }))
}

/// `GET account` needs a token but not the terms (as in sydent).
async fn account(State(is): Is, headers: HeaderMap) -> Answer<Json<Account>> {
    let user_id = is.authorise(&headers, false)?;
    Ok(Json(Account { user_id }))
}

async fn terms(State(is): Is) -> Json<Terms> {
    Json(Terms {
        policies: is.spec.terms.clone(),
    })
}

async fn accept_terms(State(is): Is, headers: HeaderMap, body: Bytes) -> Answer<Response> {
    let user = is.authorise(&headers, false)?;
    let accept: AcceptTerms = reply::json_body(&body)?;
    is.lock()
        .accepted
        .entry(user)
        .or_default()
        .extend(accept.user_accepts);
    Ok(Json(serde_json::json!({})).into_response())
}
