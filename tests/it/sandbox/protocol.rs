//! The identity service API as the sandbox serves it: registration through
//! the homeserver stub, tokens, terms, `hash_details`, lookups under each
//! pepper and algorithm, referrals and MSC4004 pushes.

use mxlookup::identity::wire::{OpenIdToken, path};
use mxlookup::sandbox::{Federation, HOMESERVER};
use mxlookup::threepid::{Medium, lookup_hash};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{FED, IS, MATRIX, call, email, hash_details, lookup, one, start, start_default, token};

#[tokio::test]
async fn registers_through_the_homeserver_stub() {
    let sb = start_default().await;
    let hs_token = sb.homeserver_token().to_owned();
    let whoami = call(
        &sb,
        HOMESERVER,
        Method::GET,
        path::WHOAMI,
        Some(&hs_token),
        None,
    )
    .await;
    assert_eq!(whoami.json()["user_id"], "@sandbox:hs.example");
    let openid_path = path::OPENID_REQUEST_TOKEN.replace("{userId}", "@sandbox:hs.example");
    let openid = call(
        &sb,
        HOMESERVER,
        Method::POST,
        &openid_path,
        Some(&hs_token),
        Some(json!({})),
    )
    .await;
    let openid: OpenIdToken = serde_json::from_str(&openid.text).expect("OpenID token");
    assert_eq!(
        (
            openid.token_type.as_str(),
            openid.matrix_server_name.as_str(),
            openid.expires_in
        ),
        ("Bearer", "hs.example", 3600)
    );

    let registered = call(
        &sb,
        MATRIX,
        Method::POST,
        path::REGISTER,
        None,
        Some(json!(openid)),
    )
    .await;
    let is_token = registered.json()["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let account = call(
        &sb,
        MATRIX,
        Method::GET,
        path::ACCOUNT,
        Some(&is_token),
        None,
    )
    .await;
    assert_eq!(account.json()["user_id"], "@sandbox:hs.example");
    let details = call(
        &sb,
        MATRIX,
        Method::GET,
        path::HASH_DETAILS,
        Some(&is_token),
        None,
    )
    .await;
    assert_eq!(details.status, StatusCode::OK);
    // A token works only where it was issued.
    let elsewhere = call(
        &sb,
        FED,
        Method::GET,
        path::HASH_DETAILS,
        Some(&is_token),
        None,
    )
    .await;
    assert_eq!(
        (elsewhere.status, elsewhere.errcode().as_str()),
        (StatusCode::UNAUTHORIZED, "M_UNKNOWN_TOKEN")
    );
    // The IS verified the OpenID token with the homeserver, over HTTP.
    let hs_paths: Vec<String> = sb
        .requests(HOMESERVER)
        .into_iter()
        .map(|r| r.path)
        .collect();
    let userinfo = format!(
        "/_matrix/federation/v1/openid/userinfo?access_token={}",
        openid.access_token
    );
    assert!(hs_paths.contains(&userinfo), "{hs_paths:?}");

    let bogus = json!({"access_token": "nope", "token_type": "Bearer", "matrix_server_name": "hs.example", "expires_in": 3600});
    let refused = call(&sb, MATRIX, Method::POST, path::REGISTER, None, Some(bogus)).await;
    assert_eq!(
        (refused.status, refused.errcode().as_str()),
        (StatusCode::UNAUTHORIZED, "M_UNKNOWN_TOKEN")
    );
    let other_user = path::OPENID_REQUEST_TOKEN.replace("{userId}", "@mallory:hs.example");
    let forbidden = call(
        &sb,
        HOMESERVER,
        Method::POST,
        &other_user,
        Some(&hs_token),
        Some(json!({})),
    )
    .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    let no_token = call(
        &sb,
        HOMESERVER,
        Method::GET,
        path::WHOAMI,
        Some("wrong"),
        None,
    )
    .await;
    assert_eq!(no_token.errcode(), "M_UNKNOWN_TOKEN");
}

