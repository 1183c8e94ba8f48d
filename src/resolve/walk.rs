//! The walk over the federation as a state machine without I/O: it hands out
//! [`Task`]s (ask this server about these addresses), takes each task's
//! [`Answer`], decides which referrals to follow under the [`Policy`], and at
//! the end merges everything said about each address into one [`Outcome`].
//! Unit tests drive it with made-up answers, no socket needed.

use std::collections::BTreeMap;
use std::sync::Arc;

use url::Url;

use super::policy::{Decision, Policy, server_name};
use crate::mxid::{canonical_server_name, check_user_id, url_server_name};
use crate::outcome::{AddressId, Outcome, Outcomes, Status};
use crate::sanitize::excerpt;

/// A server of the walk, by index.
pub type ServerId = usize;

/// A server: how `via` names it, and where it is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    /// The start URL as given, or `host:port`.
    pub name: String,
    /// Where it is reached.
    pub url: Url,
    /// Reached only at the public addresses its name resolves to (a
    /// referred server the user did not place or allow).
    pub public_only: bool,
}

impl Server {
    /// Its canonical name, `host:port` ([`crate::mxid::canonical_server_name`]):
    /// a referred server's name, or the one a start server's URL reaches
    /// (`https://Example.org./` is `example.org:443`); `None` for a URL
    /// without a host. What anything kept per server should be keyed by.
    pub fn canonical_name(&self) -> Option<String> {
        canonical_server_name(&self.name)
            .ok()
            .or_else(|| url_server_name(&self.url))
    }
}

/// Ask `server` about `addresses`, reached through `path`.
#[derive(Debug, Clone)]
pub struct Task {
    /// The server to ask.
    pub server: ServerId,
    /// The addresses.
    pub addresses: Vec<AddressId>,
    /// The servers before it, from a start server.
    pub path: Vec<ServerId>,
}

impl Task {
    /// Referral hops to reach the server (0 for a start server).
    pub fn depth(&self) -> u32 {
        self.path.len() as u32
    }
}

/// What a server said about a task's addresses. Addresses not mentioned were
/// not found there.
#[derive(Debug, Clone, Default)]
pub struct Answer {
    /// `(address, Matrix ID as sent)`.
    pub found: Vec<(AddressId, String)>,
    /// `(address, server name as sent)`.
    pub referred: Vec<(AddressId, String)>,
    /// `(address, why)`: the server failed for these.
    pub failed: Vec<(AddressId, String)>,
}

/// A path from a start server to the server that answered, interned.
type PathId = u32;

/// One thing a server said about an address.
#[derive(Debug)]
struct Heard {
    address: AddressId,
    /// The path, including the server that said it.
    path: PathId,
    what: What,
}

#[derive(Debug)]
enum What {
    Found(String),
    Error(String),
    Unfollowed(String),
    /// The walk ended there: not found, or a referral back into the path.
    Ended,
}

/// The walk.
#[derive(Debug)]
pub struct Walk {
    policy: Policy,
    servers: Vec<Server>,
    /// Each server's canonical name (`host:port`): a referred server's
    /// name, the one a start server's URL reaches. A referral is to a
    /// known server when it names one of these.
    keys: Vec<Option<String>>,
    /// Servers reached by referral (the budget counts these).
    referred: usize,
    is_start: Vec<bool>,
    /// Everything heard, per group of addresses [added](Walk::add)
    /// together, in the order heard; merged per address when the group is
    /// [finished](Walk::finish_group).
    heard: Vec<Vec<Heard>>,
    /// The first address of each group.
    groups: Vec<AddressId>,
    /// Each path's servers as `via` names them, once asked for.
    names: Vec<Arc<[String]>>,
    /// Paths by id, and ids by path.
    paths: Vec<Vec<ServerId>>,
    path_ids: BTreeMap<Vec<ServerId>, PathId>,
    /// Per address, the last answer that mentioned it (0: none yet).
    mentioned: Vec<u32>,
    answers: u32,
}

