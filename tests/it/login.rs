//! `mxlookup login` and `logout` against the sandbox homeserver: the
//! homeserver found from the user ID (its `/.well-known/matrix/client`, else
//! the server name, both reached through `--resolve`), the password from a
//! file or standard input, the session kept private and used by later runs
//! with no `--hs-token`, refusals said with what to do, and the session
//! ended on the homeserver by `logout`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::Fed;
use crate::support::{Output, mxlookup_in};

const USER: &str = "@sandbox:hs.example";
const PASSWORD: &str = "correct horse";

/// A federation whose homeserver takes `PASSWORD` and offers `flows`;
/// with `well_known`, its `/.well-known/matrix/client` names it (and the
/// identity server); the user chose `is.example:443` in their account data.
fn federation(well_known: bool, flows: &str) -> Fed {
    let well_known = if well_known {
        "[homeserver.well_known]\nidentity_server = \"is.example:443\"\n"
    } else {
        ""
    };
    Fed::start(Some(&format!(
        r#"
[homeserver]
password = "{PASSWORD}"
login_flows = {flows}

[homeserver.account_data]
identity_server = "is.example:443"

{well_known}
[[servers]]
name = "is.example:443"
start = true
pepper = "p1"
associations = [{{ medium = "email", address = "ann@example.org", mxid = "@ann:is.example" }}]
"#
    )))
}

const PASSWORD_ONLY: &str = r#"["m.login.password"]"#;

/// HOME and XDG folders shared by the runs of one test.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn session_file(&self) -> PathBuf {
        self.path("state/mxlookup/session.json")
    }

    /// The session kept, if any.
    fn session(&self) -> Option<Value> {
        let text = std::fs::read_to_string(self.session_file()).ok()?;
        Some(serde_json::from_str(&text).expect("session.json is JSON"))
    }

    /// Writes `text` as the file `name`, readable by its owner only.
    fn secret(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        set_mode(&path, 0o600);
        path
    }

    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut mx = mxlookup_in(self.dir.path())
            .args(args)
            .env("MXLOOKUP_BACKOFF_MS", "0");
        if let Some(input) = stdin {
            mx = mx.stdin(input);
        }
        mx.output()
    }

    /// `mxlookup login USER --resolve hs.example=HS` with a password file.
    fn login(&self, fed: &Fed, password: &str) -> Output {
        let file = self.secret("password", &format!("{password}\n"));
        let resolve = format!("hs.example={}", fed.sandbox.homeserver_url());
        self.run(
            &[
                "login",
                USER,
                "--resolve",
                &resolve,
                "--password-file",
                file.to_str().unwrap(),
            ],
            None,
        )
    }

    /// `mxlookup lookup` of one address, ndjson, with `extra` arguments.
    fn lookup(&self, extra: &[&str]) -> Output {
        let book = self.path("book.txt");
        std::fs::write(&book, "ann@example.org\n").unwrap();
        let mut args = vec!["lookup", book.to_str().unwrap(), "-f", "ndjson"];
        args.extend(extra);
        self.run(&args, None)
    }
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// The homeserver's URL as the session keeps it (no trailing `/`).
fn hs_url(fed: &Fed) -> String {
    fed.sandbox
        .homeserver_url()
        .as_str()
        .trim_end_matches('/')
        .to_owned()
}

/// The `Authorization` headers the homeserver received on `path`s ending so.
fn bearers_on(fed: &Fed, ending: &str) -> Vec<Option<String>> {
    fed.received(mxlookup::sandbox::HOMESERVER)
        .into_iter()
        .filter(|r| r.path.ends_with(ending))
        .map(|r| r.authorization)
        .collect()
}

