//! CardDAV sources (RFC 6352): the address books behind an `https://` URL
//! (or `http://` to loopback), found from a collection, a principal or a
//! server's root (RFC 6764 `/.well-known/carddav`, then
//! `current-user-principal` and `addressbook-home-set`), and their cards,
//! fetched in bounded batches (`addressbook-multiget`).
//!
//! Each card keeps its URL, its ETag and its bytes as served: the reader
//! cites the URL as the card's file ([`RemoteCard::url`]), and write-back
//! sends the bytes back changed only by `vcard::patch`, with `If-Match`.
//!
//! `client` is the HTTP side (credentials to one origin only, caps, time
//! limits, redirects within the origin), `xml` the request bodies and the
//! `multistatus` reader, `netrc` the `~/.netrc` reader.

mod client;
pub mod netrc;
mod xml;

pub use client::{Answer, Credentials, DavClient, DavClientSettings, DavError, Retry, origin_of};

use std::collections::BTreeMap;

use url::Url;

use xml::DavResponse;

/// How many cards one `addressbook-multiget` asks for.
pub const MULTIGET_BATCH: usize = 250;

/// An address book found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundBook {
    /// Its collection URL.
    pub url: Url,
    /// Its `displayname`, when it has one.
    pub name: Option<String>,
}

/// One card as the server holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteCard {
    /// Its absolute URL.
    pub url: Url,
    /// Its ETag, for `If-Match`.
    pub etag: Option<String>,
    /// Its bytes as served.
    pub bytes: Vec<u8>,
}

/// A member of an address book: its URL and ETag, before it is fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Its `href` as the server wrote it.
    pub href: String,
    /// Its absolute URL.
    pub url: Url,
    /// Its ETag.
    pub etag: Option<String>,
}

/// `PROPFIND` of `url` at `depth` (`0` or `1`), as its responses.
async fn propfind(
    client: &DavClient,
    url: &Url,
    depth: &str,
) -> Result<(Url, Vec<DavResponse>), DavError> {
    let answer = client
        .send(
            "PROPFIND",
            url,
            &[
                ("Depth", depth),
                ("Content-Type", "application/xml; charset=utf-8"),
            ],
            Some(xml::PROPFIND.as_bytes().to_vec()),
        )
        .await?;
    multistatus("PROPFIND", answer)
}

/// The responses of a 207 answer.
fn multistatus(method: &str, answer: Answer) -> Result<(Url, Vec<DavResponse>), DavError> {
    if answer.status.as_u16() != 207 {
        return Err(DavError::Status {
            method: method.to_owned(),
            url: answer.url.to_string(),
            status: answer.status.as_u16(),
        });
    }
    let responses = xml::parse_multistatus(&answer.body).map_err(|why| DavError::NotCardDav {
        url: answer.url.to_string(),
        why,
    })?;
    Ok((answer.url, responses))
}

/// The response about `url` itself among `responses` (same path, with or
/// without its last `/`), else the first.
fn about<'a>(url: &Url, responses: &'a [DavResponse]) -> Option<&'a DavResponse> {
    let path = url.path().trim_end_matches('/');
    responses
        .iter()
        .find(|r| {
            url.join(&r.href)
                .is_ok_and(|u| u.path().trim_end_matches('/') == path)
        })
        .or_else(|| responses.first())
}

/// The address books `url` leads to: itself when it is one; else those of
/// the home set of the principal it names (or is), or those in it when it
/// is a collection naming no principal (a home set); a server's bare root
/// is tried through `/.well-known/carddav` first.
pub async fn discover(client: &DavClient, url: &Url) -> Result<Vec<FoundBook>, DavError> {
    let (at, responses) = if url.path() == "/" {
        let well_known = url.join("/.well-known/carddav").expect("a path joins");
        match propfind(client, &well_known, "0").await {
            Ok(found) => found,
            Err(DavError::Status { .. } | DavError::NotCardDav { .. }) => {
                propfind(client, url, "0").await?
            }
            Err(e) => return Err(e),
        }
    } else {
        propfind(client, url, "0").await?
    };
    let not_carddav = |why: &str| DavError::NotCardDav {
        url: url.to_string(),
        why: why.to_owned(),
    };
    let me = about(&at, &responses).ok_or_else(|| not_carddav("an empty answer"))?;
    if me.is("addressbook") {
        return Ok(vec![FoundBook {
            url: at.clone(),
            name: me.text("displayname").map(str::to_owned),
        }]);
    }
    let home = match me.href_of("addressbook-home-set") {
        Some(home) => join(&at, home)?,
        // A plain collection naming no principal: a home set itself.
        None if me.is("collection") && me.href_of("current-user-principal").is_none() => at.clone(),
        None => {
            let principal = me
                .href_of("current-user-principal")
                .ok_or_else(|| not_carddav("neither an address book nor a principal, and it names no current-user-principal"))?;
            let principal = join(&at, principal)?;
            let (at, responses) = propfind(client, &principal, "0").await?;
            let me = about(&at, &responses).ok_or_else(|| not_carddav("an empty answer"))?;
            let home = me
                .href_of("addressbook-home-set")
                .ok_or_else(|| not_carddav("the principal names no addressbook-home-set"))?;
            join(&at, home)?
        }
    };
    let (at, responses) = propfind(client, &home, "1").await?;
    let mut books = Vec::new();
    for r in responses.iter().filter(|r| r.is("addressbook")) {
        books.push(FoundBook {
            url: join(&at, &r.href)?,
            name: r.text("displayname").map(str::to_owned),
        });
    }
    Ok(books)
}

