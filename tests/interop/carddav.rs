//! CardDAV address books as sources (issue 16): mxlookup against a real
//! Radicale and a real Xandikos, both from PyPI, seeded over HTTP, and the
//! real sydent for the lookups. Discovery and `--list`, reading, finding
//! bound addresses, `--write-back` (one `IMPP` line, nothing else), a
//! concurrent change answered 412, where the DAV password goes, and the
//! 10,000-card measurement.
//!
//! What the servers were seen to answer (curl on loopback, Radicale 3.9.0
//! with htpasswd auth, Xandikos 0.4.10 without auth):
//!
//! - `GET /.well-known/carddav`: Radicale 301 `Location: /` (any method,
//!   PROPFIND too, and before any login); Xandikos 302 `Location: /`.
//!   Relative locations: resolve them against the request URL and repeat the
//!   PROPFIND there.
//! - Radicale answers 401 `WWW-Authenticate: Basic realm="Radicale - Password
//!   Required"` to anything without credentials (PROPFIND `/` too), and
//!   401 again to a wrong password, after a delay of ≈1 s (its log:
//!   "Failed login attempt").
//!   Xandikos never asks (its `--htpasswd` exists only with its own TLS,
//!   `--autocert`).
//! - Xandikos answers **415** to a PROPFIND/REPORT/MKCOL whose body has no
//!   XML `Content-Type` (curl's default form type): send
//!   `Content-Type: application/xml; charset=utf-8`. Radicale does not care.
//! - `PROPFIND /` Depth 0 `current-user-principal`: Radicale `/alice/` (the
//!   logged-in user), Xandikos `/user/` (fixed, `--current-user-principal`).
//! - `PROPFIND principal` Depth 0 `addressbook-home-set`: Radicale the
//!   principal itself, `/alice/`; Xandikos `/user/contacts/`. Radicale
//!   puts properties it lacks (`displayname` of the principal) in a second
//!   propstat with `HTTP/1.1 404 Not Found`; Xandikos leaves them out.
//! - `PROPFIND home-set` Depth 1 (`resourcetype displayname getctag
//!   sync-token`): one response per child; an address book has
//!   `<resourcetype><collection/><C:addressbook/></resourcetype>` (C =
//!   `urn:ietf:params:xml:ns:carddav`); the home set itself comes first
//!   (Radicale: the principal, `<principal/><collection/>`). Xandikos'
//!   calendars live beside its home set (`/user/calendars/`), Radicale's
//!   in the same home set as the books: only resourcetype `addressbook` is
//!   a book. Xandikos makes `addressbook` (display name "addressbook") at
//!   start with `--defaults`.
//! - Namespaces: Radicale writes `<multistatus xmlns="DAV:"
//!   xmlns:CR="urn:ietf:params:xml:ns:carddav">` with an XML declaration;
//!   Xandikos writes `ns0:`/`ns1:` prefixes and no declaration: parse by
//!   namespace, never by prefix.
//! - `PROPFIND book` Depth 1 `getetag`: the book itself first (Radicale's
//!   book ETag is its ctag), then each card: href `/alice/friends/x.vcf`
//!   (absolute path), `getcontenttype` `text/vcard;charset=utf-8`
//!   (Radicale) or `text/vcard` (Xandikos).
//! - `REPORT addressbook-multiget` (Depth 1, hrefs) and `addressbook-query`
//!   (no filter: every card) both answer 207 with `getetag` and
//!   `C:address-data`; a missing href gets its own response with status 404
//!   (Radicale lists it first). The card text inside keeps its CRLF line
//!   ends as raw `\r` in the XML, which an XML parser turns into `\n`
//!   (XML 1.0 §2.11): line numbers are the same either way.
//! - ETags: strong, quoted. Radicale `"` + SHA-256 hex (64) + `"`;
//!   Xandikos `"` + the git blob SHA-1 (40) + `"`. The ETag of `GET`,
//!   `PROPFIND` and `REPORT` is the same string; a `PUT` answers the new one.
//! - A new card: `PUT` with `If-None-Match: *` → 201 (+ ETag). Radicale
//!   refuses a card without `UID` (400, "VCARD object without UID");
//!   Xandikos takes it.
//! - Radicale **re-serialises** every card it stores (vobject): `VERSION`,
//!   `UID` first, then the other properties in alphabetical order, so a
//!   `GET` after a `PUT` can differ from the bytes sent; Xandikos stores and
//!   serves the bytes as sent. Compare cards as served, never as seeded.
//! - `PUT` with the current `If-Match` → 204 + new ETag (both). With a stale
//!   one → **412** (Radicale "Precondition failed.", Xandikos empty body),
//!   card unchanged.
//! - Requests: Radicale logs each at level info as `… [INFO] PROPFIND
//!   request for '/alice/' received from 127.0.0.1 …`, which the
//!   measurement counts.
//! - Radicale parses and caches every card of a book on its first read:
//!   ≈17 s of CPU for 10,000 cards; `dav.py` builds that cache before the
//!   server starts. Warm, `PROPFIND` Depth 1 of the 10,000-card book
//!   answers 2.1 MB in ≈2 s, `addressbook-query` 4.8 MB in ≈1.3 s (curl,
//!   loaded machine).

