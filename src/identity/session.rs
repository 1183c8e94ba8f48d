//! An authenticated conversation with one identity server: its token (given
//! with `--access-token`, cached, or obtained through the homeserver's OpenID
//! flow), renewed once on 401; its terms, on `M_TERMS_NOT_SIGNED`: accepted
//! when the user already accepted them in any client (the homeserver's
//! `m.accepted_terms` account data) or with `--accept-terms` (and then
//! recorded there), else reported with their URLs.

use std::sync::Arc;

use tokio::sync::{Mutex, OnceCell};

use super::client::{HomeserverClient, IdentityClient};
use super::error::{CallError, ErrorKind};
use super::terms::{ACCEPTED_TERMS, recorded_urls, review, with_accepted};
use super::tokens::TokenCache;
use crate::sanitize::excerpt;

/// What every session shares: how to get tokens, and whether terms may be accepted.
pub struct AuthContext {
    homeserver: Option<HomeserverClient>,
    user_id: OnceCell<Result<String, CallError>>,
    cache: Option<TokenCache>,
    accept_terms: bool,
    /// One server at a time reads and writes `m.accepted_terms`, so that no
    /// acceptance overwrites another's.
    terms_turn: Mutex<()>,
}

impl AuthContext {
    /// `homeserver` gives OpenID tokens; `cache` keeps IS tokens across runs.
    pub fn new(
        homeserver: Option<HomeserverClient>,
        cache: Option<TokenCache>,
        accept_terms: bool,
    ) -> Self {
        AuthContext {
            homeserver,
            user_id: OnceCell::new(),
            cache,
            accept_terms,
            terms_turn: Mutex::new(()),
        }
    }

    async fn user_id(&self, hs: &HomeserverClient) -> Result<String, SessionError> {
        self.user_id
            .get_or_init(|| hs.user_id())
            .await
            .clone()
            .map_err(SessionError::Homeserver)
    }
}

/// Why a session could not do what it was asked.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SessionError {
    /// The call failed.
    #[error("{0}")]
    Call(CallError),
    /// The homeserver refused or failed the OpenID flow.
    #[error("homeserver {0}")]
    Homeserver(CallError),
    /// The server wants its terms accepted.
    #[error("{server} asks to accept its terms first: {} (read them, then pass --accept-terms)", list(.documents))]
    Terms {
        /// The server.
        server: String,
        /// `(policy name, document URL)`.
        documents: Vec<(String, String)>,
    },
    /// The server answered its registration with the homeserver's own
    /// access token, which it was never sent: using it would send it to an
    /// identity server.
    #[error(
        "{server} answered its registration with the homeserver's access token, which it was never sent; not used (a homeserver token goes to the homeserver only)"
    )]
    HomeserverTokenEchoed {
        /// The server.
        server: String,
    },
    /// No token for this server and no homeserver to get one from.
    #[error("{server} needs a token: none was given and no homeserver can provide one")]
    NoCredentials {
        /// The server.
        server: String,
    },
}

/// The documents as the error shows them: a few, each cut short, as a
/// server writes them.
fn list(documents: &[(String, String)]) -> String {
    let mut shown: Vec<String> = documents
        .iter()
        .take(8)
        .map(|(name, url)| format!("{} <{}>", excerpt(name, 100), excerpt(url, 200)))
        .collect();
    if documents.len() > shown.len() {
        shown.push(format!("and {} more", documents.len() - shown.len()));
    }
    shown.join(", ")
}

impl SessionError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            SessionError::Terms { server, documents } => Some(format!(
                "{server} asks to accept its terms ({}): read them, then pass --accept-terms (or set `accept_terms = true` in the config file) to accept them for this run and later ones",
                list(documents)
            )),
            SessionError::NoCredentials { .. } => Some(
                "pass --homeserver URL with --hs-token TOKEN (or MXLOOKUP_HS_TOKEN) so that mxlookup can register, or --access-token for a start server".to_owned(),
            ),
            SessionError::Homeserver(e) if e.is_unauthorized() => Some(format!(
                "the homeserver {} refused the token: pass an access token of your Matrix account with --hs-token, MXLOOKUP_HS_TOKEN or `hs_token_file` in the config file (in Element: Settings > Help & About > Access Token)",
                e.server
            )),
            SessionError::Homeserver(e) => call_hint(e).map(|h| format!("{h} (--homeserver)")),
            SessionError::Call(e) => call_hint(e),
            SessionError::HomeserverTokenEchoed { server } => Some(format!(
                "{server} behaves as no identity server should: leave it out (--deny-server), or report it to its operator"
            )),
        }
    }
}

/// What to do about a failed call, by what went wrong.
fn call_hint(e: &CallError) -> Option<String> {
    let server = &e.server;
    Some(match &e.kind {
        ErrorKind::Connect(_) => format!(
            "{server} cannot be reached: check its URL and your network; `mxlookup config show` prints the servers in force and where each comes from"
        ),
        ErrorKind::Timeout(_) => format!(
            "{server} did not answer in time: try again later, or pass --timeout SECONDS to wait longer"
        ),
        ErrorKind::Status { status: 401, .. } => format!(
            "{server} refused the token: pass a valid --access-token, or --homeserver URL with --hs-token TOKEN so that mxlookup registers there"
        ),
        ErrorKind::Status {
            status: 404 | 405, ..
        }
        | ErrorKind::Decode(_) => format!(
            "{server} does not answer as a Matrix identity server (API v2): check that the URL is an identity server's base URL, such as https://vector.im"
        ),
        ErrorKind::Status { status: 429, .. } => {
            format!("{server} limits how often it may be asked: try again later")
        }
        ErrorKind::WaitTooLong { asked, .. } => format!(
            "{server} limits how often it may be asked: try again later, or pass --max-wait {} to wait as long as it asks",
            asked.as_secs_f64().ceil()
        ),
        ErrorKind::Status { status, .. } if *status >= 500 => {
            format!("{server} is failing: try again later")
        }
        _ => return None,
    })
}