#[tokio::test]
async fn authenticated_endpoints_need_this_servers_token() {
    let sb = start_default().await;
    for (token, errcode) in [(None, "M_UNAUTHORIZED"), (Some("nope"), "M_UNKNOWN_TOKEN")] {
        let reply = call(&sb, MATRIX, Method::GET, path::HASH_DETAILS, token, None).await;
        assert_eq!(
            (reply.status, reply.errcode().as_str()),
            (StatusCode::UNAUTHORIZED, errcode)
        );
    }
    // Only the header counts: a token in the query string is not read.
    let in_query = format!("{}?access_token={}", path::HASH_DETAILS, token(&sb, MATRIX));
    let reply = call(&sb, MATRIX, Method::GET, &in_query, None, None).await;
    assert_eq!(reply.errcode(), "M_UNAUTHORIZED");
}

#[tokio::test]
async fn hash_details_like_sydent_and_tom() {
    let sb = start_default().await;
    assert_eq!(
        hash_details(&sb, MATRIX).await,
        json!({"algorithms": ["sha256", "none"], "lookup_pepper": "m4Trx", "alt_lookup_peppers": ["0ldPp"]})
    );
    assert_eq!(
        hash_details(&sb, FED).await,
        json!({"algorithms": ["sha256"], "lookup_pepper": "FedCurrentPepper0123456789abcdef",
               "alt_lookup_peppers": ["FedPreviousPepper123456789abcdef", ""]})
    );
    assert_eq!(
        hash_details(&sb, "far.example:443")
            .await
            .get("alt_lookup_peppers"),
        None
    );
}

#[tokio::test]
async fn lookup_answers_only_the_hashes_sent_with_referrals() {
    let sb = start_default().await;
    let sent: Vec<String> = [
        "alice@example.com",
        "chloe.bernard@federated.example",
        "farah@elsewhere.example",
        "nobody@example.com",
    ]
    .iter()
    .map(|a| email(a, "m4Trx"))
    .collect();
    let reply = lookup(&sb, MATRIX, "sha256", "m4Trx", &sent).await;
    assert_eq!(
        reply.json(),
        json!({
            "mappings": {sent[0].clone(): "@alice:matrix.example"},
            "third_party_mappings": {FED: [sent[1]], "elsewhere.example:443": [sent[2]]}
        })
    );
    let phone = lookup_hash("33612345678", Medium::Msisdn, "m4Trx");
    let reply = lookup(&sb, MATRIX, "sha256", "m4Trx", std::slice::from_ref(&phone)).await;
    assert_eq!(
        reply.json(),
        json!({"mappings": {phone: "@alice:matrix.example"}})
    );
}

/// Posts `body` as it is to `server`'s lookup: (status, the body as JSON).
async fn post_lookup(sb: &super::Sandbox, server: &str, body: &str) -> (StatusCode, Value) {
    let url = sb
        .server_url(server)
        .expect("server")
        .join(path::LOOKUP)
        .expect("url");
    let response = super::client()
        .post(url)
        .bearer_auth(token(sb, server))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("an HTTP answer");
    let status = response.status();
    (status, response.json().await.expect("a JSON answer"))
}