use serde_json::json;

use crate::contacts::{mxid, seed_contacts};
use crate::dav_servers::{
    ConcurrentEdit, DAV_PASSWORD, DAV_USER, DavExchange, DavHome, DavProxy, DavServer, FRIENDS,
    Kind, WORK, assert_one_line_added, impp_for, impp_lines, line_of, login,
};
use crate::home::Run;
use crate::servers::{Interop, interop};
use crate::sydent::{Sydent, SydentOptions};

/// What a lookup of the seeded books answers, with [`seed_contacts`] in
/// sydent: (card, input, status, local part of the Matrix ID).
const ANSWERS: [(&str, &str, &str, Option<&str>); 8] = [
    (
        "alice.vcf",
        "Alice.Martin@Example.ORG",
        "found",
        Some("alice"),
    ),
    ("alice.vcf", "06 12 34 56 78", "found", Some("alice")),
    ("gustav.vcf", "Strauß@Example.com", "found", Some("gustav")),
    ("chloe.vcf", "01 42 68 53 00", "found", Some("chloe")),
    ("chloe.vcf", "chloe@example.net", "not_found", None),
    ("hana.vcf", "hana@example.org", "not_found", None),
    ("hana.vcf", "06 23 45 67 89", "not_found", None),
    ("bob.vcf", "bob@example.com", "not_found", None),
];

/// The cards that gain a Matrix ID: (card, local part).
const CHANGED: [(&str, &str); 3] = [
    ("alice.vcf", "alice"),
    ("gustav.vcf", "gustav"),
    ("chloe.vcf", "chloe"),
];

/// The book a card of the seed is in.
fn book_of<'a>(card: &str, friends: &'a str, work: &'a str) -> &'a str {
    if WORK.iter().any(|(name, _)| *name == card) {
        work
    } else {
        friends
    }
}

fn friends_names() -> Vec<&'static str> {
    FRIENDS.iter().map(|(n, _)| *n).collect()
}

/// `lookup SOURCE -s IS --homeserver HS --hs-token … -r FR -f ndjson`, with
/// the DAV login when the server needs one, then `extra`.
fn lookup_args(
    interop: &Interop,
    dav: &DavServer,
    source: &str,
    is: &str,
    hs: &str,
    extra: &[&str],
) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "lookup".into(),
        source.into(),
        "-s".into(),
        is.into(),
        "--homeserver".into(),
        hs.into(),
        "--hs-token".into(),
        interop.hs_token.clone(),
    ];
    args.extend(["-r", "FR", "-f", "ndjson"].map(String::from));
    args.extend(login(dav).0);
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// A sydent holding what [`ANSWERS`] finds, and a seeded DAV server.
fn seeded(kind: Kind) -> (&'static Interop, Sydent, DavServer, String, String) {
    let interop = interop();
    let sydent = Sydent::start(interop, SydentOptions::default());
    seed_contacts(interop, &sydent);
    let dav = DavServer::start(kind);
    let (friends, work) = dav.seed();
    (interop, sydent, dav, friends, work)
}

