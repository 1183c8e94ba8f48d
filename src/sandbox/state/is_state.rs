//! One identity server's state: its description, its pepper, the tokens
//! it issued and the terms each user accepted, pushed hashes, bindings,
//! validation sessions, lookup indexes, and its signing key. Nothing here
//! knows HTTP: the routes (`routes/is_*`) read and change it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};

use ed25519_dalek::SigningKey;
use sha2::{Digest, Sha256};
use url::Url;

use super::index::{Bound, Index, Indexes};
use super::sessions::{SessionProblem, Sessions, Validation};
use crate::sandbox::outbox::{Outbox, Sent};
use crate::sandbox::random::{new_token, rotated};
use crate::sandbox::spec::ServerSpec;
use crate::threepid::{Algorithm, Medium};

/// The one signing key ID of a sandbox identity server.
pub const KEY_ID: &str = "ed25519:0";

/// Where identity servers verify OpenID tokens.
#[derive(Debug, Clone)]
pub(crate) struct HomeserverLink {
    /// The name OpenID tokens must carry.
    pub server_name: String,
    /// The stub's URL.
    pub url: Url,
    /// The client used to ask it.
    pub http: reqwest::Client,
    /// The homeserver user's access token: identity servers never get it,
    /// and this is only here for `echo_homeserver_token` to misbehave with.
    pub user_token: String,
}

/// A running identity server's state.
pub(crate) struct IsState {
    /// Its description.
    pub spec: ServerSpec,
    /// The homeserver it trusts.
    pub homeserver: HomeserverLink,
    inner: Mutex<Inner>,
    /// Where validation tokens go.
    outbox: Arc<Outbox>,
    /// What it signs associations with.
    pub signing_key: SigningKey,
}

/// What changes while it runs.
pub(crate) struct Inner {
    /// The current pepper.
    pepper: String,
    /// How many more `hash_details` rotate it.
    rotations_left: u32,
    /// IS token → user.
    tokens: BTreeMap<String, String>,
    /// User → policy URLs accepted.
    accepted: BTreeMap<String, BTreeSet<String>>,
    /// (pepper, hash) → origin server, from MSC4004 pushes.
    pushed: BTreeMap<(String, String), String>,
    /// Lookup indexes, built on first use.
    indexes: Indexes,
    /// Validation sessions.
    sessions: Sessions,
    /// Associations made by `3pid/bind`.
    bound: Bound,
}

/// Why a token does not authorise a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unauthorised {
    /// This server did not issue it.
    UnknownToken,
    /// Its user has not accepted every policy.
    TermsNotSigned,
}

/// Which of the server's peppers a request used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pepper {
    /// The current one.
    Current,
    /// One of the alternatives.
    Alt,
    /// None of its own.
    Unknown,
}

impl IsState {
    /// A server with one pre-issued token for `user_id`; returns it too.
    pub fn new(
        spec: ServerSpec,
        homeserver: HomeserverLink,
        user_id: &str,
        outbox: Arc<Outbox>,
    ) -> (Arc<Self>, String) {
        let token = spec
            .access_token
            .clone()
            .unwrap_or_else(|| new_token("mxs_is_"));
        let inner = Inner {
            pepper: spec.pepper.clone(),
            rotations_left: spec.rotate_after_hash_details,
            tokens: BTreeMap::from([(token.clone(), user_id.to_owned())]),
            accepted: BTreeMap::new(),
            pushed: BTreeMap::new(),
            indexes: Indexes::default(),
            sessions: Sessions::default(),
            bound: Bound::new(),
        };
        let state = IsState {
            signing_key: signing_key(&spec.name),
            spec,
            homeserver,
            inner: Mutex::new(inner),
            outbox,
        };
        // What it holds is hashed with its pepper before it serves, as a
        // real server stores its lookup hashes: the first lookup does not
        // wait for an index of the whole store.
        if state.spec.algorithms.iter().any(|a| a == "sha256") {
            let mut inner = state.lock();
            let pepper = inner.pepper.clone();
            inner.index(&state.spec, Algorithm::Sha256, &pepper, false);
        }
        (Arc::new(state), token)
    }

    /// Its changing state, locked.
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The user of `token`, who must have accepted every policy when
    /// `terms`.
    pub fn user_of(&self, token: &str, terms: bool) -> Result<String, Unauthorised> {
        let inner = self.lock();
        let user = inner.tokens.get(token).ok_or(Unauthorised::UnknownToken)?;
        if terms && !self.terms_signed(inner.accepted.get(user)) {
            return Err(Unauthorised::TermsNotSigned);
        }
        Ok(user.clone())
    }

