//! CardDAV sources through the binary, against the sandbox's CardDAV server
//! (real HTTP on loopback) and its identity servers: discovery from a
//! server's root, a principal and a collection; `--list`; sources citing
//! the card's URL and line; multigets in bounded batches; credentials from
//! the environment, the config file and `~/.netrc`, sent to the CardDAV
//! server only; write-back with `If-Match`, its 412 path and its dry run.

use std::path::{Path, PathBuf};

use serde_json::Value;

use mxlookup::addressbook::carddav::MULTIGET_BATCH;
use mxlookup::addressbook::vcard::patch::add_matrix_ids;
use mxlookup::sandbox::{DavBook, Federation, RunningDav, Sandbox};

use crate::support::{Mx, mxlookup};

const PASSWORD: &str = "wonderland";

/// The built-in federation, its CardDAV server changed by `change`, served
/// from the test process.
struct Dav {
    sandbox: Sandbox,
    _runtime: tokio::runtime::Runtime,
}

impl Dav {
    fn start(change: impl FnOnce(&mut mxlookup::sandbox::DavSpec)) -> Dav {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let mut federation = Federation::default_federation();
        change(
            federation
                .dav
                .as_mut()
                .expect("the default federation has a CardDAV server"),
        );
        let sandbox = runtime.block_on(Sandbox::start(federation)).unwrap();
        Dav {
            sandbox,
            _runtime: runtime,
        }
    }

    fn server(&self) -> &RunningDav {
        self.sandbox.dav().unwrap()
    }

    /// A URL on the CardDAV server.
    fn url(&self, path: &str) -> String {
        self.server().url_of(path)
    }

    fn book(&self, slug: &str) -> String {
        self.url(&format!("/dav/addressbooks/alice/{slug}/"))
    }

    /// The identity servers, the homeserver and their tokens, as flags.
    fn network(&self) -> Vec<String> {
        let mut args = Vec::new();
        for s in self.sandbox.start_servers() {
            args.extend(["-s".into(), s.url.as_str().trim_end_matches('/').to_owned()]);
        }
        for (name, url) in self.sandbox.resolve_map() {
            args.extend(["--resolve".into(), format!("{name}={url}")]);
            args.extend(["--allow-server".into(), name]);
        }
        args.extend([
            "--homeserver".into(),
            self.sandbox.homeserver_url().to_string(),
            "--hs-token".into(),
            self.sandbox.homeserver_token().to_owned(),
        ]);
        args
    }

    /// Requests of `method` the CardDAV server received.
    fn count(&self, method: &str) -> usize {
        self.server()
            .requests()
            .iter()
            .filter(|r| r.method == method)
            .count()
    }

    /// Every request the identity servers and the homeserver received.
    fn others(&self) -> Vec<mxlookup::sandbox::Recorded> {
        let mut all = self.sandbox.requests(mxlookup::sandbox::HOMESERVER);
        for s in self.sandbox.servers() {
            all.extend(self.sandbox.requests(&s.name));
        }
        all
    }

    fn card(&self, book: &str, name: &str) -> (Vec<u8>, String) {
        self.server().card("alice", book, name).expect("card")
    }
}

/// A lookup of `sources` through the federation, as ndjson; `mx` is the
/// prepared run (environment, home).
fn run(mx: Mx, dav: &Dav, sources: &[&str], extra: &[&str]) -> (i32, Vec<Value>, String, String) {
    let (code, stdout, stderr) = mx
        .args(["lookup", "-f", "ndjson"])
        .args(sources)
        .args(dav.network())
        .args(extra)
        .run_with_env(&[("MXLOOKUP_BACKOFF_MS", "0")]);
    let results = if code == 0 && !extra.contains(&"--dry-run") && !extra.contains(&"--list") {
        stdout
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect()
    } else {
        Vec::new()
    };
    (code, results, stdout, stderr)
}

/// A run with the password in `MXLOOKUP_DAV_PASSWORD` and `--dav-user alice`.
fn as_alice(dav: &Dav, sources: &[&str], extra: &[&str]) -> (i32, Vec<Value>, String, String) {
    let mut args = vec!["--dav-user", "alice"];
    args.extend(extra);
    run(
        mxlookup().env("MXLOOKUP_DAV_PASSWORD", PASSWORD),
        dav,
        sources,
        &args,
    )
}

fn sources(results: &[Value]) -> Vec<String> {
    let mut s: Vec<String> = results
        .iter()
        .map(|r| r["source"].as_str().unwrap().to_owned())
        .collect();
    s.sort();
    s
}

