//! The sandbox's CardDAV server (RFC 6352 over WebDAV, RFC 4918): a
//! `/.well-known/carddav` redirect (RFC 6764), a root naming the
//! `current-user-principal`, a principal naming its `addressbook-home-set`,
//! address books answering `PROPFIND` (depth 0 and 1) and `REPORT
//! addressbook-multiget`, and cards answering `GET` and `PUT` with
//! `If-Match`. Every request but the redirect needs Basic authentication
//! (401 otherwise), and a user sees only their own books (403).
//!
//! Layout: `/dav/`, `/dav/principals/USER/`, `/dav/addressbooks/USER/`,
//! `/dav/addressbooks/USER/BOOK/`, `/dav/addressbooks/USER/BOOK/CARD.vcf`.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Request, Response, StatusCode, header};
use base64::Engine as _;

use crate::sandbox::state::dav_state::{DavState, Put, StoredCard};

/// Where `/.well-known/carddav` points.
const ROOT: &str = "/dav/";

/// Every request of the server.
pub(crate) async fn handle(
    State(state): State<Arc<DavState>>,
    request: Request<Body>,
) -> Response<Body> {
    if state.fails_now() {
        return status(StatusCode::SERVICE_UNAVAILABLE)
            .header(header::RETRY_AFTER, "0")
            .body(Body::from("503 Service Unavailable (sandbox fail_first)"))
            .unwrap_or_default();
    }
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    if path.trim_end_matches('/') == "/.well-known/carddav" {
        return status(StatusCode::MOVED_PERMANENTLY)
            .header(
                header::LOCATION,
                state.well_known_to.as_deref().unwrap_or(ROOT),
            )
            .body(Body::empty())
            .unwrap_or_default();
    }
    let Some(user) = authenticated(&state, &parts.headers) else {
        return status(StatusCode::UNAUTHORIZED)
            .header(header::WWW_AUTHENTICATE, "Basic realm=\"sandbox CardDAV\"")
            .body(Body::from("401 Unauthorized"))
            .unwrap_or_default();
    };
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let depth_one = parts
        .headers
        .get("depth")
        .is_none_or(|d| d.as_bytes() != b"0");
    let at = Where::of(&path);
    if let Some(owner) = at.owner()
        && owner != user
    {
        return text(StatusCode::FORBIDDEN, "not yours");
    }
    let method = parts.method.as_str();
    match (method, at) {
        ("OPTIONS", _) => status(StatusCode::OK)
            .header("DAV", "1, 3, addressbook")
            .header(header::ALLOW, "OPTIONS, GET, PUT, PROPFIND, REPORT")
            .body(Body::empty())
            .unwrap_or_default(),
        ("PROPFIND", Where::Root) => multistatus(&[root(&user)]),
        ("PROPFIND", Where::Principal(_)) => multistatus(&[principal(&user)]),
        ("PROPFIND", Where::Home(_)) => home(&state, &user, depth_one),
        ("PROPFIND", Where::Book(owner, slug)) => book(&state, &owner, &slug, depth_one),
        ("PROPFIND", Where::Card(owner, slug, name)) => match state.peek(&owner, &slug, &name) {
            Some(card) => multistatus(&[card_props(&owner, &slug, &name, &card)]),
            None => text(StatusCode::NOT_FOUND, "no such card"),
        },
        ("REPORT", Where::Book(owner, slug)) => multiget(&state, &owner, &slug, &body),
        ("GET", Where::Card(owner, slug, name)) => match state.fetch(&owner, &slug, &name) {
            Some(card) => status(StatusCode::OK)
                .header(header::CONTENT_TYPE, "text/vcard; charset=utf-8")
                .header(header::ETAG, &card.etag)
                .body(Body::from(card.bytes))
                .unwrap_or_default(),
            None => text(StatusCode::NOT_FOUND, "no such card"),
        },
        ("PUT", Where::Card(owner, slug, name)) => {
            let if_match = parts
                .headers
                .get(header::IF_MATCH)
                .and_then(|v| v.to_str().ok());
            match state.put(&owner, &slug, &name, if_match, body.to_vec()) {
                Put::Stored(etag) => status(StatusCode::NO_CONTENT)
                    .header(header::ETAG, etag)
                    .body(Body::empty())
                    .unwrap_or_default(),
                Put::Changed => text(StatusCode::PRECONDITION_FAILED, "the card changed"),
                Put::Missing => text(StatusCode::FORBIDDEN, "no card is created here"),
            }
        }
        (_, Where::Nowhere) => text(StatusCode::NOT_FOUND, "not found"),
        _ if Method::from_bytes(method.as_bytes()).is_ok() => {
            text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
        }
        _ => text(StatusCode::BAD_REQUEST, "bad method"),
    }
}

