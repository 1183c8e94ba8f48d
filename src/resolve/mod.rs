//! Resolving addresses through the federation. The decisions are pure:
//! the walk's ([`walk`], [`policy`]) and the batching of each server's
//! requests ([`batching`]); [`server`] asks one server as batching decides;
//! this module runs the walk, each task on its own, servers in parallel,
//! and tells a [`Reporter`] how it goes (the library prints nothing).

pub mod batching;
pub mod limits;
pub mod policy;
pub mod reporter;
pub mod server;
pub mod walk;

use std::collections::BTreeMap;
use std::ops::Index;
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::identity::discovery::server_url;
use crate::identity::{AuthContext, Http, IdentityClient, Session};
use crate::outcome::{Address, AddressId};
use crate::outcome::{Outcome, Outcomes};
use policy::Policy;
pub use reporter::{Reporter, Warning};
use server::{AskSettings, Asked, Sent, ServerState, ServerStats};
use walk::{Server, ServerId, Task, Walk};

/// How a run resolves.
#[derive(Debug, Clone)]
pub struct ResolveSettings {
    /// The start servers, as named by the user and reached.
    pub starts: Vec<Server>,
    /// The IS token given for each start server, in the order of
    /// `starts` (`None`, or missing: it registers, as referred servers do).
    /// A token goes to its own server and no other.
    pub start_tokens: Vec<Option<String>>,
    /// The referral policy.
    pub policy: Policy,
    /// How servers are asked.
    pub ask: AskSettings,
    /// Keep every hop (for `mxlookup trace`).
    pub trace: bool,
    /// Batch sizes learned per server, kept across runs (none: not kept).
    pub limits: Option<Arc<limits::LimitStore>>,
}

/// One hop of the walk, as `mxlookup trace` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Hop {
    /// The server as named in `via`.
    pub server: String,
    /// Where it was reached.
    pub url: String,
    /// Referral hops from a start server.
    pub depth: u32,
    /// The algorithm used.
    pub algorithm: Option<String>,
    /// The server's pepper.
    pub lookup_pepper: Option<String>,
    /// Its alternative peppers.
    pub alt_lookup_peppers: Vec<String>,
    /// What was sent for the address, per pepper.
    pub sent: Vec<Sent>,
    /// What came back: `found`, `referred`, `error` or `nothing`.
    pub answer: String,
    /// The Matrix ID, the server referred to, or the error.
    pub detail: Option<String>,
    /// Time for this hop, in milliseconds.
    pub elapsed_ms: u64,
}

/// What a run found.
#[derive(Debug)]
pub struct Resolution {
    /// Per address asked, its merged outcome.
    pub outcomes: Outcomes,
    /// Per server, its counters, start servers first.
    pub servers: Vec<ServerStats>,
    /// Every hop, when tracing.
    pub hops: Vec<Hop>,
}

/// Runs a walk (one per run: the start servers' state, their peppers and
/// batch sizes, is kept from [`Resolver::prepare`] to the walk).
pub struct Resolver {
    http: Http,
    auth: Arc<AuthContext>,
    settings: ResolveSettings,
    /// The start servers' state, by index.
    starts: Vec<Arc<ServerState>>,
}

impl Resolver {
    /// A resolver using `http` and `auth` for every server.
    pub fn new(http: Http, auth: Arc<AuthContext>, settings: ResolveSettings) -> Self {
        let mut resolver = Resolver {
            http,
            auth,
            settings,
            starts: Vec::new(),
        };
        resolver.starts = resolver
            .settings
            .starts
            .iter()
            .enumerate()
            .map(|(index, server)| Arc::new(resolver.new_state(server, Some(index))))
            .collect();
        resolver
    }

    /// Registers with the start servers when needed and fetches their
    /// `hash_details`, all at once; what fails is said when they are asked.
    pub async fn prepare(&self) {
        let mut fetching = JoinSet::new();
        for state in &self.starts {
            let state = Arc::clone(state);
            fetching.spawn(async move { state.details(false).await.is_ok() });
        }
        // Not `join_all`, which panics on a task cancelled when the run
        // ends early (the runtime is dropped): such a task is just over.
        while fetching.join_next().await.is_some() {}
    }

    /// How many requests the walk's client has sent, every try counted.
    pub fn sent(&self) -> crate::identity::http::SentCount {
        self.http.sent()
    }

    /// The start servers, as named by the user and reached.
    pub fn starts(&self) -> &[Server] {
        &self.settings.starts
    }

