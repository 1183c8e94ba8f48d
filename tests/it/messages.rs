//! What a user sees after the common mistakes, through the real binary:
//! the exit code, and on stderr an `error:` (or a summary) with a `hint:`
//! line saying what to do. Ports and temporary paths are made stable.

use crate::common::{Fed, stable_ports, text_book};
use crate::support::mxlookup;

/// stdout and stderr as one snapshot, ports and `dir` made stable; ndjson
/// results are shown as `address: status: reason`.
fn seen(stdout: &str, stderr: &str, dir: Option<&std::path::Path>) -> String {
    let results: String = stdout
        .lines()
        .map(|line| {
            let r: serde_json::Value = serde_json::from_str(line).expect("ndjson");
            format!(
                "{}: {}: {}\n",
                r["address"].as_str().unwrap_or("-"),
                r["status"].as_str().unwrap(),
                r["reason"].as_str().unwrap_or("-")
            )
        })
        .collect();
    let mut text = format!("--- results\n{results}--- stderr\n{stderr}");
    if let Some(dir) = dir {
        text = text.replace(&dir.display().to_string(), "[TMP]");
    }
    stable_ports(&text)
}

fn assert_hint(stderr: &str) {
    assert!(
        stderr.contains("\nhint: ") || stderr.starts_with("hint: "),
        "{stderr}"
    );
}

#[test]
fn no_server_configured() {
    let (code, stdout, stderr) = mxlookup().args(["lookup", "fixtures/friends.txt"]).run();
    assert_eq!(code, 2);
    assert_hint(&stderr);
    insta::assert_snapshot!("no_server", seen(&stdout, &stderr, None));
}

#[test]
fn unreachable_server() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (code, stdout, stderr) = mxlookup()
        .args([
            "lookup",
            "fixtures/v4.vcf",
            "-f",
            "ndjson",
            "--access-token",
            "t",
        ])
        .args(["-s", &format!("http://127.0.0.1:{port}")])
        .run_with_env(&[("MXLOOKUP_BACKOFF_MS", "0")]);
    assert_eq!(code, 1, "{stderr}");
    assert_hint(&stderr);
    assert!(stdout.contains("cannot connect"), "{stdout}");
    let stdout = regex::Regex::new(r"in \d+\.\ds")
        .unwrap()
        .replace_all(&stdout, "in [TIME]s");
    insta::assert_snapshot!("unreachable_server", seen(&stdout, &stderr, None));
    // trace says the same.
    let (code, _, trace_stderr) = mxlookup()
        .args(["trace", "ann@example.org", "--access-token", "t"])
        .args(["-s", &format!("http://127.0.0.1:{port}")])
        .run_with_env(&[("MXLOOKUP_BACKOFF_MS", "0")]);
    assert_eq!(code, 1);
    let hint = stderr.lines().find(|l| l.starts_with("hint: ")).unwrap();
    assert!(trace_stderr.contains(hint), "{trace_stderr}");
}

const ONE: &str = r#"
[[servers]]
name = "matrix.example:443"
start = true
pepper = "p"
associations = [{ medium = "email", address = "ann@example.org", mxid = "@ann:matrix.example" }]
"#;

#[test]
fn identity_server_token_refused() {
    let fed = Fed::start(Some(ONE));
    let (_dir, book) = text_book(["ann@example.org".to_owned()]);
    let (code, stdout, stderr) = mxlookup()
        .args([
            "lookup",
            &book,
            "-f",
            "ndjson",
            "--access-token",
            "not-a-token",
        ])
        .args(["-s", &fed.url("matrix.example:443")])
        .run_with_env(&[("MXLOOKUP_BACKOFF_MS", "0")]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.contains("HTTP 401 M_UNKNOWN_TOKEN"), "{stdout}");
    assert_hint(&stderr);
    insta::assert_snapshot!("is_token_refused", seen(&stdout, &stderr, None));
}

#[test]
fn homeserver_token_refused() {
    let fed = Fed::start(Some(ONE));
    let (_dir, book) = text_book(["ann@example.org".to_owned()]);
    let (code, stdout, stderr) = mxlookup()
        .args(["lookup", &book, "-f", "ndjson"])
        .args(["-s", &fed.url("matrix.example:443")])
        .args(["--homeserver", fed.sandbox.homeserver_url().as_str()])
        .args(["--hs-token", "syt_wrong"])
        .run_with_env(&[("MXLOOKUP_BACKOFF_MS", "0")]);
    assert_eq!(code, 1, "{stderr}");
    assert!(!stderr.contains("syt_wrong") && !stdout.contains("syt_wrong"));
    assert_hint(&stderr);
    insta::assert_snapshot!("hs_token_refused", seen(&stdout, &stderr, None));
}

const TERMS: &str = r#"
[[servers]]
name = "terms.example:443"
start = true
pepper = "p"
[servers.terms.privacy_policy]
version = "1.2"
en = { name = "Privacy Policy", url = "https://terms.example/privacy-1.2.html" }
"#;

