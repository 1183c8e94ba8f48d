//! The configuration file, `MXLOOKUP_*` variables and flags: precedence,
//! `config show`, and errors naming the file.

use std::path::Path;

use serde_json::Value;

use crate::support::{Mx, mxlookup};

/// Writes `text` as the run's default config file (and `hs_token` next to it).
fn with_config(mx: &Mx, text: &str) {
    let path = mx.default_config();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    std::fs::write(path.with_file_name("hs_token"), "syt_do_not_print\n").unwrap();
}

const CONFIG: &str = r#"
servers = ["https://is.example"]
homeserver = "https://hs.example"
hs_token_file = "hs_token"
region = "FR"
format = "csv"
dav_password_file = "dav-password"
[policy]
max_depth = 1
deny = ["bad.example:443"]
"#;

/// Replaces the temporary home with `[HOME]`.
fn stable(text: &str, home: &Path) -> String {
    text.replace(&home.display().to_string(), "[HOME]")
}

/// A table with `[HOME]` in it, its columns aligned again.
fn realign(table: &str) -> String {
    let rows: Vec<Vec<&str>> = table
        .lines()
        .map(|l| {
            l.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect();
    let mut widths = Vec::new();
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            if widths.len() <= i {
                widths.push(0);
            }
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:w$}", w = widths[i]))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

#[test]
fn config_show_names_each_source() {
    let mx = mxlookup();
    with_config(&mx, CONFIG);
    let home = mx.default_config().ancestors().nth(3).unwrap().to_owned();
    let (code, stdout, stderr) = mx
        .env("MXLOOKUP_REGION", "US")
        .args(["config", "show", "--max-depth", "2"])
        .run();
    assert_eq!(code, 0, "{stderr}");
    assert!(!stdout.contains("syt_do_not_print"));
    insta::assert_snapshot!("config_show", realign(&stable(&stdout, &home)));
}

#[test]
fn config_show_json() {
    let mx = mxlookup();
    with_config(&mx, CONFIG);
    let (code, stdout, stderr) = mx
        .env("MXLOOKUP_SERVER", "https://one.example,https://two.example")
        .env("MXLOOKUP_DAV_USER", "alice")
        .args(["config", "show", "-f", "json", "--accept-terms"])
        .run();
    assert_eq!(code, 0, "{stderr}");
    assert!(!stdout.contains("syt_do_not_print"));
    let json: Value = serde_json::from_str(&stdout).unwrap();
    let s = &json["settings"];
    assert_eq!(
        s["servers"]["value"],
        serde_json::json!(["https://one.example", "https://two.example"])
    );
    assert_eq!(s["servers"]["source"], "env");
    assert_eq!(s["servers"]["from"], "MXLOOKUP_SERVER");
    assert_eq!(s["hs_token"]["value"], "(set)");
    assert_eq!(s["hs_token"]["source"], "file");
    assert_eq!(s["accept_terms"]["source"], "flag");
    assert_eq!(s["policy.server_budget"]["source"], "default");
    assert_eq!(s["policy.server_budget"]["value"], 16);
    assert_eq!(s["dav_user"]["value"], "alice");
    assert_eq!(s["dav_user"]["from"], "MXLOOKUP_DAV_USER");
    // Relative to the config file's folder, as the run reads it.
    let password_file = s["dav_password_file"]["value"].as_str().unwrap();
    assert!(password_file.ends_with("/config/mxlookup/dav-password"));
    assert_eq!(s["dav_password_file"]["source"], "file");
}

#[test]
fn the_file_is_used_by_commands_and_flags_win() {
    let mx = mxlookup();
    with_config(&mx, "region = \"FR\"\n");
    // The file's region reads a national number.
    let (code, stdout, stderr) = mx
        .args(["hash", "06 12 34 56 78", "--algorithm", "none"])
        .run();
    assert_eq!(
        (code, stdout.as_str()),
        (0, "33612345678 msisdn\n"),
        "{stderr}"
    );
    // A variable beats the file, and a flag the variable.
    let mx = mxlookup();
    with_config(&mx, "region = \"FR\"\n");
    let (_, stdout, _) = mx
        .env("MXLOOKUP_REGION", "GB")
        .args(["hash", "07400 123456", "--algorithm", "none"])
        .run();
    assert_eq!(stdout, "447400123456 msisdn\n");
    let mx = mxlookup();
    with_config(&mx, "region = \"FR\"\n");
    let (_, stdout, _) = mx
        .env("MXLOOKUP_REGION", "GB")
        .args(["hash", "06 12 34 56 78", "-r", "FR", "--algorithm", "none"])
        .run();
    assert_eq!(stdout, "33612345678 msisdn\n");
}

#[test]
fn lookup_format_from_the_file_and_offline_dry_runs_ignore_its_servers() {
    let mx = mxlookup();
    with_config(&mx, CONFIG);
    let (code, stdout, stderr) = mx
        .args([
            "lookup",
            "fixtures/friends.txt",
            "--dry-run",
            "--pepper",
            "p",
        ])
        .run();
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("contact,medium,address,status,mxid,via,mxids,input,reason\n"),
        "{stdout}"
    );
}

#[test]
fn an_explicit_config_file_must_exist() {
    let (code, stdout, stderr) = mxlookup()
        .args(["config", "show", "--config", "no/such/config.toml"])
        .run();
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert!(
        stderr.starts_with("error: cannot read config file no/such/config.toml: "),
        "{stderr}"
    );
    assert!(stderr.contains("\nhint: "), "{stderr}");
    // The same through the variable.
    let (code, _, _) = mxlookup()
        .env("MXLOOKUP_CONFIG", "no/such/config.toml")
        .args(["hash", "a@b.example", "--pepper", "p"])
        .run();
    assert_eq!(code, 2);
    // A missing default file is no error.
    let (code, _, stderr) = mxlookup().args(["config", "show"]).run();
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn a_bad_file_is_named_with_its_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mx.toml");
    std::fs::write(
        &path,
        "servers = [\"https://is.example\"]\nhs_token = \"syt_secret\"\n",
    )
    .unwrap();
    let (code, _, stderr) = mxlookup()
        .args(["lookup", "fixtures/friends.txt", "--config"])
        .args([&path])
        .run();
    assert_eq!(code, 2);
    let stderr = stable(&stderr, dir.path());
    assert!(!stderr.contains("syt_secret"), "{stderr}");
    insta::assert_snapshot!("config_unknown_key", stderr);
    std::fs::write(&path, "[policy]\nmax_depth = \"deep\"\n").unwrap();
    let (code, _, stderr) = mxlookup()
        .args(["config", "show", "--config"])
        .args([&path])
        .run();
    assert_eq!(code, 2);
    assert!(
        stderr.contains("mx.toml: line 2, column 13, key `max_depth`: invalid type"),
        "{stderr}"
    );
}

#[test]
fn the_sandbox_ignores_the_servers_and_tokens_of_the_file() {
    let mx = mxlookup();
    with_config(
        &mx,
        "servers = [\"http://127.0.0.1:9\"]\nhomeserver = \"http://127.0.0.1:9\"\nhs_token_file = \"hs_token\"\n[policy]\nallow = [\"elsewhere.example:443\"]\n",
    );
    let (code, stdout, stderr) = mx
        .env("MXLOOKUP_ACCESS_TOKEN", "not-for-the-sandbox")
        .args(["lookup", "fixtures/friends.txt", "--sandbox", "-f", "csv"])
        .run();
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains(",found,@alice:matrix.example,"), "{stdout}");
}