/// Asserts a run read every seeded card and answered [`ANSWERS`], each
/// result pointing at its card (`URL:LINE`, the line as `bodies` has it).
fn assert_answered(
    interop: &Interop,
    run: &Run,
    bodies: &[(String, String)],
    friends: &str,
    work: &str,
) {
    run.expect_code(0);
    assert_eq!(run.results().len(), ANSWERS.len(), "{}", run.describe());
    for (card, input, status, local) in ANSWERS {
        let r = run.result(input);
        assert_eq!(r["status"], status, "{r}\n{}", run.describe());
        let expected = local.map(|l| mxid(interop, l));
        assert_eq!(r["mxid"].as_str(), expected.as_deref(), "{r}");
        let url = format!("{}{card}", book_of(card, friends, work));
        let body = &bodies
            .iter()
            .find(|(u, _)| *u == url)
            .unwrap_or_else(|| panic!("no body for {url}"))
            .1;
        let source = format!("{url}:{}", line_of(body, input));
        assert_eq!(r["source"], source, "{r}");
    }
}

/// Every seeded card as served now: (URL, body).
fn served(dav: &DavServer, friends: &str, work: &str) -> Vec<(String, String)> {
    let mut all = Vec::new();
    for (book, names) in [
        (friends, friends_names()),
        (work, WORK.iter().map(|(n, _)| *n).collect()),
    ] {
        for (name, body, _) in dav.cards(book, &names) {
            all.push((format!("{book}{name}"), body));
        }
    }
    all
}

/// The same card URLs through a proxy in front of the server.
fn via(proxy: &DavProxy, dav: &DavServer, url: &str) -> String {
    url.replacen(&dav.url, &proxy.url, 1)
}

// --- discovery ---------------------------------------------------------------

/// `--list` from the server's root URL: discovery (`/.well-known/carddav`,
/// `current-user-principal`, `addressbook-home-set`) finds every address
/// book of the user, and only those (Xandikos' calendars are not books),
/// one line each with its URL and display name; nothing is looked up.
fn lists_books_from_the_root(kind: Kind) {
    let dav = DavServer::start(kind);
    let (friends, work) = dav.seed();
    let mut books = vec![(friends, "Friends"), (work, "Work")];
    if kind == Kind::Xandikos {
        books.push((
            format!("{}/user/contacts/addressbook/", dav.url),
            "addressbook",
        ));
    }
    let home = DavHome::new();
    let (user, password) = login(&dav);
    let mut args = vec![
        "lookup".to_owned(),
        format!("{}/", dav.url),
        "--list".into(),
    ];
    args.extend(user);
    let run = home.run(&args, password);
    run.expect_code(0);
    let lines: Vec<&str> = run.stdout().lines().filter(|l| l.contains("://")).collect();
    assert_eq!(lines.len(), books.len(), "{}", run.describe());
    for (url, name) in &books {
        let line = lines
            .iter()
            .find(|l| l.split_whitespace().any(|w| w.trim_end_matches(',') == url))
            .unwrap_or_else(|| panic!("{url} not listed:\n{}", run.describe()));
        assert!(line.contains(name), "{line:?} lacks {name:?}");
    }
}

// --- reading -----------------------------------------------------------------

/// A lookup from the root URL reads every card of every book, finds what
/// sydent holds, points each result at its card's URL and line, and writes
/// nothing (without `--write-back`).
fn reads_every_book(kind: Kind) {
    let (interop, sydent, dav, friends, work) = seeded(kind);
    let before = served(&dav, &friends, &work);
    let etags: Vec<_> = dav.cards(&friends, &friends_names());
    let home = DavHome::new();
    let root = format!("{}/", dav.url);
    let args = lookup_args(interop, &dav, &root, &sydent.url, &interop.hs_url, &[]);
    let run = home.run(&args, login(&dav).1);
    assert_answered(interop, &run, &before, &friends, &work);
    assert_eq!(
        run.result("Strauß@Example.com")["contact"],
        json!("Gustav Strauß"),
        "{}",
        run.describe()
    );
    assert_eq!(served(&dav, &friends, &work), before, "a card changed");
    assert_eq!(dav.cards(&friends, &friends_names()), etags);
}

