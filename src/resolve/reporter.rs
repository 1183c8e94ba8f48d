//! What a walk tells as it runs. The library prints nothing: the binary
//! gives a [`Reporter`] that shows warnings and progress as it sees fit.

use std::fmt;

/// Told about the walk while it runs (from several tasks at once). The
/// progress calls come once per task or per addresses received, never per
/// address: an implementation may count them with atomics.
pub trait Reporter: Send + Sync {
    /// Something the user should know that is no address's outcome.
    fn warn(&self, warning: &Warning);

    /// `count` more addresses were received.
    fn received(&self, count: usize) {
        let _ = count;
    }

    /// A task (a server asked about some addresses) started.
    fn task_started(&self) {}

    /// A task ended; the server mapped `found` of its addresses.
    fn task_done(&self, found: usize) {
        let _ = found;
    }

    /// `count` more addresses have their final outcome: no task about
    /// them is left (told once per task, 0 included).
    fn answered(&self, count: usize) {
        let _ = count;
    }
}

/// A warning of the walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// `server` offers only the `none` algorithm and `--allow-plaintext`
    /// lets it be used: addresses are sent to it in clear text (said once
    /// per server and run).
    Plaintext {
        /// The server, as its client names it.
        server: String,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::Plaintext { server } => write!(
                f,
                "{server} offers only `none`: addresses are sent to it in clear text (--allow-plaintext)"
            ),
        }
    }
}