#[test]
fn terms_not_accepted() {
    let fed = Fed::start(Some(TERMS));
    let (_dir, book) = text_book(["ann@example.org".to_owned()]);
    let (code, stdout, stderr) = mxlookup()
        .args(["lookup", &book, "-f", "ndjson"])
        .args(fed.args())
        .run_with_env(&[("MXLOOKUP_BACKOFF_MS", "0")]);
    assert_eq!(code, 1, "{stderr}");
    assert_hint(&stderr);
    assert!(stderr.contains("--accept-terms"), "{stderr}");
    insta::assert_snapshot!("terms_not_accepted", seen(&stdout, &stderr, None));
}

#[test]
fn unreadable_files() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.vcf");
    let folder = dir.path().join("books");
    std::fs::create_dir(&folder).unwrap();
    let mut cases = vec![("file_missing", missing), ("file_is_a_folder", folder)];
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let locked = dir.path().join("locked.vcf");
        std::fs::write(&locked, "ann@example.org\n").unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        // root reads it anyway: then there is no mistake to show.
        if std::fs::read(&locked).is_err() {
            cases.push(("file_not_permitted", locked));
        }
    }
    for (name, path) in cases {
        let (code, stdout, stderr) = mxlookup()
            .args(["lookup", "--dry-run", "--pepper", "p"])
            .args([&path])
            .run();
        assert_eq!(code, 2, "{name}: {stderr}");
        assert_hint(&stderr);
        insta::assert_snapshot!(name, seen(&stdout, &stderr, Some(dir.path())));
    }
}

#[test]
fn unknown_region() {
    let (code, stdout, stderr) = mxlookup()
        .args([
            "lookup",
            "fixtures/friends.txt",
            "--dry-run",
            "--pepper",
            "p",
        ])
        .args(["-r", "XX"])
        .run();
    assert_eq!(code, 2);
    assert_hint(&stderr);
    insta::assert_snapshot!("unknown_region", seen(&stdout, &stderr, None));
    // The same from the environment.
    let (code, _, stderr) = mxlookup()
        .env("MXLOOKUP_REGION", "XX")
        .args(["hash", "06 12 34 56 78", "--pepper", "p"])
        .run();
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown region `XX`"), "{stderr}");
    assert_hint(&stderr);
}

#[test]
fn help_documents_the_exit_codes() {
    for command in [
        &["--help"][..],
        &["lookup", "--help"],
        &["trace", "--help"],
        &["push", "--help"],
    ] {
        let (code, stdout, _) = mxlookup().args(command).run();
        assert_eq!(code, 0);
        assert!(
            stdout.contains("Exit codes:\n  0    ")
                && stdout.contains("\n  2    usage")
                && stdout.contains("\n  130  interrupted"),
            "{command:?}: {stdout}"
        );
    }
}

#[test]
fn unusable_inputs_with_a_server_set_stop_before_any_request() {
    // Every kind of unusable input, with real servers set: one error and
    // one hint each, exit 2, no panic text, and no request at any server.
    let fed = Fed::start(None);
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.vcf");
    std::fs::write(&empty, "").unwrap();
    let binary = dir.path().join("binary.vcf");
    std::fs::write(&binary, [0u8, 159, 146, 150, 0, 1, 2, 3, 255, 254]).unwrap();
    let missing = dir.path().join("missing.vcf");
    let inputs = [
        missing.display().to_string(),
        empty.display().to_string(),
        binary.display().to_string(),
        dir.path().display().to_string(),
    ];
    for input in &inputs {
        let (code, results, stderr) = fed.lookup(input, &[]);
        assert_eq!(code, 2, "{input}: {stderr}");
        assert!(results.is_empty(), "{input}: {results:?}");
        assert_eq!(stderr.matches("error: ").count(), 1, "{input}: {stderr}");
        assert_hint(&stderr);
        assert!(!stderr.contains("panicked"), "{input}: {stderr}");
        assert!(!stderr.contains("cancelled"), "{input}: {stderr}");
    }
    for server in fed.sandbox.start_servers() {
        assert!(
            fed.received(&server.name).is_empty(),
            "{} was asked something",
            server.name
        );
    }
}

