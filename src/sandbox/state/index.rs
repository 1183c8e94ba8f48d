//! What an identity server holds, indexed by lookup key under one
//! algorithm and pepper: built on first use, dropped when the pepper
//! rotates or a binding changes what is held.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::sandbox::spec::ServerSpec;
use crate::threepid::{Algorithm, Medium, lookup_hash, normalise_email, plaintext_form};

/// An index is built per algorithm and pepper.
type IndexKey = (&'static str, String);

/// Lookup key (a hash, or the `none` form of the stored address) → what the
/// server holds for it.
#[derive(Debug, Default)]
pub(crate) struct Index(IndexMap);

/// A hash map: the index is only ever probed, never listed, so its order
/// cannot reach an answer.
#[allow(clippy::disallowed_types)]
type IndexMap = hashbrown::HashMap<String, Entry, foldhash::fast::RandomState>;

/// What the server holds for one lookup key.
#[derive(Debug, Default)]
pub(crate) struct Entry {
    /// The Matrix ID it maps to.
    pub mxid: Option<String>,
    /// The servers it refers to: (server, inactive).
    pub referrals: Vec<(String, bool)>,
}

/// Associations made by `3pid/bind`: (medium, address) → Matrix ID.
pub(crate) type Bound = BTreeMap<(Medium, String), String>;

impl Index {
    /// Indexes `spec`'s associations and referrals under `pepper`; an
    /// alternative pepper also indexes the `only_alt` associations, and the
    /// empty alternative pepper (ToM's "not rotated twice yet") nothing.
    fn build(
        spec: &ServerSpec,
        bound: &Bound,
        algorithm: Algorithm,
        pepper: &str,
        alt: bool,
    ) -> Index {
        let mut entries = IndexMap::default();
        if alt && pepper.is_empty() {
            return Index(entries);
        }
        let key = |medium, address: &str| {
            let stored = stored_form(medium, address);
            match algorithm {
                Algorithm::Sha256 => lookup_hash(&stored, medium, pepper),
                Algorithm::None => plaintext_form(&stored, medium),
            }
        };
        for a in spec.associations.iter().filter(|a| alt || !a.only_alt) {
            entries.entry(key(a.medium, &a.address)).or_default().mxid = Some(a.mxid.clone());
        }
        for ((medium, address), mxid) in bound {
            entries.entry(key(*medium, address)).or_default().mxid = Some(mxid.clone());
        }
        for r in &spec.referrals {
            let entry = entries.entry(key(r.medium, &r.address)).or_default();
            entry.referrals.push((r.server.clone(), r.inactive));
        }
        Index(entries)
    }

    /// What is held for `key`.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.0.get(key)
    }

    /// Whether anything is held for `key`.
    pub fn holds(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }
}

/// The indexes built so far, by algorithm and pepper.
#[derive(Debug, Default)]
pub(crate) struct Indexes(BTreeMap<IndexKey, Arc<Index>>);

impl Indexes {
    /// The index for `pepper`, built on first use.
    pub fn get(
        &mut self,
        spec: &ServerSpec,
        bound: &Bound,
        algorithm: Algorithm,
        pepper: &str,
        alt: bool,
    ) -> Arc<Index> {
        self.0
            .entry((algorithm.as_str(), pepper.to_owned()))
            .or_insert_with(|| Arc::new(Index::build(spec, bound, algorithm, pepper, alt)))
            .clone()
    }

    /// Forgets every index: what they were built from changed.
    pub fn clear(&mut self) {
        self.0.clear();
    }
}

/// How a server stores an address: emails case-folded (as sydent does).
pub(crate) fn stored_form(medium: Medium, address: &str) -> String {
    match medium {
        Medium::Email => normalise_email(address).unwrap_or_else(|_| address.trim().to_lowercase()),
        Medium::Msisdn => address.trim().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::Federation;

    #[test]
    fn only_alt_associations_are_indexed_under_alternative_peppers_only() {
        let mut spec = Federation::default_federation().servers.remove(0);
        spec.associations.retain(|a| a.only_alt);
        let gustav = |pepper| lookup_hash("gustav.strauss@example.com", Medium::Email, pepper);
        let current = Index::build(&spec, &BTreeMap::new(), Algorithm::Sha256, "m4Trx", false);
        let alt = Index::build(&spec, &BTreeMap::new(), Algorithm::Sha256, "0ldPp", true);
        assert!(!current.holds(&gustav("m4Trx")));
        assert!(alt.holds(&gustav("0ldPp")));
        assert!(
            Index::build(&spec, &BTreeMap::new(), Algorithm::Sha256, "", true)
                .0
                .is_empty()
        );
    }

    #[test]
    fn an_index_is_built_once_per_pepper_until_cleared() {
        let spec = Federation::default_federation().servers.remove(0);
        let mut indexes = Indexes::default();
        let first = indexes.get(&spec, &Bound::new(), Algorithm::Sha256, "m4Trx", false);
        let again = indexes.get(&spec, &Bound::new(), Algorithm::Sha256, "m4Trx", false);
        assert!(Arc::ptr_eq(&first, &again));
        let bound = Bound::from([((Medium::Email, "zoe@example.com".into()), "@zoe:x".into())]);
        indexes.clear();
        let rebuilt = indexes.get(&spec, &bound, Algorithm::Sha256, "m4Trx", false);
        assert!(!Arc::ptr_eq(&first, &rebuilt));
        let zoe = lookup_hash("zoe@example.com", Medium::Email, "m4Trx");
        assert_eq!(
            rebuilt.get(&zoe).and_then(|e| e.mxid.as_deref()),
            Some("@zoe:x")
        );
        assert!(!first.holds(&zoe));
    }
}
