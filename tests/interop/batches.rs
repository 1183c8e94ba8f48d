//! Large address books against sydent's limits: batch sizes on the wire
//! and in sydent's log.

use crate::contacts::{lookup_args, mxid};
use crate::home::{Home, Run};
use crate::proxy::{Exchange, Proxy};
use crate::servers::{Interop, interop};
use crate::sydent::{Sydent, SydentOptions};

/// Looks up a book of `n` emails (one in 500 held) through a proxy in front
/// of `sydent`, checks that every address was answered, and returns the
/// lookup requests the proxy saw.
fn look_up_in_bulk(interop: &Interop, sydent: &Sydent, n: usize) -> Vec<Exchange> {
    let (book, held) = bulk_book(interop, sydent, n, 500);
    let home = Home::new();
    let file = home.write("bulk.txt", &book);
    let proxy = Proxy::start(&sydent.url, false);
    let run = home.run(&lookup_args(interop, &file, &proxy.url, &[]));
    assert_bulk_answered(&run, n, &held);
    proxy.lookups()
}

/// A text address book of `n` emails, one in `every` held by sydent.
fn bulk_book(
    interop: &Interop,
    sydent: &Sydent,
    n: usize,
    every: usize,
) -> (String, Vec<(String, String)>) {
    let mut text = String::with_capacity(n * 32);
    let mut held = Vec::new();
    for i in 0..n {
        let input = format!("Contact{i:05}@Bulk.Example");
        text.push_str(&input);
        text.push('\n');
        if i % every == 0 {
            held.push((input, mxid(interop, &format!("bulk{i}"))));
        }
    }
    let seeds: Vec<(String, String)> = held
        .iter()
        .map(|(input, m)| (input.to_lowercase(), m.clone()))
        .collect();
    let seeds: Vec<(&str, &str, &str)> = seeds
        .iter()
        .map(|(a, m)| ("email", a.as_str(), m.as_str()))
        .collect();
    sydent.seed(&seeds);
    (text, held)
}

/// Asserts a run over a bulk book answered every address definitely, and
/// found exactly what sydent holds.
fn assert_bulk_answered(run: &Run, n: usize, held: &[(String, String)]) {
    run.expect_code(0);
    let results = run.results();
    assert_eq!(results.len(), n, "one result per address");
    #[allow(clippy::disallowed_types)] // an index, never serialised
    let held: std::collections::HashMap<&str, &str> =
        held.iter().map(|(i, m)| (i.as_str(), m.as_str())).collect();
    let mut found = 0;
    for r in &results {
        let input = r["input"].as_str().expect("input");
        match held.get(input) {
            Some(m) => {
                assert_eq!(r["status"], "found", "{r}");
                assert_eq!(r["mxid"], *m, "{r}");
                found += 1;
            }
            None => assert_eq!(r["status"], "not_found", "{r}"),
        }
    }
    assert_eq!(found, held.len());
}

/// Must show 4: 25,000 addresses against sydent's default limits (10,000
/// addresses a lookup; a body over 512 KiB gets the connection reset): every
/// address is answered, no request failed, none went over a limit, and the
/// batches did grow well past the first 100.
#[test]
fn large_address_book_within_sydent_limits() {
    let interop = interop();
    let sydent = Sydent::start(interop, SydentOptions::default());
    let n = 25_000;
    let lookups = look_up_in_bulk(interop, &sydent, n);
    assert!(lookups.iter().all(|e| e.status == 200), "{lookups:?}");
    assert!(lookups.iter().all(|e| e.request.len() < 512 << 10));
    let batches: Vec<usize> = lookups
        .iter()
        .map(|e| e.request_json()["addresses"].as_array().map_or(0, Vec::len))
        .collect();
    assert!(batches.iter().all(|&b| b <= 10_000), "{batches:?}");
    assert!(batches.iter().any(|&b| b > 1000), "{batches:?}");
    // sydent's side: it processed every address once, in those requests.
    let sizes = sydent.lookup_sizes();
    assert_eq!(sizes.len(), batches.len());
    assert_eq!(
        sizes.iter().sum::<usize>(),
        n,
        "each address asked once: {sizes:?}"
    );
}

/// Must show 4, with a limit mxlookup's batches do outgrow: sydent with
/// `address_lookup_limit = 1000` answers 400 `M_TOO_LARGE`; mxlookup shrinks
/// its batches, re-sends what was refused, and answers every address.
#[test]
fn large_address_book_shrinks_batches_on_m_too_large() {
    let interop = interop();
    let limit = 1000;
    let sydent = Sydent::start(
        interop,
        SydentOptions {
            lookup_limit: Some(limit),
            ..SydentOptions::default()
        },
    );
    let n = 25_000;
    let lookups = look_up_in_bulk(interop, &sydent, n);
    let too_large: Vec<_> = lookups.iter().filter(|e| e.status == 400).collect();
    assert!(
        !too_large.is_empty(),
        "mxlookup never went over the limit: the test tests nothing"
    );
    for e in &too_large {
        assert_eq!(e.response_json()["errcode"], "M_TOO_LARGE", "{e:?}");
        assert!(e.request_json()["addresses"].as_array().unwrap().len() > limit as usize);
    }
    assert!(
        lookups.iter().all(|e| e.status == 200 || e.status == 400),
        "{lookups:?}"
    );
    let sizes = sydent.lookup_sizes();
    assert!(sizes.iter().all(|&s| s <= limit as usize), "{sizes:?}");
    assert_eq!(
        sizes.iter().sum::<usize>(),
        n,
        "every address asked once, once accepted"
    );
}