    /// Every policy has one of its documents accepted.
    fn terms_signed(&self, accepted: Option<&BTreeSet<String>>) -> bool {
        self.spec.terms.values().all(|policy| {
            policy
                .documents
                .values()
                .any(|doc| accepted.is_some_and(|a| a.contains(&doc.url)))
        })
    }

    /// Records that `user` accepted the documents at `urls`.
    pub fn accept_terms(&self, user: String, urls: Vec<String>) {
        self.lock().accepted.entry(user).or_default().extend(urls);
    }

    /// Issues a token for `user` (`account/register`): a fresh one, or,
    /// misbehaving (`echo_homeserver_token`), the homeserver user's own.
    pub fn register(&self, user: String) -> String {
        let token = if self.spec.echo_homeserver_token {
            self.homeserver.user_token.clone()
        } else {
            new_token("mxs_is_")
        };
        self.lock().tokens.insert(token.clone(), user);
        token
    }

    /// Every token this server has issued (pre-issued and registered).
    pub fn issued(&self) -> BTreeSet<String> {
        self.lock().tokens.keys().cloned().collect()
    }

    /// The pepper `hash_details` serves now; then rotates it when the
    /// server is set to.
    pub fn serve_pepper(&self) -> String {
        let mut inner = self.lock();
        let pepper = inner.pepper.clone();
        if inner.rotations_left > 0 {
            inner.rotations_left -= 1;
            inner.rotate();
        } else if self.spec.rotate_every_request {
            inner.rotate();
        }
        pepper
    }

    /// Opens (or reuses) a validation session and sends its token when
    /// `send_attempt` is new; returns the session ID.
    pub fn open_session(
        &self,
        medium: Medium,
        address: String,
        client_secret: String,
        send_attempt: u32,
    ) -> String {
        let mut inner = self.lock();
        let (sid, token) = inner
            .sessions
            .open(medium, &address, client_secret, send_attempt);
        if let Some(token) = token {
            self.outbox.send(Sent {
                server: self.spec.name.clone(),
                medium,
                address,
                token,
            });
        }
        sid
    }

    /// Checks a submitted token; `None` when there is no such session.
    pub fn submit_token(
        &self,
        sid: &str,
        client_secret: &str,
        medium: &str,
        token: &str,
    ) -> Option<bool> {
        self.lock()
            .sessions
            .submit(sid, client_secret, medium, token)
    }

    /// The validated session `sid` with this secret.
    pub fn validated(&self, sid: &str, client_secret: &str) -> Result<Validation, SessionProblem> {
        self.lock().sessions.validated(sid, client_secret)
    }

    /// Binds `address` to `mxid`: lookups find it from now on.
    pub fn bind(&self, medium: Medium, address: String, mxid: String) {
        let mut inner = self.lock();
        inner.bound.insert((medium, address), mxid);
        inner.indexes.clear();
    }

    /// Removes the association of `address` with `mxid`; false when there
    /// is none.
    pub fn unbind(&self, medium: Medium, address: String, mxid: &str) -> bool {
        let mut inner = self.lock();
        let key = (medium, address);
        if inner.bound.get(&key).map(String::as_str) != Some(mxid) {
            return false;
        }
        inner.bound.remove(&key);
        inner.indexes.clear();
        true
    }
}

impl Inner {
    /// The current pepper.
    pub fn pepper(&self) -> &str {
        &self.pepper
    }

    /// Which of its peppers `pepper` is.
    pub fn classify(&self, spec: &ServerSpec, pepper: &str) -> Pepper {
        if pepper == self.pepper {
            Pepper::Current
        } else if spec.alt_peppers.iter().any(|p| p == pepper) {
            Pepper::Alt
        } else {
            Pepper::Unknown
        }
    }

    /// The index for `pepper`, built on first use.
    pub fn index(
        &mut self,
        spec: &ServerSpec,
        algorithm: Algorithm,
        pepper: &str,
        alt: bool,
    ) -> Arc<Index> {
        self.indexes.get(spec, &self.bound, algorithm, pepper, alt)
    }

    /// Whether any hash was pushed to it.
    pub fn has_pushes(&self) -> bool {
        !self.pushed.is_empty()
    }

    /// The origin server pushed for `hash` under `pepper`.
    pub fn pushed_origin(&self, pepper: &str, hash: &str) -> Option<&String> {
        self.pushed.get(&(pepper.to_owned(), hash.to_owned()))
    }

    /// Records a pushed hash's origin server.
    pub fn push(&mut self, pepper: &str, hash: String, origin: &str) {
        self.pushed
            .insert((pepper.to_owned(), hash), origin.to_owned());
    }

