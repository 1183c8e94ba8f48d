//! Resolving addresses through the federation. The walk's decisions
//! ([`walk`], [`policy`]) are pure; [`server`] asks one server; this module
//! runs the walk, each task on its own, servers in parallel.

pub mod policy;
pub mod server;
pub mod walk;

use std::collections::BTreeMap;
use std::ops::Index;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use serde::Serialize;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use url::Url;

use crate::identity::{AuthContext, Http, IdentityClient, Session};
use crate::outcome::{Address, AddressId};
use crate::outcome::{Outcome, Outcomes};
use policy::Policy;
use server::{AskSettings, Asked, Sent, ServerState, ServerStats};
use walk::{Server, ServerId, Task, Walk};

/// How a run resolves.
#[derive(Debug, Clone)]
pub struct ResolveSettings {
    /// The start servers, as named by the user and reached.
    pub starts: Vec<Server>,
    /// `--access-token`: an IS token for the start servers.
    pub access_token: Option<String>,
    /// The referral policy.
    pub policy: Policy,
    /// How servers are asked.
    pub ask: AskSettings,
    /// Keep every hop (for `mxlookup trace`).
    pub trace: bool,
}

/// Counters a progress display reads while the walk runs.
#[derive(Debug, Default)]
pub struct Progress {
    /// Addresses received so far.
    pub addresses: AtomicU64,
    /// Tasks (server, addresses) finished.
    pub tasks_done: AtomicU64,
    /// Tasks started.
    pub tasks_started: AtomicU64,
    /// Addresses a server mapped.
    pub found: AtomicU64,
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
            .map(|server| Arc::new(resolver.new_state(server, true)))
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
        fetching.join_all().await;
    }

    /// The start servers, as named by the user and reached.
    pub fn starts(&self) -> &[Server] {
        &self.settings.starts
    }

    /// A session with start server `index` (with `--access-token`), for
    /// calls other than the walk's (`mxlookup push`).
    pub fn start_session(&self, index: usize) -> Option<Session> {
        let server = self.settings.starts.get(index)?;
        Some(self.session(server, true))
    }

    /// A session with `server`: `--access-token` belongs to the start
    /// servers; referred ones register.
    fn session(&self, server: &Server, is_start: bool) -> Session {
        let http = if server.public_only {
            self.http.public_only()
        } else {
            self.http.clone()
        };
        let client = IdentityClient::new(http, server.name.clone(), server.url.clone());
        let token = if is_start {
            self.settings.access_token.clone()
        } else {
            None
        };
        Session::new(client, Arc::clone(&self.auth), token)
    }

    fn new_state(&self, server: &Server, is_start: bool) -> ServerState {
        ServerState::new(
            self.session(server, is_start),
            &server.name,
            self.settings.ask.clone(),
            self.settings.trace,
        )
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
                None => Arc::new(self.new_state(walk.server(id), false)),
            })
            .clone()
    }

    /// Fetches the start servers' `hash_details` only (for a dry run).
    pub async fn start_details(
        &self,
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
            let details = details.and_then(|d| state.choose(&d).map(|_| d));
            out.push((walk.server(id).clone(), details, state.stats()));
        }
        out
    }

    /// Resolves `addresses`, numbered from 0.
    pub async fn resolve_all(
        &self,
        addresses: Vec<Address>,
        progress: Arc<Progress>,
    ) -> Resolution {
        let (feed, fed) = mpsc::unbounded_channel();
        feed.send(addresses).expect("the receiver is still here");
        drop(feed);
        self.resolve(fed, progress, None).await
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
        progress: Arc<Progress>,
        finished: Option<mpsc::UnboundedSender<Vec<(AddressId, Outcome)>>>,
    ) -> Resolution {
        let (mut walk, _) = Walk::new(
            self.settings.policy.clone(),
            self.settings.starts.clone(),
            &[],
        );
        let mut states: BTreeMap<ServerId, Arc<ServerState>> = BTreeMap::new();
        let mut running: JoinSet<(Task, Asked, u64)> = JoinSet::new();
        let mut hops = Vec::new();
        // The slabs, which are the walk's groups, and how many tasks about
        // each are left.
        let mut slabs: Vec<Slab> = Vec::new();
        let mut left: Vec<usize> = Vec::new();
        // Addresses fed and not yet in a slab.
        let mut waiting: Vec<Address> = Vec::new();
        let mut feeding = true;
        // A task is asked in chunks, each answered on its own: the referrals
        // of the first chunks reach the next server while this one still
        // answers the rest. A server takes its chunks in turn. A chunk is
        // one round of requests in flight, each at the largest batch size.
        let ask = &self.settings.ask;
        let chunk_size = (ask.in_flight * ask.max_batch).max(1);
        let spawn = |task: Task, running: &mut JoinSet<_>, state: Arc<ServerState>, slab: &Slab| {
            let chunks = task.addresses.chunks(chunk_size);
            let spawned = chunks.len();
            for chunk in chunks {
                let task = Task {
                    server: task.server,
                    addresses: chunk.to_vec(),
                    path: task.path.clone(),
                };
                progress.tasks_started.fetch_add(1, Ordering::Relaxed);
                let slab = slab.clone();
                let state = Arc::clone(&state);
                running.spawn(async move {
                    let started = Instant::now();
                    let asked = state.ask(task.addresses.clone(), &slab).await;
                    (task, asked, started.elapsed().as_millis() as u64)
                });
            }
            spawned
        };
        loop {
            tokio::select! {
                fed = feed.recv(), if feeding => {
                    match fed {
                        Some(addresses) => {
                            progress.addresses.fetch_add(addresses.len() as u64, Ordering::Relaxed);
                            waiting.extend(addresses);
                        }
                        None => feeding = false,
                    }
                    // Cut into slabs of whole rounds of full batches; the
                    // first is one batch, to have the first answer soon.
                    while !waiting.is_empty() {
                        let size = if slabs.is_empty() { ask.max_batch.max(1) } else { chunk_size };
                        if feeding && waiting.len() < size {
                            break;
                        }
                        let rest = waiting.split_off(size.min(waiting.len()));
                        let first = slabs.last().map_or(0, Slab::end);
                        let slab = Slab::new(first, std::mem::replace(&mut waiting, rest));
                        let ids: Vec<AddressId> = (first..slab.end()).collect();
                        let mut tasks = 0;
                        for task in walk.add(&ids) {
                            let state = self.state(&walk, task.server, &mut states);
                            tasks += spawn(task, &mut running, state, &slab);
                        }
                        slabs.push(slab);
                        left.push(tasks);
                    }
                }
                Some(done) = running.join_next() => {
                    let (task, asked, elapsed_ms) = done.expect("walk tasks do not panic");
                    progress.tasks_done.fetch_add(1, Ordering::Relaxed);
                    progress
                        .found
                        .fetch_add(asked.answer.found.len() as u64, Ordering::Relaxed);
                    if self.settings.trace {
                        hops.push(hop(
                            &walk,
                            &task,
                            &asked,
                            &states[&task.server].stats(),
                            elapsed_ms,
                        ));
                    }
                    let group = walk.group_of(task.addresses[0]);
                    for next in walk.answer(&task, asked.answer) {
                        let state = self.state(&walk, next.server, &mut states);
                        left[group] += spawn(next, &mut running, state, &slabs[group]);
                    }
                    left[group] -= 1;
                    if left[group] == 0
                        && let Some(finished) = &finished
                    {
                        // The job may have stopped listening (its output
                        // failed); the walk still ends as it should.
                        let _ = finished.send(walk.finish_group(group));
                    }
                }
                else => break,
            }
        }
        let servers = states.values().map(|s| s.stats()).collect();
        Resolution {
            outcomes: walk.finish(),
            servers,
            hops,
        }
    }
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
    let trimmed = given.trim().trim_end_matches('/');
    let url = Url::parse(trimmed).map_err(|e| format!("`{given}` is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "`{given}`: only http and https servers can be asked"
        ));
    }
    let base = Url::parse(&format!("{trimmed}/")).expect("a URL with a slash is a URL");
    Ok(Server {
        name: trimmed.to_owned(),
        url: base,
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