    /// A session with start server `index` (with its own token, if one
    /// was given), for calls other than the walk's (`mxlookup push`).
    pub fn start_session(&self, index: usize) -> Option<Session> {
        let server = self.settings.starts.get(index)?;
        Some(self.session(server, Some(index)))
    }

    /// A session with `server`, start server `start` if it is one: a token
    /// given belongs to the one start server it was given for; the other
    /// servers register.
    fn session(&self, server: &Server, start: Option<usize>) -> Session {
        let http = if server.public_only {
            self.http.public_only()
        } else {
            self.http.clone()
        };
        let client = IdentityClient::new(http, server.name.clone(), server.url.clone());
        let token = start
            .and_then(|index| self.settings.start_tokens.get(index))
            .cloned()
            .flatten();
        Session::new(client, Arc::clone(&self.auth), token)
    }

    fn new_state(&self, server: &Server, start: Option<usize>) -> ServerState {
        let now = std::time::SystemTime::now();
        let learned = self.settings.limits.as_ref();
        ServerState::new(
            self.session(server, start),
            &server.name,
            self.settings.ask.clone(),
            self.settings.trace,
        )
        .with_learned(learned.and_then(|l| l.get(&limits_key(server), now)))
    }

    /// Server `id` of `walk` (the start servers first, as in every walk).
    fn state(
        &self,
        walk: &Walk,
        id: ServerId,
        states: &mut BTreeMap<ServerId, Arc<ServerState>>,
    ) -> Arc<ServerState> {
        states
            .entry(id)
            .or_insert_with(|| match self.starts.get(id) {
                Some(start) => Arc::clone(start),
                None => Arc::new(self.new_state(walk.server(id), None)),
            })
            .clone()
    }

    /// Fetches the start servers' `hash_details` only (for a dry run).
    pub async fn start_details(
        &self,
        reporter: &dyn Reporter,
    ) -> Vec<(
        Server,
        Result<crate::identity::wire::HashDetails, String>,
        ServerStats,
    )> {
        let (walk, _) = Walk::new(
            self.settings.policy.clone(),
            self.settings.starts.clone(),
            &[],
        );
        let mut states = BTreeMap::new();
        let mut out = Vec::new();
        for id in 0..self.settings.starts.len() {
            let state = self.state(&walk, id, &mut states);
            let details = state.details(false).await.map_err(|e| e.to_string());
            let details = details.and_then(|d| state.choose(&d, reporter).map(|_| d));
            out.push((walk.server(id).clone(), details, state.stats()));
        }
        out
    }

    /// Resolves `addresses`, numbered from 0.
    pub async fn resolve_all(
        &self,
        addresses: Vec<Address>,
        reporter: Arc<dyn Reporter>,
    ) -> Resolution {
        let (feed, fed) = mpsc::unbounded_channel();
        feed.send(addresses).expect("the receiver is still here");
        drop(feed);
        self.resolve(fed, reporter, None).await
    }

    /// Resolves the addresses of `feed` as they come, numbered from 0 in
    /// the order received: the first are asked while the rest are still
    /// being read. Ends when the sender is gone and every task is done.
    ///
    /// With `finished`, the outcomes of each slab of addresses go there as
    /// soon as no task about them is left (in no set order), and are not
    /// in the [`Resolution`]; else all are there.
    pub async fn resolve(
        &self,
        mut feed: mpsc::UnboundedReceiver<Vec<Address>>,
        reporter: Arc<dyn Reporter>,
        finished: Option<mpsc::UnboundedSender<Vec<(AddressId, Outcome)>>>,
    ) -> Resolution {
        let mut run = Run::new(self, reporter, finished);
        let mut feeding = true;
        loop {
            tokio::select! {
                fed = feed.recv(), if feeding => {
                    match fed {
                        Some(addresses) => run.received(addresses),
                        None => feeding = false,
                    }
                    run.cut(feeding);
                }
                Some(done) = run.running.join_next() => {
                    let (task, asked, elapsed_ms) = done.expect("walk tasks do not panic");
                    run.answered(task, asked, elapsed_ms);
                }
                else => break,
            }
        }
        run.finish()
    }
}

/// One walk under way: the walk itself, the servers' state, the tasks
/// running, and the slabs of addresses fed so far.
struct Run<'r> {
    resolver: &'r Resolver,
    reporter: Arc<dyn Reporter>,
    finished: Option<mpsc::UnboundedSender<Vec<(AddressId, Outcome)>>>,
    walk: Walk,
    states: BTreeMap<ServerId, Arc<ServerState>>,
    running: JoinSet<(Task, Asked, u64)>,
    hops: Vec<Hop>,
    /// The slabs, which are the walk's groups, and how many tasks about
    /// each are left.
    slabs: Vec<Slab>,
    left: Vec<usize>,
    /// Addresses fed and not yet in a slab.
    waiting: Vec<Address>,
    /// A task is asked in chunks, each answered on its own: the referrals
    /// of the first chunks reach the next server while this one still
    /// answers the rest. A server takes its chunks in turn. A chunk is one
    /// round of requests in flight, each at the largest batch size.
    chunk_size: usize,
    /// How many tasks about each address are under way: an address is
    /// answered when its count falls back to 0 (told to the reporter).
    open: Vec<u16>,
}

