//! What the sandbox's servers hold and how it changes, apart from the
//! routes that serve it: an identity server's state (`is_state`, with its
//! lookup `index` and validation `sessions`) and the homeserver stub's
//! (`hs_state`). Nothing here imports a route or knows HTTP.

pub(crate) mod dav_state;
pub(crate) mod hs_logins;
pub(crate) mod hs_state;
pub(crate) mod index;
pub(crate) mod is_state;
pub(crate) mod sessions;
