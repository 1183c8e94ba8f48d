//! From the network options to a ready [`Resolver`]: start servers, the
//! referral policy, the HTTP client, the homeserver and the token cache; or
//! the embedded sandbox federation with all of those pointed at it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use url::Url;

use super::JobError;
use mxlookup::identity::discovery::{self, Discovery};
use mxlookup::identity::{AuthContext, HomeserverClient, Http, HttpSettings, TokenCache};
use mxlookup::resolve::policy::{Policy, globs, server_name};
use mxlookup::resolve::server::AskSettings;
use mxlookup::resolve::{ResolveSettings, Resolver, start_server};
use mxlookup::sandbox::{Federation, Sandbox};

/// The network options, as given.
#[derive(Debug, Clone, Default)]
pub struct NetworkSettings {
    /// `-s`: start servers.
    pub servers: Vec<String>,
    /// `--homeserver`.
    pub homeserver: Option<String>,
    /// `--hs-token`.
    pub hs_token: Option<String>,
    /// `--access-token`: an IS token for the start servers.
    pub access_token: Option<String>,
    /// `--resolve NAME=URL`.
    pub resolve: Vec<(String, String)>,
    /// `--ca-cert`.
    pub ca_cert: Option<PathBuf>,
    /// `--max-depth` (`--no-follow` makes it 0).
    pub max_depth: u32,
    /// `--allow-server`.
    pub allow: Vec<String>,
    /// `--deny-server`.
    pub deny: Vec<String>,
    /// `--server-budget`.
    pub budget: usize,
    /// `--allow-plaintext`.
    pub allow_plaintext: bool,
    /// `--accept-terms`.
    pub accept_terms: bool,
    /// Time, retries, sizes.
    pub http: HttpSettings,
    /// `--sandbox`, with `--federation FILE` when given.
    pub sandbox: Option<Option<PathBuf>>,
    /// Keep IS tokens across runs (off for the sandbox, whose ports change).
    pub token_cache: bool,
}

/// A resolver, and the sandbox it talks to when there is one (kept alive).
pub struct Connected {
    /// The resolver.
    pub resolver: Resolver,
    /// The sandbox, when `--sandbox`.
    pub sandbox: Option<Sandbox>,
    /// The homeserver, when one was given (with its token).
    pub homeserver: Option<HomeserverClient>,
    /// Where the start servers were found, when no server was named.
    pub discovered: Option<Discovery>,
}

fn config(message: impl Into<String>, hint: Option<&str>) -> JobError {
    JobError::Config {
        message: message.into(),
        hint: hint.map(str::to_owned),
    }
}