impl<'r> Run<'r> {
    fn new(
        resolver: &'r Resolver,
        reporter: Arc<dyn Reporter>,
        finished: Option<mpsc::UnboundedSender<Vec<(AddressId, Outcome)>>>,
    ) -> Self {
        let settings = &resolver.settings;
        let (walk, _) = Walk::new(settings.policy.clone(), settings.starts.clone(), &[]);
        Run {
            resolver,
            reporter,
            finished,
            walk,
            states: BTreeMap::new(),
            running: JoinSet::new(),
            hops: Vec::new(),
            slabs: Vec::new(),
            left: Vec::new(),
            waiting: Vec::new(),
            chunk_size: (settings.ask.in_flight * settings.ask.max_batch).max(1),
            open: Vec::new(),
        }
    }

    fn received(&mut self, addresses: Vec<Address>) {
        self.reporter.received(addresses.len());
        self.waiting.extend(addresses);
    }

    /// Cuts the addresses waiting into slabs of whole rounds of full
    /// batches (the first is one batch, to have the first answer soon; the
    /// last may be short once `feeding` is over), and starts their tasks.
    fn cut(&mut self, feeding: bool) {
        while !self.waiting.is_empty() {
            let size = if self.slabs.is_empty() {
                self.resolver.settings.ask.max_batch.max(1)
            } else {
                self.chunk_size
            };
            if feeding && self.waiting.len() < size {
                break;
            }
            let rest = self.waiting.split_off(size.min(self.waiting.len()));
            let first = self.slabs.last().map_or(0, Slab::end);
            let slab = Slab::new(first, std::mem::replace(&mut self.waiting, rest));
            let ids: Vec<AddressId> = (first..slab.end()).collect();
            let group = self.slabs.len();
            self.slabs.push(slab);
            self.left.push(0);
            for task in self.walk.add(&ids) {
                self.left[group] += self.spawn(task, group);
            }
        }
    }

    /// Starts `task`, about addresses of slab `group`, in chunks; returns
    /// how many.
    fn spawn(&mut self, task: Task, group: usize) -> usize {
        let state = self
            .resolver
            .state(&self.walk, task.server, &mut self.states);
        let chunks = task.addresses.chunks(self.chunk_size);
        let spawned = chunks.len();
        for chunk in chunks {
            let task = Task {
                server: task.server,
                addresses: chunk.to_vec(),
                path: task.path.clone(),
            };
            self.reporter.task_started();
            for &id in &task.addresses {
                let id = id as usize;
                if self.open.len() <= id {
                    self.open.resize(id + 1, 0);
                }
                self.open[id] = self.open[id].saturating_add(1);
            }
            let slab = self.slabs[group].clone();
            let state = Arc::clone(&state);
            let reporter = Arc::clone(&self.reporter);
            self.running.spawn(async move {
                let started = Instant::now();
                let asked = state.ask(task.addresses.clone(), &slab, &*reporter).await;
                (task, asked, started.elapsed().as_millis() as u64)
            });
        }
        spawned
    }

    /// A task is done: its answer goes to the walk, which may refer its
    /// addresses on; a slab with no task left is finished.
    fn answered(&mut self, task: Task, asked: Asked, elapsed_ms: u64) {
        self.reporter.task_done(asked.answer.found.len());
        if self.resolver.settings.trace {
            let stats = self.states[&task.server].stats();
            self.hops
                .push(hop(&self.walk, &task, &asked, &stats, elapsed_ms));
        }
        let group = self.walk.group_of(task.addresses[0]);
        for next in self.walk.answer(&task, asked.answer) {
            self.left[group] += self.spawn(next, group);
        }
        let mut answered = 0;
        for &id in &task.addresses {
            let open = &mut self.open[id as usize];
            *open -= 1;
            answered += usize::from(*open == 0);
        }
        self.reporter.answered(answered);
        self.left[group] -= 1;
        if self.left[group] == 0
            && let Some(finished) = &self.finished
        {
            // The job may have stopped listening (its output failed); the
            // walk still ends as it should.
            let _ = finished.send(self.walk.finish_group(group));
        }
    }

