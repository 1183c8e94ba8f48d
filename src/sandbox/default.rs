//! The built-in federation `--sandbox` starts, shaped so that
//! `fixtures/contacts.vcf` (region FR) meets every outcome: direct answers,
//! referrals one and two hops away, a loop, a server outside the federation,
//! an address found only under the alternative pepper, and misses.
//!
//! `fixtures/federation.toml` is the same federation, commented; a test
//! keeps the two equal.

use std::collections::BTreeMap;

use super::spec::{
    Association, Federation, HomeserverSpec, LimitStyle, Referral, ReferralStyle, ServerSpec,
};
use crate::threepid::Medium;

impl Federation {
    /// The built-in federation (also `fixtures/federation.toml`).
    pub fn default_federation() -> Federation {
        Federation {
            servers: vec![matrix(), fed(), far(), looping()],
            homeserver: HomeserverSpec::default(),
            dav: Some(super::dav_spec::default_dav()),
        }
    }
}

/// The start server, sydent-like.
fn matrix() -> ServerSpec {
    ServerSpec {
        start: true,
        algorithms: vec!["sha256".into(), "none".into()],
        alt_peppers: vec!["0ldPp".into()],
        pepper_in_error: true,
        address_limit: Some(10_000),
        max_body_bytes: Some(512 * 1024),
        associations: vec![
            assoc("alice@example.com", "@alice:matrix.example"),
            assoc("33612345678", "@alice:matrix.example"),
            assoc("bob@example.com", "@bob:matrix.example"),
            Association {
                only_alt: true,
                ..assoc("gustav.strauss@example.com", "@gustav:matrix.example")
            },
        ],
        referrals: vec![
            refer("chloe.bernard@federated.example", "fed.example:443"),
            refer("33142685300", "fed.example:443"),
            refer("dmitri@far.example", "fed.example:443"),
            refer("491711234567", "fed.example:443"),
            refer("elif@loop.example", "loop.example:443"),
            refer("farah@elsewhere.example", "elsewhere.example:443"),
        ],
        ..server("matrix.example:443", "m4Trx")
    }
}

/// ToM-like: sha256 only, a 32-character pepper, the previous one and `""`
/// as alternatives, no pepper check, 100 addresses per lookup.
fn fed() -> ServerSpec {
    ServerSpec {
        alt_peppers: vec!["FedPreviousPepper123456789abcdef".into(), String::new()],
        check_pepper: false,
        address_limit: Some(100),
        limit_style: LimitStyle::InvalidParam,
        associations: vec![
            assoc("chloe.bernard@federated.example", "@chloe:fed.example"),
            assoc("33142685300", "@chloe:fed.example"),
        ],
        referrals: vec![
            refer("dmitri@far.example", "far.example:443"),
            refer("491711234567", "far.example:443"),
        ],
        ..server("fed.example:443", "FedCurrentPepper0123456789abcdef")
    }
}

fn far() -> ServerSpec {
    ServerSpec {
        associations: vec![
            assoc("dmitri@far.example", "@dmitri:far.example"),
            assoc("491711234567", "@dmitri:far.example"),
        ],
        ..server("far.example:443", "farPepper")
    }
}

/// Refers back to the start server: a loop.
fn looping() -> ServerSpec {
    ServerSpec {
        referrals: vec![refer("elif@loop.example", "matrix.example:443")],
        ..server("loop.example:443", "loopPepper")
    }
}

/// A well-behaved server with nothing in it: the TOML defaults.
fn server(name: &str, pepper: &str) -> ServerSpec {
    ServerSpec {
        name: name.into(),
        start: false,
        algorithms: vec!["sha256".into()],
        pepper: pepper.into(),
        alt_peppers: Vec::new(),
        check_pepper: true,
        pepper_in_error: false,
        rotate_after_hash_details: 0,
        access_token: None,
        address_limit: None,
        limit_style: LimitStyle::TooLarge,
        max_body_bytes: None,
        body_limit_500: None,
        latency_ms: 0,
        fail_first: 0,
        down: false,
        rate_limit: None,
        referral_style: ReferralStyle::Flat,
        stray_referrals: BTreeMap::new(),
        stray_mappings: BTreeMap::new(),
        bad_signature: false,
        stray_hashes: 0,
        rotate_every_request: false,
        invalid_pepper_forever: false,
        raw_lookup_body: None,
        echo_homeserver_token: false,
        terms: BTreeMap::new(),
        associations: Vec::new(),
        referrals: Vec::new(),
    }
}

fn assoc(address: &str, mxid: &str) -> Association {
    Association {
        medium: Medium::infer(address),
        address: address.into(),
        mxid: mxid.into(),
        only_alt: false,
    }
}

fn refer(address: &str, server: &str) -> Referral {
    Referral {
        medium: Medium::infer(address),
        address: address.into(),
        server: server.into(),
        inactive: false,
    }
}
