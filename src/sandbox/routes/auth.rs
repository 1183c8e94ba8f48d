//! Who a request comes from: the bearer token checked against an identity
//! server's or the homeserver stub's state, refused the way each does.

use axum::http::{HeaderMap, StatusCode};

use crate::sandbox::reply::{self, Answer, Refusal};
use crate::sandbox::state::hs_state::HsState;
use crate::sandbox::state::is_state::{IsState, Unauthorised};
use crate::sandbox::wire::errcode;

/// The identity server user of the request's token: 401 without a token
/// or with one this server did not issue; 403 `M_TERMS_NOT_SIGNED` when
/// `terms` and the user has not accepted every policy.
pub(crate) fn is_user(is: &IsState, headers: &HeaderMap, terms: bool) -> Answer<String> {
    let Some(token) = reply::bearer(headers) else {
        return Err(reply::matrix_error(
            StatusCode::UNAUTHORIZED,
            errcode::UNAUTHORIZED,
            "Unauthorized",
        ));
    };
    is.user_of(token, terms).map_err(|why| match why {
        Unauthorised::UnknownToken => unknown_token(),
        Unauthorised::TermsNotSigned => reply::matrix_error(
            StatusCode::FORBIDDEN,
            errcode::TERMS_NOT_SIGNED,
            "Terms not signed",
        ),
    })
}

/// The homeserver stub takes its user's token only.
pub(crate) fn hs_user(hs: &HsState, headers: &HeaderMap) -> Answer<()> {
    match reply::bearer(headers) {
        None => Err(reply::matrix_error(
            StatusCode::UNAUTHORIZED,
            errcode::MISSING_TOKEN,
            "Missing access token",
        )),
        Some(token) if hs.logins().knows(token) => Ok(()),
        Some(_) => Err(unknown_token()),
    }
}

/// 401 `M_UNKNOWN_TOKEN`.
pub(crate) fn unknown_token() -> Refusal {
    reply::matrix_error(
        StatusCode::UNAUTHORIZED,
        errcode::UNKNOWN_TOKEN,
        "Unrecognised access token",
    )
}