#[test]
fn a_login_keeps_a_private_session_that_lookup_uses_without_a_token() {
    let fed = federation(true, PASSWORD_ONLY);
    let home = Home::new();
    let login = home.login(&fed, PASSWORD);
    login.expect_code(0);
    let session = home.session().expect("a session kept");
    let token = session["access_token"].as_str().unwrap().to_owned();
    let device = session["device_id"].as_str().unwrap().to_owned();
    assert_eq!(session["user_id"], USER);
    assert_eq!(session["homeserver"], hs_url(&fed));
    assert_eq!(mode(&home.session_file()), 0o600);
    assert_eq!(
        login.stderr(),
        format!(
            "logged in as {USER} on {} (device {device})\n",
            hs_url(&fed)
        )
    );
    assert_eq!(login.stdout(), "");
    // A new device, named as the login asked, with a token of its own.
    assert_eq!(fed.sandbox.devices()[&device].as_deref(), Some("mxlookup"));
    assert_ne!(token, fed.sandbox.homeserver_token());
    let logins: Vec<_> = fed
        .received(mxlookup::sandbox::HOMESERVER)
        .into_iter()
        .filter(|r| r.path == "/_matrix/client/v3/login")
        .collect();
    assert_eq!(logins.len(), 2, "GET the login types, then POST");
    let body: Value = serde_json::from_str(&logins[1].body).unwrap();
    assert_eq!(body["type"], "m.login.password");
    assert_eq!(body["identifier"]["type"], "m.id.user");
    assert_eq!(body["identifier"]["user"], USER);
    assert_eq!(body["password"], PASSWORD);
    assert_eq!(body["initial_device_display_name"], "mxlookup");

    // No --homeserver, no --hs-token: the session's homeserver, with its
    // token, tells which identity server to ask (the user's account data).
    let run = home.lookup(&[]);
    run.expect_code(0);
    assert_eq!(run.results()[0]["mxid"], "@ann:is.example");
    let bearer = Some(format!("Bearer {token}"));
    let asked = bearers_on(&fed, "/account_data/m.identity_server");
    assert_eq!(asked, std::slice::from_ref(&bearer));
    assert!(bearers_on(&fed, "/openid/request_token").contains(&bearer));
    // The token went to the homeserver only, and was never shown.
    for r in fed.received("is.example:443") {
        assert!(!r.authorization.unwrap_or_default().contains(&token));
        assert!(!r.body.contains(&token));
    }
    for out in [&login, &run] {
        assert!(!out.stderr().contains(&token) && !out.stdout().contains(&token));
        assert!(!out.stderr().contains(PASSWORD));
    }
}

#[test]
fn the_password_is_read_from_standard_input_and_the_server_name_is_the_fallback() {
    // No well-known document (404): the homeserver is the server name,
    // reached where --resolve says.
    let fed = federation(false, PASSWORD_ONLY);
    let home = Home::new();
    let resolve = format!("hs.example={}", fed.sandbox.homeserver_url());
    let run = home.run(
        &["login", USER, "--resolve", &resolve, "-v"],
        Some(&format!("{PASSWORD}\n")),
    );
    run.expect_code(0);
    assert!(
        run.stderr()
            .contains("(the server name: no /.well-known/matrix/client)"),
        "{}",
        run.describe()
    );
    assert_eq!(home.session().unwrap()["homeserver"], hs_url(&fed));
    // Nothing on stdin is no password.
    let empty = home.run(&["login", USER, "--resolve", &resolve], Some(""));
    empty.expect_code(2);
    assert!(
        empty
            .stderr()
            .contains("error: no password on standard input")
    );
    assert!(empty.stderr().contains("\nhint: pipe the password"));
}

#[test]
fn a_wrong_password_is_refused_and_nothing_is_kept() {
    let fed = federation(true, PASSWORD_ONLY);
    let home = Home::new();
    let run = home.login(&fed, "tr0ub4dor");
    run.expect_code(2);
    assert_eq!(
        run.stderr().lines().next().unwrap(),
        format!("error: {}: wrong user ID or password", hs_url(&fed))
    );
    assert!(run.stderr().contains("\nhint: check the user ID"));
    assert!(!run.stderr().contains("tr0ub4dor"));
    assert_eq!(home.session(), None);
    assert_eq!(fed.sandbox.devices().len(), 1, "no device created");
}

