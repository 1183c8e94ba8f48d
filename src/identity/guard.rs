//! Reaching a server a referral named only at public addresses. The
//! referral policy judges a name as written (an IP literal in any spelling,
//! `localhost`); what a DNS name resolves to is only known when connecting,
//! so the client for such servers resolves names itself and keeps the
//! public addresses only.

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Loopback, private, link-local, unspecified, broadcast or unique-local;
/// an IPv4-mapped IPv6 address is judged as its IPv4 address.
pub fn is_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6.to_ipv4_mapped().is_some_and(|v4| is_local(v4.into()))
        }
    }
}

/// A name that resolves to nothing but private or local addresses.
#[derive(Debug)]
pub struct PrivateOnly {
    host: String,
}

impl fmt::Display for PrivateOnly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` resolves only to private or local addresses, where a referral is followed only with --allow-server or --resolve",
            crate::sanitize::for_terminal(&self.host)
        )
    }
}

impl std::error::Error for PrivateOnly {}

/// The public addresses among what `host` resolved to.
pub fn public_addresses(host: &str, all: Vec<SocketAddr>) -> Result<Vec<SocketAddr>, PrivateOnly> {
    let public: Vec<SocketAddr> = all.into_iter().filter(|a| !is_local(a.ip())).collect();
    if public.is_empty() {
        return Err(PrivateOnly {
            host: host.to_owned(),
        });
    }
    Ok(public)
}

/// A resolver (the system's, through tokio) that keeps public addresses.
#[derive(Debug, Clone, Copy, Default)]
pub struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let all: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public = public_addresses(&host, all)?;
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_kept() {
        let a = |s: &str| s.parse::<SocketAddr>().unwrap();
        assert_eq!(
            public_addresses("x", vec![a("127.0.0.1:0"), a("93.184.216.34:0")]).unwrap(),
            vec![a("93.184.216.34:0")]
        );
        for private in [
            "10.1.2.3:0",
            "192.168.0.1:0",
            "169.254.1.1:0",
            "[::1]:0",
            "[fd00::1]:0",
            "[::ffff:10.0.0.1]:0",
        ] {
            let err = public_addresses("evil.example", vec![a(private)]).unwrap_err();
            assert!(
                err.to_string()
                    .contains("`evil.example` resolves only to private")
            );
        }
    }
}
