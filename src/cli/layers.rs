//! Where each setting comes from: flags, then `MXLOOKUP_*` variables (both
//! through clap, which says which via `ArgMatches::value_source`), then the
//! configuration file, then the defaults. Fills the parsed arguments with the
//! file's values where neither a flag nor a variable gave one, and records
//! the source of each setting for `mxlookup config show`.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::path::PathBuf;

use clap::ArgMatches;
use clap::parser::ValueSource;
use serde_json::{Value, json};

use super::args::{Cli, Command, ConfigCommand, ConfigShowArgs, NetworkArgs, RegionArg};
use super::config_file::{self, ConfigError, Loaded};

/// Where a setting's value comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A command-line flag.
    Flag,
    /// An environment variable.
    Env(&'static str),
    /// The configuration file.
    File(PathBuf),
    /// mxlookup's default.
    Default,
    /// Found at run time, at this URL.
    Discovered(String),
}

impl Source {
    fn kind(&self) -> &'static str {
        match self {
            Source::Flag => "flag",
            Source::Env(_) => "env",
            Source::File(_) => "file",
            Source::Default => "default",
            Source::Discovered(_) => "discovered",
        }
    }

    fn detail(&self) -> Option<String> {
        match self {
            Source::Env(name) => Some((*name).to_owned()),
            Source::File(path) => Some(path.display().to_string()),
            Source::Discovered(url) => Some(url.clone()),
            Source::Flag | Source::Default => None,
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.detail() {
            Some(detail) => write!(f, "{} {detail}", self.kind()),
            None => f.write_str(self.kind()),
        }
    }
}

/// The configuration file in force, if any, and where it was named.
pub struct ConfigFile {
    /// The file, loaded.
    pub loaded: Option<Loaded>,
    /// Its path (even when the default one does not exist) and its source.
    pub path: Option<(PathBuf, Source)>,
}

impl ConfigFile {
    /// Loads `--config`/`MXLOOKUP_CONFIG` (which must exist), else the
    /// default file (which need not).
    pub fn load(cli: &Cli, matches: &ArgMatches) -> Result<ConfigFile, ConfigError> {
        if let Some(path) = &cli.config {
            let source = match matches.value_source("config") {
                Some(ValueSource::EnvVariable) => Source::Env("MXLOOKUP_CONFIG"),
                _ => Source::Flag,
            };
            return Ok(ConfigFile {
                loaded: Some(Loaded::load(path)?),
                path: Some((path.clone(), source)),
            });
        }
        Ok(ConfigFile {
            loaded: Loaded::load_default()?,
            path: config_file::default_path().map(|p| (p, Source::Default)),
        })
    }
}

/// The source of each setting, by its config-file key.
pub type Sources = BTreeMap<&'static str, Source>;

/// Fills what flags and variables left unset from the file, for the
/// commands that read settings; returns where each setting came from.
pub fn apply(cli: &mut Cli, matches: &ArgMatches, file: &ConfigFile) -> Sources {
    let Some((_, sub)) = matches.subcommand() else {
        return Sources::new();
    };
    let mut layer = Layer {
        file: file.loaded.as_ref(),
        sources: Sources::new(),
    };
    match &mut cli.command {
        Command::Lookup(args) => {
            layer.region(sub, &mut args.region);
            layer.network(sub, &mut args.network);
            // `--dry-run --pepper P` works offline: servers from a variable
            // or the file are defaults for runs that ask servers, not this one.
            if args.pepper.is_some() && layer.sources.get("servers") != Some(&Source::Flag) {
                args.network.servers.clear();
                layer.sources.insert("servers", Source::Default);
            }
            let from_file = layer.file.and_then(|f| f.file.format);
            layer.pick(
                sub,
                "format",
                Some("MXLOOKUP_FORMAT"),
                &mut args.format,
                from_file.map(Some),
            );
        }
        Command::Trace(args) => {
            layer.region(sub, &mut args.region);
            layer.network(sub, &mut args.network);
        }
        Command::Push(args) => {
            layer.region(sub, &mut args.region);
            layer.network(sub, &mut args.network);
        }
        Command::Bind(args) => {
            layer.region(sub, &mut args.region);
            layer.network(sub, &mut args.network);
        }
        Command::Unbind(args) => {
            layer.region(sub, &mut args.region);
            layer.network(sub, &mut args.network);
        }
        Command::Hash(args) => layer.region(sub, &mut args.region),
        Command::Config(ConfigCommand::Show(args)) => {
            let sub = sub.subcommand().map_or(sub, |(_, m)| m);
            layer.region(sub, &mut args.region);
            layer.network(sub, &mut args.network);
            let from_file = layer.file.and_then(|f| f.file.format);
            layer.pick_as(
                sub,
                "format",
                "lookup_format",
                Some("MXLOOKUP_FORMAT"),
                &mut args.lookup_format,
                from_file.map(Some),
            );
        }
        _ => {}
    }
    layer.sources
}

