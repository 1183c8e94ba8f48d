//! The terminal: the table fits its width, `--help` wraps at it, and an
//! interrupted run leaves whole lines on stdout. stdout is never a terminal
//! here, so the width comes from `COLUMNS`, else the default of 80.

use unicode_width::UnicodeWidthChar;

use crate::common::saved_as;
use crate::support::mxlookup;

/// A name far longer than any column of an 80-column table.
const LONG_NAME: &str = "Maximilian Alexander Konstantin von Hohenzollern-Sigmaringen";

/// Cards with a long name, a name in wide (CJK) characters and a long address.
fn book() -> (tempfile::TempDir, String) {
    saved_as(
        "book.vcf",
        format!(
            "BEGIN:VCARD\nVERSION:3.0\nFN:{LONG_NAME}\nEMAIL:max@example.org\nEND:VCARD\n\
             BEGIN:VCARD\nVERSION:3.0\nFN:山田太郎と山田花子の家族の連絡先\n\
             EMAIL:yamada.family.contact.address@example.co.jp\nEND:VCARD\n"
        ),
    )
}

/// How many terminal columns `line` takes.
fn columns(line: &str) -> usize {
    line.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// The table of a dry run of `file` (offline), with `COLUMNS` as given.
fn table(file: &str, width: Option<&str>) -> String {
    let mut run = mxlookup().args(["lookup", file, "--dry-run", "--pepper", "p"]);
    if let Some(width) = width {
        run = run.env("COLUMNS", width);
    }
    let (code, stdout, stderr) = run.run();
    assert_eq!(code, 0, "{stderr}");
    stdout
}

#[test]
fn the_table_fits_80_columns_when_nothing_says_a_width() {
    let (_dir, file) = book();
    for width in [None, Some("80")] {
        let stdout = table(&file, width);
        assert_eq!(stdout.lines().count(), 3, "{stdout}");
        for line in stdout.lines() {
            assert!(columns(line) <= 80, "{} columns: {line}", columns(line));
            assert_eq!(line, line.trim_end(), "spaces at the end: {line:?}");
        }
        // SOURCE is left out rather than cut to a few characters.
        assert!(stdout.starts_with("CONTACT"), "{stdout}");
        assert!(!stdout.contains(LONG_NAME), "{stdout}");
        assert!(
            stdout.contains("Maximilian") && stdout.contains('…'),
            "{stdout}"
        );
        // The wide characters are cut whole, and the status shows whole.
        assert!(stdout.contains("山田"), "{stdout}");
        assert_eq!(stdout.matches("not_asked").count(), 2, "{stdout}");
    }
}

#[test]
fn the_table_takes_the_width_of_columns() {
    let (_dir, file) = book();
    let wide = table(&file, Some("250"));
    assert!(wide.contains(LONG_NAME), "{wide}");
    assert!(
        wide.contains("yamada.family.contact.address@example.co.jp"),
        "{wide}"
    );
    assert!(!wide.contains('…'), "{wide}");
    assert!(wide.lines().any(|l| columns(l) > 120), "{wide}");
    let narrow = table(&file, Some("50"));
    for line in narrow.lines() {
        assert!(columns(line) <= 50, "{} columns: {line}", columns(line));
    }
    assert!(narrow.starts_with("CONTACT"), "{narrow}");
    // With room for more than half of it, the source is shown, cut at its
    // start so that it keeps its line number.
    let middle = table(&file, Some("140"));
    assert!(middle.starts_with("SOURCE"), "{middle}");
    assert!(middle.lines().nth(1).unwrap().starts_with('…'), "{middle}");
    assert!(middle.contains(":4 "), "{middle}");
}

#[test]
fn the_readme_lookup_fits_80_columns_with_every_status_whole() {
    let (code, stdout, stderr) = mxlookup()
        .args(["lookup", "fixtures/contacts.vcf", "--sandbox"])
        .run();
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 15, "{stdout}");
    // VIA and SOURCE are left out; the Matrix IDs show whole.
    assert!(lines[0].starts_with("CONTACT"), "{stdout}");
    assert!(
        lines[0].contains("DETAIL") && !lines[0].contains("VIA"),
        "{stdout}"
    );
    assert!(stdout.contains("@alice:matrix.example\n"), "{stdout}");
    for line in &lines {
        assert!(columns(line) <= 80, "{} columns: {line}", columns(line));
    }
    for status in ["found", "not_found", "unfollowed", "invalid"] {
        let shown = lines
            .iter()
            .any(|l| l.split("  ").any(|c| c.trim() == status));
        assert!(shown, "no whole {status}: {stdout}");
    }
    assert!(
        stdout.contains("Alice Martin") && stdout.contains("alice@example.com"),
        "{stdout}"
    );
}

