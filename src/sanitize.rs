//! Text from files and servers, made safe to print on a terminal.
//!
//! Names and addresses come from address books anyone may have written, and
//! Matrix IDs from servers anyone may run: an escape sequence in them must not
//! reach a terminal raw (fd's `sanitize.rs` does the same for file names).

use std::borrow::Cow;

/// Whether `c` would be interpreted by a terminal rather than shown.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every control character (C0, DEL, C1) and bidirectional
/// override written as a visible escape such as `\u{1b}`.
///
/// ```
/// use mxlookup::sanitize::for_terminal;
/// assert_eq!(for_terminal("a\x1b[31mb"), "a\\u{1b}[31mb");
/// assert_eq!(for_terminal("plain"), "plain");
/// ```
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// [`for_terminal`] of at most the first `max` characters of `text`; a
/// longer text is cut there and says how long it was. Server-supplied text
/// goes into the reason of every address it concerns: cut, a megabyte from
/// a server stays a few hundred bytes per address.
///
/// ```
/// use mxlookup::sanitize::excerpt;
/// assert_eq!(excerpt("short", 10), "short");
/// assert_eq!(excerpt("0123456789abc", 10), "0123456789… (13 bytes in all)");
/// ```
pub fn excerpt(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => for_terminal(text),
        Some((cut, _)) => Cow::Owned(format!(
            "{}… ({} bytes in all)",
            for_terminal(&text[..cut]),
            text.len()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_c1_and_bidi() {
        assert_eq!(for_terminal("x\u{9b}y"), "x\\u{9b}y");
        assert_eq!(for_terminal("\u{202e}moc.elpmaxe"), "\\u{202e}moc.elpmaxe");
        assert_eq!(for_terminal("Zoë"), "Zoë");
    }
}