#[test]
fn a_homeserver_without_password_login_names_what_it_offers() {
    let fed = federation(true, r#"["m.login.sso", "m.login.token"]"#);
    let home = Home::new();
    let run = home.login(&fed, PASSWORD);
    run.expect_code(2);
    let stderr = run.stderr();
    assert!(
        stderr.starts_with(&format!(
            "error: {} offers no password login (m.login.password): it offers m.login.sso, m.login.token\nhint: ",
            hs_url(&fed)
        )),
        "{stderr}"
    );
    assert!(stderr.contains("--hs-token"), "{stderr}");
    // It only asked: the password was never sent.
    let posts = fed
        .received(mxlookup::sandbox::HOMESERVER)
        .into_iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(posts, 0);
    assert_eq!(home.session(), None);
}

#[test]
fn a_bad_user_id_is_refused_before_anything_is_sent() {
    let home = Home::new();
    let run = home.run(&["login", "sandbox@hs.example"], Some("x\n"));
    run.expect_code(2);
    assert!(
        run.stderr()
            .starts_with("error: `sandbox@hs.example` is not a Matrix user ID: it does not start with `@`\nhint: "),
        "{}",
        run.describe()
    );
}

#[test]
fn config_show_says_the_token_comes_from_the_session() {
    let fed = federation(true, PASSWORD_ONLY);
    let home = Home::new();
    home.login(&fed, PASSWORD).expect_code(0);
    let token = home.session().unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let shown = home.run(&["config", "show", "-f", "json"], None);
    shown.expect_code(0);
    let settings = &shown.json()["settings"];
    assert_eq!(settings["hs_token"]["value"], "(set)");
    assert_eq!(settings["hs_token"]["source"], "session");
    let from = settings["hs_token"]["from"].as_str().unwrap();
    assert!(from.starts_with(&format!("{USER}, logged in 20")), "{from}");
    assert!(from.ends_with(" UTC"), "{from}");
    assert_eq!(settings["homeserver"]["value"], hs_url(&fed));
    assert_eq!(settings["homeserver"]["source"], "session");
    assert!(!shown.stdout().contains(&token));
    // A token given wins; another homeserver named does not get the session's.
    let flag = home.run(
        &["config", "show", "-f", "json", "--hs-token", "syt_x"],
        None,
    );
    assert_eq!(flag.json()["settings"]["hs_token"]["source"], "flag");
    let other = home.run(
        &[
            "config",
            "show",
            "-f",
            "json",
            "--homeserver",
            "https://other.example",
        ],
        None,
    );
    let settings = &other.json()["settings"];
    assert_eq!(settings["hs_token"]["value"], Value::Null);
    assert_eq!(settings["homeserver"]["source"], "flag");
    // The same homeserver named by flag keeps the session's token.
    let same = home.run(
        &[
            "config",
            "show",
            "-f",
            "json",
            "--homeserver",
            &format!("{}/", hs_url(&fed)),
        ],
        None,
    );
    assert_eq!(same.json()["settings"]["hs_token"]["source"], "session");
    // A session file others can read is used, with a warning.
    set_mode(&home.session_file(), 0o644);
    let shared = home.run(&["config", "show"], None);
    shared.expect_code(0);
    assert!(
        shared
            .stderr()
            .contains("can be read by other users (mode 644): `mxlookup logout`, then"),
        "{}",
        shared.describe()
    );
}

#[test]
fn logout_ends_the_session_on_the_homeserver_and_forgets_it() {
    let fed = federation(true, PASSWORD_ONLY);
    let home = Home::new();
    home.login(&fed, PASSWORD).expect_code(0);
    let session = home.session().unwrap();
    let device = session["device_id"].as_str().unwrap();
    let token = session["access_token"].as_str().unwrap();
    let run = home.run(&["logout"], None);
    run.expect_code(0);
    assert_eq!(
        run.stderr(),
        format!(
            "logged out {USER} from {} (device {device} ended)\n",
            hs_url(&fed)
        )
    );
    assert_eq!(home.session(), None);
    assert!(!fed.sandbox.devices().contains_key(device));
    assert_eq!(
        bearers_on(&fed, "/_matrix/client/v3/logout"),
        [Some(format!("Bearer {token}"))]
    );
    // The next run has no homeserver and no token.
    let lookup = home.lookup(&[]);
    lookup.expect_code(2);
    assert!(
        lookup
            .stderr()
            .starts_with("error: no identity server to ask\n")
    );
    // And a second logout has nothing to end.
    let again = home.run(&["logout"], None);
    again.expect_code(0);
    assert!(again.stderr().starts_with("not logged in (no session in "));
}

#[test]
fn a_session_ended_elsewhere_asks_to_log_in_again_and_is_forgotten_by_logout() {
    let fed = federation(true, PASSWORD_ONLY);
    let home = Home::new();
    home.login(&fed, PASSWORD).expect_code(0);
    // Logging in again replaces the session, and ends the one before.
    let first = home.session().unwrap();
    home.login(&fed, PASSWORD).expect_code(0);
    let second = home.session().unwrap();
    assert_ne!(first["access_token"], second["access_token"]);
    let devices = fed.sandbox.devices();
    assert!(!devices.contains_key(first["device_id"].as_str().unwrap()));
    assert!(devices.contains_key(second["device_id"].as_str().unwrap()));
    // The kept session is ended behind mxlookup's back (by writing the
    // first one back: the homeserver no longer takes its token).
    let path = home.session_file();
    std::fs::write(&path, first.to_string()).unwrap();
    let url = fed.url("is.example:443");
    let run = home.lookup(&["-s", &url]);
    run.expect_code(2);
    let stderr = run.stderr();
    assert!(
        stderr.starts_with(&format!(
            "error: {} refused the token of your session ({USER}, logged in ",
            hs_url(&fed)
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("\nhint: run `mxlookup login {USER}` again")),
        "{stderr}"
    );
    // Nothing was asked of the identity server.
    assert!(fed.received("is.example:443").is_empty());
    // `unbind` asks the homeserver alone, and checks the session as well.
    let unbind = home.run(&["unbind", "email", "me@example.org"], None);
    unbind.expect_code(2);
    assert!(
        unbind
            .stderr()
            .contains(&format!("\nhint: run `mxlookup login {USER}` again")),
        "{}",
        unbind.describe()
    );
    let logout = home.run(&["logout"], None);
    logout.expect_code(0);
    assert!(
        logout.stderr().contains("had already ended"),
        "{}",
        logout.describe()
    );
    assert_eq!(home.session(), None);
}

#[test]
fn a_password_file_others_can_read_is_used_with_a_warning() {
    let fed = federation(true, PASSWORD_ONLY);
    let home = Home::new();
    let file = home.secret("password", &format!("{PASSWORD}\r\nsecond line\n"));
    set_mode(&file, 0o644);
    let resolve = format!("hs.example={}", fed.sandbox.homeserver_url());
    let run = home.run(
        &[
            "login",
            USER,
            "--resolve",
            &resolve,
            "--password-file",
            file.to_str().unwrap(),
            "--device-name",
            "laptop",
        ],
        None,
    );
    run.expect_code(0);
    assert!(
        run.stderr().starts_with(&format!(
            "warning: {} can be read by other users (mode 644): `chmod 600 ",
            file.display()
        )),
        "{}",
        run.describe()
    );
    let device = home.session().unwrap()["device_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(fed.sandbox.devices()[&device].as_deref(), Some("laptop"));
}

#[test]
fn a_server_that_is_no_homeserver_is_said_so() {
    // The user ID's server is an identity server: no well-known document,
    // and no login endpoint.
    let fed = federation(true, PASSWORD_ONLY);
    let home = Home::new();
    let resolve = format!("is.example={}", fed.url("is.example:443"));
    let run = home.run(
        &["login", "@me:is.example", "--resolve", &resolve],
        Some("x\n"),
    );
    run.expect_code(2);
    let stderr = run.stderr();
    assert!(
        stderr.starts_with(&format!(
            "error: {}: GET /_matrix/client/v3/login: HTTP 404",
            fed.url("is.example:443")
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("does not answer as a Matrix homeserver: pass the homeserver's URL with --homeserver URL"),
        "{stderr}"
    );
    assert_eq!(home.session(), None);
}