/// The `--help` of each command, as `mxlookup ARGS --help` prints it with
/// `COLUMNS` as given.
fn helps(width: &str) -> Vec<(String, String)> {
    let commands: [&[&str]; 9] = [
        &[],
        &["lookup"],
        &["trace"],
        &["push"],
        &["bind"],
        &["unbind"],
        &["hash"],
        &["config", "show"],
        &["manpage"],
    ];
    commands
        .iter()
        .map(|args| {
            let (code, stdout, stderr) = mxlookup()
                .args(*args)
                .arg("--help")
                .env("COLUMNS", width)
                .run();
            assert_eq!(code, 0, "{args:?}: {stderr}");
            (args.join(" "), stdout)
        })
        .collect()
}

#[test]
fn help_wraps_at_the_width_of_columns() {
    for (command, help) in helps("60") {
        // clap never wraps the usage line.
        for line in help.lines().filter(|l| !l.starts_with("Usage: ")) {
            assert!(
                columns(line) <= 60,
                "`{command} --help`, {} columns: {line}",
                columns(line)
            );
        }
    }
    // Paragraphs flow to the width: no break is left where the source
    // had one.
    let wide = helps("100");
    let (_, main) = &wide[0];
    let about = main.lines().next().unwrap();
    assert!(
        columns(about) > 80 && columns(about) <= 100,
        "the first line is not wrapped at 100: {about}"
    );
    let (_, lookup) = &wide[1];
    let which = lookup
        .lines()
        .find(|l| l.starts_with("  -s URL (or"))
        .unwrap();
    assert!(columns(which) > 80, "not wrapped at 100: {which}");
}

/// Whether some thread of process `pid` waits to write to a full pipe
/// (its wait channel says so; where the kernel hides it, once more than a
/// pipe's worth, 64 KiB, was written).
fn blocked_on_a_pipe(pid: u32) -> bool {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return false;
    };
    let mut hidden = false;
    for task in tasks.flatten() {
        match std::fs::read_to_string(task.path().join("wchan")) {
            Ok(wchan) if wchan.contains("pipe_write") => return true,
            Ok(wchan) if wchan.trim() == "0" => hidden = true,
            Ok(_) => {}
            Err(_) => hidden = true,
        }
    }
    let written = std::fs::read_to_string(format!("/proc/{pid}/io"))
        .ok()
        .and_then(|io| {
            io.lines()
                .find_map(|l| l.strip_prefix("wchar: ").map(|n| n.trim().parse::<u64>()))
        })
        .and_then(Result::ok);
    hidden && written.is_some_and(|w| w > 1 << 16)
}

#[test]
fn ctrl_c_leaves_stdout_on_a_whole_line_even_when_its_reader_lags() {
    // Megabytes of results to a pipe nobody reads yet: the run blocks
    // writing, mid-stream, and Ctrl-C comes then. The support harness
    // reads stdout as it comes, so this test runs the binary itself.
    let addresses: String = (0..20_000)
        .map(|i| format!("user{i}@example.org\n"))
        .collect();
    let (dir, book) = saved_as("book.txt", addresses);
    let home = dir.path().join("home");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_mxlookup"));
    for (key, _) in std::env::vars_os() {
        if key
            .to_string_lossy()
            .to_ascii_uppercase()
            .starts_with("MXLOOKUP_")
        {
            cmd.env_remove(key);
        }
    }
    let mut child = cmd
        .args([
            "lookup",
            &book,
            "--dry-run",
            "--pepper",
            "p",
            "-f",
            "ndjson",
        ])
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let started = std::time::Instant::now();
    while !blocked_on_a_pipe(pid) {
        if started.elapsed().as_secs() > 120 || child.try_wait().unwrap().is_some() {
            let _ = child.kill();
            panic!("the run never blocked on its stdout");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let killed = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let read = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            pipe.read_to_end(&mut bytes).unwrap();
            bytes
        })
    };
    // stdout is read only once the run has ended: until then the run
    // cannot write a byte more, so it surely ends mid-stream.
    let stderr = read(Box::new(child.stderr.take().unwrap()));
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed().as_secs() > 60 {
            let _ = child.kill();
            panic!("the run did not end on Ctrl-C");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let stdout = read(Box::new(child.stdout.take().unwrap())).join().unwrap();
    let stderr = stderr.join().unwrap();
    let stderr = String::from_utf8_lossy(&stderr);
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("\nerror: interrupted"), "{stderr}");
    assert!(stderr.contains("\nhint: "), "{stderr}");
    // Some results, every one whole, and stdout ends at the end of a line.
    assert!(stdout.len() > 1000, "{} bytes", stdout.len());
    assert_eq!(stdout.last(), Some(&b'\n'));
    let stdout = String::from_utf8(stdout).expect("whole characters");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines.len() < 20_000, "the run was not cut short");
    for line in lines {
        let result: serde_json::Value = serde_json::from_str(line).expect("a whole JSON line");
        assert_eq!(result["status"], "not_asked", "{line}");
    }
}