/// The password from `~/.netrc` (`machine 127.0.0.1 login alice password
/// …`) when no other is given; a wrong password reads nothing, fails the
/// run and is never printed.
#[test]
fn radicale_password_from_netrc_and_a_wrong_one() {
    let (interop, sydent, dav, friends, _work) = seeded(Kind::Radicale);
    let home = DavHome::new();
    home.write(
        ".netrc",
        &format!("machine 127.0.0.1 login {DAV_USER} password {DAV_PASSWORD}\n"),
    );
    let args = lookup_args(interop, &dav, &friends, &sydent.url, &interop.hs_url, &[]);
    let run = home.run(&args, None);
    run.expect_code(0);
    assert_eq!(run.results().len(), ANSWERS.len() - 1, "{}", run.describe());
    assert_eq!(run.result("Alice.Martin@Example.ORG")["status"], "found");

    let wrong = "not-the-Password-42";
    let run = home.run(&args, Some(wrong));
    assert_ne!(run.code, Some(0), "{}", run.describe());
    assert!(
        run.results().iter().all(|r| r["status"] != "found"),
        "{}",
        run.describe()
    );
    for text in [run.stdout(), run.stderr()] {
        assert!(!text.contains(wrong), "the password was printed:\n{text}");
        assert!(
            !text.contains(DAV_PASSWORD),
            "the password was printed:\n{text}"
        );
    }
    // Radicale refused it.
    assert!(dav.log().contains("Failed login attempt"), "{}", dav.log());
}

// --- write-back --------------------------------------------------------------

/// `--write-back` adds exactly one `IMPP:matrix:u/…` line to each card that
/// gained a Matrix ID (one for Alice's two addresses), with `If-Match` on
/// the ETag it read; every other line and every other card stay as they
/// were; a second run writes nothing. The DAV password reaches the DAV
/// server only: neither sydent nor Synapse sees it.
fn writes_back_one_line(kind: Kind) {
    let (interop, sydent, dav, friends, work) = seeded(kind);
    let before = dav.cards(&friends, &friends_names());
    let bob_before = dav.cards(&work, &["bob.vcf"]);
    let proxy = DavProxy::start(&dav.url);
    let is = DavProxy::start(&sydent.url);
    let hs = DavProxy::start(&interop.hs_url);
    let home = DavHome::new();
    let root = format!("{}/", proxy.url);
    let args = lookup_args(interop, &dav, &root, &is.url, &hs.url, &["--write-back"]);
    let run = home.run(&args, login(&dav).1);
    run.expect_code(0);
    assert_eq!(run.results().len(), ANSWERS.len(), "{}", run.describe());

    let after = dav.cards(&friends, &friends_names());
    for ((name, old, old_etag), (_, new, new_etag)) in before.iter().zip(&after) {
        match CHANGED.iter().find(|(card, _)| card == name) {
            Some((_, local)) => {
                assert_one_line_added(old, new, &impp_for(&mxid(interop, local)), name);
                assert_ne!(old_etag, new_etag, "{name}");
            }
            None => {
                assert_eq!(old, new, "{name} changed");
                assert_eq!(old_etag, new_etag, "{name} changed");
            }
        }
    }
    assert_eq!(
        dav.cards(&work, &["bob.vcf"]),
        bob_before,
        "bob.vcf changed"
    );

    // One PUT per changed card, each conditional on what was read.
    let puts = proxy.with_method("PUT");
    assert_eq!(puts.len(), CHANGED.len(), "{puts:#?}");
    for (card, _) in CHANGED {
        let path = format!("{}{card}", friends.trim_start_matches(&dav.url));
        let put = puts
            .iter()
            .find(|p| p.path == path)
            .unwrap_or_else(|| panic!("no PUT {path}: {puts:#?}"));
        let read = &before.iter().find(|(n, _, _)| n == card).expect("card").2;
        assert_eq!(put.header("if-match"), Some(read.as_str()), "{put:?}");
        assert!((200..300).contains(&put.status), "{put:?}");
    }
    assert_credentials_kept(&dav, &proxy, &[&is, &hs]);

    // Again: nothing left to add, nothing written.
    proxy.clear();
    let again = home.run(&args, login(&dav).1);
    again.expect_code(0);
    assert_eq!(
        proxy.with_method("PUT").len(),
        0,
        "{:#?}",
        proxy.exchanges()
    );
    assert_eq!(dav.cards(&friends, &friends_names()), after);
    for (_, local) in CHANGED {
        let m = mxid(interop, local);
        assert!(
            again.results().iter().any(|r| r["mxid"] == m.as_str()),
            "{}",
            again.describe()
        );
    }
}