    /// Replaces the pepper with a fresh one; what was indexed under the old
    /// one is no longer found.
    pub fn rotate(&mut self) {
        self.pepper = rotated(&self.pepper);
        self.indexes.clear();
    }
}

/// A server's signing key, derived from its name (a sandbox needs no secrecy).
fn signing_key(server: &str) -> SigningKey {
    let seed: [u8; 32] =
        Sha256::digest(format!("mxlookup sandbox signing key {server}").as_bytes()).into();
    SigningKey::from_bytes(&seed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::spec::Federation;
    use crate::sandbox::wire::{Policy, PolicyDocument};

    fn server(spec: ServerSpec) -> (Arc<IsState>, String) {
        let link = HomeserverLink {
            server_name: "hs.example".into(),
            url: Url::parse("http://127.0.0.1:9").expect("a URL"),
            http: reqwest::Client::new(),
            user_token: "syt_user".into(),
        };
        IsState::new(spec, link, "@sandbox:hs.example", Arc::default())
    }

    #[test]
    fn a_token_authorises_its_user_once_every_policy_is_accepted() {
        let mut spec = Federation::default_federation().servers.remove(0);
        let doc = |url: &str| PolicyDocument {
            name: "Privacy".into(),
            url: url.into(),
        };
        spec.terms.insert(
            "privacy".into(),
            Policy {
                version: "1".into(),
                documents: [
                    ("en".into(), doc("https://p/en")),
                    ("fr".into(), doc("https://p/fr")),
                ]
                .into(),
            },
        );
        let (is, token) = server(spec);
        assert_eq!(
            is.user_of("made-up", false),
            Err(Unauthorised::UnknownToken)
        );
        assert_eq!(
            is.user_of(&token, false).as_deref(),
            Ok("@sandbox:hs.example")
        );
        assert_eq!(is.user_of(&token, true), Err(Unauthorised::TermsNotSigned));
        is.accept_terms("@sandbox:hs.example".into(), vec!["https://p/fr".into()]);
        assert_eq!(
            is.user_of(&token, true).as_deref(),
            Ok("@sandbox:hs.example")
        );
        let registered = is.register("@other:hs.example".into());
        assert!(registered.starts_with("mxs_is_"));
        assert_eq!(is.issued(), BTreeSet::from([token, registered]));
    }

    #[test]
    fn the_pepper_rotates_after_as_many_hash_details_as_asked_and_is_then_unknown() {
        let mut spec = Federation::default_federation().servers.remove(0);
        spec.rotate_after_hash_details = 1;
        let (is, _) = server(spec);
        assert_eq!(is.serve_pepper(), "m4Trx");
        let new = is.serve_pepper();
        assert_ne!(new, "m4Trx");
        assert_eq!(is.serve_pepper(), new);
        let inner = is.lock();
        assert_eq!(inner.classify(&is.spec, "m4Trx"), Pepper::Unknown);
        assert_eq!(inner.classify(&is.spec, &new), Pepper::Current);
        assert_eq!(inner.classify(&is.spec, "0ldPp"), Pepper::Alt);
    }

    #[test]
    fn a_binding_is_found_until_unbound_by_its_own_mxid() {
        let (is, _) = server(Federation::default_federation().servers.remove(0));
        let zoe = crate::threepid::lookup_hash("zoe@example.com", Medium::Email, "m4Trx");
        let found = |is: &IsState| {
            let index = is.lock().index(&is.spec, Algorithm::Sha256, "m4Trx", false);
            index.get(&zoe).and_then(|e| e.mxid.clone())
        };
        assert_eq!(found(&is), None);
        is.bind(
            Medium::Email,
            "zoe@example.com".into(),
            "@zoe:hs.example".into(),
        );
        assert_eq!(found(&is).as_deref(), Some("@zoe:hs.example"));
        assert!(!is.unbind(Medium::Email, "zoe@example.com".into(), "@eve:hs.example"));
        assert!(is.unbind(Medium::Email, "zoe@example.com".into(), "@zoe:hs.example"));
        assert_eq!(found(&is), None);
    }

    #[test]
    fn a_token_is_mailed_once_per_new_send_attempt() {
        let (is, _) = server(Federation::default_federation().servers.remove(0));
        let sid = is.open_session(Medium::Email, "zoe@example.com".into(), "s".into(), 1);
        assert_eq!(
            is.open_session(Medium::Email, "zoe@example.com".into(), "s".into(), 1),
            sid
        );
        let sent = is.outbox.sent();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].server, "matrix.example:443");
        assert_eq!(
            is.submit_token(&sid, "s", "email", &sent[0].token),
            Some(true)
        );
        assert!(is.validated(&sid, "s").is_ok());
    }
}
