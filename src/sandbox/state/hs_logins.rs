//! The homeserver stub's sessions: the access tokens it accepts, each for
//! one device of its one user. The spec's fixed token is one (device
//! `SANDBOX`); each password login adds one, each logout takes its own
//! away. Nothing here knows HTTP.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use crate::sandbox::random::new_token;
use crate::sandbox::spec::HomeserverSpec;

/// The device the spec's fixed token belongs to.
pub(crate) const FIRST_DEVICE: &str = "SANDBOX";

/// One device: its ID and the display name its login gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Device {
    pub id: String,
    pub display_name: Option<String>,
}

/// Why a password login is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// The server offers no password login.
    NotOffered,
    /// Not its user, or not the password.
    Forbidden,
}

/// Logins and live tokens.
pub(crate) struct Logins {
    user_id: String,
    password: Option<String>,
    flows: Vec<String>,
    /// Token → device.
    live: Mutex<BTreeMap<String, Device>>,
}

impl Logins {
    /// The spec's user, password and login types; `token` (the fixed one)
    /// is live from the start.
    pub fn new(spec: &HomeserverSpec, token: &str) -> Logins {
        let first = Device {
            id: FIRST_DEVICE.to_owned(),
            display_name: None,
        };
        Logins {
            user_id: spec.user_id.clone(),
            password: spec.password.clone(),
            flows: spec.login_flows.clone(),
            live: Mutex::new(BTreeMap::from([(token.to_owned(), first)])),
        }
    }

    fn live(&self) -> MutexGuard<'_, BTreeMap<String, Device>> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The login types offered.
    pub fn flows(&self) -> &[String] {
        &self.flows
    }

    /// Whether `token` is live.
    pub fn knows(&self, token: &str) -> bool {
        self.live().contains_key(token)
    }

    /// A password login of `user` (the full ID or its localpart): a new
    /// device and its token.
    pub fn login(
        &self,
        user: &str,
        password: &str,
        display_name: Option<String>,
    ) -> Result<(String, Device), Refused> {
        if !self.flows.iter().any(|f| f == "m.login.password") {
            return Err(Refused::NotOffered);
        }
        let localpart = self
            .user_id
            .strip_prefix('@')
            .and_then(|rest| rest.split_once(':'))
            .map(|(local, _)| local);
        let is_user = user == self.user_id || Some(user) == localpart;
        if !is_user || self.password.as_deref() != Some(password) {
            return Err(Refused::Forbidden);
        }
        let device = Device {
            id: new_token("")
                .chars()
                .take(10)
                .collect::<String>()
                .to_uppercase(),
            display_name,
        };
        let token = new_token("syt_login_");
        self.live().insert(token.clone(), device.clone());
        Ok((token, device))
    }

    /// Ends the session of `token`; `false` when it was not live.
    pub fn logout(&self, token: &str) -> bool {
        self.live().remove(token).is_some()
    }

    /// Every live device, by ID.
    pub fn devices(&self) -> BTreeMap<String, Option<String>> {
        self.live()
            .values()
            .map(|d| (d.id.clone(), d.display_name.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logins() -> Logins {
        let spec = HomeserverSpec {
            password: Some("hunter2".to_owned()),
            ..HomeserverSpec::default()
        };
        Logins::new(&spec, "syt_fixed")
    }

    #[test]
    fn a_login_adds_a_device_and_its_logout_takes_it_away() {
        let logins = logins();
        assert!(logins.knows("syt_fixed"));
        assert_eq!(
            logins.login("@sandbox:hs.example", "wrong", None),
            Err(Refused::Forbidden)
        );
        assert_eq!(
            logins.login("@other:hs.example", "hunter2", None),
            Err(Refused::Forbidden)
        );
        let (token, device) = logins
            .login("sandbox", "hunter2", Some("mxlookup".to_owned()))
            .unwrap();
        assert!(logins.knows(&token) && token != "syt_fixed");
        assert_eq!(
            logins.devices().get(&device.id),
            Some(&Some("mxlookup".to_owned()))
        );
        assert!(logins.logout(&token));
        assert!(!logins.logout(&token));
        assert!(!logins.knows(&token) && logins.knows("syt_fixed"));
        assert_eq!(logins.devices().len(), 1);
    }

    #[test]
    fn without_password_login_offered_none_succeeds() {
        let spec = HomeserverSpec {
            password: Some("hunter2".to_owned()),
            login_flows: vec!["m.login.sso".to_owned()],
            ..HomeserverSpec::default()
        };
        let logins = Logins::new(&spec, "t");
        assert_eq!(
            logins.login("sandbox", "hunter2", None),
            Err(Refused::NotOffered)
        );
    }
}
