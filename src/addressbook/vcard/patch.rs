//! Adding Matrix IDs to a card as it was read: every byte of the card is
//! kept (its charset, line endings and folding), and one
//! `IMPP:matrix:u/localpart:server` line per Matrix ID the card does not hold
//! yet goes before its `END:VCARD`. The one place write-back changes a card,
//! whether the card is written to a file, a vdir item or a CardDAV server.

use std::collections::BTreeMap;
use std::ops::Range;

/// `card` with an IMPP line for each of `mxids` it lacks, or `None` when it
/// already holds them all, or has no `END:VCARD` line to put them before
/// (a card cut short is left as it was rather than guessed at).
pub fn add_matrix_ids(card: &[u8], mxids: &[&str]) -> Option<Vec<u8>> {
    let held = held_text(card);
    let mut missing: Vec<String> = Vec::new();
    for mxid in mxids {
        let uri = matrix_uri(mxid);
        let lower = uri.to_ascii_lowercase();
        if !held.contains(&lower) && !missing.iter().any(|m| m.eq_ignore_ascii_case(&uri)) {
            missing.push(uri);
        }
    }
    if missing.is_empty() {
        return None;
    }
    let end = end_line(card)?;
    let eol: &[u8] = if card.windows(2).any(|w| w == b"\r\n") {
        b"\r\n"
    } else {
        b"\n"
    };
    let mut out = Vec::with_capacity(card.len() + missing.len() * 48);
    out.extend_from_slice(&card[..end]);
    for uri in missing {
        out.extend_from_slice(b"IMPP:");
        out.extend_from_slice(uri.as_bytes());
        out.extend_from_slice(eol);
    }
    out.extend_from_slice(&card[end..]);
    Some(out)
}

/// A card of a file that gains IMPP lines ([`patch_file`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchedCard {
    /// The line of its `BEGIN:VCARD`.
    pub begin: u32,
    /// Where the card's bytes are in the file, from its `BEGIN` line to its
    /// `END:VCARD` line (without its line break).
    pub span: Range<usize>,
    /// The card with its new IMPP lines.
    pub card: Vec<u8>,
    /// How many IMPP lines it gained.
    pub added: usize,
}

/// The cards of the vCard file `body` (every byte as read) that gain IMPP
/// lines, in file order: `gains` gives the Matrix IDs found for the card
/// beginning on each line (1-based, as the reader numbers them). Cards
/// that already hold them all, and cards cut short, are not listed.
pub fn patch_file(body: &[u8], gains: &BTreeMap<u32, Vec<String>>) -> Vec<PatchedCard> {
    let mut patched = Vec::new();
    for piece in super::lines::split(body) {
        let super::lines::Piece::Card(card) = piece else {
            continue;
        };
        let Some(mxids) = gains.get(&card.begin) else {
            continue;
        };
        let mxids: Vec<&str> = mxids.iter().map(String::as_str).collect();
        let old = &body[card.span.clone()];
        if let Some(new) = add_matrix_ids(old, &mxids) {
            let added =
                memchr::memchr_iter(b'\n', &new).count() - memchr::memchr_iter(b'\n', old).count();
            patched.push(PatchedCard {
                begin: card.begin,
                span: card.span,
                card: new,
                added,
            });
        }
    }
    patched
}

/// The cards of `body` that `gains` names but that have no `END:VCARD`
/// (closed by the next `BEGIN` or the end of the file): the line of each
/// one's `BEGIN`. [`patch_file`] leaves them as they are.
pub fn cut_short(body: &[u8], gains: &BTreeMap<u32, Vec<String>>) -> Vec<u32> {
    super::lines::split(body)
        .into_iter()
        .filter_map(|piece| match piece {
            super::lines::Piece::Card(card)
                if card.unterminated_at.is_some() && gains.contains_key(&card.begin) =>
            {
                Some(card.begin)
            }
            _ => None,
        })
        .collect()
}

/// `body` with the cards of `patched` (from [`patch_file`] over it) in
/// place of the old ones; every other byte as it was.
pub fn apply(body: &[u8], patched: &[PatchedCard]) -> Vec<u8> {
    let extra: usize = patched.iter().map(|p| p.card.len() - p.span.len()).sum();
    let mut out = Vec::with_capacity(body.len() + extra);
    let mut at = 0;
    for p in patched {
        out.extend_from_slice(&body[at..p.span.start]);
        out.extend_from_slice(&p.card);
        at = p.span.end;
    }
    out.extend_from_slice(&body[at..]);
    out
}