struct Layer<'a> {
    file: Option<&'a Loaded>,
    sources: Sources,
}

impl Layer<'_> {
    /// Records where `key` (the clap id `key` too) came from, taking the
    /// file's value when neither a flag nor a variable gave one.
    fn pick<T>(
        &mut self,
        m: &ArgMatches,
        key: &'static str,
        env: Option<&'static str>,
        slot: &mut T,
        from_file: Option<T>,
    ) {
        self.pick_as(m, key, key, env, slot, from_file);
    }

    fn pick_as<T>(
        &mut self,
        m: &ArgMatches,
        key: &'static str,
        id: &str,
        env: Option<&'static str>,
        slot: &mut T,
        from_file: Option<T>,
    ) {
        let source = match (m.value_source(id), env) {
            (Some(ValueSource::CommandLine), _) => Source::Flag,
            (Some(ValueSource::EnvVariable), Some(env)) => Source::Env(env),
            _ => match (from_file, self.file) {
                (Some(value), Some(file)) => {
                    *slot = value;
                    Source::File(file.path.clone())
                }
                _ => Source::Default,
            },
        };
        self.sources.insert(key, source);
    }

    fn region(&mut self, m: &ArgMatches, region: &mut RegionArg) {
        let from_file = self.file.and_then(|f| f.file.region).map(Some);
        self.pick(
            m,
            "region",
            Some("MXLOOKUP_REGION"),
            &mut region.region,
            from_file,
        );
    }

    fn network(&mut self, m: &ArgMatches, net: &mut NetworkArgs) {
        self.network_layers(m, net);
        if net.sandbox {
            self.leave_for_sandbox(net);
        }
    }

    /// `--sandbox` brings its own servers, homeserver and tokens: those of a
    /// variable or the file (meant for real servers) are left out; flags stay.
    fn leave_for_sandbox(&mut self, net: &mut NetworkArgs) {
        let mut ambient = |key: &'static str| {
            let source = self.sources.entry(key).or_insert(Source::Default);
            let from_elsewhere = matches!(source, Source::Env(_) | Source::File(_));
            if from_elsewhere {
                *source = Source::Default;
            }
            from_elsewhere
        };
        if ambient("servers") {
            net.servers.clear();
        }
        if ambient("homeserver") {
            net.homeserver = None;
        }
        if ambient("hs_token") {
            net.hs_token = None;
        }
        if ambient("access_token") {
            net.access_token = None;
        }
        if ambient("policy.allow") {
            net.allow.clear();
        }
    }

    fn network_layers(&mut self, m: &ArgMatches, net: &mut NetworkArgs) {
        let file = self.file.map(|f| &f.file);
        let list = |v: Option<&Vec<String>>| v.filter(|v| !v.is_empty()).cloned();
        self.pick_as(
            m,
            "servers",
            "servers",
            Some("MXLOOKUP_SERVER"),
            &mut net.servers,
            list(file.map(|f| &f.servers)),
        );
        self.pick(
            m,
            "homeserver",
            Some("MXLOOKUP_HOMESERVER"),
            &mut net.homeserver,
            file.and_then(|f| f.homeserver.clone()).map(Some),
        );
        let hs_token = self.file.and_then(|f| f.hs_token.clone()).map(Some);
        self.pick(
            m,
            "hs_token",
            Some("MXLOOKUP_HS_TOKEN"),
            &mut net.hs_token,
            hs_token,
        );
        let access_token = self.file.and_then(|f| f.access_token.clone()).map(Some);
        self.pick(
            m,
            "access_token",
            Some("MXLOOKUP_ACCESS_TOKEN"),
            &mut net.access_token,
            access_token,
        );
        self.pick(
            m,
            "ca_cert",
            Some("MXLOOKUP_CA_CERT"),
            &mut net.ca_cert,
            file.and_then(|f| f.ca_cert.clone()).map(Some),
        );
        self.pick(
            m,
            "timeout",
            Some("MXLOOKUP_TIMEOUT"),
            &mut net.timeout,
            file.and_then(|f| f.timeout),
        );
        self.pick(
            m,
            "accept_terms",
            None,
            &mut net.accept_terms,
            file.and_then(|f| f.accept_terms),
        );
        self.pick(
            m,
            "allow_plaintext",
            None,
            &mut net.allow_plaintext,
            file.and_then(|f| f.allow_plaintext),
        );
        let resolve = file
            .filter(|f| !f.resolve.is_empty())
            .map(|f| f.resolve.clone().into_iter().collect());
        self.pick(m, "resolve", None, &mut net.resolve, resolve);
        // `--no-follow` is `--max-depth 0`: a flag beats the file's depth.
        if net.no_follow {
            self.sources.insert("policy.max_depth", Source::Flag);
        } else {
            self.pick_as(
                m,
                "policy.max_depth",
                "max_depth",
                Some("MXLOOKUP_MAX_DEPTH"),
                &mut net.max_depth,
                file.and_then(|f| f.policy.max_depth),
            );
        }
        self.pick_as(
            m,
            "policy.server_budget",
            "server_budget",
            Some("MXLOOKUP_SERVER_BUDGET"),
            &mut net.server_budget,
            file.and_then(|f| f.policy.server_budget),
        );
        self.pick_as(
            m,
            "policy.allow",
            "allow",
            Some("MXLOOKUP_ALLOW_SERVER"),
            &mut net.allow,
            list(file.map(|f| &f.policy.allow)),
        );
        self.pick_as(
            m,
            "policy.deny",
            "deny",
            Some("MXLOOKUP_DENY_SERVER"),
            &mut net.deny,
            list(file.map(|f| &f.policy.deny)),
        );
    }
}

