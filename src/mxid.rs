//! Matrix user IDs, checked against the spec's grammar before they are
//! reported (ruma's parser accepts `@al ice:x`, so this is our own), and
//! server names in the one canonical form every comparison uses
//! ([`canonical_server_name`]).
//!
//! `@localpart:server_name`, at most 255 bytes; the localpart in the
//! historical grammar (printable ASCII but `:`), the server name a DNS name,
//! an IPv4 literal or a bracketed IPv6 literal, with an optional port.

use std::net::{Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

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

/// The canonical form of a server name (`host[:port]`, as an MSC4004
/// referral, `--resolve`, `--origin` or a pattern's literal part writes it):
/// `host:port` with the host as a URL parser reaches it and the port always
/// written. Every comparison of servers (policy, loops, the budget, caches,
/// `via`) uses this form, so that `C.Test.:443`, `c.test` and `c.test:443`
/// are one server.
///
/// - The host goes through the URL host parser (`url::Host::parse`, which is
///   WHATWG's: UTS #46 IDNA mapping, so lower case and Unicode labels as
///   A-labels, `bücher.test` → `xn--bcher-kva.test`; IPv4 in any form it
///   reads, `127.1` → `127.0.0.1`; IPv6 compressed), then loses one
///   trailing dot. Only letters, digits, `-` and `.` (and non-ASCII, for
///   IDNA) may be written, so that percent-escapes and `_` are refused
///   rather than decoded.
/// - An IPv6 address must be in brackets (`[::1]:8448`): a bare `::1` is
///   refused, as the Matrix server-name grammar has it.
/// - The port is 443 when absent; it is 1 to 5 digits read as a number
///   (`0443` is 443, as a URL parser reads it), and 0 or above 65535 is
///   refused.
/// - Labels may not be empty (`a..b`, `.a`) or longer than 63 bytes, the
///   host not longer than 253.
pub fn canonical_server_name(raw: &str) -> Result<String, &'static str> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("empty server name");
    }
    if raw.contains('/') {
        return Err("not host:port (a URL or a path?)");
    }
    let (host, port) = split_name(raw)?;
    let port = match port {
        None => 443,
        Some(port) => canonical_port(port)?,
    };
    Ok(format!("{}:{port}", canonical_host(host)?))
}

/// `host` and `port` of a server name; a bare IPv6 address is refused.
fn split_name(raw: &str) -> Result<(&str, Option<&str>), &'static str> {
    if !raw.starts_with('[') && raw.matches(':').count() > 1 {
        return Err("an IPv6 address must be in brackets, as in [::1]:443");
    }
    split_host_port(raw).ok_or("an IPv6 address must end with `]`, as in [::1]:443")
}

/// A port as written (1 to 5 digits), as a number from 1 to 65535.
pub fn canonical_port(port: &str) -> Result<u16, &'static str> {
    if port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err("the port must be 1 to 5 digits");
    }
    match port.parse::<u32>() {
        Ok(0) => Err("port 0 cannot be reached"),
        Ok(n) => u16::try_from(n).map_err(|_| "port above 65535"),
        Err(_) => Err("the port must be 1 to 5 digits"),
    }
}

/// The host part of a server name in canonical form (see
/// [`canonical_server_name`]), IPv6 in brackets.
pub fn canonical_host(host: &str) -> Result<String, &'static str> {
    if host.is_empty() {
        return Err("empty host");
    }
    let bracketed = host.starts_with('[');
    if !bracketed
        && !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || !c.is_ascii())
    {
        return Err("a character no host name holds (letters, digits, `-` and `.` only)");
    }
    let parsed = Host::parse(host).map_err(|e| match e {
        url::ParseError::InvalidIpv6Address => "bad IPv6 address",
        url::ParseError::InvalidIpv4Address => {
            "ends in a number, so it is read as an IPv4 address, and is not one"
        }
        url::ParseError::IdnaError => "not a valid internationalised name (IDNA)",
        _ => "bad host in server name",
    })?;
    match parsed {
        Host::Domain(domain) => {
            let domain = domain.strip_suffix('.').unwrap_or(&domain);
            check_dns_name(domain)?;
            Ok(domain.to_owned())
        }
        // `[…]`, in the URL parser's own IPv6 form.
        ip => Ok(ip.to_string()),
    }
}

/// The labels of an ASCII host name, as DNS takes them.
fn check_dns_name(domain: &str) -> Result<(), &'static str> {
    if domain.is_empty() {
        return Err("empty host");
    }
    if domain.len() > 253 {
        return Err("host name longer than 253 characters");
    }
    for label in domain.split('.') {
        if label.is_empty() {
            return Err("empty label (a leading dot, or two dots in a row)");
        }
        if label.len() > 63 {
            return Err("label longer than 63 characters");
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err("a character no host name holds (letters, digits, `-` and `.` only)");
        }
    }
    Ok(())
}

