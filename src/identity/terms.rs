//! Terms of service against what the user already accepted. Clients record
//! the documents a user accepted in the `m.accepted_terms` account data
//! (`{"accepted": [url, …]}`, on the homeserver, shared by all of the
//! user's clients): a policy one of whose documents is listed there was
//! accepted, in whatever client, and is not asked again. What
//! `--accept-terms` accepts is added to that list, keeping what other
//! clients wrote. Pure: the session does the calls.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::wire::Terms;

/// The account data type listing the documents the user accepted.
pub const ACCEPTED_TERMS: &str = "m.accepted_terms";

/// A server's terms, sorted against what the user accepted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Review {
    /// The recorded URLs that are documents of this server's policies: what
    /// to accept there on the user's behalf.
    pub accepted: Vec<String>,
    /// The policies not accepted yet: `("name version", document URL)`,
    /// the English document, else the first.
    pub missing: Vec<(String, String)>,
}

/// Which of `terms`' policies `recorded` (the URLs of `m.accepted_terms`)
/// already accepts: a policy is accepted when any of its documents, in any
/// language, is listed (as Element reads it).
pub fn review(terms: &Terms, recorded: &BTreeSet<String>) -> Review {
    let mut review = Review::default();
    for (name, policy) in &terms.policies {
        let known: Vec<&String> = policy
            .documents
            .values()
            .map(|doc| &doc.url)
            .filter(|url| recorded.contains(*url))
            .collect();
        if known.is_empty() {
            let doc = policy
                .documents
                .get("en")
                .or_else(|| policy.documents.values().next());
            if let Some(doc) = doc {
                review
                    .missing
                    .push((format!("{name} {}", policy.version), doc.url.clone()));
            }
        }
        for url in known {
            if !review.accepted.contains(url) {
                review.accepted.push(url.clone());
            }
        }
    }
    review
}

/// The URLs `m.accepted_terms` lists (`None`: the user has none); entries
/// that are not strings are not URLs and are skipped.
pub fn recorded_urls(content: Option<&Value>) -> BTreeSet<String> {
    content
        .and_then(|c| c.get("accepted"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// `content` with `urls` added to its `accepted` list, every other entry
/// and field kept as it was; `None` when it lists them all already. A
/// content that is not an object, or an `accepted` that is not a list,
/// holds nothing a client could have recorded, and is replaced.
pub fn with_accepted(content: Option<&Value>, urls: &[String]) -> Option<Value> {
    let mut content = match content {
        Some(Value::Object(map)) => Value::Object(map.clone()),
        _ => json!({}),
    };
    if !content.get("accepted").is_some_and(Value::is_array) {
        content["accepted"] = json!([]);
    }
    let list = content["accepted"].as_array_mut()?;
    let mut added = false;
    for url in urls {
        if !list.iter().any(|v| v.as_str() == Some(url)) {
            list.push(json!(url));
            added = true;
        }
    }
    added.then_some(content)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms() -> Terms {
        serde_json::from_value(json!({"policies": {
            "privacy_policy": {"version": "1.2",
                "en": {"name": "Privacy", "url": "https://is.example/privacy-en.html"},
                "fr": {"name": "Confidentialité", "url": "https://is.example/privacy-fr.html"}},
            "terms_of_service": {"version": "2",
                "de": {"name": "AGB", "url": "https://is.example/tos-de.html"}}
        }}))
        .unwrap()
    }

    fn set(urls: &[&str]) -> BTreeSet<String> {
        urls.iter().map(|u| (*u).to_owned()).collect()
    }

    #[test]
    fn nothing_recorded_misses_every_policy_in_english_or_its_first_language() {
        let review = review(&terms(), &BTreeSet::new());
        assert!(review.accepted.is_empty());
        assert_eq!(
            review.missing,
            [
                (
                    "privacy_policy 1.2".to_owned(),
                    "https://is.example/privacy-en.html".to_owned()
                ),
                (
                    "terms_of_service 2".to_owned(),
                    "https://is.example/tos-de.html".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn a_policy_is_accepted_by_any_of_its_documents() {
        let recorded = set(&[
            "https://is.example/privacy-fr.html",
            "https://other.example/terms.html",
        ]);
        let review = review(&terms(), &recorded);
        assert_eq!(review.accepted, ["https://is.example/privacy-fr.html"]);
        assert_eq!(review.missing.len(), 1);
        assert_eq!(review.missing[0].0, "terms_of_service 2");
        let all = set(&[
            "https://is.example/privacy-en.html",
            "https://is.example/tos-de.html",
        ]);
        let review = super::review(&terms(), &all);
        assert!(review.missing.is_empty());
        assert_eq!(review.accepted.len(), 2);
    }

    #[test]
    fn recorded_urls_are_the_strings_of_accepted() {
        let content = json!({"accepted": ["https://a", 7, null, "https://b"]});
        assert_eq!(
            recorded_urls(Some(&content)),
            set(&["https://a", "https://b"])
        );
        assert!(recorded_urls(None).is_empty());
        assert!(recorded_urls(Some(&json!({"accepted": "https://a"}))).is_empty());
        assert!(recorded_urls(Some(&json!([]))).is_empty());
    }

    #[test]
    fn accepting_adds_to_the_list_and_keeps_the_rest() {
        let content = json!({"accepted": ["https://a", 7], "org.example.note": {"x": 1}});
        let urls = ["https://b".to_owned(), "https://a".to_owned()];
        assert_eq!(
            with_accepted(Some(&content), &urls),
            Some(json!({"accepted": ["https://a", 7, "https://b"], "org.example.note": {"x": 1}}))
        );
        assert_eq!(with_accepted(Some(&content), &urls[1..]), None);
        assert_eq!(
            with_accepted(None, &urls[..1]),
            Some(json!({"accepted": ["https://b"]}))
        );
        assert_eq!(
            with_accepted(Some(&json!({"accepted": "x", "k": 1})), &urls[..1]),
            Some(json!({"accepted": ["https://b"], "k": 1}))
        );
        assert_eq!(
            with_accepted(Some(&json!("x")), &urls[..1]),
            Some(json!({"accepted": ["https://b"]}))
        );
    }
}
