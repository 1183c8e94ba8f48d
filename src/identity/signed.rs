//! Signed JSON as Matrix has it: ed25519 over the canonical JSON of an object
//! without its `signatures` and `unsigned`, keys as unpadded base64. Used to
//! check the association an identity server answers to `3pid/bind`, and by
//! the sandbox to sign it.

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use serde_json::{Map, Value};

/// Why a signature does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The value is not an object.
    #[error("not a JSON object")]
    NotAnObject,
    /// No signature by that server with that key.
    #[error("no signature by {server} with {key_id}")]
    Missing {
        /// The signer looked for.
        server: String,
        /// The key looked for.
        key_id: String,
    },
    /// The key or signature is not valid base64 of the right length.
    #[error("malformed {0}")]
    Malformed(&'static str),
    /// The signature does not match the content.
    #[error("the signature does not match the content")]
    Mismatch,
    /// The content holds a number canonical JSON forbids (a float, or an
    /// integer beyond ±2^53).
    #[error("the content holds a number canonical JSON forbids")]
    BadNumber,
}

/// Canonical JSON: keys sorted by code point, no insignificant whitespace,
/// UTF-8 unescaped; `None` when a number is not a safe integer.
pub fn canonical_json(value: &Value) -> Option<String> {
    let mut out = String::new();
    write_canonical(value, &mut out)?;
    Some(out)
}

fn write_canonical(value: &Value, out: &mut String) -> Option<()> {
    const SAFE: u64 = (1 << 53) - 1;
    match value {
        Value::Null | Value::Bool(_) | Value::String(_) => {
            out.push_str(&serde_json::to_string(value).ok()?);
        }
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                (i.unsigned_abs() <= SAFE).then_some(())?;
                let _ = write!(out, "{i}");
            } else if let Some(u) = n.as_u64() {
                (u <= SAFE).then_some(())?;
                let _ = write!(out, "{u}");
            } else {
                return None;
            }
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out)?;
            }
            out.push(']');
        }
        Value::Object(map) => {
            // Rust's `str` order is byte order, which for UTF-8 is code point order.
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_unstable();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(key).ok()?);
                out.push(':');
                write_canonical(&map[key], out)?;
            }
            out.push('}');
        }
    }
    Some(())
}

/// What is signed: the object without `signatures` and `unsigned`.
fn signed_bytes(object: &Map<String, Value>) -> Result<String, SignatureError> {
    let mut content = object.clone();
    content.remove("signatures");
    content.remove("unsigned");
    canonical_json(&Value::Object(content)).ok_or(SignatureError::BadNumber)
}

/// Every `(server, key ID)` that signed `value`, ed25519 keys only, in order.
pub fn signers(value: &Value) -> Vec<(String, String)> {
    let mut found = Vec::new();
    if let Some(servers) = value.get("signatures").and_then(Value::as_object) {
        for (server, keys) in servers {
            for key_id in keys.as_object().into_iter().flat_map(|k| k.keys()) {
                if key_id.starts_with("ed25519:") {
                    found.push((server.clone(), key_id.clone()));
                }
            }
        }
    }
    found
}

fn decode(text: &str, what: &'static str) -> Result<Vec<u8>, SignatureError> {
    let text = text.trim_end_matches('=');
    STANDARD_NO_PAD
        .decode(text)
        .or_else(|_| URL_SAFE_NO_PAD.decode(text))
        .map_err(|_| SignatureError::Malformed(what))
}

/// Checks `server`'s signature `key_id` on `value` with `public_key`
/// (unpadded base64, as `pubkey/{keyId}` answers it).
pub fn verify(
    value: &Value,
    server: &str,
    key_id: &str,
    public_key: &str,
) -> Result<(), SignatureError> {
    let object = value.as_object().ok_or(SignatureError::NotAnObject)?;
    let missing = || SignatureError::Missing {
        server: server.to_owned(),
        key_id: key_id.to_owned(),
    };
    let signature = object
        .get("signatures")
        .and_then(|s| s.get(server))
        .and_then(|s| s.get(key_id))
        .and_then(Value::as_str)
        .ok_or_else(missing)?;
    let key: [u8; 32] = decode(public_key, "public key")?
        .try_into()
        .map_err(|_| SignatureError::Malformed("public key"))?;
    let key =
        VerifyingKey::from_bytes(&key).map_err(|_| SignatureError::Malformed("public key"))?;
    let signature: [u8; 64] = decode(signature, "signature")?
        .try_into()
        .map_err(|_| SignatureError::Malformed("signature"))?;
    let message = signed_bytes(object)?;
    key.verify(message.as_bytes(), &Signature::from_bytes(&signature))
        .map_err(|_| SignatureError::Mismatch)
}