/// The canonical server name a URL reaches (`https://Example.org./x` →
/// `example.org:443`, `http://127.0.0.1:8090` → `127.0.0.1:8090`), to
/// compare a start server with a referral; `None` for a URL without a host
/// or a known port.
pub fn url_server_name(url: &Url) -> Option<String> {
    let host = match url.host()? {
        Host::Domain(domain) => domain.strip_suffix('.').unwrap_or(domain).to_owned(),
        ip => ip.to_string(),
    };
    Some(format!("{host}:{}", url.port_or_known_default()?))
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

    #[test]
    fn one_canonical_form_per_server() {
        for (raw, canonical) in [
            ("C.Test.:443", "c.test:443"),
            ("c.test", "c.test:443"),
            ("c.test:443", "c.test:443"),
            ("  c.test  ", "c.test:443"),
            ("c.test.:8448", "c.test:8448"),
            ("c.test:0443", "c.test:443"),
            ("[::1]:8090", "[::1]:8090"),
            ("[::1]", "[::1]:443"),
            ("[0:0:0:0:0:0:0:1]:443", "[::1]:443"),
            ("[::FFFF:127.0.0.1]", "[::ffff:7f00:1]:443"),
            ("127.0.0.1:8090", "127.0.0.1:8090"),
            ("127.1", "127.0.0.1:443"),
            ("1.2.3.4.:80", "1.2.3.4:80"),
            // UTS #46 and RFC 3492's own example.
            ("bücher.test", "xn--bcher-kva.test:443"),
            ("BÜCHER.test.", "xn--bcher-kva.test:443"),
            ("XN--BCHER-KVA.test", "xn--bcher-kva.test:443"),
            ("münchen.example:8448", "xn--mnchen-3ya.example:8448"),
            ("c.test:65535", "c.test:65535"),
        ] {
            assert_eq!(
                canonical_server_name(raw).as_deref(),
                Ok(canonical),
                "{raw}"
            );
        }
    }

    #[test]
    fn names_that_are_not_servers_say_why() {
        for (raw, why) in [
            ("", "empty server name"),
            ("::1", "in brackets"),
            ("::1:443", "in brackets"),
            ("[::1", "end with `]`"),
            ("[::g]:443", "IPv6"),
            ("c..test", "empty label"),
            (".c.test", "empty label"),
            ("c.test..", "empty label"),
            ("c.test:0", "port 0"),
            ("c.test:65536", "above 65535"),
            ("c.test:99999", "above 65535"),
            ("c.test:000443", "1 to 5 digits"),
            ("c.test:", "1 to 5 digits"),
            ("c.test:+443", "1 to 5 digits"),
            ("c_d.test", "no host name holds"),
            ("c%2etest", "no host name holds"),
            ("bad host", "no host name holds"),
            ("http://c.test:443", "URL"),
            ("xn--ab-.test", "IDNA"),
            ("example.123", "IPv4"),
        ] {
            match canonical_server_name(raw) {
                Ok(name) => panic!("{raw:?} accepted as {name}"),
                Err(e) => assert!(e.contains(why), "{raw:?}: {e}"),
            }
        }
        let long_label = format!("{}.test", "a".repeat(64));
        assert!(canonical_server_name(&long_label).is_err());
        let long_name = vec!["a".repeat(60); 5].join(".");
        assert!(canonical_server_name(&long_name).is_err());
    }

    #[test]
    fn a_url_names_the_server_it_reaches() {
        for (url, name) in [
            ("https://Example.org.", "example.org:443"),
            ("https://example.org:443/is/", "example.org:443"),
            ("http://127.0.0.1:8090", "127.0.0.1:8090"),
            ("http://c.test", "c.test:80"),
            ("https://bücher.test:8448", "xn--bcher-kva.test:8448"),
            ("http://[::1]:8090/", "[::1]:8090"),
        ] {
            let url = Url::parse(url).unwrap();
            assert_eq!(url_server_name(&url).as_deref(), Some(name), "{url}");
            // The same as the name written out.
            assert_eq!(canonical_server_name(name).as_deref(), Ok(name));
        }
    }

    proptest::proptest! {
        #[test]
        fn the_canonical_form_is_its_own_canonical_form(
            raw in "[a-zA-Z0-9.:\\[\\]ü-]{0,24}"
        ) {
            if let Ok(name) = canonical_server_name(&raw) {
                proptest::prop_assert_eq!(canonical_server_name(&name), Ok(name.clone()));
                let url = Url::parse(&format!("https://{name}")).unwrap();
                proptest::prop_assert_eq!(url_server_name(&url), Some(name));
            }
        }
    }
}