#[test]
fn config_show_names_each_tokens_server_and_never_the_token() {
    let mx = mxlookup();
    with_config(
        &mx,
        "servers = [\"https://a.example\", \"https://b.example\"]\n[access_token_files]\n\"https://a.example\" = \"hs_token\"\n",
    );
    // The file's tokens, each shown as `(set)` after its server.
    let (code, stdout, stderr) = mx.args(["config", "show", "-f", "json"]).run();
    assert_eq!(code, 0, "{stderr}");
    assert!(!stdout.contains("syt_do_not_print"), "{stdout}");
    let json: Value = serde_json::from_str(&stdout).unwrap();
    let shown = &json["settings"]["access_token"];
    assert_eq!(
        shown["value"],
        serde_json::json!(["https://a.example=(set)"])
    );
    assert_eq!(shown["source"], "file");
    // Flags replace them.
    let mx = mxlookup();
    with_config(
        &mx,
        "[access_token_files]\n\"https://a.example\" = \"hs_token\"\n",
    );
    let (code, stdout, stderr) = mx
        .args(["config", "show", "-f", "json"])
        .args(["--access-token", "https://b.example=mxs_flag_secret"])
        .args(["--access-token", "mxs_bare_secret"])
        .run();
    assert_eq!(code, 0, "{stderr}");
    assert!(!stdout.contains("secret"), "{stdout}");
    let json: Value = serde_json::from_str(&stdout).unwrap();
    let shown = &json["settings"]["access_token"];
    assert_eq!(
        shown["value"],
        serde_json::json!(["https://b.example=(set)", "(set)"])
    );
    assert_eq!(shown["source"], "flag");
}
