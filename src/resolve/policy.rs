//! Which referrals are followed: depth, allow and deny lists (globs on
//! `host:port`), a budget of distinct referred servers, and where a server
//! name is reached (`--resolve NAME=URL`, else `https://host:port`). Pure.
//!
//! Every name here is in the canonical form of
//! [`crate::mxid::canonical_server_name`], and patterns are put in that form
//! too ([`canonical_pattern`]), so that no spelling of a server escapes them.

use std::collections::BTreeMap;
use std::net::IpAddr;

use globset::{Glob, GlobSet, GlobSetBuilder};
use url::{Host, Url};

use crate::identity::guard::is_local;
use crate::mxid::{canonical_host, canonical_port, canonical_server_name, split_host_port};

/// The referral policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Referral hops followed at most (0: none).
    pub max_depth: u32,
    /// Distinct referred servers asked at most.
    pub budget: usize,
    /// When set, only these server names are followed.
    pub allow: Option<GlobSet>,
    /// Server names never followed.
    pub deny: GlobSet,
    /// Where names are reached instead of `https://host:port`, by
    /// canonical name ([`server_name`]).
    pub resolve: BTreeMap<String, Url>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_depth: 3,
            budget: 16,
            allow: None,
            deny: GlobSet::empty(),
            resolve: BTreeMap::new(),
        }
    }
}

/// Builds a glob set from `--allow-server`/`--deny-server` patterns, each
/// first put in the canonical form names take ([`canonical_pattern`]).
pub fn globs(patterns: &[String]) -> Result<GlobSet, String> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let bad = |why: &dyn std::fmt::Display| {
            format!(
                "bad server pattern `{}`: {why}",
                crate::sanitize::excerpt(pattern, 300)
            )
        };
        let canonical = canonical_pattern(pattern).map_err(|why| bad(&why))?;
        builder.add(Glob::new(&canonical).map_err(|e| bad(&e))?);
    }
    builder.build().map_err(|e| e.to_string())
}

/// What globset reads as more than a character.
const GLOB_META: &[char] = &['*', '?', '[', ']', '{', '}', '\\', '!', ','];

/// A `--allow-server`/`--deny-server` pattern in the canonical form of
/// server names, so that it matches what [`server_name`] gives:
///
/// - a missing port means 443 (write `:*` for any port); a port written as
///   a number is read as one (`0443` is 443);
/// - a host without wildcards is a server name's host, canonical as one
///   (`C.Test.` → `c.test`, `bücher.test` → `xn--bcher-kva.test`, `127.1` →
///   `127.0.0.1`), and an IPv6 address is a literal in brackets
///   (`[::1]:*`), never a character class;
/// - a host with wildcards (`*`, `?`, `[…]`, `{a,b}`) is lowered and loses
///   a trailing dot; its labels without wildcards that are Unicode become
///   A-labels (`*.bücher.test`); Unicode beside a wildcard is refused, since
///   no canonical name holds it.
///
/// `*` matches any characters, `.` and `:` included.
pub fn canonical_pattern(pattern: &str) -> Result<String, String> {
    let text = pattern.trim();
    if text.is_empty() {
        return Err("empty pattern".to_owned());
    }
    let (host, port) = if text.starts_with('[') {
        // Not a character class: a name has no `[` but an IPv6 address's.
        split_host_port(text)
            .ok_or("a pattern starting with `[` is an IPv6 address in brackets, as in [::1]:*")?
    } else {
        match text.rsplit_once(':') {
            Some((host, _)) if host.contains(':') => {
                return Err("an IPv6 address must be in brackets, as in [::1]:*".to_owned());
            }
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        }
    };
    let port = match port {
        None => "443".to_owned(),
        Some(port) if port.contains(GLOB_META) => port.to_owned(),
        Some(port) => canonical_port(port)?.to_string(),
    };
    let host = if host.starts_with('[') || !host.contains(GLOB_META) {
        globset::escape(&canonical_host(host)?)
    } else {
        wildcard_host(host)?
    };
    Ok(format!("{host}:{port}"))
}

/// The host of a pattern with wildcards: lowered, less a trailing dot, its
/// Unicode labels as A-labels.
fn wildcard_host(host: &str) -> Result<String, String> {
    let host = host.strip_suffix('.').unwrap_or(host);
    let mut labels = Vec::new();
    for label in host.split('.') {
        let label = if label.is_ascii() {
            label.to_ascii_lowercase()
        } else if label.contains(GLOB_META) {
            return Err(format!(
                "`{label}`: write a Unicode label beside a wildcard as its A-label (xn--…)"
            ));
        } else {
            match Host::parse(label) {
                Ok(Host::Domain(a_label)) => a_label,
                _ => {
                    return Err(format!(
                        "`{label}`: not a valid internationalised name (IDNA)"
                    ));
                }
            }
        };
        let odd = label
            .chars()
            .find(|&c| !(c.is_ascii_alphanumeric() || c == '-' || GLOB_META.contains(&c)));
        if let Some(c) = odd {
            return Err(format!(
                "`{}`: no server name holds it (letters, digits, `-`, `.` and wildcards only)",
                c.escape_debug()
            ));
        }
        labels.push(label);
    }
    Ok(labels.join("."))
}

