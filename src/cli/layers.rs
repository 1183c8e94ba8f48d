//! Where each setting comes from: flags, then `MXLOOKUP_*` variables (both
//! through clap, which says which via `ArgMatches::value_source`), then the
//! configuration file, then the defaults. [`Layers`] puts them together
//! into plain structs of its own ([`NetworkLayer`], the region, the lookup
//! format), as uv's `resolve(args, file, env)` does, and records the
//! source of each setting for `mxlookup config show`; the parsed arguments
//! are only read. Nothing is validated here: [`super::settings`] does that.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use clap::ArgMatches;
use clap::parser::ValueSource;

use mxlookup::identity::kept_session::KeptSession;
use mxlookup::report::OutputFormat;
use mxlookup::threepid::Region;

use super::args::{NetworkArgs, RegionArg};
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
    /// The session `mxlookup login` kept: its user and when.
    Session(String),
}

impl Source {
    /// `flag`, `env`, `file`, `default` or `discovered`.
    pub fn kind(&self) -> &'static str {
        match self {
            Source::Flag => "flag",
            Source::Env(_) => "env",
            Source::File(_) => "file",
            Source::Default => "default",
            Source::Discovered(_) => "discovered",
            Source::Session(_) => "session",
        }
    }

    /// The variable, file or URL, when there is one.
    pub fn detail(&self) -> Option<String> {
        match self {
            Source::Env(name) => Some((*name).to_owned()),
            Source::File(path) => Some(path.display().to_string()),
            Source::Discovered(url) => Some(url.clone()),
            Source::Session(who) => Some(who.clone()),
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
    /// Loads `--config`/`MXLOOKUP_CONFIG` (`config`, which must exist; the
    /// top-level matches say which of the two), else the default file
    /// (which need not).
    pub fn load(config: Option<&PathBuf>, given: &dyn Given) -> Result<ConfigFile, ConfigError> {
        if let Some(path) = config {
            let source = match given.source("config") {
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

/// Where clap took each argument's value from (`ArgMatches::value_source`):
/// the command line, a variable, or its default.
pub trait Given {
    /// The source of the argument whose clap id is `id`.
    fn source(&self, id: &str) -> Option<ValueSource>;
}

impl Given for ArgMatches {
    fn source(&self, id: &str) -> Option<ValueSource> {
        self.value_source(id)
    }
}

/// The network options after layering, as written: not yet parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkLayer {
    /// Start servers (`-s`, `servers`).
    pub servers: Vec<String>,
    /// `--homeserver`.
    pub homeserver: Option<String>,
    /// `--hs-token`, or the content of `hs_token_file`.
    pub hs_token: Option<String>,
    /// `--access-token` (repeatable) or `MXLOOKUP_ACCESS_TOKEN`, else the
    /// config file's token files.
    pub access_tokens: Vec<TokenLayer>,
    /// `--ca-cert`.
    pub ca_cert: Option<PathBuf>,
    /// `--timeout`, in seconds.
    pub timeout: f64,
    /// `--max-wait`, in seconds.
    pub max_wait: f64,
    /// `--accept-terms`.
    pub accept_terms: bool,
    /// `--allow-plaintext`.
    pub allow_plaintext: bool,
    /// `--resolve NAME=URL`, in order.
    pub resolve: Vec<(String, String)>,
    /// `--max-depth` (`--no-follow` makes it 0).
    pub max_depth: u32,
    /// `--server-budget`.
    pub server_budget: usize,
    /// `--allow-server` patterns.
    pub allow: Vec<String>,
    /// `--deny-server` patterns.
    pub deny: Vec<String>,
    /// The first retry delay, in milliseconds (a flag or variable only).
    pub backoff_ms: u64,
    /// `--sandbox`, with `--federation FILE` when given (flags only).
    pub sandbox: Option<Option<PathBuf>>,
    /// The session `mxlookup login` kept, when the homeserver and its
    /// token come from it.
    pub kept_session: Option<KeptSession>,
}

/// An identity-server token as given, not yet checked.
#[derive(Clone, PartialEq)]
pub struct TokenLayer {
    /// `TOKEN` or `URL=TOKEN` (a flag or the variable), or the content of
    /// a token file.
    pub text: String,
    /// For a file of the config file's `[access_token_files]`: its server.
    pub server: Option<String>,
    /// The flag, the variable, or the token file (`Source::File`).
    pub from: Source,
}

impl fmt::Debug for TokenLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenLayer")
            .field("server", &self.server)
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl NetworkLayer {
    /// Whether any server (or the sandbox) was named.
    pub fn names_a_server(&self) -> bool {
        !self.servers.is_empty() || self.sandbox.is_some()
    }
}

/// Puts flags, variables and the file together, one setting at a time,
/// and records where each came from.
pub struct Layers<'a> {
    given: &'a dyn Given,
    file: Option<&'a Loaded>,
    sources: Sources,
    /// Reads the session `mxlookup login` kept, when a run needs it.
    kept: Option<fn() -> Option<KeptSession>>,
}

impl<'a> Layers<'a> {
    /// Layers over the matches of one command (`given`) and the file.
    pub fn new(given: &'a dyn Given, file: Option<&'a Loaded>) -> Self {
        Layers {
            given,
            file,
            sources: Sources::new(),
            kept: None,
        }
    }

    /// Layers that take the homeserver and its token from the session
    /// `mxlookup login` kept (read by `load`, only when needed), below
    /// every other layer: see [`Layers::kept_session`].
    pub fn with_kept_session(mut self, load: fn() -> Option<KeptSession>) -> Self {
        self.kept = Some(load);
        self
    }

    /// Where each setting layered so far came from.
    pub fn sources(self) -> Sources {
        self.sources
    }

    /// `clap`'s value when a flag or (with `env`) a variable gave it, else
    /// the file's when it has one, else `clap`'s (its default); recorded
    /// under `key`, the config-file key, for the argument of clap id `id`.
    fn pick<T>(
        &mut self,
        key: &'static str,
        id: &str,
        env: Option<&'static str>,
        clap: T,
        from_file: Option<T>,
    ) -> T {
        let (value, source) = match (self.given.source(id), env) {
            (Some(ValueSource::CommandLine), _) => (clap, Source::Flag),
            (Some(ValueSource::EnvVariable), Some(env)) => (clap, Source::Env(env)),
            _ => match (from_file, self.file) {
                (Some(value), Some(file)) => (value, Source::File(file.path.clone())),
                _ => (clap, Source::Default),
            },
        };
        self.sources.insert(key, source);
        value
    }

    /// A list: the file's only when it is not empty.
    fn list(
        &mut self,
        key: &'static str,
        id: &str,
        env: &'static str,
        clap: &[String],
        from_file: Option<&Vec<String>>,
    ) -> Vec<String> {
        let from_file = from_file.filter(|v| !v.is_empty()).cloned();
        self.pick(key, id, Some(env), clap.to_vec(), from_file)
    }

    /// `-r/--region`, `MXLOOKUP_REGION`, `region`.
    pub fn region(&mut self, arg: &RegionArg) -> Option<Region> {
        let from_file = self.file.and_then(|f| f.file.region).map(Some);
        self.pick(
            "region",
            "region",
            Some("MXLOOKUP_REGION"),
            arg.region,
            from_file,
        )
    }

    /// `lookup`'s output format, `MXLOOKUP_FORMAT`, `format`; `id` is the
    /// clap id of the argument (`format` in `lookup`, `lookup_format` in
    /// `config show`).
    pub fn lookup_format(&mut self, id: &str, clap: Option<OutputFormat>) -> Option<OutputFormat> {
        let from_file = self.file.and_then(|f| f.file.format).map(Some);
        self.pick("format", id, Some("MXLOOKUP_FORMAT"), clap, from_file)
    }

    /// `--dav-user`, `MXLOOKUP_DAV_USER`, `dav_user`.
    pub fn dav_user(&mut self, clap: Option<String>) -> Option<String> {
        let from_file = self.file.and_then(|f| f.file.dav_user.clone()).map(Some);
        self.pick(
            "dav_user",
            "dav_user",
            Some("MXLOOKUP_DAV_USER"),
            clap,
            from_file,
        )
    }

    /// The config file's `dav_password_file`, when it names one.
    pub fn dav_password_file(&mut self) -> Option<PathBuf> {
        let named = self.file.and_then(|f| {
            let path = f.file.dav_password_file.clone()?;
            Some((path, Source::File(f.path.clone())))
        });
        let (path, source) = named.map_or((None, Source::Default), |(p, s)| (Some(p), s));
        self.sources.insert("dav_password_file", source);
        path
    }

    /// The network options; with `--sandbox`, those of a variable or the
    /// file are left out (see [`Layers::leave_for_sandbox`]).
    pub fn network(&mut self, args: &NetworkArgs) -> NetworkLayer {
        let mut net = self.reach(args);
        self.policy(args, &mut net);
        if args.sandbox {
            self.leave_for_sandbox(&mut net);
        }
        if !args.sandbox {
            self.kept_session(&mut net);
        }
        net
    }

    /// With no homeserver token given (flag, variable or file), the kept
    /// session's, with its homeserver, unless another homeserver is named:
    /// its token goes to its own homeserver only.
    fn kept_session(&mut self, net: &mut NetworkLayer) {
        if net.hs_token.is_some() {
            return;
        }
        let Some(kept) = self.kept.and_then(|load| load()) else {
            return;
        };
        if net.homeserver.as_deref().is_some_and(|hs| !kept.is_on(hs)) {
            return;
        }
        let source = Source::Session(kept.describe());
        if net.homeserver.is_none() {
            net.homeserver = Some(kept.homeserver.clone());
            self.sources.insert("homeserver", source.clone());
        }
        net.hs_token = Some(kept.access_token.clone());
        self.sources.insert("hs_token", source);
        net.kept_session = Some(kept);
    }

    /// How servers are reached: which, with which tokens and certificates,
    /// how long and on what terms.
    fn reach(&mut self, args: &NetworkArgs) -> NetworkLayer {
        let file = self.file.map(|f| &f.file);
        let hs_token = self.file.and_then(|f| f.hs_token.clone()).map(Some);
        let access_tokens = self.access_tokens(args);
        let resolve = file
            .filter(|f| !f.resolve.is_empty())
            .map(|f| f.resolve.clone().into_iter().collect());
        NetworkLayer {
            servers: self.list(
                "servers",
                "servers",
                "MXLOOKUP_SERVER",
                &args.servers,
                file.map(|f| &f.servers),
            ),
            homeserver: self.pick(
                "homeserver",
                "homeserver",
                Some("MXLOOKUP_HOMESERVER"),
                args.homeserver.clone(),
                file.and_then(|f| f.homeserver.clone()).map(Some),
            ),
            hs_token: self.pick(
                "hs_token",
                "hs_token",
                Some("MXLOOKUP_HS_TOKEN"),
                args.hs_token.clone(),
                hs_token,
            ),
            access_tokens,
            ca_cert: self.pick(
                "ca_cert",
                "ca_cert",
                Some("MXLOOKUP_CA_CERT"),
                args.reach.ca_cert.clone(),
                file.and_then(|f| f.ca_cert.clone()).map(Some),
            ),
            timeout: self.pick(
                "timeout",
                "timeout",
                Some("MXLOOKUP_TIMEOUT"),
                args.reach.timeout,
                file.and_then(|f| f.timeout),
            ),
            max_wait: self.pick(
                "max_wait",
                "max_wait",
                Some("MXLOOKUP_MAX_WAIT"),
                args.reach.max_wait,
                file.and_then(|f| f.max_wait),
            ),
            accept_terms: self.pick(
                "accept_terms",
                "accept_terms",
                None,
                args.accept_terms,
                file.and_then(|f| f.accept_terms),
            ),
            allow_plaintext: self.pick(
                "allow_plaintext",
                "allow_plaintext",
                None,
                args.allow_plaintext,
                file.and_then(|f| f.allow_plaintext),
            ),
            resolve: self.pick("resolve", "resolve", None, args.resolve.clone(), resolve),
            max_depth: args.max_depth,
            server_budget: args.server_budget,
            allow: Vec::new(),
            deny: Vec::new(),
            backoff_ms: args.reach.backoff_ms,
            sandbox: args.sandbox.then(|| args.federation.clone()),
            kept_session: None,
        }
    }

    /// `--access-token` or `MXLOOKUP_ACCESS_TOKEN`, else the config file's
    /// token files: the file's as a whole, or none of them.
    fn access_tokens(&mut self, args: &NetworkArgs) -> Vec<TokenLayer> {
        const ENV: &str = "MXLOOKUP_ACCESS_TOKEN";
        let from = match self.given.source("access_token") {
            Some(ValueSource::EnvVariable) => Source::Env(ENV),
            _ => Source::Flag,
        };
        let given = args
            .access_token
            .iter()
            .map(|text| TokenLayer {
                text: text.clone(),
                server: None,
                from: from.clone(),
            })
            .collect();
        let from_file = self
            .file
            .map(|f| {
                f.access_tokens
                    .iter()
                    .map(|t| TokenLayer {
                        text: t.token.clone(),
                        server: t.server.clone(),
                        from: Source::File(t.file.clone()),
                    })
                    .collect::<Vec<_>>()
            })
            .filter(|tokens| !tokens.is_empty());
        self.pick("access_token", "access_token", Some(ENV), given, from_file)
    }

    /// Which referrals are followed: depth, budget, allow and deny lists.
    fn policy(&mut self, args: &NetworkArgs, net: &mut NetworkLayer) {
        let file = self.file.map(|f| &f.file.policy);
        // `--no-follow` is `--max-depth 0`: a flag beats the file's depth.
        net.max_depth = if args.no_follow {
            self.sources.insert("policy.max_depth", Source::Flag);
            0
        } else {
            self.pick(
                "policy.max_depth",
                "max_depth",
                Some("MXLOOKUP_MAX_DEPTH"),
                args.max_depth,
                file.and_then(|f| f.max_depth),
            )
        };
        net.server_budget = self.pick(
            "policy.server_budget",
            "server_budget",
            Some("MXLOOKUP_SERVER_BUDGET"),
            args.server_budget,
            file.and_then(|f| f.server_budget),
        );
        net.allow = self.list(
            "policy.allow",
            "allow",
            "MXLOOKUP_ALLOW_SERVER",
            &args.allow,
            file.map(|f| &f.allow),
        );
        net.deny = self.list(
            "policy.deny",
            "deny",
            "MXLOOKUP_DENY_SERVER",
            &args.deny,
            file.map(|f| &f.deny),
        );
    }

    /// `--sandbox` brings its own servers, homeserver and tokens: those of a
    /// variable or the file (meant for real servers) are left out; flags stay.
    fn leave_for_sandbox(&mut self, net: &mut NetworkLayer) {
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
            net.access_tokens.clear();
        }
        if ambient("policy.allow") {
            net.allow.clear();
        }
    }

    /// `--dry-run --pepper P` works offline: servers from a variable or the
    /// file are defaults for runs that ask servers, not this one.
    pub fn offline(&mut self, net: &mut NetworkLayer) {
        if self.sources.get("servers") != Some(&Source::Flag) {
            net.servers.clear();
            self.sources.insert("servers", Source::Default);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use clap::{CommandFactory, FromArgMatches};

    use super::*;
    use crate::cli::args::{Cli, Command};

    /// The network options of `lookup` with these flags, and clap's
    /// sources with the ids of `env` said to come from their variable.
    fn lookup(
        flags: &[&str],
        env: &[&str],
    ) -> (NetworkArgs, RegionArg, BTreeMap<String, ValueSource>) {
        let argv = ["mxlookup", "lookup", "book.vcf"].iter().chain(flags);
        let matches = Cli::command().try_get_matches_from(argv).unwrap();
        let cli = Cli::from_arg_matches(&matches).unwrap();
        let sub = matches.subcommand().unwrap().1;
        let mut given: BTreeMap<String, ValueSource> = BTreeMap::new();
        for id in sub.ids() {
            if let Some(source) = sub.value_source(id.as_str()) {
                given.insert(id.as_str().to_owned(), source);
            }
        }
        for id in env {
            given.insert((*id).to_owned(), ValueSource::EnvVariable);
        }
        let Command::Lookup(args) = cli.command else {
            unreachable!()
        };
        (args.network, args.region, given)
    }

    impl Given for BTreeMap<String, ValueSource> {
        fn source(&self, id: &str) -> Option<ValueSource> {
            self.get(id).copied()
        }
    }

    fn file(text: &str) -> Loaded {
        Loaded::parse(Path::new("/etc/mx/config.toml"), text).unwrap()
    }

    const FILE: &str = "servers = [\"https://file.example\"]\nregion = \"FR\"\ntimeout = 5\n[policy]\nmax_depth = 1\nallow = [\"*.file.example\"]\n";

    #[test]
    fn a_flag_beats_a_variable_beats_the_file_beats_the_default() {
        let file = file(FILE);
        // A flag (`-s`) and a value clap took from a variable (`-r`, `--timeout`).
        let (net, region, given) = lookup(
            &["-s", "https://flag.example", "-r", "GB", "--timeout", "7"],
            &["region", "timeout"],
        );
        let mut layers = Layers::new(&given, Some(&file));
        let region = layers.region(&region);
        let layered = layers.network(&net);
        let sources = layers.sources();
        assert_eq!(layered.servers, ["https://flag.example"]);
        assert_eq!(sources["servers"], Source::Flag);
        assert_eq!(region.unwrap().code(), "GB");
        assert_eq!(sources["region"], Source::Env("MXLOOKUP_REGION"));
        assert_eq!(layered.timeout, 7.0);
        assert_eq!(sources["timeout"], Source::Env("MXLOOKUP_TIMEOUT"));
        // The file where neither gave one.
        let from_file = Source::File(PathBuf::from("/etc/mx/config.toml"));
        assert_eq!(layered.max_depth, 1);
        assert_eq!(sources["policy.max_depth"], from_file);
        assert_eq!(layered.allow, ["*.file.example"]);
        assert_eq!(sources["policy.allow"], from_file);
        // The default where nothing did.
        assert_eq!(layered.server_budget, 16);
        assert_eq!(sources["policy.server_budget"], Source::Default);
        assert_eq!(layered.homeserver, None);
        assert_eq!(sources["homeserver"], Source::Default);
    }

    #[test]
    fn without_flags_the_file_gives_and_without_a_file_the_defaults() {
        let (net, region, given) = lookup(&[], &[]);
        let file = file(FILE);
        let mut layers = Layers::new(&given, Some(&file));
        assert_eq!(layers.region(&region).unwrap().code(), "FR");
        let layered = layers.network(&net);
        assert_eq!(layered.servers, ["https://file.example"]);
        assert_eq!(layered.timeout, 5.0);
        let mut layers = Layers::new(&given, None);
        let layered = layers.network(&net);
        assert!(layered.servers.is_empty());
        assert_eq!((layered.timeout, layered.max_depth), (30.0, 3));
        assert!(layers.sources().values().all(|s| *s == Source::Default));
    }

    fn kept() -> Option<KeptSession> {
        Some(KeptSession {
            user_id: "@me:hs.example".to_owned(),
            homeserver: "https://hs.example".to_owned(),
            access_token: "syt_kept".to_owned(),
            device_id: "DEV".to_owned(),
            logged_in_at: 0,
        })
    }

    #[test]
    fn the_kept_session_is_the_last_layer_and_keeps_to_its_homeserver() {
        let layered = |flags: &[&str], env: &[&str]| {
            let (net, _, given) = lookup(flags, env);
            let mut layers = Layers::new(&given, None).with_kept_session(kept);
            let layered = layers.network(&net);
            (layered, layers.sources())
        };
        let session = Source::Session("@me:hs.example, logged in 1970-01-01 00:00 UTC".into());
        // Nothing given: its homeserver and its token.
        let (net, sources) = layered(&[], &[]);
        assert_eq!(net.homeserver.as_deref(), Some("https://hs.example"));
        assert_eq!(net.hs_token.as_deref(), Some("syt_kept"));
        assert_eq!(
            (&sources["homeserver"], &sources["hs_token"]),
            (&session, &session)
        );
        assert_eq!(net.kept_session.unwrap().user_id, "@me:hs.example");
        // Its homeserver named (another spelling): its token.
        let (net, sources) = layered(&["--homeserver", "https://HS.example/"], &[]);
        assert_eq!(net.hs_token.as_deref(), Some("syt_kept"));
        assert_eq!(sources["homeserver"], Source::Flag);
        // Another homeserver: not its token.
        let (net, _) = layered(&["--homeserver", "https://other.example"], &[]);
        assert_eq!((net.hs_token, net.kept_session), (None, None));
        // A token given (flag or variable) wins.
        let (net, sources) = layered(&["--hs-token", "syt_flag"], &["hs_token"]);
        assert_eq!(net.hs_token.as_deref(), Some("syt_flag"));
        assert_eq!(sources["hs_token"], Source::Env("MXLOOKUP_HS_TOKEN"));
        assert_eq!(net.homeserver, None);
        // The sandbox brings its own homeserver.
        let (net, _) = layered(&["--sandbox"], &[]);
        assert_eq!((net.homeserver, net.hs_token), (None, None));
    }

    #[test]
    fn no_follow_is_a_flag_that_beats_the_files_depth() {
        let (net, _, given) = lookup(&["--no-follow"], &[]);
        let file = file(FILE);
        let mut layers = Layers::new(&given, Some(&file));
        assert_eq!(layers.network(&net).max_depth, 0);
        assert_eq!(layers.sources()["policy.max_depth"], Source::Flag);
    }

    #[test]
    fn the_sandbox_and_offline_runs_leave_out_servers_not_given_by_flag() {
        let file = file(FILE);
        let (net, _, given) = lookup(&["--sandbox", "--deny-server", "x.example"], &[]);
        let mut layers = Layers::new(&given, Some(&file));
        let layered = layers.network(&net);
        assert!(layered.servers.is_empty() && layered.allow.is_empty());
        assert_eq!(layered.deny, ["x.example"]);
        assert_eq!(layered.sandbox, Some(None));
        let sources = layers.sources();
        assert_eq!(sources["servers"], Source::Default);
        assert_eq!(sources["policy.allow"], Source::Default);
        // --dry-run --pepper: the file's servers are left out, a flag's kept.
        let (net, _, given) = lookup(&[], &[]);
        let mut layers = Layers::new(&given, Some(&file));
        let mut layered = layers.network(&net);
        layers.offline(&mut layered);
        assert!(!layered.names_a_server());
        let (net, _, given) = lookup(&["-s", "https://flag.example"], &[]);
        let mut layers = Layers::new(&given, Some(&file));
        let mut layered = layers.network(&net);
        layers.offline(&mut layered);
        assert_eq!(layered.servers, ["https://flag.example"]);
    }
}
