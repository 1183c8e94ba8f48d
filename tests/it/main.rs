//! Integration tests: one binary, linking once (as uv and ripgrep do). Each
//! module drives the real `mxlookup` binary or the library's public API.
//! `support` runs the binary (isolated, with a deadline, measured on demand)
//! and is shared with the interop suite; `common` holds what only these
//! modules share.

#[path = "../support/mod.rs"]
mod support;

mod bad_files;
mod bind;
mod carddav;
mod charsets;
mod common;
mod config;
mod csv_books;
mod discovery;
mod dry_run;
mod fixtures;
mod fuzz_replay;
mod generated;
mod hash;
mod hostile;
mod login;
mod lookup;
mod messages;
mod names;
mod properties;
mod push;
mod references;
mod sandbox;
mod sniffing;
mod streaming;
mod terminal;
mod tokens;
mod tom;
mod vcard_out;
mod vdir;
mod write_back;
