//! The XML of WebDAV and CardDAV: the request bodies mxlookup sends
//! (`PROPFIND`, `addressbook-multiget`) and a reader of `multistatus`
//! answers (RFC 4918 §14.16) that keeps what discovery and reading need.
//!
//! Elements are matched by local name (`href`, `getetag`, `address-data`):
//! the DAV and CardDAV names do not collide. Text is kept as sent: entities
//! are resolved but line ends are not normalised, so a card's CRLF survive
//! the trip through `address-data` byte for byte.

use std::collections::BTreeMap;

use quick_xml::events::{BytesRef, Event};

/// The properties every `PROPFIND` of mxlookup asks for.
pub(crate) const PROPFIND: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
<d:propfind xmlns:d=\"DAV:\" xmlns:card=\"urn:ietf:params:xml:ns:carddav\"><d:prop>\
<d:resourcetype/><d:displayname/><d:current-user-principal/><card:addressbook-home-set/>\
<d:getetag/><d:getcontenttype/></d:prop></d:propfind>";

/// An `addressbook-multiget` of `hrefs` (paths, as the server gave them).
pub(crate) fn multiget<'a>(hrefs: impl IntoIterator<Item = &'a str>) -> String {
    let mut body = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
<card:addressbook-multiget xmlns:d=\"DAV:\" xmlns:card=\"urn:ietf:params:xml:ns:carddav\">\
<d:prop><d:getetag/><card:address-data/></d:prop>",
    );
    for href in hrefs {
        body.push_str("<d:href>");
        body.push_str(&escape(href));
        body.push_str("</d:href>");
    }
    body.push_str("</card:addressbook-multiget>");
    body
}

/// Text as XML character data.
pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// One `response` of a `multistatus`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct DavResponse {
    /// Its `href`, as sent.
    pub href: String,
    /// The status of the response itself, when it has one (a multiget's
    /// 404 for a card not there).
    pub status: Option<u16>,
    /// The properties found (those of a `propstat` whose status is 2xx),
    /// by local name.
    pub props: BTreeMap<String, Prop>,
}

/// One property's value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Prop {
    /// Its text (an ETag, a display name, a card).
    pub text: String,
    /// The `href`s inside it (a principal, a home set).
    pub hrefs: Vec<String>,
    /// The local names of the elements inside it (`collection`,
    /// `addressbook`, `principal` of a `resourcetype`).
    pub children: Vec<String>,
}

impl DavResponse {
    /// A property's text, when found and not empty.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.props
            .get(name)
            .map(|p| p.text.as_str())
            .filter(|t| !t.is_empty())
    }

    /// A property's first `href`.
    pub fn href_of(&self, name: &str) -> Option<&str> {
        self.props.get(name)?.hrefs.first().map(|h| h.trim())
    }

    /// Whether its `resourcetype` holds `kind`.
    pub fn is(&self, kind: &str) -> bool {
        self.props
            .get("resourcetype")
            .is_some_and(|p| p.children.iter().any(|c| c == kind))
    }
}

/// Where the reader is.
#[derive(Default)]
struct Reading {
    responses: Vec<DavResponse>,
    current: Option<DavResponse>,
    /// The properties of the `propstat` being read, and its status.
    propstat: Option<(BTreeMap<String, Prop>, Option<u16>)>,
    /// The property being read (a child of `prop`).
    prop: Option<(String, Prop)>,
    /// Local names of the open elements.
    stack: Vec<String>,
    /// Text since the last start tag.
    text: String,
}

/// The responses of a `multistatus` body; an error says why it is not one.
pub(crate) fn parse_multistatus(body: &[u8]) -> Result<Vec<DavResponse>, String> {
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut r = Reading::default();
    let mut seen_root = false;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("bad XML at byte {}: {e}", reader.buffer_position()))?;
        match event {
            Event::Start(e) => {
                let name = local(e.local_name().as_ref());
                seen_root |= name == "multistatus";
                r.open(name);
            }
            Event::Empty(e) => {
                let name = local(e.local_name().as_ref());
                r.open(name);
                r.close();
            }
            Event::End(_) => r.close(),
            Event::Text(t) => r.text.push_str(&t.decode().map_err(|e| e.to_string())?),
            Event::CData(t) => r.text.push_str(&t.decode().map_err(|e| e.to_string())?),
            Event::GeneralRef(e) => r.text.push(entity(&e)?),
            Event::Eof => break,
            _ => {}
        }
    }
    if !seen_root {
        return Err("the answer is not a WebDAV multistatus".to_owned());
    }
    Ok(r.responses)
}

fn local(name: &[u8]) -> String {
    String::from_utf8_lossy(name).into_owned()
}

/// The character of `&name;` or `&#N;`.
fn entity(e: &BytesRef<'_>) -> Result<char, String> {
    if let Some(c) = e.resolve_char_ref().map_err(|e| e.to_string())? {
        return Ok(c);
    }
    match e.decode().map_err(|e| e.to_string())?.as_ref() {
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "amp" => Ok('&'),
        "apos" => Ok('\''),
        "quot" => Ok('"'),
        other => Err(format!("unknown entity &{other};")),
    }
}