impl Walk {
    /// A walk asking every start server about `addresses` (and then
    /// about those [added](Walk::add)): the walk and its first tasks.
    pub fn new(policy: Policy, starts: Vec<Server>, addresses: &[AddressId]) -> (Walk, Vec<Task>) {
        let n = starts.len();
        let keys = starts.iter().map(Server::canonical_name).collect();
        let mut walk = Walk {
            policy,
            servers: starts,
            keys,
            referred: 0,
            is_start: vec![true; n],
            heard: Vec::new(),
            groups: Vec::new(),
            names: Vec::new(),
            paths: Vec::new(),
            path_ids: BTreeMap::new(),
            mentioned: Vec::new(),
            answers: 0,
        };
        let tasks = walk.add(addresses);
        (walk, tasks)
    }

    /// More addresses to ask about, a group numbered from 0 in the order
    /// added, each after the addresses of the groups before it: a task for
    /// each start server (none for no address).
    pub fn add(&mut self, addresses: &[AddressId]) -> Vec<Task> {
        let (Some(&min), Some(&max)) = (addresses.iter().min(), addresses.iter().max()) else {
            return Vec::new();
        };
        debug_assert!(self.groups.last().is_none_or(|&first| first < min));
        self.groups.push(min);
        self.heard.push(Vec::new());
        let size = (max as usize + 1).max(self.mentioned.len());
        self.mentioned.resize(size, 0);
        self.is_start
            .iter()
            .enumerate()
            .filter(|&(_, &start)| start)
            .map(|(server, _)| Task {
                server,
                addresses: addresses.to_vec(),
                path: Vec::new(),
            })
            .collect()
    }

    /// The servers known so far.
    pub fn server(&self, id: ServerId) -> &Server {
        &self.servers[id]
    }

    /// The id of `path`, interned.
    fn path_id(&mut self, path: &[ServerId]) -> PathId {
        if let Some(&id) = self.path_ids.get(path) {
            return id;
        }
        let id = self.paths.len() as PathId;
        self.paths.push(path.to_vec());
        self.path_ids.insert(path.to_vec(), id);
        id
    }

    /// Marks `address` as mentioned by the answer being taken.
    fn mention(&mut self, address: AddressId) {
        let at = address as usize;
        if at >= self.mentioned.len() {
            self.mentioned.resize(at + 1, 0);
        }
        self.mentioned[at] = self.answers;
    }

    fn hear(&mut self, address: AddressId, path: PathId, what: What) {
        let group = self.group_of(address);
        self.heard[group].push(Heard {
            address,
            path,
            what,
        });
    }

    /// The group `address` was added in.
    pub fn group_of(&self, address: AddressId) -> usize {
        self.groups
            .partition_point(|&first| first <= address)
            .saturating_sub(1)
    }

    /// Takes a task's answer; returns the tasks it leads to.
    pub fn answer(&mut self, task: &Task, answer: Answer) -> Vec<Task> {
        let mut here = task.path.clone();
        here.push(task.server);
        let path = self.path_id(&here);
        self.answers += 1;
        for (address, mxid) in answer.found {
            self.mention(address);
            let what = match check_user_id(&mxid) {
                Ok(()) => What::Found(mxid),
                Err(why) => What::Error(format!(
                    "{} answered an invalid Matrix ID `{}` ({why})",
                    self.servers[task.server].name,
                    excerpt(&mxid, 300)
                )),
            };
            self.hear(address, path, what);
        }
        for (address, why) in answer.failed {
            self.mention(address);
            self.hear(address, path, What::Error(why));
        }
        // Referrals, grouped by the server they lead to. A server named by
        // many referrals is judged once per answer: the decision depends only
        // on the name and the path.
        let mut follow: BTreeMap<ServerId, Vec<AddressId>> = BTreeMap::new();
        let mut decided: BTreeMap<String, Result<Option<ServerId>, String>> = BTreeMap::new();
        for (address, raw) in answer.referred {
            self.mention(address);
            let decision = match decided.get(&raw) {
                Some(decision) => decision.clone(),
                None => {
                    let decision = self.refer(&here, &raw);
                    decided.insert(raw, decision.clone());
                    decision
                }
            };
            match decision {
                Ok(Some(next)) => follow.entry(next).or_default().push(address),
                // A referral back into the path ends it.
                Ok(None) => self.hear(address, path, What::Ended),
                Err(why) => self.hear(address, path, What::Unfollowed(why)),
            }
        }
        for &address in &task.addresses {
            if self.mentioned.get(address as usize) != Some(&self.answers) {
                self.hear(address, path, What::Ended);
            }
        }
        follow
            .into_iter()
            .map(|(server, mut addresses)| {
                addresses.sort_unstable();
                addresses.dedup();
                Task {
                    server,
                    addresses,
                    path: here.clone(),
                }
            })
            .collect()
    }