/// One identity server, with its token.
pub struct Session {
    client: IdentityClient,
    auth: Arc<AuthContext>,
    given_token: Option<String>,
    token: Mutex<Option<String>>,
}

impl Session {
    /// A session with `client`; `given_token` is `--access-token` (start servers only).
    pub fn new(
        client: IdentityClient,
        auth: Arc<AuthContext>,
        given_token: Option<String>,
    ) -> Self {
        Session {
            client,
            auth,
            given_token,
            token: Mutex::new(None),
        }
    }

    /// The client.
    pub fn client(&self) -> &IdentityClient {
        &self.client
    }

    /// The token this session holds for its server, obtaining one if need
    /// be: for `account/3pid/bind`, which hands it to the homeserver.
    pub async fn access_token(&self) -> Result<String, SessionError> {
        self.token().await
    }

    /// The current token, obtaining one if there is none yet.
    async fn token(&self) -> Result<String, SessionError> {
        let mut current = self.token.lock().await;
        if let Some(token) = &*current {
            return Ok(token.clone());
        }
        let token = match &self.given_token {
            Some(token) => token.clone(),
            None => self.obtain(false).await?,
        };
        *current = Some(token.clone());
        Ok(token)
    }

    /// Replaces `failed` with a fresh token, unless another task already did.
    async fn renew(&self, failed: &str) -> Result<(), SessionError> {
        let mut current = self.token.lock().await;
        if current.as_deref() == Some(failed) {
            *current = Some(self.obtain(true).await?);
        }
        Ok(())
    }

    /// A token from the cache or, failing that or when `renew`, a fresh
    /// registration: a new OpenID token for this server alone.
    async fn obtain(&self, renew: bool) -> Result<String, SessionError> {
        let no_credentials = || SessionError::NoCredentials {
            server: self.client.name().to_owned(),
        };
        let hs = self.auth.homeserver.as_ref().ok_or_else(no_credentials)?;
        let user = self.auth.user_id(hs).await?;
        let key = self.client.base().as_str();
        if !renew && let Some(token) = self.auth.cache.as_ref().and_then(|c| c.get(key, &user)) {
            return Ok(token);
        }
        let openid = hs
            .openid_token(&user)
            .await
            .map_err(SessionError::Homeserver)?;
        let token = self
            .client
            .register(&openid)
            .await
            .map_err(SessionError::Call)?;
        if hs.is_own_token(&token) {
            return Err(SessionError::HomeserverTokenEchoed {
                server: self.client.name().to_owned(),
            });
        }
        if let Some(cache) = &self.auth.cache {
            // A cache that cannot be written costs a registration next run, nothing more.
            let _ = cache.set(key, &user, Some(&token));
        }
        Ok(token)
    }

    /// Runs an authenticated call, renewing the token once on 401 and
    /// dealing with terms once on `M_TERMS_NOT_SIGNED`.
    ///
    /// `call` gets the client and the token by value (owned arguments keep
    /// the returned future free of higher-ranked lifetimes, so it can be
    /// spawned).
    pub async fn call<T, F, Fut>(&self, call: F) -> Result<T, SessionError>
    where
        F: Fn(IdentityClient, String) -> Fut,
        Fut: Future<Output = Result<T, CallError>>,
    {
        let (mut renewed, mut terms_seen) = (false, false);
        loop {
            let token = self.token().await?;
            match call(self.client.clone(), token.clone()).await {
                Ok(value) => return Ok(value),
                Err(e) if e.is_unauthorized() && !renewed && self.auth.homeserver.is_some() => {
                    renewed = true;
                    self.renew(&token).await?;
                }
                Err(e) if e.is_terms_not_signed() && !terms_seen => {
                    terms_seen = true;
                    self.terms(&token).await?;
                }
                Err(e) => return Err(SessionError::Call(e)),
            }
        }
    }

    /// Accepts the server's terms when the user already accepted them (in
    /// `m.accepted_terms`) or allows it now (`--accept-terms`, recorded
    /// there first), else reports the documents not accepted yet.
    async fn terms(&self, token: &str) -> Result<(), SessionError> {
        let terms = self.client.terms().await.map_err(SessionError::Call)?;
        let _turn = self.auth.terms_turn.lock().await;
        let record = match &self.auth.homeserver {
            Some(hs) => {
                let user = self.auth.user_id(hs).await?;
                let content = hs
                    .account_data(&user, ACCEPTED_TERMS)
                    .await
                    .map_err(SessionError::Homeserver)?;
                Some((hs, user, content))
            }
            None => None,
        };
        let recorded = recorded_urls(record.as_ref().and_then(|(_, _, c)| c.as_ref()));
        let review = review(&terms, &recorded);
        let mut urls = review.accepted;
        if !review.missing.is_empty() {
            if !self.auth.accept_terms {
                return Err(SessionError::Terms {
                    server: self.client.name().to_owned(),
                    documents: review.missing,
                });
            }
            urls.extend(review.missing.into_iter().map(|(_, url)| url));
            if let Some((hs, user, content)) = &record
                && let Some(updated) = with_accepted(content.as_ref(), &urls)
            {
                hs.set_account_data(user, ACCEPTED_TERMS, &updated)
                    .await
                    .map_err(SessionError::Homeserver)?;
            }
        }
        self.client
            .accept_terms(token, urls)
            .await
            .map_err(SessionError::Call)
    }
}
