//! The homeserver stub's state: its one user and that user's token, the
//! OpenID tokens it issued, the identity servers it can reach, the
//! bindings it made through them, its `.well-known` document, and the
//! user's account data. Nothing here knows HTTP: the routes (`routes/hs_*`)
//! read and change it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use serde_json::Value;
use url::Url;

use super::hs_logins::Logins;
use crate::sandbox::random::new_token;
use crate::sandbox::spec::HomeserverSpec;

/// The bindings the homeserver stub made: (medium, address) → servers.
type Bindings = BTreeMap<(String, String), Vec<String>>;

/// The stub's state.
pub(crate) struct HsState {
    server_name: String,
    user_id: String,
    token: String,
    /// OpenID tokens issued (all for `user_id`).
    openid: Mutex<BTreeSet<String>>,
    /// The identity servers (name, URL) and the client to reach them, once
    /// they run.
    links: OnceLock<(reqwest::Client, Vec<(String, Url)>)>,
    /// Bindings made through `account/3pid/bind`.
    bindings: Mutex<Bindings>,
    /// `/.well-known/matrix/client`, once the servers it names are bound.
    well_known: OnceLock<Value>,
    /// The user's account data: type → content.
    account_data: Mutex<BTreeMap<String, Value>>,
    /// Password logins and the tokens it accepts.
    logins: Logins,
}

impl HsState {
    pub fn new(spec: &HomeserverSpec) -> Arc<Self> {
        let token = spec
            .token
            .clone()
            .unwrap_or_else(|| new_token("syt_sandbox_"));
        Arc::new(HsState {
            server_name: spec.server_name.clone(),
            user_id: spec.user_id.clone(),
            logins: Logins::new(spec, &token),
            token,
            openid: Mutex::default(),
            links: OnceLock::new(),
            bindings: Mutex::default(),
            well_known: OnceLock::new(),
            account_data: Mutex::new(spec.account_data.contents()),
        })
    }

    /// Tells the stub where the identity servers are, once they run: the
    /// name of one as the chosen `m.identity_server` becomes its URL.
    pub fn link(&self, http: reqwest::Client, servers: Vec<(String, Url)>) {
        if let Some(Value::Object(choice)) = self.account_data().get_mut("m.identity_server")
            && let Some(Value::String(base_url)) = choice.get_mut("base_url")
            && let Some((_, url)) = servers.iter().find(|(name, _)| name == base_url)
        {
            *base_url = url.as_str().trim_end_matches('/').to_owned();
        }
        let _ = self.links.set((http, servers));
    }

    /// The identity servers, by name and URL.
    pub fn identity_servers(&self) -> &[(String, Url)] {
        self.links.get().map_or(&[], |(_, s)| s.as_slice())
    }

    /// The client it calls identity servers with.
    pub fn http(&self) -> reqwest::Client {
        self.links
            .get()
            .map(|(http, _)| http.clone())
            .unwrap_or_default()
    }

    /// Its one user.
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    /// Its server name.
    pub fn server_name(&self) -> &str {
        &self.server_name
    }

    /// The user's access token.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Password logins, and every token it accepts (the fixed one too).
    pub fn logins(&self) -> &Logins {
        &self.logins
    }

    fn bindings(&self) -> MutexGuard<'_, Bindings> {
        self.bindings.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Remembers that `address` was bound on `id_server`.
    pub fn record_binding(&self, medium: String, address: String, id_server: String) {
        let mut bindings = self.bindings();
        let servers = bindings.entry((medium, address)).or_default();
        if !servers.contains(&id_server) {
            servers.push(id_server);
        }
    }

    /// The identity servers `address` was bound on.
    pub fn bindings_of(&self, medium: &str, address: &str) -> Vec<String> {
        self.bindings()
            .get(&(medium.to_owned(), address.to_owned()))
            .cloned()
            .unwrap_or_default()
    }