    /// Where a referral from the end of `path` to `raw` leads: a server to
    /// ask, `None` for a loop, or why it is left. Servers are compared by
    /// canonical name, so every spelling of one is that one server: once
    /// in the budget, asked once, a loop when it is in the path.
    fn refer(&mut self, path: &[ServerId], raw: &str) -> Result<Option<ServerId>, String> {
        let name =
            server_name(raw).map_err(|why| format!("referred to an invalid server name {why}"))?;
        let known = self.keys.iter().position(|k| k.as_ref() == Some(&name));
        let depth = path.len() as u32;
        match self
            .policy
            .decide(&name, depth, known.is_none(), self.referred)
        {
            Decision::Leave(why) => Err(format!("referred to {name}, not followed: {why}")),
            Decision::Follow(url) => {
                // The same server may be known by URL (a start server) and by name.
                let id = match known.or_else(|| self.servers.iter().position(|s| s.url == url)) {
                    Some(id) => id,
                    None => {
                        let public_only = self.policy.public_only(&name);
                        self.keys.push(Some(name.clone()));
                        self.servers.push(Server {
                            name,
                            url,
                            public_only,
                        });
                        self.is_start.push(false);
                        self.referred += 1;
                        self.servers.len() - 1
                    }
                };
                Ok((!path.contains(&id)).then_some(id))
            }
        }
    }

    /// The merged outcome of each address of `group`, once no task about
    /// them is left: `(address, outcome)`, by address.
    pub fn finish_group(&mut self, group: usize) -> Vec<(AddressId, Outcome)> {
        let mut heard = std::mem::take(&mut self.heard[group]);
        while self.names.len() < self.paths.len() {
            let path = &self.paths[self.names.len()];
            let names = path.iter().map(|&s| self.servers[s].name.clone()).collect();
            self.names.push(names);
        }
        heard.sort_by_key(|h| h.address);
        let mut outcomes = Vec::new();
        let mut rest = heard.as_mut_slice();
        while let Some(first) = rest.first() {
            let address = first.address;
            let n = rest.iter().take_while(|h| h.address == address).count();
            let (same, after) = rest.split_at_mut(n);
            outcomes.push((address, merge(same, &self.paths, &self.names)));
            rest = after;
        }
        outcomes
    }

    /// The merged outcome of every address asked about (those of groups
    /// not finished yet), by address.
    pub fn finish(mut self) -> Outcomes {
        let mut outcomes = Outcomes::default();
        for group in 0..self.heard.len() {
            outcomes.extend(self.finish_group(group));
        }
        outcomes
    }
}

