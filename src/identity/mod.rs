//! Talking to identity servers: wire types, one typed client per server
//! (and the homeserver's: OpenID, the user's account data), tokens and
//! terms (sessions, terms), retries and bounds (http), which servers to
//! start from (discovery: the user's choice, then `.well-known`).

pub mod answer;
pub mod association;
pub mod client;
pub mod discovery;
pub mod error;
pub mod guard;
pub mod http;
pub mod kept_session;
pub mod login;
pub mod pending;
pub mod session;
pub mod signed;
pub mod terms;
pub mod tokens;
pub mod wire;

pub use client::{HomeserverClient, IdentityClient};
pub use error::{CallError, ErrorKind};
pub use http::{Http, HttpSettings};
pub use pending::{PendingValidation, PendingValidations};
pub use session::{AuthContext, Session, SessionError};
pub use tokens::TokenCache;