/// What the progress line is made of, as a walk tells it.
#[derive(Default)]
struct Counted {
    received: std::sync::atomic::AtomicUsize,
    answered: std::sync::atomic::AtomicUsize,
}

impl mxlookup::resolve::Reporter for Counted {
    fn warn(&self, _: &mxlookup::resolve::Warning) {}

    fn received(&self, count: usize) {
        self.received
            .fetch_add(count, std::sync::atomic::Ordering::Relaxed);
    }

    fn answered(&self, count: usize) {
        self.answered
            .fetch_add(count, std::sync::atomic::Ordering::Relaxed);
    }
}

#[test]
fn a_walk_tells_each_address_answered_once_and_counts_every_request_sent() {
    use mxlookup::identity::{AuthContext, HomeserverClient, Http, HttpSettings};
    use mxlookup::outcome::Address;
    use mxlookup::resolve::policy::{Policy, globs};
    use mxlookup::resolve::server::AskSettings;
    use mxlookup::resolve::walk::Server;
    use mxlookup::resolve::{ResolveSettings, Resolver};
    use mxlookup::threepid::Medium;
    use std::sync::Arc;
    use std::sync::atomic::Ordering;

    // The README's federation: direct finds, one and two hops, a loop, a
    // referral left unfollowed, an alternative pepper.
    let fed = crate::common::Fed::start(None);
    let sandbox = &fed.sandbox;
    let http = Http::new(
        HttpSettings {
            backoff: std::time::Duration::ZERO,
            ..HttpSettings::default()
        },
        None,
    )
    .unwrap();
    let homeserver = HomeserverClient::new(
        http.clone(),
        sandbox.homeserver_url(),
        sandbox.homeserver_token().to_owned(),
    );
    let names: Vec<String> = sandbox.resolve_map().into_iter().map(|(n, _)| n).collect();
    let policy = Policy {
        allow: Some(globs(&names).unwrap()),
        resolve: sandbox.resolve_map().into_iter().collect(),
        ..Policy::default()
    };
    let starts = sandbox
        .start_servers()
        .iter()
        .map(|s| Server {
            name: s.url.as_str().trim_end_matches('/').to_owned(),
            url: s.url.clone(),
            public_only: false,
        })
        .collect();
    let settings = ResolveSettings {
        starts,
        start_tokens: Vec::new(),
        policy,
        ask: AskSettings::default(),
        trace: false,
        limits: None,
    };
    let resolver = Resolver::new(
        http,
        Arc::new(AuthContext::new(Some(homeserver), None, false)),
        settings,
    );
    let email = |a: &str| Address {
        medium: Medium::Email,
        address: a.to_owned(),
    };
    let addresses = vec![
        email("alice@example.com"),
        email("chloe.bernard@federated.example"),
        email("dmitri@far.example"),
        email("elif@loop.example"),
        email("farah@elsewhere.example"),
        email("gustav.strauss@example.com"),
        email("nobody@example.org"),
    ];
    let count = addresses.len();
    let counted = Arc::new(Counted::default());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let resolution = runtime.block_on(resolver.resolve_all(addresses, counted.clone()));
    assert_eq!(resolution.outcomes.values().count(), count);
    assert_eq!(counted.received.load(Ordering::Relaxed), count);
    assert_eq!(counted.answered.load(Ordering::Relaxed), count);
    // Every request any server of the federation received from the
    // client, and only those, was counted as sent (the identity servers'
    // own calls to the homeserver's federation API, checking an OpenID
    // token, are theirs).
    let received: usize = names
        .iter()
        .map(String::as_str)
        .chain([mxlookup::sandbox::HOMESERVER])
        .flat_map(|server| sandbox.requests(server))
        .filter(|r| !r.path.starts_with("/_matrix/federation/"))
        .count();
    assert!(received > count, "{received} requests");
    assert_eq!(resolver.sent().get(), received as u64);
}