/// Basic credentials went to the DAV server, and no credential of it to
/// any other server.
fn assert_credentials_kept(dav: &DavServer, proxy: &DavProxy, others: &[&DavProxy]) {
    use base64::Engine as _;
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("{DAV_USER}:{DAV_PASSWORD}"));
    let sent = |e: &DavExchange| e.headers.iter().any(|(k, _)| k == "authorization");
    let dav_requests = proxy.exchanges();
    if dav.needs_login() {
        let authorized: Vec<_> = dav_requests.iter().filter(|e| sent(e)).collect();
        assert!(!authorized.is_empty(), "no credentials reached Radicale");
        for e in authorized {
            assert_eq!(
                e.header("authorization"),
                Some(format!("Basic {basic}").as_str()),
                "{e:?}"
            );
        }
    } else {
        assert!(
            dav_requests.iter().all(|e| !sent(e)),
            "credentials sent to a server that asked none: {dav_requests:#?}"
        );
    }
    for other in others {
        for e in other.exchanges() {
            for (k, v) in &e.headers {
                assert!(
                    !v.contains(DAV_PASSWORD) && !v.contains(&basic) && !v.starts_with("Basic "),
                    "{} got the DAV credentials in {k}: {e:?}",
                    other.url
                );
            }
        }
    }
}

/// `--write-back --dry-run` looks up, prints a unified diff per card that
/// would change, and writes nothing.
fn dry_run_prints_diffs(kind: Kind) {
    let (interop, sydent, dav, friends, _work) = seeded(kind);
    let before = dav.cards(&friends, &friends_names());
    let proxy = DavProxy::start(&dav.url);
    let home = DavHome::new();
    let book = via(&proxy, &dav, &friends);
    let args = lookup_args(
        interop,
        &dav,
        &book,
        &sydent.url,
        &interop.hs_url,
        &["--write-back", "--dry-run"],
    );
    let run = home.run(&args, login(&dav).1);
    run.expect_code(0);
    let printed = format!("{}\n{}", run.stdout(), run.stderr());
    for (card, local) in CHANGED {
        let added = format!("+{}", impp_for(&mxid(interop, local)));
        assert!(
            printed.lines().any(|l| l.trim_end() == added),
            "no {added:?}:\n{}",
            run.describe()
        );
        assert!(printed.contains(card), "no diff header for {card}");
    }
    assert_eq!(
        printed.lines().filter(|l| l.starts_with("+IMPP")).count(),
        CHANGED.len(),
        "{}",
        run.describe()
    );
    assert!(
        !printed
            .lines()
            .any(|l| l.starts_with("-BEGIN") || l.starts_with("-FN")),
        "a diff removes lines:\n{printed}"
    );
    assert_eq!(
        proxy.with_method("PUT").len(),
        0,
        "{:#?}",
        proxy.exchanges()
    );
    assert_eq!(dav.cards(&friends, &friends_names()), before);
}

/// A change made on the server between mxlookup's read and its write:
/// the proxy adds a `NICKNAME` to Alice's card just before mxlookup's
/// `PUT` reaches the server, so that `PUT` gets 412; mxlookup fetches the
/// card again and retries once, on the new ETag, and the concurrent change
/// is kept beside the added `IMPP`.
fn concurrent_change_gives_412(kind: Kind) {
    let nickname = "NICKNAME:Ali";
    let Edited {
        interop,
        sydent: _sydent,
        dav,
        friends,
        alice,
        before,
        path,
        proxy: _,
        run: _,
        exchanges,
        work: _work,
    } = write_back_while_edited(kind, &[nickname]);
    let on_alice = puts_and_edits(&exchanges, &path);
    assert_eq!(on_alice.len(), 3, "{exchanges:#?}");
    assert_eq!(on_alice[0].0, "EDIT");
    assert!(
        (200..300).contains(&on_alice[0].1),
        "the test's own change: {on_alice:?}"
    );
    assert_eq!(on_alice[1], ("PUT", 412), "{exchanges:#?}");
    assert_eq!(on_alice[2].0, "PUT");
    assert!((200..300).contains(&on_alice[2].1), "{exchanges:#?}");
    // Between the two PUTs, the card was read again.
    let first = exchanges
        .iter()
        .position(|e| e.method == "PUT" && e.status == 412)
        .expect("412");
    let last = exchanges
        .iter()
        .rposition(|e| e.path == path && e.method == "PUT")
        .expect("PUT");
    assert!(
        exchanges[first + 1..last]
            .iter()
            .any(|e| ["GET", "REPORT", "PROPFIND"].contains(&e.method.as_str())),
        "no read between the 412 and the retry: {exchanges:#?}"
    );
    let second_put = &exchanges[last];
    assert_ne!(
        exchanges[first].header("if-match"),
        second_put.header("if-match"),
        "the retry used the stale ETag"
    );

    let (after, _) = dav.get(&alice);
    let impp = impp_for(&mxid(interop, "alice"));
    assert_eq!(impp_lines(&after), [impp], "{after}");
    assert!(
        after.lines().any(|l| l == nickname),
        "the concurrent change was lost:\n{after}"
    );
    for line in before.lines() {
        assert!(after.lines().any(|l| l == line), "{line:?} lost:\n{after}");
    }
    assert_eq!(after.lines().count(), before.lines().count() + 2, "{after}");
    // The other cards were written once each.
    for (card, _) in &CHANGED[1..] {
        let p = format!("{}{card}", friends.trim_start_matches(&dav.url));
        let puts = exchanges
            .iter()
            .filter(|e| e.method == "PUT" && e.path == p)
            .count();
        assert_eq!(puts, 1, "{p}: {exchanges:#?}");
    }
}