#[test]
fn every_mistake_with_a_server_set_stops_before_any_request() {
    // Issue 14: each mistake of a run with real servers set is said as one
    // error and one hint, exit 2, no panic text, and no server (nor the
    // homeserver) receives anything.
    let fed = Fed::start(None);
    let (_book_dir, book) = text_book(["ann@example.org".to_owned()]);
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).display().to_string();
    std::fs::write(path("empty.vcf"), "").unwrap();
    std::fs::write(
        path("binary.vcf"),
        [0u8, 159, 146, 150, 0, 1, 2, 3, 255, 254],
    )
    .unwrap();
    std::fs::write(path("plain.txt"), "not a folder\n").unwrap();
    std::fs::create_dir(path("books")).unwrap();
    let start = fed.url("matrix.example:443");
    let other = fed.url("fed.example:443");
    let unknown = "https://unknown.example=mxs_secret_token".to_owned();
    let mut cases: Vec<(&str, String, Vec<String>)> = vec![
        ("misspelt file", path("contcats.vcf"), vec![]),
        ("a folder", path("books"), vec![]),
        ("an empty file", path("empty.vcf"), vec![]),
        ("a binary file", path("binary.vcf"), vec![]),
        (
            "-o in no folder",
            book.clone(),
            vec!["-o".into(), path("no/out.json")],
        ),
        (
            "-o under a file",
            book.clone(),
            vec!["-o".into(), path("plain.txt/out.json")],
        ),
        (
            "-o a folder",
            book.clone(),
            vec!["-o".into(), path("books")],
        ),
        (
            "two servers, one bare token",
            book.clone(),
            vec![
                "-s".into(),
                other,
                "--access-token".into(),
                "mxs_secret_token".into(),
            ],
        ),
        (
            "a token for no start server",
            book.clone(),
            vec!["--access-token".into(), unknown],
        ),
        (
            "a token with a space",
            book.clone(),
            vec!["--access-token".into(), format!("{start}=mxs_secret token")],
        ),
        (
            "a bad -s URL",
            book.clone(),
            vec!["-s".into(), "https//typo.example".into()],
        ),
    ];
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let locked = path("locked");
        std::fs::create_dir(&locked).unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
        // root writes there anyway: then there is no mistake to show.
        if std::fs::write(dir.path().join("locked/probe"), "").is_err() {
            let out = dir.path().join("locked/out.json").display().to_string();
            cases.push((
                "-o in a read-only folder",
                book.clone(),
                vec!["-o".into(), out],
            ));
        } else {
            println!(
                "note: running as root, a read-only folder does not stop writes: case skipped"
            );
        }
    }
    for (name, input, extra) in &cases {
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        let (code, results, stderr) = fed.lookup(input, &extra);
        assert_eq!(code, 2, "{name}: {stderr}");
        assert!(results.is_empty(), "{name}: {results:?}");
        assert_eq!(stderr.matches("error: ").count(), 1, "{name}: {stderr}");
        assert!(stderr.starts_with("error: "), "{name}: {stderr}");
        assert_hint(&stderr);
        for panic_text in ["panicked", "thread '", "cancelled", "RUST_BACKTRACE"] {
            assert!(!stderr.contains(panic_text), "{name}: {stderr}");
        }
        assert!(!stderr.contains("mxs_secret"), "{name}: {stderr}");
        let mut servers: Vec<String> = fed
            .sandbox
            .servers()
            .iter()
            .map(|s| s.name.clone())
            .collect();
        servers.push(mxlookup::sandbox::HOMESERVER.to_owned());
        for server in servers {
            assert!(
                fed.received(&server).is_empty(),
                "{name}: {server} was sent {:?}",
                fed.received(&server)
            );
        }
    }
    // Nothing was left beside the -o files refused.
    assert!(!dir.path().join("no").exists());
}

#[test]
fn the_file_of_o_is_replaced_only_by_a_complete_run() {
    let fed = Fed::start(Some(ONE));
    let (_book_dir, book) = text_book(["ann@example.org".to_owned()]);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.ndjson");
    std::fs::write(&out, "earlier results\n").unwrap();
    // A run stopped by a mistake leaves it as it was.
    let (code, _, stderr) = fed.lookup(&book, &["-o", out.to_str().unwrap(), "-s", "nope"]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "earlier results\n");
    // A complete run replaces it, and leaves nothing beside it.
    let (code, results, stderr) = fed.lookup(&book, &["-o", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(results.is_empty(), "results went to stdout: {results:?}");
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(written.contains("@ann:matrix.example"), "{written}");
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(files.len(), 1, "{files:?}");
}

#[test]
fn ctrl_c_leaves_the_file_of_o_as_it_was_and_says_so() {
    // Each lookup takes 30 s here: the run is surely under way, waiting on
    // the server, when Ctrl-C comes.
    let slow = ONE.replace("start = true", "start = true\nlatency_ms = 30000");
    let fed = Fed::start(Some(&slow));
    let (_book_dir, book) = text_book(["ann@example.org".to_owned()]);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.csv");
    std::fs::write(&out, "earlier results\n").unwrap();
    let run = mxlookup()
        .args(["lookup", &book, "-f", "csv", "-o", out.to_str().unwrap()])
        .args(fed.args())
        .spawn();
    // The temporary file appears beside it before the first request, and
    // the lookup then waits on the server.
    let started = std::time::Instant::now();
    while std::fs::read_dir(dir.path()).unwrap().count() < 2
        || fed.received("matrix.example:443").is_empty()
    {
        assert!(started.elapsed().as_secs() < 60, "the run never started");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    run.interrupt();
    let ended = run.wait();
    let stderr = ended.stderr();
    assert_eq!(ended.code, Some(130), "{stderr}");
    assert!(stderr.contains("error: interrupted"), "{stderr}");
    assert!(stderr.contains("hint: nothing was written"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "earlier results\n");
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(files.len(), 1, "a file was left beside it: {files:?}");
}