/// `href` against `base`, on the same server (an `href` naming another is
/// not followed: the credentials are for this one).
fn join(base: &Url, href: &str) -> Result<Url, DavError> {
    let url = base.join(href.trim()).map_err(|e| DavError::NotCardDav {
        url: base.to_string(),
        why: format!("bad href {href}: {e}"),
    })?;
    if origin_of(&url) != origin_of(base) {
        return Err(DavError::Redirect {
            url: base.to_string(),
            to: url.to_string(),
            why: "another server, to which the credentials are not sent".into(),
        });
    }
    Ok(url)
}

/// The cards of a book (`PROPFIND` depth 1), without their content.
pub async fn members(client: &DavClient, book: &Url) -> Result<Vec<Member>, DavError> {
    let (at, responses) = propfind(client, book, "1").await?;
    let own = at.path().trim_end_matches('/').to_owned();
    let mut members = Vec::new();
    for r in &responses {
        let url = join(&at, &r.href)?;
        if url.path().trim_end_matches('/') == own || r.is("collection") {
            continue;
        }
        members.push(Member {
            href: r.href.clone(),
            url,
            etag: r.text("getetag").map(str::to_owned),
        });
    }
    Ok(members)
}

/// The cards of `members`, [`MULTIGET_BATCH`] per `addressbook-multiget`
/// of `book`; a card the server no longer has is left out, one whose data
/// the multiget left out is fetched alone. `each` is told how many were
/// fetched after each batch.
pub async fn fetch(
    client: &DavClient,
    book: &Url,
    members: &[Member],
    mut each: impl FnMut(usize),
) -> Result<Vec<RemoteCard>, DavError> {
    let mut cards = Vec::with_capacity(members.len());
    for batch in members.chunks(MULTIGET_BATCH) {
        let body = xml::multiget(batch.iter().map(|m| m.href.as_str()));
        let answer = client
            .send(
                "REPORT",
                book,
                // RFC 6352 §8.7: no Depth header for a multiget.
                &[("Content-Type", "application/xml; charset=utf-8")],
                Some(body.into_bytes()),
            )
            .await?;
        let (at, responses) = multistatus("REPORT", answer)?;
        // By path, once: a batch is answered in any order.
        let by_path: BTreeMap<String, &DavResponse> = responses
            .iter()
            .filter_map(|r| Some((at.join(&r.href).ok()?.path().to_owned(), r)))
            .collect();
        for member in batch {
            match by_path.get(member.url.path()).copied() {
                Some(r) if r.status.is_some_and(|s| s == 404) => {}
                Some(r) if r.props.contains_key("address-data") => cards.push(RemoteCard {
                    url: member.url.clone(),
                    etag: r.text("getetag").map(str::to_owned).or(member.etag.clone()),
                    bytes: r
                        .text("address-data")
                        .unwrap_or_default()
                        .as_bytes()
                        .to_vec(),
                }),
                _ => cards.extend(get(client, &member.url).await?),
            }
        }
        each(cards.len());
    }
    Ok(cards)
}

/// One card by `GET`; `None` when the server no longer has it.
pub async fn get(client: &DavClient, url: &Url) -> Result<Option<RemoteCard>, DavError> {
    let answer = client.send("GET", url, &[], None).await?;
    match answer.status.as_u16() {
        200 => Ok(Some(RemoteCard {
            url: url.clone(),
            etag: answer.etag,
            bytes: answer.body,
        })),
        404 | 410 => Ok(None),
        status => Err(DavError::Status {
            method: "GET".into(),
            url: url.to_string(),
            status,
        }),
    }
}

/// How a `PUT` with `If-Match` ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutOutcome {
    /// Stored.
    Stored,
    /// The card changed on the server since it was read (412).
    Changed,
}

/// Replaces the card at `url` with `bytes` if it still has `etag`.
pub async fn put(
    client: &DavClient,
    url: &Url,
    etag: Option<&str>,
    bytes: Vec<u8>,
) -> Result<PutOutcome, DavError> {
    let mut headers = vec![("Content-Type", "text/vcard; charset=utf-8")];
    if let Some(etag) = etag {
        headers.push(("If-Match", etag));
    }
    let answer = client.send("PUT", url, &headers, Some(bytes)).await?;
    match answer.status.as_u16() {
        200..=299 => Ok(PutOutcome::Stored),
        412 => Ok(PutOutcome::Changed),
        status => Err(DavError::Status {
            method: "PUT".into(),
            url: url.to_string(),
            status,
        }),
    }
}