/// A `--write-back` of the seeded book through a proxy that changes
/// Alice's card on the server before each of mxlookup's first `PUT`s to it
/// (`lines[i]` before the i-th): what the run and the proxy saw.
struct Edited {
    interop: &'static Interop,
    sydent: Sydent,
    dav: DavServer,
    /// The book's URL, and Alice's card's.
    friends: String,
    alice: String,
    /// Alice's card before the run, and its path on the server.
    before: String,
    path: String,
    proxy: DavProxy,
    run: Run,
    exchanges: Vec<DavExchange>,
    work: String,
}

/// The `PUT`s to the card at `path` and the proxy's edits of it, in order.
fn puts_and_edits<'e>(exchanges: &'e [DavExchange], path: &str) -> Vec<(&'e str, u16)> {
    exchanges
        .iter()
        .filter(|e| e.path == path && (e.method == "PUT" || e.method == "EDIT"))
        .map(|e| (e.method.as_str(), e.status))
        .collect()
}

fn write_back_while_edited(kind: Kind, lines: &[&str]) -> Edited {
    let (interop, sydent, dav, friends, work) = seeded(kind);
    let alice = format!("{friends}alice.vcf");
    let (before, _) = dav.get(&alice);
    let path = alice.trim_start_matches(&dav.url).to_owned();
    let proxy = editing_proxy(&dav, &path, lines);
    let home = DavHome::new();
    let book = via(&proxy, &dav, &friends);
    let args = lookup_args(
        interop,
        &dav,
        &book,
        &sydent.url,
        &interop.hs_url,
        &["--write-back"],
    );
    let run = home.run(&args, login(&dav).1);
    run.expect_code(0);
    let exchanges = proxy.exchanges();
    Edited {
        interop,
        sydent,
        dav,
        friends,
        alice,
        before,
        path,
        proxy,
        run,
        exchanges,
        work,
    }
}

/// A proxy to `dav` that changes the card at `path` before each of
/// mxlookup's first `PUT`s to it, adding `lines[i]` before the i-th.
fn editing_proxy(dav: &DavServer, path: &str, lines: &[&str]) -> DavProxy {
    DavProxy::with_edit(
        &dav.url,
        Some(ConcurrentEdit {
            path: path.to_owned(),
            lines: lines.iter().map(|l| l.to_string()).collect(),
            login: dav
                .needs_login()
                .then(|| (DAV_USER.to_owned(), DAV_PASSWORD.to_owned())),
        }),
    )
}

