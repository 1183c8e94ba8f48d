//! The binary's side of settings: the clap arguments ([`args`]), the
//! configuration file ([`config_file`]), where each setting comes from
//! ([`layers`]), and `config show` ([`show`]).

pub mod args;
pub mod config_file;
pub mod layers;
pub mod show;
