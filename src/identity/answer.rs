//! Decoding a lookup answer for the hashes that were sent, and only those.
//!
//! A server may answer up to the body cap (32 MiB) with mappings and
//! referral hashes nobody asked about. Decoded whole into JSON values, that
//! is five times its size in memory, for each batch in flight; here every
//! entry whose hash was not sent is skipped as it is read, so an answer
//! costs little more than its bytes. What is kept has the shapes of
//! [`LookupResponse`], which the rest of the client reads as before.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::wire::LookupResponse;

/// Decodes a lookup answer, keeping the mappings and referral hashes of
/// `sent` only. Like [`LookupResponse`]'s own decoding, it takes a JSON
/// object only, and a `mappings` that is not an object is an error.
pub fn decode_lookup(body: &[u8], sent: &BTreeSet<&str>) -> serde_json::Result<LookupResponse> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let response = Answer(sent).deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(response)
}

/// The whole answer.
struct Answer<'a>(&'a BTreeSet<&'a str>);

impl<'de> DeserializeSeed<'de> for Answer<'_> {
    type Value = LookupResponse;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<LookupResponse, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Answer<'_> {
    type Value = LookupResponse;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a lookup answer (an object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<LookupResponse, A::Error> {
        let mut response = LookupResponse::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "mappings" => response.mappings = map.next_value_seed(Mappings(self.0))?,
                "third_party_mappings" => {
                    response.third_party_mappings = map.next_value_seed(Servers(self.0))?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(response)
    }
}

/// `mappings`: hash → Matrix ID (kept raw, as [`LookupResponse`] does).
struct Mappings<'a>(&'a BTreeSet<&'a str>);

impl<'de> DeserializeSeed<'de> for Mappings<'_> {
    type Value = BTreeMap<String, Value>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Mappings<'_> {
    type Value = BTreeMap<String, Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("mappings (an object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut kept = BTreeMap::new();
        while let Some(hash) = map.next_key::<String>()? {
            if self.0.contains(hash.as_str()) {
                kept.insert(hash, map.next_value::<Value>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(kept)
    }
}

/// `third_party_mappings`: server → hashes, absent or null for none.
struct Servers<'a>(&'a BTreeSet<&'a str>);

impl<'de> DeserializeSeed<'de> for Servers<'_> {
    type Value = Option<BTreeMap<String, Value>>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for Servers<'_> {
    type Value = Option<BTreeMap<String, Value>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("third_party_mappings (an object)")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut servers = BTreeMap::new();
        while let Some(server) = map.next_key::<String>()? {
            let hashes = map.next_value_seed(Referred(self.0))?;
            if hashes != Value::Null {
                servers.insert(server, hashes);
            }
        }
        Ok(Some(servers))
    }
}

/// One server's hashes: a flat array, or `{"actives": [..], "inactives":
/// [..]}`, filtered to the hashes sent; anything else is `null` (refers
/// nothing).
struct Referred<'a>(&'a BTreeSet<&'a str>);

impl<'de> DeserializeSeed<'de> for Referred<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Referred<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("referred hashes")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut kept = Vec::new();
        while let Some(item) = seq.next_element::<Value>()? {
            if item.as_str().is_some_and(|h| self.0.contains(h)) {
                kept.push(item);
            }
        }
        Ok(Value::Array(kept))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == "actives" || key == "inactives" {
                let hashes = map.next_value_seed(Referred(self.0))?;
                object.insert(key, hashes);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Value::Object(object))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(body: &str, sent: &[&str]) -> serde_json::Result<LookupResponse> {
        decode_lookup(body.as_bytes(), &sent.iter().copied().collect())
    }

    #[test]
    fn only_what_was_sent_is_kept_in_both_referral_shapes() {
        let r = decode(
            r#"{"mappings": {"h1": "@a:x", "h2": 7, "stray": "@m:x"},
                "third_party_mappings": {
                    "fed.example:443": ["h3", 4, "stray", "h4"],
                    "tom.example:8448": {"actives": ["h5", "stray"], "inactives": ["h6"], "x": 1},
                    "odd.example:443": "nonsense",
                    "junk.example:443": ["stray"]
                },
                "extra": [1, 2]}"#,
            &["h1", "h2", "h3", "h4", "h5", "h6"],
        )
        .unwrap();
        assert_eq!(r.mappings(), (vec![("h1", "@a:x")], vec!["h2"]));
        let refs = r.referrals();
        assert_eq!(refs["fed.example:443"].actives, vec!["h3", "h4"]);
        assert_eq!(refs["tom.example:8448"].actives, vec!["h5"]);
        assert_eq!(refs["tom.example:8448"].inactives, vec!["h6"]);
        assert!(!refs.contains_key("odd.example:443"));
        assert!(refs["junk.example:443"].actives.is_empty());
    }

    #[test]
    fn an_answer_is_an_object_with_object_mappings() {
        for bad in [
            "[]",
            r#"[{"h": "@a:x"}]"#,
            r#"{"mappings": []}"#,
            r#"{"mappings": null}"#,
            r#"{"mappings": {"#,
            r#"{"third_party_mappings": []}"#,
            "{} trailing",
            "null",
        ] {
            assert!(decode(bad, &["h"]).is_err(), "{bad} accepted");
        }
        assert_eq!(decode("{}", &[]).unwrap(), LookupResponse::default());
        assert_eq!(
            decode(r#"{"third_party_mappings": null}"#, &[])
                .unwrap()
                .third_party_mappings,
            None
        );
    }
}
