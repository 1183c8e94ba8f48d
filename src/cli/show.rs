//! `mxlookup config show`: the settings in force and where each comes from.

use std::io::Write;
use std::path::PathBuf;

use serde_json::{Value, json};

use mxlookup::identity::discovery::Discovery;
use mxlookup::identity::{HomeserverClient, HttpSettings};
use mxlookup::report::OutputFormat;
use mxlookup::threepid::Region;

use super::args::{ConfigShowArgs, TableOrJson};
use super::layers::{ConfigFile, Layers, NetworkLayer, Source, Sources};
use super::settings;
use crate::commands::connect::{discover_servers, http_client};
use crate::commands::{Completion, JobError, runtime};

/// Prints the effective settings with their sources. With no server
/// anywhere but a homeserver, the start servers are the homeserver's to
/// say at run time: offline, `config show` says so; with `--discover` it
/// asks now (the user's `m.identity_server` account data, else the
/// well-known document) and shows what a run would use.
pub fn config_show(
    args: ConfigShowArgs,
    file: &ConfigFile,
    mut layers: Layers<'_>,
) -> Result<Completion, JobError> {
    let region = layers.region(&args.region);
    let mut net = layers.network(&args.network);
    let format = layers.lookup_format("lookup_format", args.lookup_format);
    let dav = (layers.dav_user(args.dav_user), layers.dav_password_file());
    let mut sources = layers.sources();
    let from_homeserver = match &net.homeserver {
        Some(hs) if net.servers.is_empty() && net.sandbox.is_none() => Some(hs.clone()),
        _ => None,
    };
    let mut later = None;
    if let Some(homeserver) = from_homeserver {
        if args.discover {
            if let Some(found) = discovered(&net, &homeserver)? {
                net.servers = found.servers;
                sources.insert("servers", Source::Discovered(found.url));
            }
        } else {
            later = Some(at_run_time(&homeserver));
        }
    }
    let mut rows = rows(file, &sources, values(&net, region, format, dav));
    if let Some(from) = later
        && let Some(row) = rows.iter_mut().find(|r| r.key == "servers")
    {
        row.kind = "homeserver";
        row.from = Some(from);
    }
    let mut out = std::io::stdout().lock();
    let written = match args.format {
        TableOrJson::Json => write_json(&mut out, rows),
        TableOrJson::Table => write_table(&mut out, &rows),
    };
    written.map_err(|source| JobError::Output {
        target: "stdout".to_owned(),
        source,
    })?;
    Ok(Completion::Complete)
}

/// Where a run finds its servers, said without asking.
fn at_run_time(homeserver: &str) -> String {
    format!(
        "at run time: your m.identity_server account data on {}, else its /.well-known/matrix/client (`config show --discover` asks now)",
        homeserver.trim_end_matches('/')
    )
}

/// The servers a run would use, asked now; a failure to find them is a
/// warning (with its hint), not an error.
fn discovered(net: &NetworkLayer, homeserver: &str) -> Result<Option<Discovery>, JobError> {
    let http = settings::http(net)?;
    let runtime = runtime()?;
    match runtime.block_on(discover(&http, net, homeserver)) {
        Ok(found) => Ok(Some(found)),
        Err(e) => {
            eprintln!("warning: {e}");
            if let Some(hint) = e.hint() {
                eprintln!("hint: {hint}");
            }
            Ok(None)
        }
    }
}

async fn discover(
    http: &HttpSettings,
    net: &NetworkLayer,
    homeserver: &str,
) -> Result<Discovery, JobError> {
    let client = http_client(http, net.ca_cert.as_deref())?;
    let url = settings::homeserver_url(homeserver)?;
    let account = net
        .hs_token
        .as_ref()
        .map(|token| HomeserverClient::new(client.clone(), url.clone(), token.clone()));
    discover_servers(&client, &url, account.as_ref()).await
}

/// One line of `config show`: its source as a kind (`flag`, `file`…) and
/// where, when there is more to say.
struct Shown {
    key: &'static str,
    value: Value,
    kind: &'static str,
    from: Option<String>,
}

impl Shown {
    fn new(key: &'static str, value: Value, source: &Source) -> Shown {
        Shown {
            key,
            value,
            kind: source.kind(),
            from: source.detail(),
        }
    }

    /// `KIND FROM`, as the table shows it.
    fn source(&self) -> String {
        match &self.from {
            Some(from) => format!("{} {from}", self.kind),
            None => self.kind.to_owned(),
        }
    }
}