/// The HTTP status code of a `status` line (`HTTP/1.1 404 Not Found`).
fn status_code(line: &str) -> Option<u16> {
    line.split_whitespace().nth(1)?.parse().ok()
}

impl Reading {
    fn parent(&self) -> Option<&str> {
        self.stack.last().map(String::as_str)
    }

    fn open(&mut self, name: String) {
        self.text.clear();
        match (self.parent(), name.as_str()) {
            (_, "response") => self.current = Some(DavResponse::default()),
            (Some("response"), "propstat") => self.propstat = Some((BTreeMap::new(), None)),
            (Some("prop"), _) if self.propstat.is_some() => {
                self.prop = Some((name.clone(), Prop::default()));
            }
            _ => {
                // An element inside a property: a child of a resourcetype.
                if let Some((prop_name, prop)) = &mut self.prop
                    && self.stack.last() == Some(prop_name)
                {
                    prop.children.push(name.clone());
                }
            }
        }
        self.stack.push(name);
    }

    fn close(&mut self) {
        let Some(name) = self.stack.pop() else { return };
        let text = std::mem::take(&mut self.text);
        match (name.as_str(), self.parent()) {
            ("href", Some("response")) => {
                if let Some(c) = &mut self.current {
                    c.href = text.trim().to_owned();
                }
            }
            ("href", _) => {
                if let Some((_, prop)) = &mut self.prop {
                    prop.hrefs.push(text.trim().to_owned());
                }
            }
            ("status", Some("response")) => {
                if let Some(c) = &mut self.current {
                    c.status = status_code(&text);
                }
            }
            ("status", Some("propstat")) => {
                if let Some((_, status)) = &mut self.propstat {
                    *status = status_code(&text);
                }
            }
            (_, Some("prop")) if self.prop.as_ref().is_some_and(|(n, _)| *n == name) => {
                if let (Some((name, mut prop)), Some((props, _))) =
                    (self.prop.take(), &mut self.propstat)
                {
                    if prop.hrefs.is_empty() && prop.children.is_empty() {
                        prop.text = text;
                    }
                    props.insert(name, prop);
                }
            }
            ("propstat", _) => {
                if let (Some((props, status)), Some(c)) = (self.propstat.take(), &mut self.current)
                    && status.is_none_or(|s| (200..300).contains(&s))
                {
                    c.props.extend(props);
                }
            }
            ("response", _) => {
                if let Some(c) = self.current.take() {
                    self.responses.push(c);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multistatus_gives_hrefs_props_and_statuses() {
        let body = "<?xml version=\"1.0\"?>\n<D:multistatus xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:carddav\">\
<D:response><D:href>/book/</D:href><D:propstat><D:prop><D:resourcetype><D:collection/><C:addressbook/></D:resourcetype>\
<D:displayname>Tom &amp; Jerry</D:displayname></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>\
<D:propstat><D:prop><D:getetag/></D:prop><D:status>HTTP/1.1 404 Not Found</D:status></D:propstat></D:response>\
<D:response><D:href>/book/a.vcf</D:href><D:propstat><D:prop><D:getetag>\"1\"</D:getetag>\
<C:address-data>BEGIN:VCARD\r\nFN:A &lt;B&gt;&#13;\nEND:VCARD\r\n</C:address-data></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>\
<D:response><D:href>/book/gone.vcf</D:href><D:status>HTTP/1.1 404 Not Found</D:status></D:response>\
<D:response><D:href>/p/</D:href><D:propstat><D:prop><C:addressbook-home-set><D:href>/home/</D:href></C:addressbook-home-set></D:prop></D:propstat></D:response>\
</D:multistatus>";
        let r = parse_multistatus(body.as_bytes()).unwrap();
        assert_eq!(r.len(), 4);
        assert!(r[0].is("addressbook") && r[0].is("collection"));
        assert_eq!(r[0].text("displayname"), Some("Tom & Jerry"));
        assert!(!r[0].props.contains_key("getetag"));
        assert_eq!(r[1].text("getetag"), Some("\"1\""));
        assert_eq!(
            r[1].text("address-data"),
            Some("BEGIN:VCARD\r\nFN:A <B>\r\nEND:VCARD\r\n")
        );
        assert_eq!(r[2].status, Some(404));
        assert_eq!(r[3].href_of("addressbook-home-set"), Some("/home/"));
    }

    #[test]
    fn what_is_not_a_multistatus_says_so() {
        assert!(parse_multistatus(b"<html><body>hi</body></html>").is_err());
        assert!(parse_multistatus(b"<d:multistatus xmlns:d=\"DAV:\"><d:response>").is_ok());
        assert!(parse_multistatus(b"<a></b>").is_err());
    }

    #[test]
    fn a_multiget_escapes_its_hrefs() {
        let body = multiget(["/a&b/1.vcf"]);
        assert!(body.contains("<d:href>/a&amp;b/1.vcf</d:href>"), "{body}");
    }
}
