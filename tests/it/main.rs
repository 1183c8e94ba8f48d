//! Integration tests: one binary, linking once (as uv and ripgrep do). Each
//! module drives the real `mxlookup` binary or the library's public API.

mod bad_files;
mod bind;
mod config;
mod discovery;
mod dry_run;
mod fixtures;
mod fuzz_replay;
mod generated;
mod hash;
mod hostile;
mod lookup;
mod messages;
mod properties;
mod push;
mod sandbox;
mod support;
mod vcard_out;