/// `@alice:example.org` as `matrix:u/alice:example.org` (the spec's
/// `matrix:` URI), with what a URI path cannot hold percent-encoded.
pub fn matrix_uri(mxid: &str) -> String {
    let id = mxid.strip_prefix('@').unwrap_or(mxid);
    let mut uri = String::from("matrix:u/");
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:=+!$&'()*,;@[]".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}

/// The card unfolded and in ASCII lower case, to see which URIs it holds
/// (bytes that are not UTF-8 are replaced: a URI is ASCII).
fn held_text(card: &[u8]) -> String {
    String::from_utf8_lossy(card)
        .replace("\r\n ", "")
        .replace("\r\n\t", "")
        .replace("\n ", "")
        .replace("\n\t", "")
        .to_ascii_lowercase()
}

/// Where the card's last `END:VCARD` line starts.
fn end_line(card: &[u8]) -> Option<usize> {
    let mut start = 0;
    let mut found = None;
    for line in card.split_inclusive(|&b| b == b'\n') {
        let text = line.trim_ascii();
        if text.eq_ignore_ascii_case(b"END:VCARD") {
            found = Some(start);
        }
        start += line.len();
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix_uris() {
        assert_eq!(
            matrix_uri("@alice:example.org"),
            "matrix:u/alice:example.org"
        );
        assert_eq!(
            matrix_uri("@a/b?c:example.org:8448"),
            "matrix:u/a%2Fb%3Fc:example.org:8448"
        );
    }

    #[test]
    fn adds_before_end_keeping_every_other_byte() {
        let card = b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=ISO-8859-1:Ren\xe9\r\nEND:VCARD\r\n";
        let out = add_matrix_ids(card, &["@rene:example.org"]).unwrap();
        assert_eq!(
            out,
            b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=ISO-8859-1:Ren\xe9\r\nIMPP:matrix:u/rene:example.org\r\nEND:VCARD\r\n"
        );
    }

    #[test]
    fn keeps_lf_endings_and_a_missing_last_newline() {
        let out = add_matrix_ids(b"BEGIN:VCARD\nFN:A\nEND:VCARD", &["@a:b.c"]).unwrap();
        assert_eq!(out, b"BEGIN:VCARD\nFN:A\nIMPP:matrix:u/a:b.c\nEND:VCARD");
    }

    #[test]
    fn held_ids_are_not_added_again_even_folded_or_in_another_case() {
        let card = b"BEGIN:VCARD\r\nIMPP:matrix:u/Al\r\n ice:example.org\r\nEND:VCARD\r\n";
        assert_eq!(add_matrix_ids(card, &["@alice:example.org"]), None);
        let out = add_matrix_ids(card, &["@alice:example.org", "@bob:x.y", "@bob:x.y"]).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.matches("matrix:u/bob:x.y").count(), 1);
    }

    #[test]
    fn a_file_gains_lines_in_the_cards_named_and_nowhere_else() {
        let body = b"\xEF\xBB\xBFBEGIN:VCARD\r\nFN;CHARSET=ISO-8859-1:Ren\xe9\r\nEND:VCARD\r\nstray\r\n\r\nBEGIN:VCARD\nFN:B\nEND:VCARD\nBEGIN:VCARD\nFN:C\n";
        let gains = BTreeMap::from([
            (1, vec!["@rene:example.org".to_owned()]),
            (6, vec!["@b:x.y".to_owned(), "@b:x.y".to_owned()]),
            (9, vec!["@c:x.y".to_owned()]),
        ]);
        let patched = patch_file(body, &gains);
        assert_eq!(
            patched
                .iter()
                .map(|p| (p.begin, p.added))
                .collect::<Vec<_>>(),
            vec![(1, 1), (6, 1)]
        );
        let out = apply(body, &patched);
        assert_eq!(
            out,
            b"\xEF\xBB\xBFBEGIN:VCARD\r\nFN;CHARSET=ISO-8859-1:Ren\xe9\r\nIMPP:matrix:u/rene:example.org\r\nEND:VCARD\r\nstray\r\n\r\nBEGIN:VCARD\nFN:B\nIMPP:matrix:u/b:x.y\nEND:VCARD\nBEGIN:VCARD\nFN:C\n"
        );
        // Once is enough.
        assert!(patch_file(&out, &gains).is_empty());
        assert_eq!(cut_short(body, &gains), vec![9]);
    }

    #[test]
    fn a_card_without_end_is_left_alone() {
        assert_eq!(
            add_matrix_ids(b"BEGIN:VCARD\r\nFN:A\r\n", &["@a:b.c"]),
            None
        );
    }
}
