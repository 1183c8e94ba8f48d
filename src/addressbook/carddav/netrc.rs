//! `~/.netrc` (the format of ftp(1) and curl): `machine HOST login USER
//! password PW`, tokens separated by any whitespace, `default` for any
//! host, `macdef` bodies skipped up to a blank line, `#` comments.
//!
//! A small reader rather than a crate: what mxlookup needs is a lookup by
//! host, and neither `netrc` (0.1.4, an old release) nor `netrc-parser`
//! seemed worth a dependency for forty lines.

/// One entry: a host (`None` for `default`), a login and a password.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Entry {
    machine: Option<String>,
    login: Option<String>,
    password: Option<String>,
}

/// The login and password for `host` in `text` (a `.netrc` file): the
/// first `machine host` entry whose login is `user` when one is given,
/// else the `default` entry. Host names match without regard to case.
pub fn lookup(text: &str, host: &str, user: Option<&str>) -> Option<(String, String)> {
    let entries = parse(text);
    let fits = |e: &&Entry| user.is_none_or(|u| e.login.as_deref() == Some(u));
    let entry = entries
        .iter()
        .filter(|e| {
            e.machine
                .as_deref()
                .is_some_and(|m| m.eq_ignore_ascii_case(host))
        })
        .find(fits)
        .or_else(|| entries.iter().filter(|e| e.machine.is_none()).find(fits))?;
    Some((entry.login.clone()?, entry.password.clone()?))
}

/// The entries of a `.netrc` file, in order.
fn parse(text: &str) -> Vec<Entry> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut lines = text.lines();
    let mut tokens: Vec<String> = Vec::new();
    // Tokens a line at a time, so that a macdef body can be skipped.
    while let Some(line) = lines.next() {
        let line = line.trim_start();
        if line.starts_with('#') {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let mut i = 0;
        while i < words.len() {
            if words[i] == "macdef" {
                // The rest of this line names the macro; its body runs to a blank line.
                for body in lines.by_ref() {
                    if body.trim().is_empty() {
                        break;
                    }
                }
                i = words.len();
                continue;
            }
            tokens.push(words[i].to_owned());
            i += 1;
        }
    }
    let mut iter = tokens.into_iter();
    while let Some(token) = iter.next() {
        match token.as_str() {
            "machine" => entries.push(Entry {
                machine: iter.next(),
                ..Entry::default()
            }),
            "default" => entries.push(Entry::default()),
            "login" | "password" | "account" => {
                let value = iter.next();
                if let Some(entry) = entries.last_mut() {
                    match token.as_str() {
                        "login" => entry.login = value,
                        "password" => entry.password = value,
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    const NETRC: &str = "# mine\n\
        machine dav.example login alice password a1\n\
        machine DAV.example\n  login bob\n  password b2\n\
        macdef init\ncd /pub\nmachine evil.example login x password y\n\n\
        machine other.example login carol password c3\n\
        default login anon password guest\n";

    #[test]
    fn entries_are_found_by_host_and_login() {
        let get = |host, user| lookup(NETRC, host, user);
        assert_eq!(
            get("dav.example", None),
            Some(("alice".into(), "a1".into()))
        );
        assert_eq!(
            get("dav.example", Some("bob")),
            Some(("bob".into(), "b2".into()))
        );
        assert_eq!(
            get("other.example", None),
            Some(("carol".into(), "c3".into()))
        );
        assert_eq!(
            get("nowhere.example", None),
            Some(("anon".into(), "guest".into()))
        );
        assert_eq!(get("nowhere.example", Some("zed")), None);
    }

    #[test]
    fn a_macro_body_is_not_read_as_entries() {
        assert_eq!(
            lookup(NETRC, "evil.example", None),
            Some(("anon".into(), "guest".into()))
        );
    }

    #[test]
    fn an_entry_without_a_password_gives_nothing() {
        assert_eq!(lookup("machine h login u\n", "h", None), None);
        assert_eq!(lookup("", "h", None), None);
    }
}
