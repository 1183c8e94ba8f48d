//! `mxlookup config show`: the settings in force and where each comes from.

use std::io::Write;

use serde_json::{Value, json};

use mxlookup::identity::HttpSettings;
use mxlookup::identity::discovery::Discovery;
use mxlookup::report::OutputFormat;
use mxlookup::threepid::Region;

use super::args::{ConfigShowArgs, TableOrJson};
use super::layers::{ConfigFile, Layers, NetworkLayer, Source, Sources};
use super::settings;
use crate::commands::connect::{discover_servers, http_client};
use crate::commands::{Completion, JobError, runtime};

/// Prints the effective settings with their sources; with no server
/// anywhere but a homeserver, the start servers a run would discover.
pub fn config_show(
    args: ConfigShowArgs,
    file: &ConfigFile,
    mut layers: Layers<'_>,
) -> Result<Completion, JobError> {
    let region = layers.region(&args.region);
    let mut net = layers.network(&args.network);
    let format = layers.lookup_format("lookup_format", args.lookup_format);
    let mut sources = layers.sources();
    if let Some(found) = discovered(&net)? {
        net.servers = found.servers;
        sources.insert("servers", Source::Discovered(found.url));
    }
    let rows = rows(file, &sources, values(&net, region, format));
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

/// The servers a run would discover, when none is named and a homeserver
/// is; a failure to discover them is a warning, not an error.
fn discovered(net: &NetworkLayer) -> Result<Option<Discovery>, JobError> {
    let Some(homeserver) = &net.homeserver else {
        return Ok(None);
    };
    if !net.servers.is_empty() || net.sandbox.is_some() {
        return Ok(None);
    }
    let http = settings::http(net)?;
    let runtime = runtime()?;
    match runtime.block_on(discover(&http, net, homeserver)) {
        Ok(found) => Ok(Some(found)),
        Err(e) => {
            eprintln!("warning: {e}");
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
    discover_servers(&client, &settings::homeserver_url(homeserver)?).await
}

/// One line of `config show`.
struct Shown {
    key: &'static str,
    value: Value,
    source: Source,
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
    std::iter::once(Shown {
        key: "config",
        value: config_file,
        source: file_source,
    })
    .chain(values.into_iter().map(|(key, value)| Shown {
        key,
        value,
        source: sources.get(key).cloned().unwrap_or(Source::Default),
    }))
    .collect()
}

/// Each setting's value, tokens as `(set)`.
fn values(
    net: &NetworkLayer,
    region: Option<Region>,
    format: Option<OutputFormat>,
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
            let mut entry = json!({ "value": r.value, "source": r.source.kind() });
            if let Some(detail) = r.source.detail() {
                entry["from"] = json!(detail);
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
        .map(|r| (r.key, text(&r.value), r.source.to_string()))
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
