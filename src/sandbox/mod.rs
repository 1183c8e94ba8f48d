//! An embedded federation of identity servers, serving the real HTTP API on
//! loopback, for `--sandbox`, `mxlookup sandbox` and the integration tests.
//!
//! A [`Federation`] describes the servers (what each holds, which other
//! servers it refers to, and how it misbehaves: the knobs reproduce what
//! sydent, ToM-server and ma1sd were seen to do, see `design.md` §1) and a
//! homeserver stub whose one user owns every token. [`Sandbox::start`]
//! serves each on `127.0.0.1`, port 0, on the caller's tokio runtime, and
//! records every request each server receives. Server names (`host:port`)
//! are opaque labels: clients reach them through [`Sandbox::resolve_map`].
//!
//! Layout (IS: an identity server, HS: the homeserver stub), each file
//! importing only those below it:
//!
//! - this file: [`Sandbox`], starting the servers and answering for them;
//! - `spec` (and `default`): the [`Federation`] description and its TOML;
//! - `serve` and `faults`: one site on loopback, its request log, and the
//!   knobs that act before the routes (down, rate limits, latency, resets);
//! - `routes/`: the route tables and handlers (`is_*`, `hs_*`), which
//!   decode, call the state, and encode;
//! - `state/`: what each server holds and how it changes (`is_state` with
//!   its lookup `index` and validation `sessions`, `hs_state`); no HTTP;
//! - `outbox` (tokens "sent", handed to [`Sandbox::on_mail`]), `reply`
//!   (error bodies as servers shape them), `wire` (the sandbox's own
//!   request and answer types, apart from the client's), `random`, `error`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), mxlookup::sandbox::SandboxError> {
//! use mxlookup::sandbox::{Federation, Sandbox};
//! let sandbox = Sandbox::start(Federation::default_federation()).await?;
//! eprintln!("{}", sandbox.describe());
//! # Ok(()) }
//! ```

mod dav;
mod dav_spec;
mod default;
mod error;
mod faults;
mod outbox;
mod random;
mod reply;
mod routes;
mod serve;
mod spec;
mod state;
mod wire;

use std::fmt::{self, Write as _};
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;
use url::Url;

pub use dav::RunningDav;
pub use dav_spec::{DavBook, DavSpec, DavUser};
pub use error::SandboxError;
pub use outbox::Sent;
pub use serve::Recorded;
pub use spec::{
    AccountDataSpec, Association, Federation, HomeserverSpec, LimitStyle, RateLimit,
    RateLimitStyle, Referral, ReferralStyle, ServerSpec, WellKnownSpec,
};
pub use state::is_state::KEY_ID;
pub use wire::{Policy, PolicyDocument};

use faults::Faults;
use outbox::Outbox;
use serve::Site;
use state::hs_state::HsState;
use state::is_state::{HomeserverLink, IsState};

/// The name [`Sandbox::requests`] knows the homeserver stub by.
pub const HOMESERVER: &str = "homeserver";

/// A running federation. Dropping it stops every server.
pub struct Sandbox {
    servers: Vec<RunningServer>,
    homeserver: RunningHomeserver,
    outbox: Arc<Outbox>,
    tasks: Vec<JoinHandle<()>>,
    dav: Option<RunningDav>,
}

/// One running identity server.
pub struct RunningServer {
    /// Its name, `host:port`, as referrals carry it.
    pub name: String,
    /// Where it is served: `http://127.0.0.1:PORT/`.
    pub url: Url,
    /// A token it pre-issued to the homeserver's user (`--access-token`).
    pub access_token: String,
    /// Whether it is a start server.
    pub start: bool,
    site: Arc<Site>,
    state: Arc<IsState>,
}

impl fmt::Debug for RunningServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunningServer")
            .field("name", &self.name)
            .field("url", &self.url.as_str())
            .field("start", &self.start)
            .finish_non_exhaustive()
    }
}

struct RunningHomeserver {
    server_name: String,
    user_id: String,
    url: Url,
    token: String,
    site: Arc<Site>,
    state: Arc<HsState>,
}