/// Which resource a path names.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Where {
    Root,
    Principal(String),
    Home(String),
    Book(String, String),
    Card(String, String, String),
    Nowhere,
}

impl Where {
    fn of(path: &str) -> Where {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let own = |s: &str| s.to_owned();
        match segments.as_slice() {
            ["dav"] => Where::Root,
            ["dav", "principals", user] => Where::Principal(own(user)),
            ["dav", "addressbooks", user] => Where::Home(own(user)),
            ["dav", "addressbooks", user, book]
                if !path.ends_with('/') && book.ends_with(".vcf") =>
            {
                Where::Nowhere
            }
            ["dav", "addressbooks", user, book] => Where::Book(own(user), own(book)),
            ["dav", "addressbooks", user, book, card] => {
                Where::Card(own(user), own(book), own(card))
            }
            _ => Where::Nowhere,
        }
    }

    fn owner(&self) -> Option<&str> {
        match self {
            Where::Principal(u) | Where::Home(u) | Where::Book(u, _) | Where::Card(u, _, _) => {
                Some(u)
            }
            Where::Root | Where::Nowhere => None,
        }
    }
}

/// The user of the request's Basic credentials, when they are right.
fn authenticated(state: &DavState, headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    (state.is_user(user) && state.check(user, password)).then(|| user.to_owned())
}

fn status(code: StatusCode) -> axum::http::response::Builder {
    Response::builder().status(code)
}

fn text(code: StatusCode, message: &str) -> Response<Body> {
    status(code)
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from(message.to_owned()))
        .unwrap_or_default()
}

fn principal_path(user: &str) -> String {
    format!("/dav/principals/{user}/")
}

fn home_path(user: &str) -> String {
    format!("/dav/addressbooks/{user}/")
}

fn root(user: &str) -> String {
    response(
        ROOT,
        &format!(
            "<d:resourcetype><d:collection/></d:resourcetype>\
             <d:current-user-principal><d:href>{}</d:href></d:current-user-principal>",
            principal_path(user)
        ),
    )
}

fn principal(user: &str) -> String {
    response(
        &principal_path(user),
        &format!(
            "<d:resourcetype><d:principal/></d:resourcetype>\
             <d:displayname>{}</d:displayname>\
             <d:current-user-principal><d:href>{p}</d:href></d:current-user-principal>\
             <card:addressbook-home-set><d:href>{}</d:href></card:addressbook-home-set>",
            escape(user),
            home_path(user),
            p = principal_path(user),
        ),
    )
}

fn home(state: &DavState, user: &str, depth_one: bool) -> Response<Body> {
    let mut responses = vec![response(
        &home_path(user),
        "<d:resourcetype><d:collection/></d:resourcetype>",
    )];
    if depth_one {
        for (slug, name, _) in state.books_of(user) {
            responses.push(book_props(user, &slug, name.as_deref()));
        }
    }
    multistatus(&responses)
}

fn book_props(owner: &str, slug: &str, name: Option<&str>) -> String {
    let name = name.map_or_else(String::new, |n| {
        format!("<d:displayname>{}</d:displayname>", escape(n))
    });
    response(
        &format!("{}{slug}/", home_path(owner)),
        &format!(
            "<d:resourcetype><d:collection/><card:addressbook/></d:resourcetype>{name}\
             <d:current-user-principal><d:href>{}</d:href></d:current-user-principal>",
            principal_path(owner)
        ),
    )
}