/// design.md's merge: found if the servers agree, conflict if not; else error
/// if a server failed; else unfollowed if a referral was left; else not_found.
///
/// Answers arrive in whatever order the servers answer; the choice of `via`
/// and the order of `mxids` do not depend on it: the shortest path wins, then
/// the first by name, and Matrix IDs are sorted.
fn merge(heard: &mut [Heard], paths: &[Vec<ServerId>], names: &[Arc<[String]>]) -> Outcome {
    fn rank<'a>(
        h: &'a Heard,
        paths: &[Vec<ServerId>],
        names: &'a [Arc<[String]>],
    ) -> (u8, usize, &'a [String], &'a str) {
        let (kind, text) = match &h.what {
            What::Found(mxid) => (0, mxid.as_str()),
            What::Error(why) => (1, why.as_str()),
            What::Unfollowed(why) => (2, why.as_str()),
            What::Ended => (3, ""),
        };
        let path = h.path as usize;
        (kind, paths[path].len(), &names[path], text)
    }
    let best = heard
        .iter()
        .min_by(|a, b| rank(a, paths, names).cmp(&rank(b, paths, names)))
        .expect("an address is merged only when something was heard of it");
    let via = Arc::clone(&names[best.path as usize]);
    let outcome = |status, mxids, reason: Option<String>| Outcome {
        status,
        mxids,
        via,
        reason,
    };
    match &best.what {
        What::Found(_) => {
            let mut mxids: Vec<String> = heard
                .iter_mut()
                .filter_map(|h| match &mut h.what {
                    What::Found(mxid) => Some(std::mem::take(mxid)),
                    _ => None,
                })
                .collect();
            mxids.sort();
            mxids.dedup();
            if mxids.len() == 1 {
                outcome(Status::Found, mxids, None)
            } else {
                let reason = "servers gave different Matrix IDs".to_owned();
                outcome(Status::Conflict, mxids, Some(reason))
            }
        }
        What::Error(why) => outcome(Status::Error, Vec::new(), Some(why.clone())),
        What::Unfollowed(why) => outcome(Status::Unfollowed, Vec::new(), Some(why.clone())),
        What::Ended => outcome(Status::NotFound, Vec::new(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::policy::globs;

    fn server(name: &str, port: u16) -> Server {
        Server {
            name: name.to_owned(),
            url: Url::parse(&format!("http://127.0.0.1:{port}")).unwrap(),
            public_only: false,
        }
    }

    fn policy() -> Policy {
        let mut p = Policy::default();
        for (name, port) in [
            ("fed.example:443", 2),
            ("far.example:443", 3),
            ("loop.example:443", 4),
            ("start.example:443", 1),
        ] {
            p.resolve.insert(
                name.into(),
                Url::parse(&format!("http://127.0.0.1:{port}")).unwrap(),
            );
        }
        p
    }

    fn found(pairs: &[(AddressId, &str)]) -> Answer {
        Answer {
            found: pairs.iter().map(|(a, m)| (*a, m.to_string())).collect(),
            ..Answer::default()
        }
    }

    fn referred(pairs: &[(AddressId, &str)]) -> Answer {
        Answer {
            referred: pairs.iter().map(|(a, s)| (*a, s.to_string())).collect(),
            ..Answer::default()
        }
    }

    fn start(policy: Policy, addresses: &[AddressId]) -> (Walk, Vec<Task>) {
        Walk::new(policy, vec![server("http://127.0.0.1:1", 1)], addresses)
    }

    #[test]
    fn addresses_added_later_are_asked_of_the_start_servers_and_merged() {
        let (mut walk, first) = start(policy(), &[0, 1]);
        assert!(walk.add(&[]).is_empty());
        let later = walk.add(&[2, 3]);
        assert_eq!(later.len(), 1);
        assert_eq!(later[0].addresses, vec![2, 3]);
        assert_eq!(later[0].depth(), 0);
        // Answered in any order, each batch of addresses on its own.
        assert!(walk.answer(&later[0], found(&[(3, "@d:x")])).is_empty());
        assert!(walk.answer(&first[0], found(&[(0, "@a:x")])).is_empty());
        let out = walk.finish();
        let statuses: Vec<Status> = (0..4).map(|a| out[a].status).collect();
        assert_eq!(
            statuses,
            [
                Status::Found,
                Status::NotFound,
                Status::NotFound,
                Status::Found
            ]
        );
        assert_eq!(out.get(4), None);
    }

    #[test]
    fn direct_hit_and_not_found() {
        let (mut walk, tasks) = start(policy(), &[0, 1]);
        assert!(walk.answer(&tasks[0], found(&[(0, "@a:x")])).is_empty());
        let out = walk.finish();
        assert_eq!(out[0].status, Status::Found);
        assert_eq!(out[0].mxids, vec!["@a:x"]);
        assert_eq!(*out[0].via, ["http://127.0.0.1:1"]);
        assert_eq!(out[1].status, Status::NotFound);
        assert_eq!(*out[1].via, ["http://127.0.0.1:1"]);
    }

    #[test]
    fn two_hops_show_the_chain() {
        let (mut walk, tasks) = start(policy(), &[0]);
        let next = walk.answer(&tasks[0], referred(&[(0, "fed.example")]));
        assert_eq!(next.len(), 1);
        assert_eq!(walk.server(next[0].server).name, "fed.example:443");
        // Placed by --resolve: reached where the user said.
        assert!(!walk.server(next[0].server).public_only);
        let last = walk.answer(&next[0], referred(&[(0, "far.example:443")]));
        assert_eq!(last[0].depth(), 2);
        assert!(
            walk.answer(&last[0], found(&[(0, "@d:far.example")]))
                .is_empty()
        );
        let out = walk.finish();
        assert_eq!(out[0].status, Status::Found);
        assert_eq!(
            *out[0].via,
            ["http://127.0.0.1:1", "fed.example:443", "far.example:443"]
        );
    }

    #[test]
    fn a_loop_ends_as_not_found() {
        let (mut walk, tasks) = start(policy(), &[0]);
        let next = walk.answer(&tasks[0], referred(&[(0, "loop.example:443")]));
        // loop.example refers back to the start server, known by its URL.
        assert!(
            walk.answer(&next[0], referred(&[(0, "start.example:443")]))
                .is_empty()
        );
        let out = walk.finish();
        assert_eq!(out[0].status, Status::NotFound);
        // A self-referral ends too.
        let (mut walk, tasks) = start(policy(), &[0]);
        assert!(
            walk.answer(&tasks[0], referred(&[(0, "start.example:443")]))
                .is_empty()
        );
        assert_eq!(walk.finish()[0].status, Status::NotFound);
    }

    #[test]
    fn a_start_server_named_by_its_url_is_the_server_a_referral_names() {
        let mut p = policy();
        p.allow = Some(globs(&["127.0.0.1:*".into(), "example.org".into()]).unwrap());
        let starts = vec![
            Server {
                name: "https://Example.org.".into(),
                url: Url::parse("https://Example.org./").unwrap(),
                public_only: false,
            },
            server("http://127.0.0.1:8090", 8090),
        ];
        assert_eq!(starts[0].canonical_name().unwrap(), "example.org:443");
        assert_eq!(starts[1].canonical_name().unwrap(), "127.0.0.1:8090");
        let (mut walk, tasks) = Walk::new(p, starts, &[0, 1]);
        // Each refers to itself, spelt otherwise: a loop, nothing to ask.
        assert!(
            walk.answer(&tasks[0], referred(&[(0, "EXAMPLE.org:443")]))
                .is_empty()
        );
        assert!(
            walk.answer(&tasks[1], referred(&[(1, "127.1:8090")]))
                .is_empty()
        );
        let out = walk.finish();
        assert_eq!(out[0].status, Status::NotFound);
        assert_eq!(out[1].status, Status::NotFound);
    }

    #[test]
    fn two_spellings_of_a_server_are_one_server() {
        let mut small = policy();
        small.budget = 1;
        let (mut walk, tasks) = start(small, &[0, 1, 2]);
        let next = walk.answer(
            &tasks[0],
            referred(&[
                (0, "FED.Example."),
                (1, "fed.example:443"),
                (2, "far.example"),
            ]),
        );
        // One task for both spellings; the budget of one is spent by it.
        assert_eq!(next.len(), 1);
        assert_eq!(next[0].addresses, vec![0, 1]);
        assert_eq!(walk.server(next[0].server).name, "fed.example:443");
        // fed.example names itself otherwise: a loop.
        assert!(
            walk.answer(&next[0], referred(&[(0, "Fed.Example.:0443")]))
                .is_empty()
        );
        let out = walk.finish();
        assert_eq!(out[0].status, Status::NotFound);
        assert_eq!(*out[0].via, ["http://127.0.0.1:1", "fed.example:443"]);
        assert!(out[2].reason.as_deref().unwrap().contains("budget of 1"));
    }

    #[test]
    fn depth_deny_and_no_follow_give_unfollowed() {
        let mut shallow = policy();
        shallow.max_depth = 1;
        let (mut walk, tasks) = start(shallow, &[0]);
        let next = walk.answer(&tasks[0], referred(&[(0, "fed.example")]));
        assert!(
            walk.answer(&next[0], referred(&[(0, "far.example")]))
                .is_empty()
        );
        let out = walk.finish();
        assert_eq!(out[0].status, Status::Unfollowed);
        assert_eq!(*out[0].via, ["http://127.0.0.1:1", "fed.example:443"]);
        assert!(
            out[0]
                .reason
                .as_deref()
                .unwrap()
                .contains("far.example:443")
        );

        let mut deny = policy();
        deny.deny = globs(&["fed.*".into()]).unwrap();
        let (mut walk, tasks) = start(deny, &[0]);
        assert!(
            walk.answer(&tasks[0], referred(&[(0, "fed.example")]))
                .is_empty()
        );
        assert!(
            walk.finish()[0]
                .reason
                .as_deref()
                .unwrap()
                .contains("--deny-server")
        );

        let mut none = policy();
        none.max_depth = 0;
        let (mut walk, tasks) = start(none, &[0]);
        assert!(
            walk.answer(&tasks[0], referred(&[(0, "fed.example")]))
                .is_empty()
        );
        assert_eq!(walk.finish()[0].status, Status::Unfollowed);
    }

    #[test]
    fn start_servers_that_disagree_conflict() {
        let starts = vec![
            server("http://127.0.0.1:1", 1),
            server("http://127.0.0.1:5", 5),
        ];
        let (mut walk, tasks) = Walk::new(policy(), starts, &[0, 1]);
        walk.answer(&tasks[0], found(&[(0, "@a:one"), (1, "@b:both")]));
        walk.answer(&tasks[1], found(&[(0, "@a:two"), (1, "@b:both")]));
        let out = walk.finish();
        assert_eq!(out[0].status, Status::Conflict);
        assert_eq!(out[0].mxids, vec!["@a:one", "@a:two"]);
        assert_eq!(out[1].status, Status::Found);
    }

    #[test]
    fn invalid_ids_and_failures_are_errors_but_a_find_wins() {
        let starts = vec![
            server("http://127.0.0.1:1", 1),
            server("http://127.0.0.1:5", 5),
        ];
        let (mut walk, tasks) = Walk::new(policy(), starts, &[0, 1, 2]);
        walk.answer(&tasks[0], found(&[(0, "@al ice:x"), (1, "@b:x")]));
        walk.answer(
            &tasks[1],
            Answer {
                failed: vec![(1, "down".into()), (2, "down".into())],
                ..Answer::default()
            },
        );
        let out = walk.finish();
        assert_eq!(out[0].status, Status::Error);
        assert!(
            out[0]
                .reason
                .as_deref()
                .unwrap()
                .contains("invalid Matrix ID `@al ice:x`")
        );
        assert_eq!(out[1].status, Status::Found);
        assert_eq!(out[2].status, Status::Error);
        assert_eq!(*out[2].via, ["http://127.0.0.1:5"]);
    }

    #[test]
    fn budget_counts_referred_servers() {
        let mut small = policy();
        small.budget = 1;
        let (mut walk, tasks) = start(small, &[0, 1]);
        let next = walk.answer(
            &tasks[0],
            referred(&[(0, "fed.example"), (1, "far.example")]),
        );
        assert_eq!(next.len(), 1);
        let out = walk.finish();
        let reasons: Vec<_> = out.values().filter_map(|o| o.reason.clone()).collect();
        assert!(
            reasons.iter().any(|r| r.contains("budget of 1")),
            "{reasons:?}"
        );
    }

    #[test]
    fn invalid_server_names_are_not_followed() {
        let (mut walk, tasks) = start(policy(), &[0]);
        assert!(
            walk.answer(&tasks[0], referred(&[(0, "evil host\u{1b}[2J")]))
                .is_empty()
        );
        let out = walk.finish();
        assert_eq!(out[0].status, Status::Unfollowed);
        assert!(!out[0].reason.as_deref().unwrap().contains('\u{1b}'));
    }
}
