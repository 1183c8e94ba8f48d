//! From the network settings, already checked, to a ready [`Resolver`]: the
//! HTTP client, the start servers (discovered when none is named), the
//! homeserver and the token cache; or the embedded sandbox federation with
//! all of those pointed at it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use url::Url;

use super::JobError;
use super::tokens::AccessTokens;
use mxlookup::identity::discovery::{self, Discovery, DiscoveryError};
use mxlookup::identity::kept_session::KeptSession;
use mxlookup::identity::{AuthContext, HomeserverClient, Http, HttpSettings, TokenCache};
use mxlookup::resolve::limits::LimitStore;
use mxlookup::resolve::policy::{Policy, globs, server_name};
use mxlookup::resolve::server::AskSettings;
use mxlookup::resolve::walk::Server;
use mxlookup::resolve::{ResolveSettings, Resolver, start_server};
use mxlookup::sandbox::{Federation, Sandbox};

/// The network options, checked and typed (by `cli::settings`): what is
/// left to do is to start the sandbox, discover, and build the clients.
#[derive(Debug, Clone)]
pub struct NetworkSettings {
    /// `-s`: start servers, parsed (empty: discovered from the homeserver).
    pub servers: Vec<Server>,
    /// `--homeserver`, parsed.
    pub homeserver: Option<Url>,
    /// `--hs-token`.
    pub hs_token: Option<String>,
    /// `--access-token`s, checked; each goes to the start server it is for.
    pub access_tokens: AccessTokens,
    /// `--ca-cert`.
    pub ca_cert: Option<PathBuf>,
    /// Depth, budget, compiled `--allow-server`/`--deny-server` patterns
    /// and `--resolve` overrides.
    pub policy: Policy,
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
    /// The session `mxlookup login` kept, when the homeserver and its
    /// token come from it.
    pub kept_session: Option<KeptSession>,
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
    JobError::config(message, hint)
}

impl NetworkSettings {
    /// Starts the sandbox if asked, discovers the start servers when none
    /// is named, and builds the resolver.
    pub async fn connect(&self, trace: bool) -> Result<Connected, JobError> {
        let mut net = self.clone();
        let sandbox = match &self.sandbox {
            Some(file) => Some(net.use_sandbox(file.as_deref()).await?),
            None => None,
        };
        let http = net.http_client()?;
        // Before discovery: a missing token is found before any request,
        // and discovery reads the user's choice with this client.
        let homeserver = net.homeserver_client(&http)?;
        if let (Some(kept), Some(hs)) = (&net.kept_session, &homeserver) {
            super::login::check_kept(kept, hs).await?;
        }
        let discovered = if net.servers.is_empty() {
            let found = net.discover(&http, homeserver.as_ref()).await?;
            net.servers = found
                .servers
                .iter()
                .map(|s| start_server(s))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| config(e, None))?;
            Some(found)
        } else {
            None
        };
        // Every start server is known (named, the sandbox's or discovered)
        // and none has been asked: each token finds its own, or the run stops.
        let start_tokens = net
            .access_tokens
            .bind(&net.servers)?
            .into_iter()
            .map(|t| t.map(|t| t.expose().to_owned()))
            .collect();
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
            starts: net.servers,
            start_tokens,
            policy: net.policy,
            ask: AskSettings {
                allow_plaintext: net.allow_plaintext,
                ..AskSettings::default()
            },
            trace,
            // Kept like the tokens, and off with them for the sandbox.
            limits: net
                .token_cache
                .then(LimitStore::default_path)
                .flatten()
                .map(|path| Arc::new(LimitStore::open(path))),
        };
        Ok(Connected {
            resolver: Resolver::new(http, auth, settings),
            sandbox,
            homeserver,
            discovered,
        })
    }

    async fn discover(
        &self,
        http: &Http,
        account: Option<&HomeserverClient>,
    ) -> Result<Discovery, JobError> {
        let Some(homeserver) = &self.homeserver else {
            return Err(config(
                "no identity server to ask",
                Some(&format!(
                    "pass -s URL (e.g. -s https://vector.im), set `servers` in the config file (see `mxlookup config show`), --homeserver URL with --hs-token to use the identity server your account chose (else those its /.well-known/matrix/client names), {OFFLINE}"
                )),
            ));
        };
        discover_servers(http, homeserver, account).await
    }

    /// The HTTP client: timeouts, limits and `--ca-cert`.
    fn http_client(&self) -> Result<Http, JobError> {
        http_client(&self.http, self.ca_cert.as_deref())
    }

    /// The homeserver client, when `--homeserver` and its token are given.
    fn homeserver_client(&self, http: &Http) -> Result<Option<HomeserverClient>, JobError> {
        Ok(match (&self.homeserver, &self.hs_token) {
            (Some(url), Some(token)) => Some(HomeserverClient::new(
                http.clone(),
                url.clone(),
                token.clone(),
            )),
            (Some(_), None) => {
                return Err(config(
                    "--homeserver needs a token",
                    Some(
                        "pass --hs-token TOKEN or set MXLOOKUP_HS_TOKEN, or log in to it once with `mxlookup login USER_ID`",
                    ),
                ));
            }
            (None, Some(_)) => return Err(config("--hs-token needs --homeserver URL", None)),
            (None, None) => None,
        })
    }

    /// The homeserver alone (for `unbind`), and the first start server's
    /// URL when one is given; the sandbox is not started. A kept session
    /// is checked first, as [`Self::connect`] does.
    pub async fn homeserver_only(
        &self,
    ) -> Result<(Option<HomeserverClient>, Option<Url>), JobError> {
        let first = self.servers.first().map(|s| s.url.clone());
        let http = self.http_client()?;
        let homeserver = self.homeserver_client(&http)?;
        if let (Some(kept), Some(hs)) = (&self.kept_session, &homeserver) {
            super::login::check_kept(kept, hs).await?;
        }
        Ok((homeserver, first))
    }

    /// Starts the sandbox and points every unset option at it.
    async fn use_sandbox(&mut self, file: Option<&std::path::Path>) -> Result<Sandbox, JobError> {
        let mut federation = match file {
            Some(path) => Federation::load(path).map_err(|e| config(e.to_string(), None))?,
            None => Federation::default_federation(),
        };
        // Its CardDAV server is started by the reading side
        // (`dav_source.rs`), and only when a source is a URL.
        federation.dav = None;
        let sandbox = Sandbox::start(federation)
            .await
            .map_err(|e| config(format!("cannot start the sandbox: {e}"), None))?;
        // `bind --sandbox` prompts for the token: the sandbox "mails" it to stderr.
        super::sandbox::echo_tokens(&sandbox);
        if self.servers.is_empty() {
            self.servers = sandbox
                .start_servers()
                .iter()
                .map(|s| start_server(s.url.as_str().trim_end_matches('/')))
                .collect::<Result<_, _>>()
                .map_err(|e| config(e, None))?;
        }
        // The sandbox's names first: a `--resolve` of the user's wins.
        let mut resolve = BTreeMap::new();
        for (name, url) in sandbox.resolve_map() {
            resolve.insert(server_name(&name).map_err(|e| config(e, None))?, url);
        }
        resolve.append(&mut self.policy.resolve);
        self.policy.resolve = resolve;
        if self.policy.allow.is_none() {
            // Only the sandbox's own servers: a referral elsewhere is left unfollowed.
            let names: Vec<String> = sandbox.servers().iter().map(|s| s.name.clone()).collect();
            self.policy.allow = Some(globs(&names).map_err(|e| config(e, None))?);
        }
        if self.homeserver.is_none() {
            let url = sandbox.homeserver_url();
            self.homeserver = Some(
                Url::parse(url.as_str().trim_end_matches('/'))
                    .map_err(|e| config(e.to_string(), None))?,
            );
            self.hs_token = Some(sandbox.homeserver_token().to_owned());
        }
        self.token_cache = false;
        Ok(sandbox)
    }
}