/// Signs `value` (an object) as `server` with `key` under `key_id`, adding
/// to its `signatures`.
pub fn sign(
    value: &mut Value,
    server: &str,
    key_id: &str,
    key: &SigningKey,
) -> Result<(), SignatureError> {
    let object = value.as_object_mut().ok_or(SignatureError::NotAnObject)?;
    let message = signed_bytes(object)?;
    let signature = STANDARD_NO_PAD.encode(key.sign(message.as_bytes()).to_bytes());
    let signatures = object
        .entry("signatures")
        .or_insert_with(|| Value::Object(Map::new()));
    if !signatures.is_object() {
        *signatures = Value::Object(Map::new());
    }
    let by_server = signatures
        .as_object_mut()
        .expect("made an object above")
        .entry(server)
        .or_insert_with(|| Value::Object(Map::new()));
    if !by_server.is_object() {
        *by_server = Value::Object(Map::new());
    }
    by_server
        .as_object_mut()
        .expect("made an object above")
        .insert(key_id.to_owned(), Value::String(signature));
    Ok(())
}

/// A public key as `pubkey/{keyId}` serves it: unpadded base64.
pub fn public_key_base64(key: &SigningKey) -> String {
    STANDARD_NO_PAD.encode(key.verifying_key().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_json_sorts_keys_and_keeps_unicode() {
        let value = json!({"b": 1, "a": {"z": [true, null], "é": "日本"}, "": "\u{1}"});
        assert_eq!(
            canonical_json(&value).unwrap(),
            r#"{"":"\u0001","a":{"z":[true,null],"é":"日本"},"b":1}"#
        );
        assert_eq!(canonical_json(&json!({"f": 1.5})), None);
        assert_eq!(canonical_json(&json!({"big": 1u64 << 53})), None);
    }

    /// A vector from python-signedjson (what sydent and Synapse sign
    /// with): seed `[7; 32]`, an association with non-ASCII, a control
    /// character and a quote, signed as `is.example` / `ed25519:0`.
    #[test]
    fn signedjson_signatures_verify_and_ours_match_them() {
        let signed = r#"{"medium": "email", "address": "strauss@example.org", "mxid": "@a:hs.example", "not_before": 1700000000000, "not_after": 1900000000000, "ts": 1700000000000, "name": "Zoë 日本 \u0001\"q", "signatures": {"is.example": {"ed25519:0": "X+1JHOuO14v4XgcmDogdhb+UAvCUwi8Eb4fgHjweqN5wm173yFMXrhC4qP47o61mgXCK33BWgXE+gX+1TVCpCQ"}}}"#;
        let value: Value = serde_json::from_str(signed).unwrap();
        let public = "6kpsY+KcUgq+9VB7Ey7F+ZVHdq6+vnuSQh7qaRRG0iw";
        verify(&value, "is.example", "ed25519:0", public).unwrap();
        let key = SigningKey::from_bytes(&[7; 32]);
        assert_eq!(public_key_base64(&key), public);
        let mut ours = value.clone();
        ours.as_object_mut().unwrap().remove("signatures");
        sign(&mut ours, "is.example", "ed25519:0", &key).unwrap();
        assert_eq!(ours["signatures"], value["signatures"]);
    }

    #[test]
    fn any_change_to_the_content_breaks_the_signature() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let public = public_key_base64(&key);
        let mut value = json!({"mxid": "@a:hs", "address": "a@b.c", "medium": "email", "ts": 5});
        sign(&mut value, "is", "ed25519:0", &key).unwrap();
        verify(&value, "is", "ed25519:0", &public).unwrap();
        // `unsigned` is not covered; the rest is.
        value["unsigned"] = json!({"anything": 1});
        verify(&value, "is", "ed25519:0", &public).unwrap();
        value["mxid"] = json!("@evil:hs");
        assert_eq!(
            verify(&value, "is", "ed25519:0", &public),
            Err(SignatureError::Mismatch)
        );
        assert!(matches!(
            verify(&value, "other", "ed25519:0", &public),
            Err(SignatureError::Missing { .. })
        ));
        let other = public_key_base64(&SigningKey::from_bytes(&[8; 32]));
        value["mxid"] = json!("@a:hs");
        assert_eq!(
            verify(&value, "is", "ed25519:0", &other),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(signers(&value), vec![("is".into(), "ed25519:0".into())]);
    }
}
