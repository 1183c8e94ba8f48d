//! mxlookup: find which contacts of an address book are on Matrix.
//!
//! The library holds the stages; the binary (`src/main.rs`, `src/cli/`,
//! `src/commands/`) turns arguments into settings and runs a command through
//! them. The data flows one way (`ARCHITECTURE.md` walks one address through):
//!
//! ```text
//! addressbook → plan → resolve ←→ identity → report
//! (read files)  (normalise with threepid, dedupe)  (writers)
//! ```
//!
//! [`outcome`] holds the nouns the stages share. The library prints nothing:
//! progress and warnings reach the binary through [`resolve::reporter`].
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
