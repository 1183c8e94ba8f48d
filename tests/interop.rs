//! Interop suite: the real `mxlookup` binary against the reference identity
//! server, sydent 2.6.1, and a real homeserver, Synapse, both from PyPI, on
//! loopback (ports picked at run time).
//!
//! Run it with `bash tests/interop/run`, which installs both servers, pinned,
//! into `.cache/interop/`, then runs this target. A plain `cargo test` does
//! not build it (`test = false`); when it runs, a missing install or a server
//! that does not start fails every test.
//!
//! One Synapse serves the whole test process (one user, logged in with a
//! password); each test starts its own sydent (`tests/interop/harness.py`
//! configures it and seeds its associations with sydent's own code) and
//! stops it when it ends.
//!
//! The fixtures: `servers` (Synapse, harness.py, server guards, HTTP),
//! `sydent`, `proxy` (a recording proxy in front of sydent), `mail` (an
//! SMTP sink and a TLS front), `home` (runs of mxlookup, through `support`,
//! the harness shared with `tests/it/`), and `contacts` (the address book
//! most tests look up). The tests, by topic: `accounts`, `peppers`,
//! `batches`, `hashing`, `referrals`, `bind`, `choice` (the user's account
//! data: chosen identity server, accepted terms).
//!
//! Address books as sources (issue 16): `dav_servers` (a Radicale or a
//! Xandikos per test, from PyPI too, configured by `dav.py`; a recording
//! proxy that can change a card behind mxlookup's back), `carddav`
//! (discovery, `--list`, reading, `--write-back`, 412, credentials, the
//! 10,000-card measurement) and `vdir` (write-back read back by khard).

// The crate root is in tests/: module files are named from there.
#[path = "support/mod.rs"]
mod support;

#[path = "interop/contacts.rs"]
mod contacts;
#[path = "interop/dav_servers.rs"]
mod dav_servers;
#[path = "interop/home.rs"]
mod home;
#[path = "interop/mail.rs"]
mod mail;
#[path = "interop/proxy.rs"]
mod proxy;
#[path = "interop/servers.rs"]
mod servers;
#[path = "interop/sydent.rs"]
mod sydent;

#[path = "interop/accounts.rs"]
mod accounts;
#[path = "interop/batches.rs"]
mod batches;
#[path = "interop/bind.rs"]
mod bind;
#[path = "interop/carddav.rs"]
mod carddav;
#[path = "interop/choice.rs"]
mod choice;
#[path = "interop/hashing.rs"]
mod hashing;
#[path = "interop/login.rs"]
mod login;
#[path = "interop/peppers.rs"]
mod peppers;
#[path = "interop/referrals.rs"]
mod referrals;
#[path = "interop/vdir.rs"]
mod vdir;
