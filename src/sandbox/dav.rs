//! The sandbox's CardDAV server, running: started on loopback (port 0)
//! from a [`DavSpec`], with its request log and its cards readable by
//! tests. [`super::Sandbox::start`] starts one when the federation has a
//! `[dav]` section; `lookup --sandbox` starts one of its own before reading
//! an address book from it.

use std::fmt::Write as _;
use std::sync::Arc;

use tokio::task::JoinHandle;
use url::Url;

use super::dav_spec::DavSpec;
use super::error::SandboxError;
use super::faults::Faults;
use super::serve::{self, Recorded, Site};
use super::state::dav_state::DavState;

/// A running CardDAV server. Dropping it stops it.
pub struct RunningDav {
    /// Its name, `host:port` (`https://NAME/` reaches it through
    /// [`RunningDav::resolve`]).
    pub name: String,
    /// Where it is served: `http://127.0.0.1:PORT/`.
    pub url: Url,
    users: Vec<(String, String)>,
    site: Arc<Site>,
    state: Arc<DavState>,
    task: JoinHandle<()>,
}

impl RunningDav {
    /// Serves `spec` on loopback, on the current tokio runtime.
    pub async fn start(spec: &DavSpec) -> Result<RunningDav, SandboxError> {
        spec.validate().map_err(|problem| SandboxError::Invalid {
            path: None,
            problem,
        })?;
        let (listener, url) = serve::bind(&spec.name).await?;
        let state = Arc::new(DavState::new(spec));
        let router = axum::Router::new()
            .fallback(super::routes::carddav::handle)
            .layer(axum::extract::DefaultBodyLimit::disable())
            .with_state(state.clone());
        let site = Site::new(router, Faults::default());
        let task = serve::spawn(listener, site.clone());
        Ok(RunningDav {
            name: spec.name.clone(),
            url,
            users: spec
                .users
                .iter()
                .map(|u| (u.name.clone(), u.password.clone()))
                .collect(),
            site,
            state,
            task,
        })
    }

    /// Name → URL: what `--resolve NAME=URL` says for it.
    pub fn resolve(&self) -> (String, Url) {
        (self.name.clone(), self.url.clone())
    }

    /// The URL of `path` (`/dav/addressbooks/alice/contacts/`) on loopback.
    pub fn url_of(&self, path: &str) -> String {
        format!("{}{}", self.url.as_str().trim_end_matches('/'), path)
    }

    /// Every request received so far, in order of arrival.
    pub fn requests(&self) -> Vec<Recorded> {
        self.site.requests()
    }

    /// A card's bytes and ETag as they are now, by owner, book and file
    /// name; reading it here does not count as a client's fetch.
    pub fn card(&self, owner: &str, book: &str, name: &str) -> Option<(Vec<u8>, String)> {
        self.state
            .peek(owner, book, name)
            .map(|c| (c.bytes, c.etag))
    }

    /// The file names of a book's cards, in order.
    pub fn card_names(&self, owner: &str, book: &str) -> Vec<String> {
        self.state
            .book(owner, book)
            .map(|b| b.cards.into_keys().collect())
            .unwrap_or_default()
    }

    /// Its lines of `mxlookup sandbox`'s listing.
    pub fn describe(&self) -> String {
        let bare = self.url.as_str().trim_end_matches('/');
        let mut text = format!("CardDAV server {}:\n  {bare}/dav/", self.name);
        for (user, password) in &self.users {
            let _ = write!(text, "  user {user}  password {password}");
            let _ = write!(
                text,
                "\n    list: MXLOOKUP_DAV_PASSWORD={password} mxlookup lookup {bare}/ --dav-user {user} --list"
            );
            for (slug, name, count) in self.state.books_of(user) {
                let _ = write!(
                    text,
                    "\n    {bare}/dav/addressbooks/{user}/{slug}/  {}  {count} cards",
                    name.unwrap_or_default()
                );
            }
        }
        text.push('\n');
        text
    }
}

impl Drop for RunningDav {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl std::fmt::Debug for RunningDav {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningDav")
            .field("name", &self.name)
            .field("url", &self.url.as_str())
            .finish_non_exhaustive()
    }
}
