//! Responses the way real servers shape them: Matrix error bodies, HTML
//! error pages, and the request-body helpers every handler shares.

use axum::Json;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use super::wire::{MatrixError, errcode};

/// What a handler answers: a typed body, or a refusal.
pub(crate) type Answer<T> = Result<T, Refusal>;

/// An error response, boxed to keep [`Answer`] small.
pub(crate) struct Refusal(Box<Response>);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        *self.0
    }
}

/// A Matrix error: `{"errcode": .., "error": ..}`.
pub(crate) fn matrix_error(status: StatusCode, errcode: &str, error: &str) -> Refusal {
    with_body(status, base(errcode, error))
}

/// A Matrix error with extra fields (`retry_after_ms`, sydent's pepper).
pub(crate) fn with_body(status: StatusCode, body: MatrixError) -> Refusal {
    Refusal(Box::new((status, Json(body)).into_response()))
}

/// The base of a Matrix error body, for [`with_body`].
pub(crate) fn base(errcode: &str, error: &str) -> MatrixError {
    MatrixError {
        errcode: errcode.to_owned(),
        error: Some(error.to_owned()),
        ..MatrixError::default()
    }
}

/// An HTML error page, as web servers and frameworks answer.
pub(crate) fn html(status: StatusCode) -> Response {
    let reason = status.canonical_reason().unwrap_or("Error");
    let code = status.as_u16();
    let page = format!(
        "<!DOCTYPE html>\n<html><head><title>{code} {reason}</title></head>\n\
         <body><h1>{code} {reason}</h1></body></html>\n"
    );
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response()
}

/// 500 `M_UNKNOWN`.
pub(crate) fn internal() -> Refusal {
    matrix_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        errcode::UNKNOWN,
        "Internal server error",
    )
}

/// The fallback for unknown paths: an HTML 404.
pub(crate) async fn not_found() -> Response {
    html(StatusCode::NOT_FOUND)
}

/// Decodes a JSON body: 400 `M_NOT_JSON` when it is not JSON,
/// `M_BAD_JSON` when it is not the expected object.
pub(crate) fn json_body<T: DeserializeOwned>(body: &[u8]) -> Answer<T> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|_| {
        matrix_error(
            StatusCode::BAD_REQUEST,
            errcode::NOT_JSON,
            "Request body is not JSON",
        )
    })?;
    serde_json::from_value(value).map_err(|e| {
        matrix_error(
            StatusCode::BAD_REQUEST,
            errcode::BAD_JSON,
            &format!("Malformed request: {e}"),
        )
    })
}

/// The token of `Authorization: Bearer TOKEN`, if any.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}