/// The file in force first, then each setting with its source.
fn rows(file: &ConfigFile, sources: &Sources, values: Vec<(&'static str, Value)>) -> Vec<Shown> {
    let config_file = match (&file.path, &file.loaded) {
        (Some((p, _)), Some(_)) => json!(p.display().to_string()),
        (Some((p, _)), None) => json!(format!("{} (absent)", p.display())),
        (None, _) => Value::Null,
    };
    let file_source = file
        .path
        .as_ref()
        .map_or(Source::Default, |(_, s)| s.clone());
    std::iter::once(Shown::new("config", config_file, &file_source))
        .chain(values.into_iter().map(|(key, value)| {
            Shown::new(key, value, sources.get(key).unwrap_or(&Source::Default))
        }))
        .collect()
}

/// Each setting's value, tokens as `(set)`.
fn values(
    net: &NetworkLayer,
    region: Option<Region>,
    format: Option<OutputFormat>,
    (dav_user, dav_password_file): (Option<String>, Option<PathBuf>),
) -> Vec<(&'static str, Value)> {
    let secret = |v: &Option<String>| match v {
        Some(_) => json!("(set)"),
        None => Value::Null,
    };
    let resolve: Vec<String> = net
        .resolve
        .iter()
        .map(|(n, u)| format!("{n}={u}"))
        .collect();
    vec![
        ("servers", json!(net.servers)),
        ("homeserver", json!(net.homeserver)),
        ("hs_token", secret(&net.hs_token)),
        ("access_token", access_tokens(net)),
        ("region", json!(region.map(|r| r.to_string()))),
        ("format", json!(format.unwrap_or(OutputFormat::Table))),
        ("timeout", json!(net.timeout)),
        ("max_wait", json!(net.max_wait)),
        (
            "ca_cert",
            json!(net.ca_cert.as_deref().map(|p| p.display().to_string())),
        ),
        ("accept_terms", json!(net.accept_terms)),
        ("allow_plaintext", json!(net.allow_plaintext)),
        ("policy.max_depth", json!(net.max_depth)),
        ("policy.server_budget", json!(net.server_budget)),
        ("policy.allow", json!(net.allow)),
        ("policy.deny", json!(net.deny)),
        ("resolve", json!(resolve)),
        ("dav_user", json!(dav_user)),
        (
            "dav_password_file",
            json!(dav_password_file.map(|p| p.display().to_string())),
        ),
    ]
}

/// The tokens given, each as `(set)` after the server it names, if any.
fn access_tokens(net: &NetworkLayer) -> Value {
    let shown: Vec<String> = net
        .access_tokens
        .iter()
        .map(|t| {
            let named = t.server.as_deref().or_else(|| {
                let (url, _) = t.text.split_once('=')?;
                url.contains("://").then_some(url)
            });
            match named {
                Some(url) => format!("{url}=(set)"),
                None => "(set)".to_owned(),
            }
        })
        .collect();
    json!(shown)
}

/// `{"settings": {KEY: {"value", "source", "from"?}}}`.
fn write_json(out: &mut impl Write, rows: Vec<Shown>) -> std::io::Result<()> {
    let settings: serde_json::Map<String, Value> = rows
        .into_iter()
        .map(|r| {
            let mut entry = json!({ "value": r.value, "source": r.kind });
            if let Some(from) = r.from {
                entry["from"] = json!(from);
            }
            (r.key.to_owned(), entry)
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &json!({ "settings": settings }))?;
    writeln!(out)
}

/// KEY, VALUE, SOURCE in aligned columns.
fn write_table(out: &mut impl Write, rows: &[Shown]) -> std::io::Result<()> {
    let text = |v: &Value| match v {
        Value::Null => "-".to_owned(),
        Value::String(s) => mxlookup::sanitize::for_terminal(s).into_owned(),
        Value::Array(items) if items.is_empty() => "-".to_owned(),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
            .map(|i| mxlookup::sanitize::for_terminal(&i).into_owned())
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    };
    let cells: Vec<(&str, String, String)> = rows
        .iter()
        .map(|r| (r.key, text(&r.value), r.source()))
        .collect();
    let w0 = cells.iter().map(|c| c.0.len()).max().unwrap_or(0);
    let w1 = cells
        .iter()
        .map(|c| c.1.chars().count())
        .max()
        .unwrap_or(0)
        .max("VALUE".len());
    writeln!(out, "{:w0$}  {:w1$}  SOURCE", "KEY", "VALUE")?;
    for (k, v, s) in cells {
        writeln!(
            out,
            "{k:w0$}  {v:w1$}  {}",
            mxlookup::sanitize::for_terminal(&s)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn each_row_says_its_source_and_the_file_comes_first() {
        let file = ConfigFile {
            loaded: None,
            path: Some((
                PathBuf::from("/home/me/mx.toml"),
                Source::Env("MXLOOKUP_CONFIG"),
            )),
        };
        let mut sources = Sources::new();
        sources.insert(
            "servers",
            Source::Discovered("https://hs.example/.well-known/matrix/client".to_owned()),
        );
        sources.insert("region", Source::Flag);
        let values = vec![
            ("servers", json!(["https://is.example"])),
            ("region", json!("FR")),
            ("timeout", json!(30.0)),
        ];
        let rows = rows(&file, &sources, values);
        let mut table = Vec::new();
        write_table(&mut table, &rows).unwrap();
        assert_eq!(
            String::from_utf8(table).unwrap(),
            "\
KEY      VALUE                      SOURCE
config   /home/me/mx.toml (absent)  env MXLOOKUP_CONFIG
servers  https://is.example         discovered https://hs.example/.well-known/matrix/client
region   FR                         flag
timeout  30.0                       default
"
        );
        let mut json = Vec::new();
        write_json(&mut json, rows).unwrap();
        let json: Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(json["settings"]["servers"]["source"], "discovered");
        assert_eq!(json["settings"]["config"]["from"], "MXLOOKUP_CONFIG");
        assert_eq!(json["settings"]["timeout"]["source"], "default");
        assert!(json["settings"]["timeout"].get("from").is_none());
    }
}