impl NetworkSettings {
    /// Starts the sandbox if asked, checks every option, and builds the resolver.
    pub async fn connect(&self, trace: bool) -> Result<Connected, JobError> {
        let mut net = self.clone();
        let sandbox = match &self.sandbox {
            Some(file) => Some(net.use_sandbox(file.as_deref()).await?),
            None => None,
        };
        let http = net.http_client()?;
        let discovered = if net.servers.is_empty() {
            let found = net.discover(&http).await?;
            net.servers = found.servers.clone();
            Some(found)
        } else {
            None
        };
        let starts = net
            .servers
            .iter()
            .map(|s| start_server(s))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| config(e, None))?;
        let homeserver = net.homeserver_client(&http)?;
        let cache = if net.token_cache {
            TokenCache::default_path().map(TokenCache::open)
        } else {
            None
        };
        let auth = Arc::new(AuthContext::new(
            homeserver.clone(),
            cache,
            net.accept_terms,
        ));
        let settings = ResolveSettings {
            starts,
            access_token: net.access_token.clone(),
            policy: net.policy()?,
            ask: AskSettings {
                allow_plaintext: net.allow_plaintext,
                ..AskSettings::default()
            },
            trace,
        };
        Ok(Connected {
            resolver: Resolver::new(http, auth, settings),
            sandbox,
            homeserver,
            discovered,
        })
    }

    /// With no start server named: the ones the homeserver's
    /// `/.well-known/matrix/client` names.
    pub async fn discover_servers(&self) -> Result<Discovery, JobError> {
        self.discover(&self.http_client()?).await
    }

    async fn discover(&self, http: &Http) -> Result<Discovery, JobError> {
        const OFFLINE: &str =
            "or --sandbox for the embedded federation, or --dry-run --pepper P to work offline";
        let Some(homeserver) = &self.homeserver else {
            return Err(config(
                "no identity server to ask",
                Some(&format!(
                    "pass -s URL (e.g. -s https://vector.im), set `servers` in the config file (see `mxlookup config show`), --homeserver URL to discover them from its /.well-known/matrix/client, {OFFLINE}"
                )),
            ));
        };
        let base = Url::parse(homeserver.trim_end_matches('/')).map_err(|e| {
            config(
                format!("--homeserver `{homeserver}` is not a URL: {e}"),
                None,
            )
        })?;
        discovery::discover(http, &base).await.map_err(|e| {
            config(
                format!("no identity server to ask: {e}"),
                Some(&format!(
                    "pass -s URL (e.g. -s https://vector.im) or set `servers` in the config file, {OFFLINE}"
                )),
            )
        })
    }

    /// The HTTP client: timeouts, limits and `--ca-cert`.
    fn http_client(&self) -> Result<Http, JobError> {
        let ca = match &self.ca_cert {
            Some(path) => Some(std::fs::read(path).map_err(|e| {
                config(
                    format!("cannot read --ca-cert {}: {e}", path.display()),
                    None,
                )
            })?),
            None => None,
        };
        Http::new(self.http.clone(), ca.as_deref()).map_err(|e| {
            config(
                format!(
                    "--ca-cert {}: {e}",
                    self.ca_cert
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default()
                ),
                None,
            )
        })
    }

    /// The homeserver client, when `--homeserver` and its token are given.
    fn homeserver_client(&self, http: &Http) -> Result<Option<HomeserverClient>, JobError> {
        Ok(match (&self.homeserver, &self.hs_token) {
            (Some(url), Some(token)) => {
                let base = Url::parse(url.trim_end_matches('/'))
                    .map_err(|e| config(format!("--homeserver `{url}` is not a URL: {e}"), None))?;
                Some(HomeserverClient::new(http.clone(), base, token.clone()))
            }
            (Some(_), None) => {
                return Err(config(
                    "--homeserver needs a token",
                    Some("pass --hs-token TOKEN or set MXLOOKUP_HS_TOKEN"),
                ));
            }
            (None, Some(_)) => return Err(config("--hs-token needs --homeserver URL", None)),
            (None, None) => None,
        })
    }

    /// The homeserver alone (for `unbind`), and the first start server's
    /// URL when one is given; the sandbox is not started.
    pub fn homeserver_only(&self) -> Result<(Option<HomeserverClient>, Option<Url>), JobError> {
        let first = match self.servers.first() {
            Some(given) => Some(start_server(given).map_err(|e| config(e, None))?.url),
            None => None,
        };
        let http = self.http_client()?;
        Ok((self.homeserver_client(&http)?, first))
    }

    /// The referral policy from the options.
    fn policy(&self) -> Result<Policy, JobError> {
        let mut resolve = BTreeMap::new();
        for (name, url) in &self.resolve {
            let name = server_name(name)
                .map_err(|e| config(format!("--resolve: bad server name {e}"), None))?;
            let url = Url::parse(url)
                .map_err(|e| config(format!("--resolve {name}={url}: not a URL: {e}"), None))?;
            resolve.insert(name, url);
        }
        let allow = if self.allow.is_empty() {
            None
        } else {
            Some(globs(&self.allow).map_err(|e| config(e, None))?)
        };
        Ok(Policy {
            max_depth: self.max_depth,
            budget: self.budget,
            allow,
            deny: globs(&self.deny).map_err(|e| config(e, None))?,
            resolve,
        })
    }

    /// Starts the sandbox and points every unset option at it.
    async fn use_sandbox(&mut self, file: Option<&std::path::Path>) -> Result<Sandbox, JobError> {
        let federation = match file {
            Some(path) => Federation::load(path).map_err(|e| config(e.to_string(), None))?,
            None => Federation::default_federation(),
        };
        let sandbox = Sandbox::start(federation)
            .await
            .map_err(|e| config(format!("cannot start the sandbox: {e}"), None))?;
        // `bind --sandbox` prompts for the token: the sandbox "mails" it to stderr.
        super::sandbox::echo_tokens(&sandbox);
        if self.servers.is_empty() {
            self.servers = sandbox
                .start_servers()
                .iter()
                .map(|s| s.url.as_str().trim_end_matches('/').to_owned())
                .collect();
        }
        let mut resolve: Vec<(String, String)> = sandbox
            .resolve_map()
            .into_iter()
            .map(|(n, u)| (n, u.to_string()))
            .collect();
        resolve.append(&mut self.resolve);
        self.resolve = resolve;
        if self.allow.is_empty() {
            // Only the sandbox's own servers: a referral elsewhere is left unfollowed.
            self.allow = sandbox.servers().iter().map(|s| s.name.clone()).collect();
        }
        if self.homeserver.is_none() {
            self.homeserver = Some(sandbox.homeserver_url().to_string());
            self.hs_token = Some(sandbox.homeserver_token().to_owned());
        }
        self.token_cache = false;
        Ok(sandbox)
    }
}