#[tokio::test]
async fn lookup_bodies_are_read_escapes_and_all_and_refused_by_kind() {
    let sb = start_default().await;
    // A hash written with an escape is the same hash.
    let alice = email("alice@example.com", "m4Trx");
    let escaped = format!("\\u{:04x}{}", u32::from(alice.as_bytes()[0]), &alice[1..]);
    let body = format!(r#"{{"algorithm":"sha256","pepper":"m4Trx","addresses":["{escaped}"]}}"#);
    assert_eq!(
        post_lookup(&sb, MATRIX, &body).await,
        (
            StatusCode::OK,
            json!({"mappings": {alice: "@alice:matrix.example"}})
        )
    );
    for (body, errcode) in [
        (r#"{"algorithm":"sha256","addresses":["#, "M_NOT_JSON"),
        (
            r#"{"algorithm":"sha256","pepper":"m4Trx","addresses":7}"#,
            "M_BAD_JSON",
        ),
        (r#"{"algorithm":"sha256","pepper":"m4Trx"}"#, "M_BAD_JSON"),
        // Of the wrong shape first, and broken further on: not JSON.
        (r#"{"addresses":7,"pepper":"#, "M_NOT_JSON"),
    ] {
        let (status, answer) = post_lookup(&sb, MATRIX, body).await;
        assert_eq!(
            (status, &answer["errcode"]),
            (StatusCode::BAD_REQUEST, &json!(errcode)),
            "{body}"
        );
    }
}

#[tokio::test]
async fn wrong_pepper_is_refused_like_sydent() {
    let sb = start_default().await;
    let sent = [email("alice@example.com", "stale")];
    let reply = lookup(&sb, MATRIX, "sha256", "stale", &sent).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let body = reply.json();
    assert_eq!(
        (&body["errcode"], &body["lookup_pepper"], &body["algorithm"]),
        (
            &json!("M_INVALID_PEPPER"),
            &json!("m4Trx"),
            &json!("sha256")
        )
    );
    // Without `pepper_in_error`, the error does not say the pepper.
    let reply = lookup(&sb, "far.example:443", "sha256", "stale", &sent).await;
    assert_eq!(
        (reply.status, reply.errcode().as_str()),
        (StatusCode::BAD_REQUEST, "M_INVALID_PEPPER")
    );
    assert_eq!(reply.json().get("lookup_pepper"), None);
}

#[tokio::test]
async fn wrong_pepper_finds_nothing_like_tom() {
    let sb = start_default().await;
    let chloe = |pepper| vec![email("chloe.bernard@federated.example", pepper)];
    let stale = lookup(&sb, FED, "sha256", "stale", &chloe("stale")).await;
    assert_eq!(
        (stale.status, stale.json()),
        (StatusCode::OK, json!({"mappings": {}}))
    );
    let previous = "FedPreviousPepper123456789abcdef";
    let reply = lookup(&sb, FED, "sha256", previous, &chloe(previous)).await;
    assert_eq!(
        reply.json()["mappings"][&chloe(previous)[0]],
        "@chloe:fed.example"
    );
    // `""` is listed but, before two rotations, holds nothing.
    let empty = lookup(&sb, FED, "sha256", "", &chloe("")).await;
    assert_eq!(
        (empty.status, empty.json()),
        (StatusCode::OK, json!({"mappings": {}}))
    );
}

#[tokio::test]
async fn only_alt_associations_need_the_alternative_pepper() {
    let sb = start_default().await;
    let gustav = |pepper| vec![email("gustav.strauss@example.com", pepper)];
    let current = lookup(&sb, MATRIX, "sha256", "m4Trx", &gustav("m4Trx")).await;
    assert_eq!(current.json(), json!({"mappings": {}}));
    let alt = lookup(&sb, MATRIX, "sha256", "0ldPp", &gustav("0ldPp")).await;
    assert_eq!(
        alt.json()["mappings"][&gustav("0ldPp")[0]],
        "@gustav:matrix.example"
    );
    // Ordinary associations are held under the alternative pepper too.
    let alice = vec![email("alice@example.com", "0ldPp")];
    let reply = lookup(&sb, MATRIX, "sha256", "0ldPp", &alice).await;
    assert_eq!(reply.json()["mappings"][&alice[0]], "@alice:matrix.example");
}

#[tokio::test]
async fn none_answers_by_the_stored_case_folded_form() {
    let sb = start_default().await;
    let sent = [
        "BOB@Example.com email",
        "33612345678 msisdn",
        "carol@example.com email",
    ]
    .map(String::from);
    let reply = lookup(&sb, MATRIX, "none", "m4Trx", &sent).await;
    assert_eq!(
        reply.json(),
        json!({"mappings": {"bob@example.com email": "@bob:matrix.example", "33612345678 msisdn": "@alice:matrix.example"}})
    );
    let bad_pair = lookup(
        &sb,
        MATRIX,
        "none",
        "m4Trx",
        &["bob@example.com".to_owned()],
    )
    .await;
    assert_eq!(bad_pair.status, StatusCode::BAD_REQUEST);
    // A server offering only sha256 refuses `none`.
    let reply = lookup(&sb, "far.example:443", "none", "farPepper", &sent).await;
    assert_eq!(
        (reply.status, reply.errcode().as_str()),
        (StatusCode::BAD_REQUEST, "M_INVALID_PARAM")
    );
}

#[tokio::test]
async fn terms_must_be_accepted_first() {
    let terms = r#"
[servers.terms.privacy_policy]
version = "1.0"
en = { name = "Privacy Policy", url = "https://is.example/privacy-en.html" }
fr = { name = "Politique de confidentialité", url = "https://is.example/privacy-fr.html" }
[servers.terms.terms_of_service]
version = "2"
en = { name = "Terms of Service", url = "https://is.example/tos-en.html" }
"#;
    let sb = start(one(terms)).await;
    let token = token(&sb, IS);
    let refused = call(&sb, IS, Method::GET, path::HASH_DETAILS, Some(&token), None).await;
    assert_eq!(
        (refused.status, refused.errcode().as_str()),
        (StatusCode::FORBIDDEN, "M_TERMS_NOT_SIGNED")
    );
    let sent = vec![email("alice@example.com", "pepper")];
    assert_eq!(
        lookup(&sb, IS, "sha256", "pepper", &sent).await.status,
        StatusCode::FORBIDDEN
    );
    let listed = call(&sb, IS, Method::GET, path::TERMS, None, None)
        .await
        .json();
    assert_eq!(
        listed["policies"]["privacy_policy"]["fr"]["url"],
        "https://is.example/privacy-fr.html"
    );
    assert_eq!(
        call(&sb, IS, Method::GET, path::ACCOUNT, Some(&token), None)
            .await
            .status,
        StatusCode::OK
    );
    let accept = |urls: &[&str]| Some(json!({"user_accepts": urls}));
    let unauthenticated = call(&sb, IS, Method::POST, path::TERMS, None, accept(&[])).await;
    assert_eq!(unauthenticated.status, StatusCode::UNAUTHORIZED);
    // One policy of two is not enough; any language of a policy is.
    call(
        &sb,
        IS,
        Method::POST,
        path::TERMS,
        Some(&token),
        accept(&["https://is.example/privacy-fr.html"]),
    )
    .await;
    assert_eq!(
        call(&sb, IS, Method::GET, path::HASH_DETAILS, Some(&token), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let accepted = call(
        &sb,
        IS,
        Method::POST,
        path::TERMS,
        Some(&token),
        accept(&["https://is.example/tos-en.html"]),
    )
    .await;
    assert_eq!(
        (accepted.status, accepted.json()),
        (StatusCode::OK, json!({}))
    );
    hash_details(&sb, IS).await;
}

#[tokio::test]
async fn pushed_hashes_are_referred_to_their_origin() {
    let sb = start(one("")).await;
    let token = token(&sb, IS);
    let push = |mappings: Value, pepper: &str| {
        Some(json!({"algorithm": "sha256", "pepper": pepper, "mappings": mappings}))
    };
    let dave = email("dave@origin.example", "pepper");
    let two = json!({"a.example:443": [dave], "b.example:443": [dave]});
    let reply = call(
        &sb,
        IS,
        Method::POST,
        path::LOOKUPS,
        Some(&token),
        push(two, "pepper"),
    )
    .await;
    assert_eq!(
        (reply.status, reply.errcode().as_str()),
        (StatusCode::BAD_REQUEST, "M_INVALID_PARAM")
    );
    let stale = call(
        &sb,
        IS,
        Method::POST,
        path::LOOKUPS,
        Some(&token),
        push(json!({"origin.example:443": ["h"]}), "stale"),
    )
    .await;
    assert_eq!(stale.errcode(), "M_INVALID_PEPPER");
    let one_origin = json!({"origin.example:443": [dave]});
    let reply = call(
        &sb,
        IS,
        Method::POST,
        path::LOOKUPS,
        Some(&token),
        push(one_origin.clone(), "pepper"),
    )
    .await;
    assert_eq!(
        (reply.status, reply.json()),
        (StatusCode::CREATED, json!({}))
    );
    let again = call(
        &sb,
        IS,
        Method::POST,
        path::LOOKUPS,
        Some(&token),
        push(one_origin, "pepper"),
    )
    .await;
    assert_eq!(again.status, StatusCode::INTERNAL_SERVER_ERROR);
    let held = json!({"origin.example:443": [email("alice@example.com", "pepper")]});
    let again = call(
        &sb,
        IS,
        Method::POST,
        path::LOOKUPS,
        Some(&token),
        push(held, "pepper"),
    )
    .await;
    assert_eq!(again.status, StatusCode::INTERNAL_SERVER_ERROR);

    let reply = lookup(&sb, IS, "sha256", "pepper", &[dave.clone(), "other".into()]).await;
    assert_eq!(
        reply.json(),
        json!({"mappings": {}, "third_party_mappings": {"origin.example:443": [dave]}})
    );
}

#[tokio::test]
async fn referrals_in_the_actives_style() {
    let referrals = r#"referrals = [
    { medium = "email", address = "bob@example.com", server = "on.example:443" },
    { medium = "email", address = "carol@example.com", server = "on.example:443", inactive = true },
]"#;
    let (bob, carol) = (
        email("bob@example.com", "pepper"),
        email("carol@example.com", "pepper"),
    );
    let sent = [bob.clone(), carol.clone()];
    let sb = start(one(&format!("referral_style = \"actives\"\n{referrals}"))).await;
    let reply = lookup(&sb, IS, "sha256", "pepper", &sent).await;
    assert_eq!(
        reply.json()["third_party_mappings"],
        json!({"on.example:443": {"actives": [bob], "inactives": [carol]}})
    );
    // Flat arrays leave inactive referrals out.
    let sb = start(one(referrals)).await;
    let reply = lookup(&sb, IS, "sha256", "pepper", &sent).await;
    assert_eq!(
        reply.json()["third_party_mappings"],
        json!({"on.example:443": [bob]})
    );
}

#[tokio::test]
async fn invalid_matrix_ids_are_served_verbatim() {
    let text = format!(
        r#"
[[servers]]
name = "{IS}"
start = true
pepper = "pepper"
associations = [
    {{ medium = "email", address = "eve@example.com", mxid = "@evil:x\u001b[31m" }},
    {{ medium = "email", address = "al@example.com", mxid = "@al ice:x" }},
    {{ medium = "msisdn", address = "15550001111", mxid = "not-an-id" }},
]
"#
    );
    let sb = start(Federation::from_toml(&text).expect("federation")).await;
    let sent = [
        email("eve@example.com", "pepper"),
        email("al@example.com", "pepper"),
        lookup_hash("15550001111", Medium::Msisdn, "pepper"),
    ];
    let reply = lookup(&sb, IS, "sha256", "pepper", &sent).await;
    let mappings = &reply.json()["mappings"];
    assert_eq!(
        [
            &mappings[&sent[0]],
            &mappings[&sent[1]],
            &mappings[&sent[2]]
        ],
        [
            &json!("@evil:x\u{1b}[31m"),
            &json!("@al ice:x"),
            &json!("not-an-id")
        ]
    );
}

#[tokio::test]
async fn validation_tokens_reach_the_mail_listener_before_the_answer() {
    let sb = start_default().await;
    let heard = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let ear = heard.clone();
    sb.on_mail(move |sent| ear.lock().expect("not poisoned").push(sent.clone()));
    let request = |attempt: u32| json!({ "client_secret": "s3cret", "email": "Zoe@Example.com", "send_attempt": attempt });
    let path = path::REQUEST_TOKEN.replace("{medium}", "email");
    let is_token = token(&sb, MATRIX);
    for attempt in [1, 1, 2] {
        let reply = call(
            &sb,
            MATRIX,
            Method::POST,
            &path,
            Some(&is_token),
            Some(request(attempt)),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        // Delivered by the time the client has its answer, once per new attempt.
        let heard = heard.lock().expect("not poisoned").len();
        assert_eq!(heard, if attempt == 1 { 1 } else { 2 });
    }
    let heard = heard.lock().expect("not poisoned").clone();
    assert_eq!(heard, sb.outbox());
    assert_eq!(
        (
            heard[0].server.as_str(),
            heard[0].medium,
            heard[0].address.as_str()
        ),
        (MATRIX, Medium::Email, "zoe@example.com")
    );
    assert_eq!(heard[0].token, heard[1].token);
}
