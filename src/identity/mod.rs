//! Talking to identity servers: wire types, one typed client per server,
//! tokens and terms (sessions), retries and bounds (http).

pub mod answer;
pub mod association;
pub mod client;
pub mod discovery;
pub mod error;
pub mod guard;
pub mod http;
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
