//! sydent rotating its pepper, between runs and during one.

use serde_json::json;

use crate::contacts::{CONTACTS, assert_contacts_answered, hash, lookup_args, seed_contacts};
use crate::home::Home;
use crate::proxy::Proxy;
use crate::servers::interop;
use crate::sydent::{Sydent, SydentOptions};

/// Must show 3 (between runs): sydent picks a new pepper (its
/// `hashing_metadata` row deleted, restarted: it rehashes everything); the
/// next run, with the token cached before the restart, still finds
/// everything, with the new pepper, without registering again.
#[test]
fn pepper_rotation_between_runs_with_a_cached_token() {
    let interop = interop();
    let mut sydent = Sydent::start(interop, SydentOptions::default());
    seed_contacts(interop, &sydent);
    let home = Home::new();
    let book = home.write("contacts.vcf", CONTACTS);
    let proxy = Proxy::start(&sydent.url, false);
    let args = lookup_args(interop, &book, &proxy.url, &[]);

    assert_contacts_answered(interop, &home.run(&args), &[&proxy.url]);
    let issued = sydent.tokens();
    let (old, new) = sydent.rotate_pepper();
    // sydent rehashed its associations with the new pepper.
    let stored = sydent.sql(
        "SELECT lookup_hash FROM global_threepid_associations WHERE address = ?",
        &["strauss@example.com"],
    );
    let expected = hash(&home, "strauss@example.com", &new);
    assert_eq!(stored, vec![vec![json!(expected)]]);

    let before = proxy.lookups().len();
    assert_contacts_answered(interop, &home.run(&args), &[&proxy.url]);
    assert_eq!(
        sydent.tokens(),
        issued,
        "registered again after the restart"
    );
    let second: Vec<_> = proxy.lookups().into_iter().skip(before).collect();
    assert!(!second.is_empty());
    for exchange in &second {
        assert_eq!(exchange.request_json()["pepper"], new, "{exchange:?}");
        assert_eq!(exchange.status, 200, "{exchange:?}");
    }
    assert!(
        proxy.lookups()[..before]
            .iter()
            .all(|e| e.request_json()["pepper"] == old)
    );
}

/// Must show 3 (during a run): the first lookup is held at a proxy while
/// sydent rotates its pepper behind it; released, it meets sydent's real
/// 400 `M_INVALID_PEPPER` (which names the new pepper), and mxlookup
/// rehashes and asks again: every answer is still right.
#[test]
fn pepper_rotation_during_a_run_recovers_from_invalid_pepper() {
    let interop = interop();
    let mut sydent = Sydent::start(interop, SydentOptions::default());
    seed_contacts(interop, &sydent);
    let home = Home::new();
    let book = home.write("contacts.vcf", CONTACTS);
    let (proxy, mut gate) = Proxy::gated(&sydent.url);

    let pending = home.spawn(&lookup_args(interop, &book, &proxy.url, &[]));
    gate.arrived
        .recv_timeout(std::time::Duration::from_secs(120))
        .expect("mxlookup sent no lookup");
    let (old, new) = sydent.rotate_pepper();
    gate.release();
    let run = pending.wait();
    assert_contacts_answered(interop, &run, &[&proxy.url]);

    let lookups = proxy.lookups();
    let refused = &lookups[0];
    assert_eq!(refused.request_json()["pepper"], old, "{refused:?}");
    assert_eq!(refused.status, 400, "{refused:?}");
    let error = refused.response_json();
    assert_eq!(error["errcode"], "M_INVALID_PEPPER", "{error}");
    assert_eq!(error["lookup_pepper"], new, "{error}");
    let retried: Vec<_> = lookups[1..].iter().filter(|e| e.status == 200).collect();
    assert!(!retried.is_empty(), "{lookups:?}");
    assert!(
        retried.iter().all(|e| e.request_json()["pepper"] == new),
        "{lookups:?}"
    );
}
