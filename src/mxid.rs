//! Matrix user IDs, checked against the spec's grammar before they are
//! reported (ruma's parser accepts `@al ice:x`, so this is our own).
//!
//! `@localpart:server_name`, at most 255 bytes; the localpart in the
//! historical grammar (printable ASCII but `:`), the server name a DNS name,
//! an IPv4 literal or a bracketed IPv6 literal, with an optional port.

use std::net::{Ipv4Addr, Ipv6Addr};

/// Why a string is not a Matrix user ID.
pub fn check_user_id(id: &str) -> Result<(), &'static str> {
    if id.len() > 255 {
        return Err("longer than 255 bytes");
    }
    let rest = id.strip_prefix('@').ok_or("does not start with `@`")?;
    let (localpart, server) = rest.split_once(':').ok_or("has no `:server`")?;
    if localpart.is_empty() {
        return Err("empty localpart");
    }
    if !localpart
        .bytes()
        .all(|b| (0x21..=0x7E).contains(&b) && b != b':')
    {
        return Err("localpart has a character outside printable ASCII");
    }
    check_server_name(server)
}

/// Why a string is not a server name (`host[:port]`).
pub fn check_server_name(name: &str) -> Result<(), &'static str> {
    let (host, port) = split_host_port(name).ok_or("malformed server name")?;
    if let Some(port) = port
        && (port.is_empty()
            || port.len() > 5
            || !port.bytes().all(|b| b.is_ascii_digit())
            || port.parse::<u16>().is_err())
    {
        return Err("bad port in server name");
    }
    if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return v6
            .parse::<Ipv6Addr>()
            .map(|_| ())
            .map_err(|_| "bad IPv6 literal");
    }
    if host.parse::<Ipv4Addr>().is_ok() {
        return Ok(());
    }
    let dns_ok = !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if dns_ok {
        Ok(())
    } else {
        Err("bad host in server name")
    }
}

/// `host[:port]` with `[v6]` kept bracketed.
pub fn split_host_port(name: &str) -> Option<(&str, Option<&str>)> {
    if name.starts_with('[') {
        let end = name.find(']')?;
        let (host, rest) = name.split_at(end + 1);
        return match rest {
            "" => Some((host, None)),
            _ => Some((host, Some(rest.strip_prefix(':')?))),
        };
    }
    match name.rsplit_once(':') {
        Some((host, port)) => Some((host, Some(port))),
        None => Some((name, None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_ids() {
        for id in [
            "@alice:example.org",
            "@a.b_c=d-e/f+g:matrix.example:8448",
            "@X:1.2.3.4",
            "@bob:[::1]:80",
            "@Ünicode-free:x",
        ] {
            if id.contains('Ü') {
                assert!(check_user_id(id).is_err());
            } else {
                assert_eq!(check_user_id(id), Ok(()), "{id}");
            }
        }
    }

    #[test]
    fn invalid_ids() {
        for id in [
            "@al ice:x",
            "alice:example.org",
            "@alice",
            "@:example.org",
            "@alice:",
            "@alice:exa mple.org",
            "@alice:example.org:99999",
            "@evil:x\u{1b}[31m",
            "@a:[::g]",
        ] {
            assert!(check_user_id(id).is_err(), "{id:?} accepted");
        }
        assert!(check_user_id(&format!("@{}:x", "a".repeat(260))).is_err());
    }
}
