//! The sandbox's fault knobs: address limits, the body-size reset, rate
//! limits, failures, a server down, latency, and pepper rotation.

use std::time::{Duration, Instant};

use mxlookup::identity::wire::path;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{
    FED, IS, MATRIX, call, email, hash_details, lookup, one, send, start, start_default, token,
};

fn fake_hashes(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| email(&format!("{i}@example.com"), "x"))
        .collect()
}

#[tokio::test]
async fn address_limit_in_both_styles() {
    let sb = start_default().await;
    let reply = lookup(&sb, MATRIX, "sha256", "m4Trx", &fake_hashes(10_001)).await;
    assert_eq!(
        (reply.status, reply.errcode().as_str()),
        (StatusCode::BAD_REQUEST, "M_TOO_LARGE")
    );
    let fed_pepper = "FedCurrentPepper0123456789abcdef";
    let reply = lookup(&sb, FED, "sha256", fed_pepper, &fake_hashes(101)).await;
    assert_eq!(
        (reply.status, reply.errcode().as_str()),
        (StatusCode::BAD_REQUEST, "M_INVALID_PARAM")
    );
    assert_eq!(reply.json()["error"], "Adresses limit of 100 exceeded");
    let reply = lookup(&sb, FED, "sha256", fed_pepper, &fake_hashes(100)).await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn an_oversized_body_gets_the_connection_reset() {
    let sb = start_default().await;
    // ≈ 12,000 hashes: over sydent's 512 KiB.
    let body = json!({"algorithm": "sha256", "pepper": "m4Trx", "addresses": fake_hashes(12_000)});
    let url = sb
        .server_url(MATRIX)
        .expect("url")
        .join(path::LOOKUP)
        .expect("url");
    let err = match send(Method::POST, url, Some(&token(&sb, MATRIX)), Some(&body)).await {
        Ok(reply) => panic!("an HTTP answer: {} {}", reply.status, reply.text),
        Err(err) => err,
    };
    assert!(err.status().is_none() && !err.is_timeout(), "{err:?}");
    let io = std::iter::successors(std::error::Error::source(&err), |e| e.source())
        .find_map(|e| e.downcast_ref::<std::io::Error>())
        .map(std::io::Error::kind);
    assert!(
        matches!(
            io,
            Some(std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe)
        ),
        "not a reset: {err:?}"
    );
    let last = sb.requests(MATRIX).pop().expect("recorded");
    assert_eq!((last.status, last.body.len()), (0, 512 * 1024));
    // The server is still up, and a body under the limit is answered.
    assert_eq!(
        lookup(&sb, MATRIX, "sha256", "m4Trx", &fake_hashes(10))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn rate_limits_in_both_styles_say_retry_after() {
    let matrix = r#"rate_limit = { requests = 2, window_ms = 60000, retry_after_s = 7, endpoints = ["lookup"] }"#;
    let sb = start(one(matrix)).await;
    let sent = [email("alice@example.com", "pepper")];
    for _ in 0..2 {
        assert_eq!(
            lookup(&sb, IS, "sha256", "pepper", &sent).await.status,
            StatusCode::OK
        );
    }
    hash_details(&sb, IS).await; // not counted
    let limited = lookup(&sb, IS, "sha256", "pepper", &sent).await;
    assert_eq!(
        (limited.status, limited.retry_after.as_deref()),
        (StatusCode::TOO_MANY_REQUESTS, Some("7"))
    );
    assert_eq!(
        (
            limited.errcode().as_str(),
            &limited.json()["retry_after_ms"]
        ),
        ("M_LIMIT_EXCEEDED", &json!(7000))
    );

    let plain = r#"rate_limit = { requests = 1, window_ms = 100, style = "plain" }"#;
    let sb = start(one(plain)).await;
    assert_eq!(
        call(&sb, IS, Method::GET, path::TERMS, None, None)
            .await
            .status,
        StatusCode::OK
    );
    let limited = call(&sb, IS, Method::GET, path::TERMS, None, None).await;
    assert_eq!(
        (limited.status, limited.retry_after.as_deref()),
        (StatusCode::TOO_MANY_REQUESTS, Some("0"))
    );
    assert!(
        serde_json::from_str::<Value>(&limited.text).is_err(),
        "{}",
        limited.text
    );
    tokio::time::sleep(Duration::from_millis(110)).await;
    assert_eq!(
        call(&sb, IS, Method::GET, path::TERMS, None, None)
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn fail_first_fails_only_the_first_lookups() {
    let sb = start(one("fail_first = 2")).await;
    let sent = [email("alice@example.com", "pepper")];
    let statuses = [
        lookup(&sb, IS, "sha256", "pepper", &sent).await.status,
        lookup(&sb, IS, "sha256", "pepper", &sent).await.status,
        lookup(&sb, IS, "sha256", "pepper", &sent).await.status,
    ];
    assert_eq!(
        statuses,
        [
            StatusCode::INTERNAL_SERVER_ERROR,
            StatusCode::INTERNAL_SERVER_ERROR,
            StatusCode::OK
        ]
    );
    hash_details(&sb, IS).await;
}

#[tokio::test]
async fn a_down_server_answers_html_500() {
    let sb = start(one("down = true")).await;
    let reply = call(
        &sb,
        IS,
        Method::GET,
        path::HASH_DETAILS,
        Some(&token(&sb, IS)),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(reply.content_type.starts_with("text/html") && reply.text.contains("<html>"));
}

#[tokio::test]
async fn latency_delays_every_response() {
    let sb = start(one("latency_ms = 60")).await;
    let begun = Instant::now();
    call(&sb, IS, Method::GET, path::TERMS, None, None).await;
    assert!(begun.elapsed() >= Duration::from_millis(60));
}

#[tokio::test]
async fn the_pepper_rotates_right_after_hash_details() {
    let sb = start(one(
        "rotate_after_hash_details = true\npepper_in_error = true",
    ))
    .await;
    let served = hash_details(&sb, IS).await["lookup_pepper"]
        .as_str()
        .expect("pepper")
        .to_owned();
    assert_eq!(served, "pepper");
    let stale = lookup(
        &sb,
        IS,
        "sha256",
        &served,
        &[email("alice@example.com", &served)],
    )
    .await;
    assert_eq!(stale.errcode(), "M_INVALID_PEPPER");
    let new = stale.json()["lookup_pepper"]
        .as_str()
        .expect("new pepper")
        .to_owned();
    assert_ne!(new, served);
    let sent = [email("alice@example.com", &new)];
    let reply = lookup(&sb, IS, "sha256", &new, &sent).await;
    assert_eq!(reply.json()["mappings"][&sent[0]], "@alice:is.example");
    // `true` rotates once: a refetch gets past it.
    assert_eq!(hash_details(&sb, IS).await["lookup_pepper"], new.as_str());
    assert_eq!(
        lookup(&sb, IS, "sha256", &new, &sent).await.status,
        StatusCode::OK
    );

    // A count rotates after each of that many hash_details.
    let sb = start(one("rotate_after_hash_details = 2")).await;
    let mut served = Vec::new();
    for _ in 0..4 {
        served.push(
            hash_details(&sb, IS).await["lookup_pepper"]
                .as_str()
                .expect("pepper")
                .to_owned(),
        );
    }
    assert!(
        served[0] != served[1] && served[1] != served[2] && served[2] == served[3],
        "{served:?}"
    );
}

#[tokio::test]
async fn a_pepper_rotating_on_every_request_is_never_good() {
    let sb = start(one("rotate_every_request = true\npepper_in_error = true")).await;
    let first = hash_details(&sb, IS).await["lookup_pepper"]
        .as_str()
        .expect("pepper")
        .to_owned();
    let second = hash_details(&sb, IS).await["lookup_pepper"]
        .as_str()
        .expect("pepper")
        .to_owned();
    assert_ne!(first, second);
    let mut pepper = second;
    for _ in 0..3 {
        let reply = lookup(
            &sb,
            IS,
            "sha256",
            &pepper,
            &[email("alice@example.com", &pepper)],
        )
        .await;
        assert_eq!(reply.errcode(), "M_INVALID_PEPPER");
        // The pepper it names is gone by the time it is used.
        pepper = reply.json()["lookup_pepper"]
            .as_str()
            .expect("named pepper")
            .to_owned();
    }
}

#[tokio::test]
async fn invalid_pepper_forever_names_the_pepper_sent() {
    let sb = start(one("invalid_pepper_forever = true\npepper_in_error = true")).await;
    let reply = lookup(
        &sb,
        IS,
        "sha256",
        "pepper",
        &[email("alice@example.com", "pepper")],
    )
    .await;
    assert_eq!(
        (reply.status, reply.errcode().as_str()),
        (StatusCode::BAD_REQUEST, "M_INVALID_PEPPER")
    );
    assert_eq!(reply.json()["lookup_pepper"], "pepper");
}

#[tokio::test]
async fn raw_lookup_bodies_are_served_verbatim_to_authorised_lookups() {
    let sb = start(one("raw_lookup_body = '''{\"mappings\": ['''")).await;
    let reply = lookup(&sb, IS, "sha256", "pepper", &[]).await;
    assert_eq!(
        (
            reply.status,
            reply.content_type.as_str(),
            reply.text.as_str()
        ),
        (StatusCode::OK, "application/json", r#"{"mappings": ["#)
    );
    let url = sb.server_url(IS).expect("url");
    let unauthorised = send(
        Method::POST,
        url.join(path::LOOKUP).expect("url"),
        None,
        None,
    )
    .await
    .expect("answer");
    assert_eq!(unauthorised.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_rate_limit_of_zero_refuses_every_request() {
    let sb = start(one(
        r#"rate_limit = { requests = 0, window_ms = 1000, endpoints = ["lookup"] }"#,
    ))
    .await;
    for _ in 0..2 {
        let reply = lookup(&sb, IS, "sha256", "pepper", &[]).await;
        assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    }
}

#[tokio::test]
async fn stray_hashes_are_made_up_in_bulk() {
    let sb = start(one(r#"stray_referrals = { "far.example:443" = ["listed"] }
stray_hashes = 1000"#))
    .await;
    let reply = lookup(&sb, IS, "sha256", "pepper", &[]).await;
    let referred = reply.json()["third_party_mappings"]["far.example:443"]
        .as_array()
        .expect("hashes")
        .len();
    assert_eq!(referred, 1001);
}

#[tokio::test]
async fn echo_homeserver_token_registers_with_the_homeserver_token() {
    let sb = start(one("echo_homeserver_token = true")).await;
    let hs_token = sb.homeserver_token().to_owned();
    let openid_path = path::OPENID_REQUEST_TOKEN.replace("{userId}", sb.user_id());
    let openid = call(
        &sb,
        mxlookup::sandbox::HOMESERVER,
        Method::POST,
        &openid_path,
        Some(&hs_token),
        Some(json!({})),
    )
    .await
    .json();
    let registered = call(&sb, IS, Method::POST, path::REGISTER, None, Some(openid)).await;
    assert_eq!(registered.json()["token"], hs_token.as_str());
    assert!(sb.issued_tokens(IS).contains(&hs_token));
    let details = call(
        &sb,
        IS,
        Method::GET,
        path::HASH_DETAILS,
        Some(&hs_token),
        None,
    )
    .await;
    assert_eq!(details.status, StatusCode::OK);
}
