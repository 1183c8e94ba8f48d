//! Referral fan-out: a server naming a thousand others, itself, a loop of
//! five, and a hundred thousand hashes nobody sent.

use std::fmt::Write as _;

use super::{count, fed_args, fed_with, run};

#[test]
fn a_thousand_referred_servers_are_capped_by_the_budget() {
    // hub.example refers bob to fan0000…fan0999.example; every one of them
    // is reachable (at sink.example, under its own URL), so only the
    // server budget stops the walk.
    let mut toml = String::from(
        r#"
[[servers]]
name = "hub.example:443"
start = true
pepper = "hubpepper"
referrals = [
"#,
    );
    for n in 0..1000 {
        let _ = writeln!(
            toml,
            r#"  {{ medium = "email", address = "bob@example.org", server = "fan{n:04}.example:443" }},"#
        );
    }
    toml.push_str(
        r#"]

[[servers]]
name = "sink.example:443"
pepper = "sinkpepper"
"#,
    );
    let fed = fed_with(&toml);
    let sink = fed.sandbox.server_url("sink.example:443").expect("sink");
    let mut args = fed_args(&fed, true);
    for n in 0..1000 {
        args.extend([
            "--resolve".to_owned(),
            format!("fan{n:04}.example:443={sink}fan{n:04}/"),
        ]);
    }
    args.extend(["--allow-server".to_owned(), "fan*.example".to_owned()]);
    let run = run("fan-out 1000", &["bob@example.org"], &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.status("bob@example.org"), "unfollowed");
    let reason = run.reason("bob@example.org");
    assert!(
        reason.contains("server budget of 16 spent") && reason.contains(".example:443"),
        "{reason}"
    );
    // Sixteen distinct referred servers were asked, each once, no more.
    assert_eq!(count(&fed, "sink.example:443", "/account/register"), 16);
    assert_eq!(count(&fed, "sink.example:443", "/lookup"), 16);
    let servers = run.doc["servers"].as_array().expect("servers");
    let fans = servers
        .iter()
        .filter(|s| s["server"].as_str().unwrap_or("").starts_with("fan"))
        .count();
    assert_eq!(fans, 16, "{servers:?}");
}

#[test]
fn a_server_that_names_itself_ends_the_path() {
    // hub.example (a start server, known by its URL) refers bob to its own
    // name; mid.example, reached by referral, refers carol to itself.
    let fed = fed_with(
        r#"
[[servers]]
name = "hub.example:443"
start = true
pepper = "hubpepper"
referrals = [
  { medium = "email", address = "bob@example.org", server = "hub.example:443" },
  { medium = "email", address = "carol@example.org", server = "mid.example:443" },
]

[[servers]]
name = "mid.example:443"
pepper = "midpepper"
referrals = [{ medium = "email", address = "carol@example.org", server = "mid.example:443" }]
"#,
    );
    let run = run(
        "self-referral",
        &["bob@example.org", "carol@example.org"],
        &fed_args(&fed, true),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    for address in ["bob@example.org", "carol@example.org"] {
        assert_eq!(run.status(address), "not_found", "{address}");
    }
    assert_eq!(count(&fed, "hub.example:443", "/lookup"), 1);
    assert_eq!(count(&fed, "mid.example:443", "/lookup"), 1);
}

/// loop1 (a start server) → loop2 → … → loop5 → loop1, for bob.
fn loop_of_five() -> String {
    let mut toml = String::new();
    for n in 1..=5 {
        let next = n % 5 + 1;
        let _ = write!(
            toml,
            r#"
[[servers]]
name = "loop{n}.example:443"
start = {start}
pepper = "pepper{n}"
referrals = [{{ medium = "email", address = "bob@example.org", server = "loop{next}.example:443" }}]
"#,
            start = n == 1
        );
    }
    toml
}

#[test]
fn a_loop_of_five_ends() {
    let fed = fed_with(&loop_of_five());
    let mut args = fed_args(&fed, true);
    args.extend(["--max-depth".to_owned(), "10".to_owned()]);
    let run = run("loop of 5", &["bob@example.org"], &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.status("bob@example.org"), "not_found");
    // Around the loop once: each server asked once, loop5's referral back
    // to loop1 not followed.
    for n in 1..=5 {
        let server = format!("loop{n}.example:443");
        assert_eq!(count(&fed, &server, "/lookup"), 1, "{server}");
    }

    // Within the default depth, the loop is cut before it closes.
    let fed = fed_with(&loop_of_five());
    let run = super::run(
        "loop of 5, depth 3",
        &["bob@example.org"],
        &fed_args(&fed, true),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.status("bob@example.org"), "unfollowed");
    let reason = run.reason("bob@example.org");
    assert!(
        reason.contains("loop5.example:443") && reason.contains("--max-depth 3"),
        "{reason}"
    );
    assert_eq!(count(&fed, "loop5.example:443", "/lookup"), 0);
}

#[test]
fn a_hundred_thousand_hashes_nobody_sent_are_ignored() {
    let fed = fed_with(
        r#"
[[servers]]
name = "hub.example:443"
start = true
pepper = "hubpepper"
referrals = [{ medium = "email", address = "bob@example.org", server = "far.example:443" }]
stray_referrals = { "sink.example:443" = [], "far.example:443" = [] }
stray_hashes = 100000

[[servers]]
name = "far.example:443"
pepper = "farpepper"
associations = [{ medium = "email", address = "bob@example.org", mxid = "@bob:far.example" }]

[[servers]]
name = "sink.example:443"
pepper = "sinkpepper"
"#,
    );
    let run = run(
        "100,000 stray referral hashes",
        &["bob@example.org", "carol@example.org"],
        &fed_args(&fed, true),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    // bob's real referral is followed, and only bob is asked about there.
    assert_eq!(run.result("bob@example.org")["mxid"], "@bob:far.example");
    assert_eq!(run.status("carol@example.org"), "not_found");
    let far: Vec<serde_json::Value> = fed
        .received("far.example:443")
        .iter()
        .filter(|r| r.path.ends_with("/lookup"))
        .map(|r| serde_json::from_str(&r.body).expect("JSON"))
        .collect();
    assert_eq!(far.len(), 1);
    assert_eq!(far[0]["addresses"].as_array().map(Vec::len), Some(1));
    assert!(fed.received("sink.example:443").is_empty());
    assert_eq!(run.server(&fed.url("hub.example:443"))["referred"], 1);
}