/// Changed again before the retry: after the second 412 mxlookup leaves
/// the card as the server has it (both concurrent changes, no `IMPP`),
/// tries no third `PUT`, and says so on stderr, naming the card; the other
/// cards are written as usual. Every address was answered, so the exit
/// code stays 0.
fn changed_twice_is_left_and_reported(kind: Kind) {
    let changes = ["NICKNAME:Ali", "TITLE:Engineer"];
    let Edited {
        interop,
        sydent: _sydent,
        dav,
        friends,
        alice,
        before,
        path,
        proxy,
        run,
        exchanges,
        work: _work,
    } = write_back_while_edited(kind, &changes);
    let on_alice = puts_and_edits(&exchanges, &path);
    assert_eq!(on_alice.len(), 4, "{exchanges:#?}");
    assert_eq!(
        [on_alice[1], on_alice[3]],
        [("PUT", 412); 2],
        "{on_alice:?}"
    );
    assert!(
        [on_alice[0], on_alice[2]]
            .iter()
            .all(|(m, s)| *m == "EDIT" && (200..300).contains(s)),
        "the test's own changes: {on_alice:?}"
    );
    let (after, _) = dav.get(&alice);
    assert_eq!(impp_lines(&after), Vec::<String>::new(), "{after}");
    for line in before.lines().chain(changes) {
        assert!(after.lines().any(|l| l == line), "{line:?} lost:\n{after}");
    }
    let alice_via_proxy = via(&proxy, &dav, &alice);
    assert!(
        run.stderr().contains(&alice_via_proxy),
        "nothing said about {alice_via_proxy}:\n{}",
        run.describe()
    );
    for (card, local) in &CHANGED[1..] {
        let (body, _) = dav.get(&format!("{friends}{card}"));
        assert_eq!(
            impp_lines(&body),
            [impp_for(&mxid(interop, local))],
            "{body}"
        );
    }
}

// --- every check, against both servers ---------------------------------------

/// Each check run against both servers, as `radicale::NAME` and
/// `xandikos::NAME` (`bash tests/interop/run radicale::` runs one server's).
macro_rules! on_both_servers {
    ($($name:ident => $check:ident,)*) => {
        mod radicale {
            $(#[test]
            fn $name() {
                super::$check(super::Kind::Radicale);
            })*
        }
        mod xandikos {
            $(#[test]
            fn $name() {
                super::$check(super::Kind::Xandikos);
            })*
        }
    };
}

on_both_servers! {
    list_discovers_books_from_the_root => lists_books_from_the_root,
    lookup_reads_every_book => reads_every_book,
    write_back_adds_one_impp_line => writes_back_one_line,
    write_back_dry_run_prints_diffs => dry_run_prints_diffs,
    concurrent_change_gives_412_then_a_retry => concurrent_change_gives_412,
    changed_twice_is_left_and_reported => changed_twice_is_left_and_reported,
}

// --- the measurement ---------------------------------------------------------

/// How many cards the measurement reads.
const BULK: usize = 10_000;

/// Measured and noted (issue 16): the requests, wall time and peak memory
/// of reading 10,000 cards from Radicale, offline (`--dry-run --pepper`:
/// no identity server). Radicale's item cache is built before the run.
/// Prints the figures; asserts only that every card was read.
#[test]
fn radicale_10000_cards_measured() {
    let dav = DavServer::radicale_bulk(BULK);
    let book = format!("{}{}bulk/", dav.url, dav.home_set);
    let home = DavHome::new();
    let out = home.path().join("bulk.ndjson");
    let args = [
        "lookup",
        &book,
        "--dry-run",
        "--pepper",
        "x",
        "-r",
        "FR",
        "-f",
        "ndjson",
        "-o",
        out.to_str().expect("utf-8 path"),
        "--dav-user",
        DAV_USER,
    ];
    let logged = dav.logged_requests().len();
    let run = home.command(&args, Some(DAV_PASSWORD)).measure();
    run.expect_code(0);
    let requests: Vec<(String, String)> = dav.logged_requests().split_off(logged);
    let text = std::fs::read_to_string(&out).expect("results written");
    let results: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("ndjson"))
        .collect();
    // An email and a phone number per card.
    assert_eq!(results.len(), 2 * BULK, "{}", run.describe());
    assert!(
        results
            .iter()
            .all(|r| r["source"].as_str().is_some_and(|s| s.starts_with(&book))),
        "a result not from the book"
    );
    let mut methods: std::collections::BTreeMap<&str, usize> = Default::default();
    for (method, _) in &requests {
        *methods.entry(method.as_str()).or_default() += 1;
    }
    eprintln!(
        "measured: {BULK} cards from Radicale: {} requests ({methods:?}), {:.2} s wall \
         (Radicale answering: {:.2} s), peak RSS {:.1} MiB",
        requests.len(),
        run.elapsed.as_secs_f64(),
        dav.logged_seconds(logged),
        run.peak_rss.unwrap_or(0) as f64 / (1024.0 * 1024.0)
    );
}