#[test]
fn the_books_are_found_from_the_root_a_principal_or_a_collection() {
    let dav = Dav::start(|_| {});
    let root = dav.url("/");
    let principal = dav.url("/dav/principals/alice/");
    let (code, from_root, _, stderr) = as_alice(&dav, &[&root], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(from_root.len(), 7, "two books, five cards, seven addresses");
    let (code, from_principal, _, stderr) = as_alice(&dav, &[&principal], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(sources(&from_root), sources(&from_principal));
    let home = dav.url("/dav/addressbooks/alice/");
    let (code, from_home, _, stderr) = as_alice(&dav, &[&home], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(sources(&from_root), sources(&from_home));
    let (code, from_book, _, stderr) = as_alice(&dav, &[&dav.book("family")], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        sources(&from_book),
        [
            format!("{}alice.vcf:5", dav.book("family")),
            format!("{}alice.vcf:6", dav.book("family"))
        ]
    );
    // The root went through /.well-known/carddav.
    let paths: Vec<String> = dav
        .server()
        .requests()
        .iter()
        .map(|r| r.path.clone())
        .collect();
    assert!(
        paths.iter().any(|p| p == "/.well-known/carddav"),
        "{paths:?}"
    );
}

#[test]
fn results_cite_the_card_url_and_line() {
    let dav = Dav::start(|_| {});
    let (code, results, _, stderr) = as_alice(&dav, &[&dav.book("contacts")], &[]);
    assert_eq!(code, 0, "{stderr}");
    let bob = results
        .iter()
        .find(|r| r["input"] == "bob@example.com")
        .expect("bob");
    assert_eq!(bob["source"], format!("{}bob.vcf:5", dav.book("contacts")));
    assert_eq!(bob["status"], "found");
    assert_eq!(bob["mxid"], "@bob:matrix.example");
    assert_eq!(bob["contact"], "Bob Martin");
    let chloe_phone = results
        .iter()
        .find(|r| r["address"] == "33142685300")
        .unwrap();
    assert_eq!(
        chloe_phone["source"],
        format!("{}chloe.vcf:6", dav.book("contacts"))
    );
}

#[test]
fn a_server_answering_503_at_first_is_asked_again() {
    // A proxy in front of a server still starting: three 503s, then the
    // answers. Each is asked again (the retries a request has: 3).
    let dav = Dav::start(|spec| spec.fail_first = 3);
    let (code, results, _, stderr) = as_alice(&dav, &[&dav.book("contacts")], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(results.len(), 5, "{results:?}");
    let statuses: Vec<u16> = dav.server().requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses[..4], [503, 503, 503, 207], "{statuses:?}");
    // One more 503 than there are retries: the run stops, naming it.
    let dav = Dav::start(|spec| spec.fail_first = 4);
    let (code, _, _, stderr) = as_alice(&dav, &[&dav.book("contacts")], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("503"), "{stderr}");
    assert_eq!(dav.server().requests().len(), 4);
    assert!(dav.others().is_empty(), "an identity server was asked");
}

#[test]
fn list_shows_the_books_and_looks_nothing_up() {
    let dav = Dav::start(|_| {});
    let (code, _, stdout, stderr) = as_alice(&dav, &[&dav.url("/")], &["--list"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            format!("{}\tContacts\t4 cards", dav.book("contacts")),
            format!("{}\tFamily\t1 cards", dav.book("family")),
        ]
    );
    assert!(dav.others().is_empty(), "nothing looked up");
    assert_eq!(dav.count("REPORT"), 0, "no card fetched");
}

#[test]
fn a_large_book_is_fetched_in_bounded_batches() {
    let dav = Dav::start(|spec| {
        spec.books.push(DavBook {
            owner: "alice".into(),
            slug: "big".into(),
            display_name: None,
            cards: Vec::new(),
            synthetic: 1200,
        });
    });
    let (code, stdout, stderr) = mxlookup()
        .env("MXLOOKUP_DAV_PASSWORD", PASSWORD)
        .args([
            "lookup",
            "--dav-user",
            "alice",
            "--dry-run",
            "--pepper",
            "p",
            "-f",
            "ndjson",
        ])
        .arg(dav.book("big"))
        .run();
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.lines().count(), 1200);
    let reports: Vec<_> = dav
        .server()
        .requests()
        .into_iter()
        .filter(|r| r.method == "REPORT")
        .collect();
    assert_eq!(reports.len(), 1200usize.div_ceil(MULTIGET_BATCH));
    for r in &reports {
        assert!(r.body.matches("<d:href>").count() <= MULTIGET_BATCH);
    }
    assert_eq!(dav.count("GET"), 0, "every card came in a multiget");
}

#[test]
fn a_refused_password_stops_the_run_before_any_identity_server_is_asked() {
    let dav = Dav::start(|_| {});
    let secret = "not-the-password-123";
    let (code, _, stdout, stderr) = run(
        mxlookup().env("MXLOOKUP_DAV_PASSWORD", secret),
        &dav,
        &[&dav.book("contacts")],
        &["--dav-user", "alice"],
    );
    assert_eq!(code, 2, "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        lines[0].starts_with("error: the CardDAV server 127.0.0.1:")
            && lines[0].ends_with("refused the credentials of alice"),
        "{stderr}"
    );
    assert!(
        lines[1].starts_with("hint: check the login (--dav-user) and the password"),
        "{stderr}"
    );
    assert!(
        dav.others().is_empty(),
        "no identity server or homeserver asked"
    );
    assert!(!stdout.contains(secret) && !stderr.contains(secret));
}

#[test]
fn with_no_login_the_server_is_asked_without_one_and_its_401_says_how_to_give_one() {
    let dav = Dav::start(|_| {});
    let (code, _, _, stderr) = run(mxlookup(), &dav, &[&dav.book("contacts")], &[]);
    assert_eq!(code, 2, "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        lines[0].starts_with("error: the CardDAV server 127.0.0.1:")
            && lines[0].ends_with("asks for a login"),
        "{stderr}"
    );
    assert!(
        lines[1].starts_with("hint: pass --dav-user USER"),
        "{stderr}"
    );
    let sent = dav.server().requests();
    assert!(!sent.is_empty(), "the server was asked");
    assert!(
        sent.iter().all(|r| r.authorization.is_none()),
        "no credentials were made up: {sent:?}"
    );
    assert!(
        dav.others().is_empty(),
        "no identity server or homeserver asked"
    );
}

#[test]
fn the_password_comes_from_the_environment_the_config_file_or_netrc() {
    let dav = Dav::start(|_| {});
    let book = dav.book("family");
    // The config file: the login and a file holding the password.
    let mx = mxlookup();
    let config = mx.default_config();
    let home = home_of(&config);
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(
        config.parent().unwrap().join("dav-password"),
        format!("{PASSWORD}\nignored\n"),
    )
    .unwrap();
    std::fs::write(
        &config,
        "dav_user = \"alice\"\ndav_password_file = \"dav-password\"\n",
    )
    .unwrap();
    let (code, results, stdout, stderr) = run(mx, &dav, &[&book], &[]);
    assert_eq!((code, results.len()), (0, 2), "config file: {stderr}");
    assert!(!stdout.contains(PASSWORD) && !stderr.contains(PASSWORD));
    drop(home);
    // ~/.netrc gives the login and the password.
    let mx = mxlookup();
    let home = home_of(&mx.default_config());
    std::fs::write(
        home.join(".netrc"),
        format!("machine 127.0.0.1 login alice password {PASSWORD}\n"),
    )
    .unwrap();
    let (code, results, stdout, stderr) = run(mx, &dav, &[&book], &[]);
    assert_eq!((code, results.len()), (0, 2), "netrc: {stderr}");
    assert!(!stdout.contains(PASSWORD) && !stderr.contains(PASSWORD));
    // Nothing at all: an error naming every way, before any request.
    let before = dav.server().requests().len();
    let (code, _, _, stderr) = run(mxlookup(), &dav, &[&book], &["--dav-user", "alice"]);
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with(
            "error: no CardDAV password for alice at 127.0.0.1\nhint: set MXLOOKUP_DAV_PASSWORD"
        ),
        "{stderr}"
    );
    assert_eq!(dav.server().requests().len(), before);
}

/// The isolated HOME of a run, from its default config path.
fn home_of(config: &Path) -> PathBuf {
    config.ancestors().nth(3).unwrap().to_owned()
}

#[test]
fn credentials_go_to_the_carddav_server_only() {
    let dav = Dav::start(|_| {});
    let (code, results, _, stderr) = as_alice(&dav, &[&dav.url("/")], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(results.iter().any(|r| r["status"] == "found"));
    let others = dav.others();
    assert!(!others.is_empty());
    for r in &others {
        let auth = r.authorization.as_deref().unwrap_or_default();
        assert!(
            !auth.starts_with("Basic"),
            "{} {} got {auth}",
            r.method,
            r.path
        );
        assert!(!r.body.contains(PASSWORD));
    }
    for r in dav
        .server()
        .requests()
        .iter()
        .filter(|r| r.path != "/.well-known/carddav")
    {
        assert!(
            r.authorization
                .as_deref()
                .is_some_and(|a| a.starts_with("Basic "))
        );
    }
}

#[test]
fn write_back_adds_exactly_the_impp_lines_and_a_second_run_changes_nothing() {
    let dav = Dav::start(|_| {});
    let (before, etag) = dav.card("contacts", "chloe.vcf");
    let (nadia, nadia_etag) = dav.card("contacts", "nadia.vcf");
    let (code, _, _, stderr) = as_alice(&dav, &[&dav.url("/")], &["--write-back"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "wrote 4 Matrix IDs into 4 cards of {}",
            dav.url("/")
        )),
        "{stderr}"
    );
    let (after, new_etag) = dav.card("contacts", "chloe.vcf");
    assert_ne!(etag, new_etag);
    let expected = add_matrix_ids(&before, &["@chloe:fed.example"]).unwrap();
    assert_eq!(after, expected);
    let text = String::from_utf8(after).unwrap();
    assert!(text.ends_with(
        "TEL;TYPE=work:+33 1 42 68 53 00\r\nIMPP:matrix:u/chloe:fed.example\r\nEND:VCARD\r\n"
    ));
    // Not found: untouched.
    assert_eq!(dav.card("contacts", "nadia.vcf"), (nadia, nadia_etag));
    assert_eq!(dav.count("PUT"), 4);
    // Again: every card holds its Matrix ID already.
    let (code, _, _, stderr) = as_alice(&dav, &[&dav.url("/")], &["--write-back"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(": no card gained a Matrix ID; left as it was"),
        "{stderr}"
    );
    assert_eq!(dav.count("PUT"), 4, "no PUT the second time");
}

#[test]
fn a_card_changed_meanwhile_is_fetched_again_and_written_once_more() {
    let dav = Dav::start(|spec| spec.change_after_fetch = vec!["bob.vcf".into()]);
    let (code, _, _, stderr) = as_alice(&dav, &[&dav.book("contacts")], &["--write-back"]);
    assert_eq!(code, 0, "{stderr}");
    let (bob, _) = dav.card("contacts", "bob.vcf");
    let bob = String::from_utf8(bob).unwrap();
    assert!(
        bob.ends_with("NOTE:changed on the server meanwhile\r\nIMPP:matrix:u/bob:matrix.example\r\nEND:VCARD\r\n"),
        "both changes kept: {bob}"
    );
    let bob_requests: Vec<(String, u16)> = dav
        .server()
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/bob.vcf"))
        .map(|r| (r.method, r.status))
        .collect();
    assert_eq!(
        bob_requests,
        [
            ("PUT".into(), 412),
            ("GET".into(), 200),
            ("PUT".into(), 204)
        ]
    );
    assert!(
        stderr.contains("wrote 3 Matrix IDs into 3 cards"),
        "{stderr}"
    );
}

#[test]
fn a_dry_run_prints_diffs_and_writes_nothing() {
    let dav = Dav::start(|_| {});
    let before: Vec<_> = ["bob.vcf", "chloe.vcf"]
        .map(|c| dav.card("contacts", c))
        .into();
    let (code, _, stdout, stderr) = as_alice(
        &dav,
        &[&dav.book("contacts")],
        &["--write-back", "--dry-run"],
    );
    assert_eq!(code, 0, "{stderr}");
    let bob = format!("{}bob.vcf", dav.book("contacts"));
    assert!(
        stdout.contains(&format!("--- {bob} (on the server)")),
        "{stdout}"
    );
    assert!(
        stdout.contains("+IMPP:matrix:u/bob:matrix.example"),
        "{stdout}"
    );
    assert!(
        stdout.contains("+IMPP:matrix:u/chloe:fed.example"),
        "{stdout}"
    );
    assert!(!stdout.contains("nadia"), "{stdout}");
    assert!(
        stderr.starts_with(
            "note: --write-back --dry-run: the addresses are looked up; nothing will be written"
        ),
        "{stderr}"
    );
    let after: Vec<_> = ["bob.vcf", "chloe.vcf"]
        .map(|c| dav.card("contacts", c))
        .into();
    assert_eq!(before, after);
    assert_eq!(dav.count("PUT"), 0);
}

#[test]
fn http_to_another_machine_is_refused_before_anything_is_sent() {
    let dav = Dav::start(|_| {});
    let (code, _, stdout, stderr) = as_alice(&dav, &["http://dav.example/dav/"], &[]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(
        stderr.starts_with(
            "error: http://dav.example/dav/: http:// is only for a server on this machine"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("\nhint: use https://dav.example/dav/"),
        "{stderr}"
    );
    assert!(dav.others().is_empty() && dav.server().requests().is_empty());
}

/// Alice's run on the book at `path` stops with exit 2 on the server's
/// `status`, its hint starting with `hint` and naming the URL, before any
/// identity server is asked.
fn refused_before_any_lookup(path: &str, status: u16, hint: &str) {
    let dav = Dav::start(|_| {});
    let url = dav.url(path);
    let (code, _, _, stderr) = as_alice(&dav, &[&url], &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains(&format!(
            "error: PROPFIND {url}: the CardDAV server answered {status}"
        )),
        "{stderr}"
    );
    assert!(stderr.contains(&format!("hint: {hint} {url}")), "{stderr}");
    assert!(dav.others().is_empty());
}

#[test]
fn a_url_that_is_not_a_book_names_itself_in_the_hint() {
    refused_before_any_lookup("/dav/addressbooks/alice/nothing/", 404, "check the URL");
}

#[test]
fn the_sandbox_serves_its_carddav_server_for_the_readme_command() {
    let (code, stdout, stderr) = mxlookup()
        .env("MXLOOKUP_DAV_PASSWORD", PASSWORD)
        .args([
            "lookup",
            "--sandbox",
            "https://dav.example/",
            "--dav-user",
            "alice",
        ])
        .args(["--write-back", "-f", "ndjson"])
        .run();
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.lines().count(), 7);
    assert!(
        stdout.contains(
            "\"source\":\"https://dav.example/dav/addressbooks/alice/contacts/bob.vcf:5\""
        ),
        "{stdout}"
    );
    assert!(
        stderr.contains("wrote 4 Matrix IDs into 4 cards of https://dav.example/\n"),
        "{stderr}"
    );
    let dav = Dav::start(|_| {});
    let listing = dav.sandbox.describe();
    assert!(
        listing.contains("CardDAV server dav.example:443:"),
        "{listing}"
    );
    assert!(
        listing.contains("user alice  password wonderland"),
        "{listing}"
    );
}

#[test]
fn credentials_do_not_follow_a_redirect_to_another_server() {
    let dav = Dav::start(|spec| spec.well_known_to = Some("http://127.0.0.2:9/dav/".into()));
    let (code, _, _, stderr) = as_alice(&dav, &[&dav.url("/")], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(
            "redirects to http://127.0.0.2:9/dav/: another server than http://127.0.0.1:"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("\nhint: give the URL the server points to yourself"),
        "{stderr}"
    );
    assert!(dav.others().is_empty());
}

#[test]
fn a_url_with_a_password_in_it_is_refused() {
    let dav = Dav::start(|_| {});
    let url = dav.url("/").replace("http://", "http://alice:wonderland@");
    let (code, _, stdout, stderr) = as_alice(&dav, &[&url], &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with(
            "error: a CardDAV URL holds no login or password\nhint: pass the login with --dav-user"
        ),
        "{stderr}"
    );
    assert!(!stdout.contains(PASSWORD) && !stderr.contains(PASSWORD));
    assert!(dav.server().requests().is_empty());
}

#[test]
fn a_card_changed_again_after_the_refetch_is_left_and_reported() {
    let dav = Dav::start(|spec| spec.change_after_fetch = vec!["bob.vcf".into(), "bob.vcf".into()]);
    let (code, _, _, stderr) = as_alice(&dav, &[&dav.book("contacts")], &["--write-back"]);
    assert_eq!(code, 0, "{stderr}");
    let (bob, _) = dav.card("contacts", "bob.vcf");
    let bob = String::from_utf8(bob).unwrap();
    assert!(!bob.contains("IMPP"), "left alone: {bob}");
    assert_eq!(
        bob.matches("NOTE:changed on the server meanwhile").count(),
        2
    );
    assert!(
        stderr.contains("contacts/bob.vcf changed on the server meanwhile, twice: left as it is"),
        "{stderr}"
    );
    assert!(
        stderr.contains("wrote 2 Matrix IDs into 2 cards of http://127.0.0.1:")
            && stderr.contains("; 1 changed on the server meanwhile and were left"),
        "{stderr}"
    );
    let puts = dav
        .server()
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT" && r.path.ends_with("/bob.vcf"))
        .count();
    assert_eq!(puts, 2, "tried once more, not again");
}

#[test]
fn a_book_the_login_may_not_read_says_so() {
    refused_before_any_lookup(
        "/dav/addressbooks/bob/contacts/",
        403,
        "the login may not read",
    );
}