/// A server name from a referral (or `--resolve`, `--origin`) in canonical
/// form, `host:port` ([`canonical_server_name`]), or why it is not one.
pub fn server_name(raw: &str) -> Result<String, String> {
    if raw.len() > 300 {
        return Err(format!(
            "`{}`: longer than a host name and port can be",
            crate::sanitize::excerpt(raw, 100)
        ));
    }
    canonical_server_name(raw)
        .map_err(|why| format!("`{}`: {why}", crate::sanitize::excerpt(raw, 300)))
}

/// What to do with a referral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Follow it: ask the server at this URL.
    Follow(Url),
    /// Leave it: why.
    Leave(String),
}

impl Policy {
    /// Whether a followed referral to `name` may be reached only at public
    /// addresses: unless `--resolve` says where it is or `--allow-server`
    /// admits it, what its name resolves to is checked when connecting.
    pub fn public_only(&self, name: &str) -> bool {
        !self.resolve.contains_key(name) && !self.allow.as_ref().is_some_and(|a| a.is_match(name))
    }

    /// Whether to follow a referral to `name` (already `host:port`) at hop
    /// `depth` (1 for a referral from a start server), with `new_server`
    /// telling whether it would be another distinct server and `referred`
    /// how many distinct servers were referred to so far.
    pub fn decide(&self, name: &str, depth: u32, new_server: bool, referred: usize) -> Decision {
        if depth > self.max_depth {
            return Decision::Leave(format!("beyond --max-depth {}", self.max_depth));
        }
        if self.deny.is_match(name) {
            return Decision::Leave("denied by --deny-server".to_owned());
        }
        let allowed = self.allow.as_ref().map(|a| a.is_match(name));
        if allowed == Some(false) {
            return Decision::Leave("not in the allowed servers".to_owned());
        }
        if new_server && referred >= self.budget {
            return Decision::Leave(format!("server budget of {} spent", self.budget));
        }
        if let Some(url) = self.resolve.get(name) {
            return Decision::Follow(url.clone());
        }
        let (host, port) = split_host_port(name).expect("checked server name");
        let url = match Url::parse(&format!("https://{host}:{}", port.unwrap_or("443"))) {
            Ok(url) => url,
            Err(e) => return Decision::Leave(format!("no URL for it: {e}")),
        };
        // The host as it will be reached, not as it was written: the URL
        // parser reads `2130706433`, `127.1` and `0x7f.0.0.1` as 127.0.0.1.
        if is_local_host(url.host()) && allowed != Some(true) {
            return Decision::Leave(
                "a private or local address (allow it with --allow-server or --resolve)".to_owned(),
            );
        }
        Decision::Follow(url)
    }
}