fn card_props(owner: &str, slug: &str, name: &str, card: &StoredCard) -> String {
    response(
        &format!("{}{slug}/{name}", home_path(owner)),
        &format!(
            "<d:resourcetype/><d:getetag>{}</d:getetag>\
             <d:getcontenttype>text/vcard; charset=utf-8</d:getcontenttype>",
            escape(&card.etag)
        ),
    )
}

fn book(state: &DavState, owner: &str, slug: &str, depth_one: bool) -> Response<Body> {
    let Some(book) = state.book(owner, slug) else {
        return text(StatusCode::NOT_FOUND, "no such address book");
    };
    let mut responses = vec![book_props(owner, slug, book.display_name.as_deref())];
    if depth_one {
        for (name, card) in &book.cards {
            responses.push(card_props(owner, slug, name, card));
        }
    }
    multistatus(&responses)
}

/// `addressbook-multiget`: each card named by an `href` of the body, with
/// its ETag and `address-data`; 404 for those not there.
fn multiget(state: &DavState, owner: &str, slug: &str, body: &[u8]) -> Response<Body> {
    if state.book(owner, slug).is_none() {
        return text(StatusCode::NOT_FOUND, "no such address book");
    }
    let prefix = format!("{}{slug}/", home_path(owner));
    let mut responses = Vec::new();
    for href in hrefs(body) {
        let card = href
            .strip_prefix(&prefix)
            .and_then(|name| state.fetch(owner, slug, name));
        responses.push(match card {
            Some(card) => response(
                &href,
                &format!(
                    "<d:getetag>{}</d:getetag><card:address-data>{}</card:address-data>",
                    escape(&card.etag),
                    escape(&String::from_utf8_lossy(&card.bytes))
                ),
            ),
            None => format!(
                "<d:response><d:href>{}</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>",
                escape(&href)
            ),
        });
    }
    multistatus(&responses)
}

/// The text of every `href` element of a request body.
fn hrefs(body: &[u8]) -> Vec<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut found = Vec::new();
    let mut inside = false;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => inside = e.local_name().as_ref() == b"href",
            Ok(Event::Text(t)) if inside => {
                if let Ok(text) = t.decode() {
                    found.push(text.trim().to_owned());
                }
            }
            Ok(Event::End(_)) => inside = false,
            Ok(Event::Eof) | Err(_) => return found,
            _ => {}
        }
    }
}

fn response(href: &str, props: &str) -> String {
    format!(
        "<d:response><d:href>{}</d:href><d:propstat><d:prop>{props}</d:prop>\
         <d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>",
        escape(href)
    )
}

fn multistatus(responses: &[String]) -> Response<Body> {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <d:multistatus xmlns:d=\"DAV:\" xmlns:card=\"urn:ietf:params:xml:ns:carddav\">",
    );
    for r in responses {
        let _ = write!(xml, "{r}");
    }
    xml.push_str("</d:multistatus>\n");
    status(StatusCode::MULTI_STATUS)
        .header(header::CONTENT_TYPE, "application/xml; charset=utf-8")
        .body(Body::from(xml))
        .unwrap_or_default()
}

/// Text as XML character data.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_resources() {
        assert_eq!(Where::of("/dav/"), Where::Root);
        assert_eq!(
            Where::of("/dav/addressbooks/alice/contacts/"),
            Where::Book("alice".into(), "contacts".into())
        );
        assert_eq!(
            Where::of("/dav/addressbooks/alice/contacts/bob.vcf"),
            Where::Card("alice".into(), "contacts".into(), "bob.vcf".into())
        );
        assert_eq!(Where::of("/elsewhere"), Where::Nowhere);
    }

    #[test]
    fn hrefs_are_read_from_a_multiget() {
        let body = br#"<?xml version="1.0"?><c:addressbook-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/></d:prop><d:href>/a/1.vcf</d:href><d:href>/a/2.vcf</d:href></c:addressbook-multiget>"#;
        assert_eq!(hrefs(body), ["/a/1.vcf", "/a/2.vcf"]);
    }
}