impl Sandbox {
    /// Checks `federation` and serves it on loopback, on the current tokio
    /// runtime.
    pub async fn start(federation: Federation) -> Result<Sandbox, SandboxError> {
        federation.validate()?;
        // Identity servers verify OpenID tokens with this: plain HTTP to
        // loopback, so no proxy and no trust roots to load (≈ 15 ms saved).
        let http = reqwest::Client::builder()
            .no_proxy()
            .tls_certs_only([])
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(SandboxError::Client)?;
        let (listener, hs_url) = serve::bind(HOMESERVER).await?;
        let hs = HsState::new(&federation.homeserver);
        let hs_site = Site::new(routes::homeserver(hs.clone()), Faults::default());
        let outbox = Arc::new(Outbox::default());
        let mut sandbox = Sandbox {
            servers: Vec::with_capacity(federation.servers.len()),
            homeserver: RunningHomeserver {
                server_name: federation.homeserver.server_name.clone(),
                user_id: federation.homeserver.user_id.clone(),
                url: hs_url.clone(),
                token: hs.token().to_owned(),
                site: hs_site.clone(),
                state: hs.clone(),
            },
            outbox: outbox.clone(),
            tasks: vec![serve::spawn(listener, hs_site)],
            dav: None,
        };
        let link = HomeserverLink {
            server_name: federation.homeserver.server_name.clone(),
            url: hs_url,
            http: http.clone(),
            user_token: sandbox.homeserver.token.clone(),
        };
        for spec in federation.servers {
            // On error, `sandbox` is dropped and stops what already runs.
            let (listener, url) = serve::bind(&spec.name).await?;
            let (name, start, faults) = (spec.name.clone(), spec.start, Faults::of(&spec));
            let (state, access_token) = IsState::new(
                spec,
                link.clone(),
                &sandbox.homeserver.user_id,
                outbox.clone(),
            );
            let site = Site::new(routes::identity_server(state.clone()), faults);
            sandbox.tasks.push(serve::spawn(listener, site.clone()));
            sandbox.servers.push(RunningServer {
                name,
                url,
                access_token,
                start,
                site,
                state,
            });
        }
        if let Some(spec) = &federation.homeserver.well_known {
            hs.set_well_known(sandbox.well_known(spec));
        }
        hs.link(http, sandbox.resolve_map());
        if let Some(spec) = &federation.dav {
            sandbox.dav = Some(RunningDav::start(spec).await?);
        }
        Ok(sandbox)
    }

    /// Every validation token the identity servers "sent", in order.
    pub fn outbox(&self) -> Vec<Sent> {
        self.outbox.sent()
    }

    /// Hands each validation token to `deliver` as an identity server
    /// sends it, before the client gets the server's answer: how a person
    /// at `mxlookup bind`'s prompt gets the "mail" (the sandbox prints
    /// nothing itself). A later call replaces the earlier `deliver`;
    /// [`Sandbox::outbox`] keeps every token either way. `deliver` runs on
    /// the server's task with its state locked: it must be quick and must
    /// not call the sandbox.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), mxlookup::sandbox::SandboxError> {
    /// use mxlookup::sandbox::{Federation, Sandbox};
    /// let sandbox = Sandbox::start(Federation::default_federation()).await?;
    /// sandbox.on_mail(|sent| eprintln!("{} sent {} to {}", sent.server, sent.token, sent.address));
    /// # Ok(()) }
    /// ```
    pub fn on_mail(&self, deliver: impl Fn(&Sent) + Send + Sync + 'static) {
        self.outbox.listen(Arc::new(deliver));
    }

    /// The homeserver's `/.well-known/matrix/client` document: server
    /// names of the federation become their URLs.
    fn well_known(&self, spec: &WellKnownSpec) -> serde_json::Value {
        let url = |name: &String| {
            self.server_url(name).map_or_else(
                || name.clone(),
                |u| u.as_str().trim_end_matches('/').to_owned(),
            )
        };
        let mut doc = serde_json::json!({
            "m.homeserver": { "base_url": self.homeserver.url.as_str() },
        });
        if let Some(is) = &spec.identity_server {
            doc["m.identity_server"] = serde_json::json!({ "base_url": url(is) });
        }
        if !spec.federated_identity_services.is_empty() {
            let urls: Vec<String> = spec.federated_identity_services.iter().map(url).collect();
            doc["m.federated_identity_services"] = serde_json::json!({ "base_urls": urls });
        }
        doc
    }

    /// Every identity server, in file order.
    pub fn servers(&self) -> &[RunningServer] {
        &self.servers
    }

