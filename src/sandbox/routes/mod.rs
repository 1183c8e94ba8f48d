//! The HTTP face of the sandbox's servers: each route table in one place,
//! and the axum handlers behind it, which only decode the request, read or
//! change the server's state (`state/`), and encode the answer. `is_*`
//! files are an identity server's endpoints, `hs_*` the homeserver stub's.

mod auth;
pub(crate) mod carddav;
mod hs_account;
mod hs_binding;
mod hs_login;
mod is_account;
mod is_lookup;
mod is_validation;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use super::reply;
use super::state::hs_state::HsState;
use super::state::is_state::IsState;
use super::wire::path;

/// An identity server's routes.
pub(crate) fn identity_server(state: Arc<IsState>) -> Router {
    Router::new()
        .route(path::STATUS, get(is_account::status))
        .route(path::HASH_DETAILS, get(is_account::hash_details))
        .route(path::LOOKUP, post(is_lookup::lookup))
        .route(path::LOOKUPS, post(is_lookup::push))
        .route(path::REGISTER, post(is_account::register))
        .route(path::ACCOUNT, get(is_account::account))
        .route(
            path::TERMS,
            get(is_account::terms).post(is_account::accept_terms),
        )
        .route(
            path::REQUEST_EMAIL_TOKEN,
            post(is_validation::request_email_token),
        )
        .route(
            path::REQUEST_MSISDN_TOKEN,
            post(is_validation::request_msisdn_token),
        )
        .route(path::SUBMIT_TOKEN, post(is_validation::submit_token))
        .route(path::BIND, post(is_validation::bind))
        .route(path::UNBIND, post(is_validation::unbind))
        .route(path::PUBKEY, get(is_validation::public_key))
        .fallback(reply::not_found)
        // `serve` has read and capped the body already.
        .layer(DefaultBodyLimit::disable())
        .with_state(state)
}

/// The homeserver stub's routes.
pub(crate) fn homeserver(state: Arc<HsState>) -> Router {
    Router::new()
        .route(path::WELL_KNOWN, get(hs_account::well_known))
        .route(path::WHOAMI, get(hs_account::whoami))
        .route(
            hs_account::ACCOUNT_DATA,
            get(hs_account::get_account_data).put(hs_account::put_account_data),
        )
        .route(path::OPENID_REQUEST_TOKEN, post(hs_account::request_token))
        .route(path::OPENID_USERINFO, get(hs_account::userinfo))
        .route(path::HS_BIND, post(hs_binding::hs_bind))
        .route(path::HS_UNBIND, post(hs_binding::hs_unbind))
        .route(
            hs_login::LOGIN,
            get(hs_login::login_types).post(hs_login::login),
        )
        .route(hs_login::LOGOUT, post(hs_login::logout))
        .fallback(reply::not_found)
        .layer(DefaultBodyLimit::disable())
        .with_state(state)
}
