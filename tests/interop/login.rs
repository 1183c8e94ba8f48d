//! `mxlookup login` and `logout` against the suite's Synapse: a password
//! login (`m.login.password`), the session kept (0600) and used by a lookup
//! given no `--hs-token` (sydent registers the session's user through
//! Synapse's OpenID), and `logout`, after which Synapse refuses the token.
//! Each test has a Synapse user of its own.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::contacts::{CONTACTS, assert_contacts_answered, seed_contacts};
use crate::home::{Home, Run};
use crate::servers::{Interop, interop, post_json};
use crate::sydent::{Sydent, SydentOptions};

/// A user of this test with a password: (its Matrix ID, the password).
fn user(interop: &Interop, local: &str) -> (String, String) {
    let password = format!("pw-{}", fastrand::u64(..));
    let local = format!("{local}-{}", fastrand::u32(..));
    let (id, _) = interop.new_user_with_password(&local, &password);
    (id, password)
}

fn session_file(home: &Home) -> PathBuf {
    home.token_cache().with_file_name("session.json")
}

fn session(home: &Home) -> Option<Value> {
    let text = std::fs::read_to_string(session_file(home)).ok()?;
    Some(serde_json::from_str(&text).expect("session.json is JSON"))
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// `mxlookup login USER --homeserver URL --password-file FILE`.
fn login(interop: &Interop, home: &Home, user_id: &str, password: &str) -> Run {
    let file = home.write("password", &format!("{password}\n"));
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    home.run(&[
        "login",
        user_id,
        "--homeserver",
        &interop.hs_url,
        "--password-file",
        file.to_str().unwrap(),
    ])
}

#[test]
fn a_kept_session_serves_a_lookup_and_logout_ends_it_on_synapse() {
    let interop = interop();
    let (user_id, password) = user(interop, "login");
    let home = Home::new();

    let run = login(interop, &home, &user_id, &password);
    run.expect_code(0);
    let kept = session(&home).expect("a session kept");
    let token = kept["access_token"].as_str().unwrap().to_owned();
    let device = kept["device_id"].as_str().unwrap().to_owned();
    assert_eq!(kept["user_id"], user_id.as_str());
    assert_eq!(kept["homeserver"], interop.hs_url.as_str());
    assert_eq!(mode(&session_file(&home)), 0o600);
    assert_eq!(
        run.stderr(),
        format!(
            "logged in as {user_id} on {} (device {device})\n",
            interop.hs_url
        )
    );
    assert!(!run.stderr().contains(&token) && !run.stderr().contains(&password));

    // Synapse takes the token, and the device has mxlookup's name.
    let devices = crate::servers::block_on(async {
        crate::servers::http()
            .get(format!("{}/_matrix/client/v3/devices", interop.hs_url))
            .bearer_auth(&token)
            .send()
            .await
            .expect("GET devices")
            .json::<Value>()
            .await
            .expect("devices JSON")
    });
    let named: Vec<&Value> = devices["devices"]
        .as_array()
        .expect("devices")
        .iter()
        .filter(|d| d["device_id"] == device.as_str())
        .collect();
    assert_eq!(named.len(), 1, "{devices}");
    assert_eq!(named[0]["display_name"], "mxlookup");

    // A lookup with no --homeserver and no --hs-token: sydent registers the
    // session's user through Synapse's OpenID, and finds the contacts.
    let sydent = Sydent::start(interop, SydentOptions::default());
    seed_contacts(interop, &sydent);
    let book = home.write("contacts.vcf", CONTACTS);
    let lookup = home.run(&[
        "lookup",
        book.to_str().unwrap(),
        "-s",
        &sydent.url,
        "-r",
        "FR",
        "-f",
        "ndjson",
    ]);
    assert_contacts_answered(interop, &lookup, &[&sydent.url]);
    let accounts = sydent.sql("SELECT user_id FROM accounts", &[]);
    assert_eq!(accounts, vec![vec![json!(user_id)]]);
    assert!(!lookup.stderr().contains(&token));

    // config show says where the token comes from, not what it is.
    let shown = home.run(&["config", "show", "-f", "json"]);
    shown.expect_code(0);
    let hs_token = &shown.json()["settings"]["hs_token"];
    assert_eq!(hs_token["source"], "session", "{hs_token}");
    assert!(
        hs_token["from"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{user_id}, logged in ")),
        "{hs_token}"
    );
    assert!(!shown.stdout().contains(&token));

    // logout ends the session on Synapse, which then refuses the token.
    let out = home.run(&["logout"]);
    out.expect_code(0);
    assert_eq!(
        out.stderr(),
        format!(
            "logged out {user_id} from {} (device {device} ended)\n",
            interop.hs_url
        )
    );
    assert_eq!(session(&home), None);
    let logout = format!("{}/_matrix/client/v3/logout", interop.hs_url);
    let (status, answer) = post_json(&logout, &token, &json!({}));
    assert_eq!(
        (status, &answer["errcode"]),
        (401, &json!("M_UNKNOWN_TOKEN"))
    );
}

#[test]
fn a_wrong_password_is_refused_and_a_second_login_replaces_the_first() {
    let interop = interop();
    let (user_id, password) = user(interop, "relogin");
    let home = Home::new();

    let wrong = login(interop, &home, &user_id, "not-the-password");
    wrong.expect_code(2);
    assert_eq!(
        wrong.stderr().lines().next().unwrap(),
        format!("error: {}: wrong user ID or password", interop.hs_url)
    );
    assert_eq!(session(&home), None);

    login(interop, &home, &user_id, &password).expect_code(0);
    let first = session(&home).unwrap();
    login(interop, &home, &user_id, &password).expect_code(0);
    let second = session(&home).unwrap();
    assert_ne!(first["device_id"], second["device_id"]);
    // The first session was ended on Synapse by the second login.
    let first_token = first["access_token"].as_str().unwrap();
    let url = format!("{}/_matrix/client/v3/logout", interop.hs_url);
    let (status, _) = post_json(&url, first_token, &json!({}));
    assert_eq!(status, 401, "the replaced session is still live");
    // The second one is ended by logout.
    home.run(&["logout"]).expect_code(0);
    let (status, _) = post_json(&url, second["access_token"].as_str().unwrap(), &json!({}));
    assert_eq!(status, 401);
}

/// With no `--homeserver`, the user ID's server name (here reached through
/// `--resolve`): Synapse serves no `/.well-known/matrix/client` unless told
/// to, so the server name is the homeserver. The password file is left
/// readable by others, which is said.
#[test]
fn the_homeserver_is_found_from_the_user_id() {
    let interop = interop();
    let (user_id, password) = user(interop, "found");
    let home = Home::new();
    let file = home.write("password", &format!("{password}\n"));
    let resolve = format!("{}={}", interop.hs_server_name, interop.hs_url);
    let run = home.run(&[
        "login",
        &user_id,
        "--resolve",
        &resolve,
        "--password-file",
        file.to_str().unwrap(),
        "-v",
    ]);
    run.expect_code(0);
    let stderr = run.stderr();
    assert!(
        stderr.contains(&format!(
            "homeserver {} (the server name: no /.well-known/matrix/client)\n",
            interop.hs_url
        )),
        "{stderr}"
    );
    assert!(
        stderr.starts_with(&format!(
            "warning: {} can be read by other users",
            file.display()
        )),
        "{stderr}"
    );
    assert_eq!(
        session(&home).unwrap()["homeserver"],
        interop.hs_url.as_str()
    );
    home.run(&["logout"]).expect_code(0);
}