/// A local address, an IPv4-mapped IPv6 one, or a `localhost` name (which
/// always resolves to loopback, RFC 6761). Other names are not resolved
/// here.
fn is_local_host(host: Option<Host<&str>>) -> bool {
    match host {
        Some(Host::Ipv4(v4)) => is_local(IpAddr::V4(v4)),
        Some(Host::Ipv6(v6)) => is_local(IpAddr::V6(v6)),
        Some(Host::Domain(name)) => {
            let name = name.trim_end_matches('.');
            name.eq_ignore_ascii_case("localhost")
                || name.to_ascii_lowercase().ends_with(".localhost")
        }
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        let mut p = Policy {
            deny: globs(&["*.evil.example".into()]).unwrap(),
            ..Policy::default()
        };
        p.resolve.insert(
            "fed.example:443".into(),
            Url::parse("http://127.0.0.1:8091").unwrap(),
        );
        p
    }

    #[test]
    fn names_get_a_port() {
        assert_eq!(server_name("Fed.Example").unwrap(), "fed.example:443");
        assert_eq!(server_name("fed.example:8448").unwrap(), "fed.example:8448");
        assert_eq!(server_name("[::1]").unwrap(), "[::1]:443");
        assert!(server_name("bad host").is_err());
        assert!(server_name("x:99999").is_err());
    }

    #[test]
    fn patterns_take_the_canonical_form_of_names() {
        for (pattern, canonical) in [
            ("C.TEST.:*", "c.test:*"),
            ("c.test", "c.test:443"),
            ("c.test.:0443", "c.test:443"),
            ("BÜCHER.test", "xn--bcher-kva.test:443"),
            ("*.Bücher.TEST.", "*.xn--bcher-kva.test:443"),
            ("*.EVIL.example", "*.evil.example:443"),
            // Brackets escaped: a literal, not a character class.
            ("[::1]", "[[]::1[]]:443"),
            ("[0::1]:*", "[[]::1[]]:*"),
            ("127.1:8090", "127.0.0.1:8090"),
            ("10.0.0.*", "10.0.0.*:443"),
            ("*", "*:443"),
            ("{a,B}.test:84?8", "{a,b}.test:84?8"),
        ] {
            assert_eq!(
                canonical_pattern(pattern).as_deref(),
                Ok(canonical),
                "{pattern}"
            );
        }
        for (pattern, why) in [
            ("::1", "in brackets"),
            ("[::1", "IPv6 address in brackets"),
            ("[ab].test", "IPv6 address in brackets"),
            ("[ab]:443", "bad IPv6 address"),
            ("c.test:0", "port 0"),
            ("c.test:70000", "above 65535"),
            ("c..test", "empty label"),
            ("c_d.*", "no server name holds"),
            ("bü*.test", "A-label"),
            ("", "empty"),
        ] {
            match canonical_pattern(pattern) {
                Ok(p) => panic!("{pattern:?} accepted as {p}"),
                Err(e) => assert!(e.contains(why), "{pattern:?}: {e}"),
            }
        }
    }

    #[test]
    fn every_spelling_of_a_name_meets_the_patterns() {
        let deny = globs(&["C.TEST.:*".into(), "[::1]".into(), "bücher.*".into()]).unwrap();
        for raw in [
            "c.test",
            "C.Test.:443",
            "c.test.:8448",
            "[0:0::1]",
            "XN--BCHER-KVA.example",
        ] {
            let name = server_name(raw).unwrap();
            assert!(deny.is_match(&name), "{raw} as {name} escaped");
        }
        for raw in ["c.test.example", "[::2]", "[::1]:8448"] {
            assert!(!deny.is_match(server_name(raw).unwrap()), "{raw}");
        }
    }

    #[test]
    fn decisions() {
        let p = policy();
        assert_eq!(
            p.decide("fed.example:443", 1, true, 0),
            Decision::Follow(Url::parse("http://127.0.0.1:8091").unwrap())
        );
        assert_eq!(
            p.decide("far.example:443", 3, true, 0),
            Decision::Follow(Url::parse("https://far.example:443").unwrap())
        );
        assert!(
            matches!(p.decide("far.example:443", 4, true, 0), Decision::Leave(w) if w.contains("--max-depth 3"))
        );
        assert!(
            matches!(p.decide("a.evil.example:443", 1, true, 0), Decision::Leave(w) if w.contains("deny"))
        );
        assert!(
            matches!(p.decide("far.example:443", 1, true, 16), Decision::Leave(w) if w.contains("budget"))
        );
        assert!(matches!(
            p.decide("far.example:443", 1, false, 16),
            Decision::Follow(_)
        ));
        assert!(
            matches!(p.decide("10.0.0.1:443", 1, true, 0), Decision::Leave(w) if w.contains("private"))
        );
        assert!(matches!(
            p.decide("[::1]:443", 1, true, 0),
            Decision::Leave(_)
        ));
    }

    #[test]
    fn local_addresses_in_disguise() {
        let p = Policy::default();
        for name in [
            "localhost:443",
            "LocalHost.:443",
            "a.localhost:8448",
            "2130706433:443",
            "127.1:443",
            "0x7f.0.0.1:443",
            "0177.0.0.1:443",
            "[::ffff:127.0.0.1]:443",
            "[::ffff:a00:1]:443",
            "0:443",
        ] {
            assert!(
                matches!(p.decide(name, 1, true, 0), Decision::Leave(w) if w.contains("private")),
                "{name} followed"
            );
        }
        assert!(matches!(
            p.decide("localhost.example:443", 1, true, 0),
            Decision::Follow(_)
        ));
    }

    #[test]
    fn names_not_placed_or_allowed_are_reached_at_public_addresses_only() {
        let p = Policy {
            allow: Some(globs(&["*.trusted.example".into()]).unwrap()),
            ..policy()
        };
        assert!(!p.public_only("fed.example:443"));
        assert!(!p.public_only("is.trusted.example:443"));
        assert!(p.public_only("far.example:443"));
    }

    #[test]
    fn allow_list() {
        let p = Policy {
            allow: Some(globs(&["*.example".into()]).unwrap()),
            ..Policy::default()
        };
        assert!(matches!(
            p.decide("fed.example:443", 1, true, 0),
            Decision::Follow(_)
        ));
        assert!(matches!(
            p.decide("fed.example:8448", 1, true, 0),
            Decision::Leave(_)
        ));
        assert!(
            matches!(p.decide("other.org:443", 1, true, 0), Decision::Leave(w) if w.contains("allowed"))
        );
        let p = Policy {
            allow: Some(globs(&["10.0.0.1".into()]).unwrap()),
            ..Policy::default()
        };
        assert!(matches!(
            p.decide("10.0.0.1:443", 1, true, 0),
            Decision::Follow(_)
        ));
    }
}
