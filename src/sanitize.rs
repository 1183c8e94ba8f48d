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