/// One line of `config show`.
struct Shown {
    key: &'static str,
    value: Value,
    source: Source,
}

/// Prints the effective settings of `args` with their sources; the start
/// servers are `discovered` (with the document's URL) when given.
pub fn show(
    args: ConfigShowArgs,
    file: &ConfigFile,
    mut sources: Sources,
    discovered: Option<(Vec<String>, String)>,
) -> std::io::Result<()> {
    let mut servers = args.network.servers.clone();
    if let Some((found, url)) = discovered {
        servers = found;
        sources.insert("servers", Source::Discovered(url));
    }
    let config_file = match (&file.path, &file.loaded) {
        (Some((p, _)), Some(_)) => json!(p.display().to_string()),
        (Some((p, _)), None) => json!(format!("{} (absent)", p.display())),
        (None, _) => Value::Null,
    };
    let rows: Vec<Shown> = std::iter::once(("config", config_file))
        .chain(values(&args, servers))
        .map(|(key, value)| {
            let source = if key == "config" {
                file.path
                    .as_ref()
                    .map_or(Source::Default, |(_, s)| s.clone())
            } else {
                sources.get(key).cloned().unwrap_or(Source::Default)
            };
            Shown { key, value, source }
        })
        .collect();
    let mut out = std::io::stdout().lock();
    if args.format == "json" {
        write_json(&mut out, rows)
    } else {
        write_table(&mut out, &rows)
    }
}

/// Each setting's value, tokens as `(set)`.
fn values(args: &ConfigShowArgs, servers: Vec<String>) -> Vec<(&'static str, Value)> {
    let net = &args.network;
    let secret = |v: &Option<String>| match v {
        Some(_) => json!("(set)"),
        None => Value::Null,
    };
    let format = args
        .lookup_format
        .unwrap_or(mxlookup::report::OutputFormat::Table);
    let resolve: Vec<String> = net
        .resolve
        .iter()
        .map(|(n, u)| format!("{n}={u}"))
        .collect();
    vec![
        ("servers", json!(servers)),
        ("homeserver", json!(net.homeserver)),
        ("hs_token", secret(&net.hs_token)),
        ("access_token", secret(&net.access_token)),
        ("region", json!(args.region.region.map(|r| r.to_string()))),
        ("format", json!(format)),
        ("timeout", json!(net.timeout)),
        (
            "ca_cert",
            json!(net.ca_cert.as_deref().map(|p| p.display().to_string())),
        ),
        ("accept_terms", json!(net.accept_terms)),
        ("allow_plaintext", json!(net.allow_plaintext)),
        (
            "policy.max_depth",
            json!(if net.no_follow { 0 } else { net.max_depth }),
        ),
        ("policy.server_budget", json!(net.server_budget)),
        ("policy.allow", json!(net.allow)),
        ("policy.deny", json!(net.deny)),
        ("resolve", json!(resolve)),
    ]
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
