//! mxlookup: find which contacts of an address book are on Matrix.
//!
//! The data flows one way (see `shared/design.md` §3):
//!
//! ```text
//! addressbook  →  threepid  →  report
//! (read files)    (normalise,   (table, json, ndjson, csv)
//!                  dedupe, hash)
//! ```
//!
//! The binary (`src/main.rs`, `src/cli.rs`) only parses arguments, calls into
//! this library and maps errors to exit codes.
#![deny(missing_docs)]

pub mod addressbook;
#[doc(hidden)]
pub mod fuzzing;
pub mod identity;
pub mod mxid;
pub mod outcome;
pub mod plan;
pub mod report;
pub mod resolve;
pub mod sandbox;
pub mod sanitize;
pub mod synthetic;
pub mod threepid;
