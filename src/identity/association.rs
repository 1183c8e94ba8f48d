//! The signed association an identity server answers to `3pid/bind`,
//! checked: it names the address and the user that were bound, it is
//! current (`not_before`/`not_after`), and each of its ed25519 signatures
//! verifies with the key the server publishes at `pubkey/{keyId}`.
//!
//! Only fetching the keys touches the network ([`check`]); the judgement
//! over the association and the keys is [`assess`], a pure function.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::Value;

use super::client::IdentityClient;
use super::signed::{self, SignatureError};
use crate::sanitize::for_terminal;
use crate::threepid::Medium;

/// How far in the future `not_before` may be (clock skew), in milliseconds.
const SKEW_MS: u64 = 60_000;

/// What the association must say: the address that was bound, and to whom.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    /// The address's medium.
    pub medium: Medium,
    /// The address, normalised.
    pub address: &'a str,
    /// The user the homeserver bound it to.
    pub mxid: &'a str,
}

/// One signature of the association, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignatureCheck {
    /// The server that signed (or, when nothing is signed, the one asked).
    pub server: String,
    /// The key it signed with (empty when nothing is signed).
    pub key_id: String,
    /// Whether the signature holds and the content is the one expected.
    pub verified: bool,
    /// Why not, when it is not verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A signer of the association and its published key, as fetched.
#[derive(Debug, Clone)]
pub struct SignerKey {
    /// The server that signed.
    pub server: String,
    /// The key ID it signed with.
    pub key_id: String,
    /// The public key (unpadded base64), or why it could not be fetched.
    pub key: Result<String, String>,
}

/// Whether the checks make a verified association: at least one, all held.
pub fn all_verified(checks: &[SignatureCheck]) -> bool {
    !checks.is_empty() && checks.iter().all(|c| c.verified)
}

/// Milliseconds since the Unix epoch, as the association's times are.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Checks `association` against `expected`, fetching each signer's key from
/// `client` (`pubkey/{keyId}`). One check per ed25519 signature; a single
/// failed check, named after `client`, when there is none.
pub async fn check(
    client: &IdentityClient,
    association: &Value,
    expected: Expected<'_>,
) -> Vec<SignatureCheck> {
    let mut keys = Vec::new();
    for (server, key_id) in signed::signers(association) {
        let key = match client.public_key(&key_id).await {
            Ok(key) => Ok(key.public_key),
            Err(e) => Err(format!("cannot fetch its key: {e}")),
        };
        keys.push(SignerKey {
            server,
            key_id,
            key,
        });
    }
    assess(association, expected, now_ms(), client.name(), keys)
}

/// The checks of `association` with the signers' `keys` fetched, at
/// `now_ms`; `asked` names the server when no signature is there.
pub fn assess(
    association: &Value,
    expected: Expected<'_>,
    now_ms: u64,
    asked: &str,
    keys: Vec<SignerKey>,
) -> Vec<SignatureCheck> {
    let content_problem = content_problem(association, expected, now_ms);
    if keys.is_empty() {
        return vec![SignatureCheck {
            server: asked.to_owned(),
            key_id: String::new(),
            verified: false,
            reason: Some(
                content_problem
                    .unwrap_or_else(|| "the association carries no ed25519 signature".into()),
            ),
        }];
    }
    keys.into_iter()
        .map(|signer| {
            let reason = match &signer.key {
                Err(why) => Some(why.clone()),
                Ok(key) => match signed::verify(association, &signer.server, &signer.key_id, key) {
                    Ok(()) => content_problem.clone(),
                    Err(SignatureError::Mismatch) => {
                        Some("the signature does not match the association".to_owned())
                    }
                    Err(e) => Some(e.to_string()),
                },
            };
            SignatureCheck {
                server: signer.server,
                key_id: signer.key_id,
                verified: reason.is_none(),
                reason,
            }
        })
        .collect()
}

/// What is wrong with the association's content, signatures aside: another
/// address, another user, or a validity window that excludes `now_ms`.
pub fn content_problem(association: &Value, expected: Expected<'_>, now_ms: u64) -> Option<String> {
    let field = |name: &str| association.get(name).and_then(Value::as_str);
    if field("medium") != Some(expected.medium.as_str())
        || field("address") != Some(expected.address)
    {
        Some(format!(
            "the association is for {} {}, not this address",
            for_terminal(field("medium").unwrap_or("?")),
            for_terminal(field("address").unwrap_or("?"))
        ))
    } else if field("mxid") != Some(expected.mxid) {
        Some(format!(
            "the association names {}, not {}",
            for_terminal(field("mxid").unwrap_or("?")),
            expected.mxid
        ))
    } else {
        outside_validity(association, now_ms)
    }
}