const OFFLINE: &str =
    "or --sandbox for the embedded federation, or --dry-run --pepper P to work offline";

/// The identity servers to start from when none is named: the user's
/// choice (their `m.identity_server` account data, read with `account`),
/// else those the homeserver's `/.well-known/matrix/client` names.
pub async fn discover_servers(
    http: &Http,
    homeserver: &Url,
    account: Option<&HomeserverClient>,
) -> Result<Discovery, JobError> {
    discovery::discover(http, homeserver, account)
        .await
        .map_err(|e| {
            let hint = match &e {
                DiscoveryError::NoneChosen { .. } => {
                    "pass -s URL to ask one for this run all the same, or choose one in your Matrix client (in Element: Settings > General > Identity server)".to_owned()
                }
                DiscoveryError::BadChoice { .. } => {
                    "choose your identity server again in your Matrix client (in Element: Settings > General > Identity server), or pass -s URL".to_owned()
                }
                DiscoveryError::AccountData(e) if e.is_unauthorized() => format!(
                    "the homeserver {} refused the token: pass an access token of your Matrix account with --hs-token or MXLOOKUP_HS_TOKEN, or name a server with -s URL",
                    e.server
                ),
                DiscoveryError::AccountData(_) => {
                    "check --homeserver and your network, or name a server with -s URL".to_owned()
                }
                _ => format!(
                    "pass -s URL (e.g. -s https://vector.im) or set `servers` in the config file, {OFFLINE}"
                ),
            };
            let message = match &e {
                DiscoveryError::NoneChosen { .. } => e.to_string(),
                _ => format!("no identity server to ask: {e}"),
            };
            config(message, Some(&hint))
        })
}

/// The HTTP client: timeouts, limits and the CA certificates of `ca_cert`.
pub fn http_client(settings: &HttpSettings, ca_cert: Option<&Path>) -> Result<Http, JobError> {
    let ca = match ca_cert {
        Some(path) => Some(std::fs::read(path).map_err(|e| {
            config(
                format!("cannot read --ca-cert {}: {e}", path.display()),
                None,
            )
        })?),
        None => None,
    };
    Http::new(settings.clone(), ca.as_deref()).map_err(|e| {
        config(
            format!(
                "--ca-cert {}: {e}",
                ca_cert.map(|p| p.display().to_string()).unwrap_or_default()
            ),
            None,
        )
    })
}
