//! The description of the sandbox's CardDAV server (`[dav]` in a
//! federation file): its users, their address books and the cards in them,
//! and the knob that changes a card behind a client's back.

use serde::Deserialize;

/// A CardDAV server (RFC 6352) with Basic authentication.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DavSpec {
    /// Its name, `host:port` (an opaque label, reached through
    /// [`super::Sandbox::dav_resolve`]).
    pub name: String,
    /// Who may log in.
    pub users: Vec<DavUser>,
    /// The address books, each owned by one user.
    #[serde(default)]
    pub books: Vec<DavBook>,
    /// Cards (by file name, `bob.vcf`) changed on the server right after
    /// a client first fetches them: its next `PUT` with the `ETag` it read
    /// is answered 412. A name listed twice is changed after each of its
    /// first two fetches (a client that fetches again after the 412 meets
    /// another change).
    #[serde(default)]
    pub change_after_fetch: Vec<String>,
    /// Where `/.well-known/carddav` redirects: `/dav/` when absent; a URL
    /// on another server tests that credentials do not follow a redirect.
    #[serde(default)]
    pub well_known_to: Option<String>,
    /// The first N requests answer 503 with `Retry-After: 0`, as a proxy
    /// in front of a server still starting does.
    #[serde(default)]
    pub fail_first: u32,
}

/// A user and the password of Basic authentication.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DavUser {
    /// The login.
    pub name: String,
    /// The password.
    pub password: String,
}

/// One address book: `/dav/addressbooks/OWNER/SLUG/`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DavBook {
    /// The user it belongs to.
    pub owner: String,
    /// Its last path segment.
    pub slug: String,
    /// Its `displayname`.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Cards as text, each `BEGIN:VCARD` … `END:VCARD`, served as written
    /// with its line ends made CRLF; named `card-N.vcf` unless the card's
    /// `UID` gives a name (`UID:bob` is `bob.vcf`).
    #[serde(default)]
    pub cards: Vec<String>,
    /// This many more made-up cards (`synth-N.vcf`, each with one email
    /// address `contactN@synthetic.example`), for batch and size tests.
    #[serde(default)]
    pub synthetic: usize,
}

impl DavSpec {
    /// Checks names, owners and the cards' shape.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.users.is_empty() {
            return Err("dav: no user".into());
        }
        for book in &self.books {
            if !self.users.iter().any(|u| u.name == book.owner) {
                return Err(format!(
                    "dav: book `{}` belongs to `{}`, who is not a user",
                    book.slug, book.owner
                ));
            }
            if book.slug.is_empty() || book.slug.contains('/') {
                return Err(format!("dav: `{}` is not a book's path segment", book.slug));
            }
            if let Some(card) = book.cards.iter().find(|c| {
                let c = c.trim().to_ascii_uppercase();
                !c.starts_with("BEGIN:VCARD") || !c.ends_with("END:VCARD")
            }) {
                return Err(format!(
                    "dav: a card of `{}` is not BEGIN:VCARD … END:VCARD: {}",
                    book.slug,
                    card.lines().next().unwrap_or_default()
                ));
            }
        }
        Ok(())
    }
}

/// The CardDAV server of the built-in federation: alice's two address
/// books, whose cards hold addresses the identity servers know (directly,
/// through referrals) and one they do not.
pub(crate) fn default_dav() -> DavSpec {
    let card = |uid: &str, lines: &[&str]| {
        let mut text = format!("BEGIN:VCARD\nVERSION:3.0\nUID:{uid}\n");
        for line in lines {
            text.push_str(line);
            text.push('\n');
        }
        text.push_str("END:VCARD\n");
        text
    };
    DavSpec {
        name: "dav.example:443".into(),
        users: vec![DavUser {
            name: "alice".into(),
            password: "wonderland".into(),
        }],
        books: vec![
            DavBook {
                owner: "alice".into(),
                slug: "contacts".into(),
                display_name: Some("Contacts".into()),
                cards: vec![
                    card("bob", &["FN:Bob Martin", "EMAIL;TYPE=work:bob@example.com"]),
                    card(
                        "chloe",
                        &[
                            "FN:Chloé Bernard",
                            "EMAIL:chloe.bernard@federated.example",
                            "TEL;TYPE=work:+33 1 42 68 53 00",
                        ],
                    ),
                    card("dmitri", &["FN:Dmitri Ivanov", "EMAIL:dmitri@far.example"]),
                    card("nadia", &["FN:Nadia Nobody", "EMAIL:nadia@nowhere.example"]),
                ],
                synthetic: 0,
            },
            DavBook {
                owner: "alice".into(),
                slug: "family".into(),
                display_name: Some("Family".into()),
                cards: vec![card(
                    "alice",
                    &[
                        "FN:Alice Liddell",
                        "EMAIL;TYPE=home:alice@example.com",
                        "TEL;TYPE=cell:+33 6 12 34 56 78",
                    ],
                )],
                synthetic: 0,
            },
        ],
        change_after_fetch: Vec::new(),
        well_known_to: None,
        fail_first: 0,
    }
}