    /// Forgets one binding.
    pub fn forget_binding(&self, medium: &str, address: &str, id_server: &str) {
        let key = (medium.to_owned(), address.to_owned());
        let mut bindings = self.bindings();
        if let Some(servers) = bindings.get_mut(&key) {
            servers.retain(|s| s != id_server);
            if servers.is_empty() {
                bindings.remove(&key);
            }
        }
    }

    fn openid(&self) -> MutexGuard<'_, BTreeSet<String>> {
        self.openid.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Issues an OpenID token for its user.
    pub fn issue_openid(&self) -> String {
        let token = new_token("oid_");
        self.openid().insert(token.clone());
        token
    }

    /// Whether it issued the OpenID token `token`.
    pub fn knows_openid(&self, token: &str) -> bool {
        self.openid().contains(token)
    }

    /// Serves `doc` as `/.well-known/matrix/client` (until then: 404).
    pub fn set_well_known(&self, doc: Value) {
        let _ = self.well_known.set(doc);
    }

    /// Its `/.well-known/matrix/client`, once set.
    pub fn well_known(&self) -> Option<&Value> {
        self.well_known.get()
    }

    fn account_data(&self) -> MutexGuard<'_, BTreeMap<String, Value>> {
        self.account_data.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The content of one type of the user's account data, if set.
    pub fn account_data_of(&self, kind: &str) -> Option<Value> {
        self.account_data().get(kind).cloned()
    }

    /// Sets (replaces) the content of one type of the user's account data.
    pub fn set_account_data(&self, kind: String, content: Value) {
        self.account_data().insert(kind, content);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bindings_are_kept_per_server_once_and_forgotten_one_by_one() {
        let hs = HsState::new(&HomeserverSpec::default());
        assert!(hs.token().starts_with("syt_sandbox_"));
        let (email, alice) = ("email", "alice@example.com");
        hs.record_binding(email.into(), alice.into(), "a.example:443".into());
        hs.record_binding(email.into(), alice.into(), "b.example:443".into());
        hs.record_binding(email.into(), alice.into(), "a.example:443".into());
        assert_eq!(
            hs.bindings_of(email, alice),
            ["a.example:443", "b.example:443"]
        );
        hs.forget_binding(email, alice, "a.example:443");
        assert_eq!(hs.bindings_of(email, alice), ["b.example:443"]);
        hs.forget_binding(email, alice, "b.example:443");
        assert!(hs.bindings_of(email, alice).is_empty());
        assert!(hs.bindings().is_empty());
    }

    #[test]
    fn account_data_starts_from_the_spec_with_server_names_as_urls() {
        let spec: HomeserverSpec = toml::from_str(
            r#"
            [account_data]
            identity_server = "is.example:443"
            accepted_terms = ["https://is.example/terms"]
            raw = { "org.example.x" = '{"k": 1}' }
            "#,
        )
        .unwrap();
        let hs = HsState::new(&spec);
        assert_eq!(hs.account_data_of("m.push_rules"), None);
        let url = Url::parse("http://127.0.0.1:8090/").unwrap();
        hs.link(reqwest::Client::new(), vec![("is.example:443".into(), url)]);
        let json = |text: &str| serde_json::from_str::<Value>(text).unwrap();
        assert_eq!(
            hs.account_data_of("m.identity_server"),
            Some(json(r#"{"base_url": "http://127.0.0.1:8090"}"#))
        );
        assert_eq!(
            hs.account_data_of("m.accepted_terms"),
            Some(json(r#"{"accepted": ["https://is.example/terms"]}"#))
        );
        assert_eq!(
            hs.account_data_of("org.example.x"),
            Some(json(r#"{"k": 1}"#))
        );
        hs.set_account_data("m.identity_server".into(), json(r#"{"base_url": null}"#));
        assert_eq!(
            hs.account_data_of("m.identity_server"),
            Some(json(r#"{"base_url": null}"#))
        );
    }

    #[test]
    fn only_the_openid_tokens_it_issued_are_known() {
        let hs = HsState::new(&HomeserverSpec::default());
        let token = hs.issue_openid();
        assert!(token.starts_with("oid_"));
        assert!(hs.knows_openid(&token));
        assert!(!hs.knows_openid("oid_made_up"));
    }
}