    /// The identity servers marked `start = true`, in file order.
    pub fn start_servers(&self) -> Vec<&RunningServer> {
        self.servers.iter().filter(|s| s.start).collect()
    }

    /// The identity server named `name` (`host:port`).
    pub fn server(&self, name: &str) -> Option<&RunningServer> {
        self.servers.iter().find(|s| s.name == name)
    }

    /// Where the identity server named `name` is served.
    pub fn server_url(&self, name: &str) -> Option<Url> {
        self.server(name).map(|s| s.url.clone())
    }

    /// Name → URL for every identity server: what `--resolve NAME=URL`
    /// says.
    pub fn resolve_map(&self) -> Vec<(String, Url)> {
        self.servers
            .iter()
            .map(|s| (s.name.clone(), s.url.clone()))
            .collect()
    }

    /// The CardDAV server, when the federation has one.
    pub fn dav(&self) -> Option<&RunningDav> {
        self.dav.as_ref()
    }

    /// The homeserver stub's URL (`--homeserver`).
    pub fn homeserver_url(&self) -> Url {
        self.homeserver.url.clone()
    }

    /// The homeserver user's access token (`--hs-token`).
    pub fn homeserver_token(&self) -> &str {
        &self.homeserver.token
    }

    /// The homeserver's live devices (each with the display name its login
    /// gave), by device ID: the fixed token's `SANDBOX`, then one per
    /// password login not logged out.
    pub fn devices(&self) -> std::collections::BTreeMap<String, Option<String>> {
        self.homeserver.state.logins().devices()
    }

    /// The homeserver's one user.
    pub fn user_id(&self) -> &str {
        &self.homeserver.user_id
    }

    /// The content of one type of the homeserver user's account data
    /// (`m.identity_server`, `m.accepted_terms`…) as it is now, if set.
    pub fn account_data(&self, kind: &str) -> Option<serde_json::Value> {
        self.homeserver.state.account_data_of(kind)
    }

    /// Every request received so far by the identity server `server`, or by
    /// the homeserver stub for [`HOMESERVER`], in order of arrival; empty
    /// for an unknown name.
    pub fn requests(&self, server: &str) -> Vec<Recorded> {
        let site = if server == HOMESERVER {
            Some(&self.homeserver.site)
        } else {
            self.server(server).map(|s| &s.site)
        };
        site.map(|s| s.requests()).unwrap_or_default()
    }

    /// Every token the identity server `server` has issued so far (its
    /// pre-issued one and those it registered), so that tests can tell
    /// whose token a request carried; empty for an unknown name.
    pub fn issued_tokens(&self, server: &str) -> std::collections::BTreeSet<String> {
        self.server(server)
            .map(|s| s.state.issued())
            .unwrap_or_default()
    }

    /// What `mxlookup sandbox` prints: servers, URLs, tokens, and a
    /// ready-to-paste lookup command.
    pub fn describe(&self) -> String {
        let bare = |url: &Url| url.as_str().trim_end_matches('/').to_owned();
        let width = self.servers.iter().map(|s| s.name.len()).max().unwrap_or(0);
        let mut text = String::from("Identity servers:\n");
        for s in &self.servers {
            let role = if s.start { "start" } else { "     " };
            let _ = writeln!(
                text,
                "  {:width$}  {}  {role}  token {}",
                s.name,
                bare(&s.url),
                s.access_token
            );
        }
        let hs = &self.homeserver;
        let _ = writeln!(
            text,
            "Homeserver {}:\n  {}  user {}  token {}",
            hs.server_name,
            bare(&hs.url),
            hs.user_id,
            hs.token
        );
        if let Some(dav) = &self.dav {
            text.push_str(&dav.describe());
        }
        text.push_str("\nTry:\n  mxlookup lookup fixtures/contacts.vcf --region FR");
        for s in self.start_servers() {
            let _ = write!(text, " \\\n    -s {}", bare(&s.url));
        }
        for (name, url) in self.resolve_map() {
            let _ = write!(
                text,
                " \\\n    --resolve {name}={} --allow-server {name}",
                bare(&url)
            );
        }
        let _ = writeln!(
            text,
            " \\\n    --homeserver {} --hs-token {}",
            bare(&hs.url),
            hs.token
        );
        text
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("servers", &self.servers)
            .field("homeserver", &self.homeserver.url.as_str())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sandbox_can_be_shared_across_tasks() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<Sandbox>();
        send_sync::<Federation>();
    }
}
