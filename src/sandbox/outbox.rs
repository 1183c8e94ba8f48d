//! Where the sandbox's identity servers "send" validation tokens: no mail
//! leaves the machine; each token is kept, in order, and handed to the
//! listener the caller named (`Sandbox::on_mail`), since the library prints
//! nothing itself.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::threepid::Medium;

/// A validation token a sandbox identity server "sent".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// The identity server's name.
    pub server: String,
    /// `email` or `msisdn`.
    pub medium: Medium,
    /// Where it went (normalised).
    pub address: String,
    /// The token.
    pub token: String,
}

/// What the caller does with each token as it is sent.
type Listener = Arc<dyn Fn(&Sent) + Send + Sync>;

/// Every token sent, shared by the servers of a sandbox.
#[derive(Default)]
pub(crate) struct Outbox {
    sent: Mutex<Vec<Sent>>,
    listener: Mutex<Option<Listener>>,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox")
            .field("sent", &*self.lock())
            .finish_non_exhaustive()
    }
}

impl Outbox {
    /// Keeps `message`, after handing it to the listener, if any.
    pub fn send(&self, message: Sent) {
        let listener = self
            .listener
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(listener) = listener {
            listener(&message);
        }
        self.lock().push(message);
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Sent>> {
        self.sent.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Everything sent so far.
    pub fn sent(&self) -> Vec<Sent> {
        self.lock().clone()
    }

    /// Hands each token sent from now on to `listener` (replacing any
    /// earlier one).
    pub fn listen(&self, listener: Listener) {
        *self.listener.lock().unwrap_or_else(|e| e.into_inner()) = Some(listener);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(token: &str) -> Sent {
        Sent {
            server: "matrix.example:443".into(),
            medium: Medium::Email,
            address: "alice@example.com".into(),
            token: token.into(),
        }
    }

    #[test]
    fn the_listener_gets_each_token_sent_after_it_was_named_and_all_are_kept() {
        let outbox = Outbox::default();
        outbox.send(mail("111111"));
        let heard = Arc::new(Mutex::new(Vec::new()));
        let ear = heard.clone();
        outbox.listen(Arc::new(move |sent: &Sent| {
            ear.lock().unwrap().push(sent.token.clone());
        }));
        outbox.send(mail("222222"));
        outbox.send(mail("333333"));
        assert_eq!(*heard.lock().unwrap(), ["222222", "333333"]);
        let kept: Vec<String> = outbox.sent().into_iter().map(|s| s.token).collect();
        assert_eq!(kept, ["111111", "222222", "333333"]);
    }
}