    fn finish(self) -> Resolution {
        self.remember_limits();
        let servers = self.states.values().map(|s| s.stats()).collect();
        Resolution {
            outcomes: self.walk.finish(),
            servers,
            hops: self.hops,
        }
    }
}

impl Run<'_> {
    /// Keeps what this run learned of the servers' batch sizes for later
    /// runs. A file that cannot be written costs the next run a probe or
    /// two, no more: it does not fail this one.
    fn remember_limits(&self) {
        let Some(store) = &self.resolver.settings.limits else {
            return;
        };
        let now = std::time::SystemTime::now();
        let mut changed = false;
        for (&id, state) in &self.states {
            if let Some(lesson) = state.lesson() {
                store.set(&limits_key(self.walk.server(id)), lesson, now);
                changed = true;
            }
        }
        if changed {
            let _ = store.save();
        }
    }
}

/// The key of a server's learned limits: its canonical `host:port`, so
/// that every spelling of it (as a start URL or in a referral) shares them.
fn limits_key(server: &Server) -> String {
    server
        .canonical_name()
        .unwrap_or_else(|| server.name.clone())
}

/// Addresses fed to a walk together, numbered from `first`: every task's
/// addresses come from one slab, since a task's referrals are made of its
/// own addresses.
#[derive(Debug, Clone)]
pub struct Slab {
    first: AddressId,
    addresses: Arc<[Address]>,
}

impl Slab {
    fn new(first: AddressId, addresses: Vec<Address>) -> Self {
        Slab {
            first,
            addresses: addresses.into(),
        }
    }

    fn len(&self) -> usize {
        self.addresses.len()
    }

    /// The id after its last address.
    fn end(&self) -> AddressId {
        let len = AddressId::try_from(self.len()).expect("fewer than 2^32 addresses");
        self.first
            .checked_add(len)
            .expect("fewer than 2^32 addresses")
    }
}

impl Index<AddressId> for Slab {
    type Output = Address;

    fn index(&self, id: AddressId) -> &Address {
        &self.addresses[(id - self.first) as usize]
    }
}

/// A trace hop for the (single) address of `task`.
fn hop(walk: &Walk, task: &Task, asked: &Asked, stats: &ServerStats, elapsed_ms: u64) -> Hop {
    let server = walk.server(task.server);
    let address = task.addresses.first().copied();
    let sent = address
        .and_then(|a| asked.sent.get(&a).cloned())
        .unwrap_or_default();
    let a = &asked.answer;
    let (answer, detail) = if let Some((_, mxid)) = a.found.first() {
        ("found", Some(mxid.clone()))
    } else if let Some((_, to)) = a.referred.first() {
        ("referred", Some(to.clone()))
    } else if let Some((_, why)) = a.failed.first() {
        ("error", Some(why.clone()))
    } else {
        ("nothing", None)
    };
    Hop {
        server: server.name.clone(),
        url: server.url.to_string(),
        depth: task.depth(),
        algorithm: stats.algorithm.map(|a| a.as_str().to_owned()),
        lookup_pepper: stats.lookup_pepper.clone(),
        alt_lookup_peppers: stats.alt_lookup_peppers.clone(),
        sent,
        answer: answer.to_owned(),
        detail,
        elapsed_ms,
    }
}

/// A start server named by `-s`: named as given, less a trailing `/`.
pub fn start_server(given: &str) -> Result<Server, String> {
    let (name, url) = server_url(given)?;
    Ok(Server {
        name,
        url,
        public_only: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::threepid::Medium;

    fn addresses(names: &[&str]) -> Vec<Address> {
        names
            .iter()
            .map(|&a| Address {
                medium: Medium::Email,
                address: a.to_owned(),
            })
            .collect()
    }

    #[test]
    fn an_address_is_found_in_the_slab_that_holds_it() {
        let first = Slab::new(0, addresses(&["a@x", "b@x"]));
        let second = Slab::new(first.end(), addresses(&["c@x"]));
        let third = Slab::new(second.end(), addresses(&["d@x", "e@x"]));
        let (mut walk, _) = Walk::new(Policy::default(), Vec::new(), &[]);
        let slabs = [first, second, third];
        for slab in &slabs {
            walk.add(&(slab.first..slab.end()).collect::<Vec<_>>());
        }
        let found: Vec<&str> = (0..5)
            .map(|id| slabs[walk.group_of(id)][id].address.as_str())
            .collect();
        assert_eq!(found, ["a@x", "b@x", "c@x", "d@x", "e@x"]);
        assert_eq!(slabs[2].end(), 5);
    }
}
