//! Decoding a lookup answer for the hashes that were sent, and only those.
//!
//! A server may answer up to the body cap (32 MiB) with mappings and
//! referral hashes nobody asked about. Decoded whole into JSON values, that
//! is five times its size in memory, for each batch in flight; here every
//! entry whose hash was not sent is skipped as it is read, and what is kept
//! is the position of the hash in the batch, not the hash: an answer costs
//! little more than its bytes, and no hash is copied.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// The keys of a batch, by key: where each is in the batch.
#[allow(clippy::disallowed_types)] // only probed, never listed
pub type SentKeys<'a> = hashbrown::HashMap<&'a str, u32, foldhash::fast::RandomState>;

/// Indexes the keys of a batch (a key sent twice keeps its first place).
pub fn sent_keys<'a>(keys: impl IntoIterator<Item = &'a str>) -> SentKeys<'a> {
    let keys = keys.into_iter();
    let mut sent = SentKeys::with_capacity_and_hasher(keys.size_hint().0, Default::default());
    for (at, key) in keys.enumerate() {
        sent.entry(key).or_insert(at as u32);
    }
    sent
}

/// What a server answered about a batch, by position in the batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchAnswer {
    /// `(position, Matrix ID as sent)`.
    pub mapped: Vec<(u32, String)>,
    /// Positions whose mapping was not a string.
    pub not_strings: Vec<u32>,
    /// `(server name as sent, positions to follow there)`, by server in
    /// the order of the answer; a value of neither shape refers nothing and
    /// is left out; inactive hashes are not kept.
    pub referred: Vec<(String, Vec<u32>)>,
}

/// Decodes a lookup answer, keeping the mappings and active referral hashes
/// of `sent` only. It takes a JSON object only; `mappings` must be an object
/// and `third_party_mappings` an object or null.
pub fn decode_lookup(body: &[u8], sent: &SentKeys<'_>) -> serde_json::Result<BatchAnswer> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let answer = Answer(sent).deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(answer)
}

/// The whole answer.
struct Answer<'a>(&'a SentKeys<'a>);

impl<'de> DeserializeSeed<'de> for Answer<'_> {
    type Value = BatchAnswer;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<BatchAnswer, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Answer<'_> {
    type Value = BatchAnswer;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a lookup answer (an object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<BatchAnswer, A::Error> {
        let mut answer = BatchAnswer::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "mappings" => map.next_value_seed(Mappings(self.0, &mut answer))?,
                "third_party_mappings" => {
                    answer.referred = map.next_value_seed(Servers(self.0))?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(answer)
    }
}

/// A hash (or anything else where a hash may be): its position in the
/// batch when it is a string that was sent. Nested values are skipped.
struct Position<'a>(&'a SentKeys<'a>);

impl<'de> DeserializeSeed<'de> for Position<'_> {
    type Value = Option<u32>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<u32>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Position<'_> {
    type Value = Option<u32>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a hash")
    }

    fn visit_str<E: de::Error>(self, hash: &str) -> Result<Option<u32>, E> {
        Ok(self.0.get(hash).copied())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<u32>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<u32>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Option<u32>, E> {
        Ok(None)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Option<u32>, E> {
        Ok(None)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Option<u32>, E> {
        Ok(None)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Option<u32>, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<u32>, E> {
        Ok(None)
    }
}

/// `mappings`: hash → Matrix ID.
struct Mappings<'a, 'b>(&'a SentKeys<'a>, &'b mut BatchAnswer);

impl<'de> DeserializeSeed<'de> for Mappings<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Mappings<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("mappings (an object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(at) = map.next_key_seed(Position(self.0))? {
            let Some(at) = at else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            match map.next_value::<Value>()? {
                Value::String(mxid) => self.1.mapped.push((at, mxid)),
                _ => self.1.not_strings.push(at),
            }
        }
        Ok(())
    }
}

/// `third_party_mappings`: server → hashes, absent or null for none.
struct Servers<'a>(&'a SentKeys<'a>);

impl<'de> DeserializeSeed<'de> for Servers<'_> {
    type Value = Vec<(String, Vec<u32>)>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for Servers<'_> {
    type Value = Vec<(String, Vec<u32>)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("third_party_mappings (an object)")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut servers = Vec::new();
        while let Some(server) = map.next_key::<String>()? {
            if let Some(actives) = map.next_value_seed(Referred(self.0, true))? {
                servers.push((server, actives));
            }
        }
        Ok(servers)
    }
}

/// One server's hashes: a flat array, or `{"actives": [..], "inactives":
/// [..]}`, as the positions of the active hashes sent; anything else is
/// `None` (refers nothing). With `.1`, an object is read, else only arrays.
struct Referred<'a>(&'a SentKeys<'a>, bool);

impl<'de> DeserializeSeed<'de> for Referred<'_> {
    type Value = Option<Vec<u32>>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Referred<'_> {
    type Value = Option<Vec<u32>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("referred hashes")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut kept = Vec::new();
        while let Some(at) = seq.next_element_seed(Position(self.0))? {
            kept.extend(at);
        }
        Ok(Some(kept))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        if !self.1 {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(None);
        }
        let mut actives = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == "actives" {
                actives = map
                    .next_value_seed(Referred(self.0, false))?
                    .unwrap_or_default();
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Some(actives))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(body: &str, sent: &[&str]) -> serde_json::Result<BatchAnswer> {
        decode_lookup(body.as_bytes(), &sent_keys(sent.iter().copied()))
    }

    #[test]
    fn only_what_was_sent_is_kept_in_both_referral_shapes() {
        let r = decode(
            r#"{"mappings": {"h1": "@a:x", "h2": 7, "stray": "@m:x", "h6": {"deep": [1]}},
                "third_party_mappings": {
                    "fed.example:443": ["h3", 4, "stray", ["h1"], "h4"],
                    "tom.example:8448": {"actives": ["h5", "stray"], "inactives": ["h6"], "x": 1},
                    "odd.example:443": "nonsense",
                    "nested.example:443": {"actives": {"actives": ["h1"]}},
                    "junk.example:443": ["stray"]
                },
                "extra": [1, 2]}"#,
            &["h1", "h2", "h3", "h4", "h5", "h6"],
        )
        .unwrap();
        assert_eq!(r.mapped, vec![(0, "@a:x".to_owned())]);
        assert_eq!(r.not_strings, vec![1, 5]);
        let servers: Vec<(&str, &[u32])> = r
            .referred
            .iter()
            .map(|(s, at)| (s.as_str(), at.as_slice()))
            .collect();
        assert_eq!(
            servers,
            [
                ("fed.example:443", &[2, 3][..]),
                ("tom.example:8448", &[4][..]),
                ("nested.example:443", &[][..]),
                ("junk.example:443", &[][..]),
            ]
        );
    }

    #[test]
    fn a_key_sent_twice_is_answered_at_its_first_place() {
        let r = decode(r#"{"mappings": {"h": "@a:x"}}"#, &["g", "h", "h"]).unwrap();
        assert_eq!(r.mapped, vec![(1, "@a:x".to_owned())]);
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
        assert_eq!(decode("{}", &[]).unwrap(), BatchAnswer::default());
        assert!(
            decode(r#"{"third_party_mappings": null}"#, &[])
                .unwrap()
                .referred
                .is_empty()
        );
    }
}