/// Why `not_before`/`not_after` (milliseconds) exclude `now_ms`, if they do;
/// `not_before` is allowed a minute of clock skew.
pub fn outside_validity(association: &Value, now_ms: u64) -> Option<String> {
    let ms = |name: &str| association.get(name).and_then(Value::as_u64);
    match (ms("not_before"), ms("not_after")) {
        (Some(before), _) if now_ms + SKEW_MS < before => {
            Some("the association is not valid yet (not_before is in the future)".to_owned())
        }
        (_, Some(after)) if now_ms > after => Some("the association has expired".to_owned()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;
    use serde_json::json;

    const EXPECTED: Expected<'static> = Expected {
        medium: Medium::Email,
        address: "a@b.c",
        mxid: "@a:hs",
    };

    /// An association of [`EXPECTED`], valid around `now`, signed by `is`
    /// with `ed25519:0` and the key of seed `[7; 32]`.
    fn signed_association(now: u64) -> (Value, String) {
        let key = SigningKey::from_bytes(&[7; 32]);
        let mut value = json!({
            "medium": "email", "address": "a@b.c", "mxid": "@a:hs",
            "not_before": now - 1000, "not_after": now + 1000, "ts": now,
        });
        signed::sign(&mut value, "is", "ed25519:0", &key).unwrap();
        (value, signed::public_key_base64(&key))
    }

    fn key(server: &str, key: Result<&str, &str>) -> SignerKey {
        SignerKey {
            server: server.to_owned(),
            key_id: "ed25519:0".to_owned(),
            key: key.map(str::to_owned).map_err(str::to_owned),
        }
    }

    #[test]
    fn validity_windows_are_checked() {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        let assoc =
            |before: u64, after: u64| serde_json::json!({"not_before": before, "not_after": after});
        assert_eq!(outside_validity(&assoc(now - 1000, now + 1000), now), None);
        assert!(outside_validity(&assoc(now - 2000, now - 1000), now).is_some());
        assert!(outside_validity(&assoc(now + 3_600_000, now + 7_200_000), now).is_some());
        // A minute of skew is allowed before `not_before`, none after `not_after`.
        assert_eq!(
            outside_validity(&assoc(now + 59_000, now + 90_000), now),
            None
        );
        assert_eq!(
            outside_validity(&assoc(now - 2000, now - 1), now).as_deref(),
            Some("the association has expired")
        );
    }

    #[test]
    fn a_good_association_verifies() {
        let (value, public) = signed_association(10_000_000);
        let checks = assess(
            &value,
            EXPECTED,
            10_000_000,
            "is",
            vec![key("is", Ok(&public))],
        );
        assert_eq!(
            checks,
            vec![SignatureCheck {
                server: "is".into(),
                key_id: "ed25519:0".into(),
                verified: true,
                reason: None,
            }]
        );
        assert!(all_verified(&checks));
        assert!(!all_verified(&[]));
    }

    #[test]
    fn the_content_must_name_this_address_and_user() {
        let (value, public) = signed_association(10_000_000);
        let other_user = Expected {
            mxid: "@b:hs",
            ..EXPECTED
        };
        let checks = assess(
            &value,
            other_user,
            10_000_000,
            "is",
            vec![key("is", Ok(&public))],
        );
        assert!(!all_verified(&checks));
        assert_eq!(
            checks[0].reason.as_deref(),
            Some("the association names @a:hs, not @b:hs")
        );
        let other_address = Expected {
            address: "x@y.z",
            ..EXPECTED
        };
        assert_eq!(
            content_problem(&value, other_address, 10_000_000).as_deref(),
            Some("the association is for email a@b.c, not this address")
        );
        // Expired: the signature holds, the association does not.
        assert_eq!(
            content_problem(&value, EXPECTED, 20_000_000).as_deref(),
            Some("the association has expired")
        );
    }

    #[test]
    fn bad_or_missing_signatures_and_keys_are_said() {
        let (mut value, _) = signed_association(10_000_000);
        let wrong = signed::public_key_base64(&SigningKey::from_bytes(&[8; 32]));
        let checks = assess(
            &value,
            EXPECTED,
            10_000_000,
            "is",
            vec![
                key("is", Ok(&wrong)),
                key("is", Err("cannot fetch its key: 404")),
                key("is", Ok("not base64!")),
            ],
        );
        let reasons: Vec<_> = checks.iter().map(|c| c.reason.as_deref()).collect();
        assert_eq!(
            reasons,
            vec![
                Some("the signature does not match the association"),
                Some("cannot fetch its key: 404"),
                Some("malformed public key"),
            ]
        );
        assert!(checks.iter().all(|c| !c.verified));
        // No signature at all: one failed check, named after the server asked.
        value.as_object_mut().unwrap().remove("signatures");
        assert!(signed::signers(&value).is_empty());
        let checks = assess(&value, EXPECTED, 10_000_000, "asked", Vec::new());
        assert_eq!(checks.len(), 1);
        assert_eq!(checks[0].server, "asked");
        assert_eq!(
            checks[0].reason.as_deref(),
            Some("the association carries no ed25519 signature")
        );
    }

    #[test]
    fn checks_serialise_without_an_empty_reason() {
        let check = SignatureCheck {
            server: "is".into(),
            key_id: "ed25519:0".into(),
            verified: true,
            reason: None,
        };
        assert_eq!(
            serde_json::to_value(&check).unwrap(),
            json!({"server": "is", "key_id": "ed25519:0", "verified": true})
        );
    }
}
