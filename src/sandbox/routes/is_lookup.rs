//! `POST lookup` and MSC4004's `POST lookups` (push): the answers an
//! identity server builds from what it holds (its index under the pepper
//! used, and the hashes pushed to it), in the shape its knobs say.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Serialize, Serializer};
use serde_json::json;

use super::auth::is_user;
use crate::sandbox::reply::{self, Answer, Refusal, internal};
use crate::sandbox::spec::{LimitStyle, ReferralStyle, ServerSpec};
use crate::sandbox::state::index::{Entry, stored_form};
use crate::sandbox::state::is_state::{IsState, Pepper};
use crate::sandbox::wire::{LookupRequest, PushRequest, errcode};
use crate::threepid::{Algorithm, Medium, plaintext_form};

type Is = State<Arc<IsState>>;

/// `POST lookup`.
pub(crate) async fn lookup(State(is): Is, headers: HeaderMap, body: Bytes) -> Answer<Response> {
    is_user(&is, &headers, true)?;
    if let Some(raw) = &is.spec.raw_lookup_body {
        return Ok(([(header::CONTENT_TYPE, "application/json")], raw.clone()).into_response());
    }
    let request: LookupRequest = reply::json_body(&body)?;
    let answer = answer(&is, &request);
    if is.spec.rotate_every_request {
        is.lock().rotate();
    }
    Ok(([(header::CONTENT_TYPE, "application/json")], answer?).into_response())
}

/// The answer to a well-formed lookup, as JSON.
fn answer(is: &IsState, request: &LookupRequest) -> Answer<Vec<u8>> {
    let spec = &is.spec;
    check_limit(spec, request.addresses.len())?;
    if spec.invalid_pepper_forever {
        return Err(invalid_pepper(spec, &request.pepper));
    }
    // The lock is held only to pick the index: requests in flight together
    // are answered in parallel, as a real server answers them.
    let (index, algorithm, pushes) = {
        let mut inner = is.lock();
        let used = inner.classify(spec, &request.pepper);
        if used == Pepper::Unknown {
            if spec.check_pepper {
                return Err(invalid_pepper(spec, inner.pepper()));
            }
            // ToM: the hashes match nothing held.
            return Ok(br#"{"mappings":{}}"#.to_vec());
        }
        let algorithm = offered(spec, &request.algorithm)?;
        let index = inner.index(spec, algorithm, &request.pepper, used == Pepper::Alt);
        (index, algorithm, inner.has_pushes())
    };
    let mut found = Found::default();
    for sent in &request.addresses {
        let key: Key<'_> = match algorithm {
            Algorithm::Sha256 => Cow::Borrowed(sent),
            Algorithm::None => Cow::Owned(stored_key(sent)?),
        };
        if let Some(entry) = index.get(key.as_ref()) {
            found.add(key.clone(), entry);
        }
        if algorithm == Algorithm::Sha256
            && pushes
            && let Some(origin) = is.lock().pushed_origin(&request.pepper, &key)
        {
            found.refer(Cow::Owned(origin.clone()), key.clone(), false);
        }
    }
    for (server, hashes) in &spec.stray_referrals {
        for hash in hashes {
            found.refer(Cow::Borrowed(server), Cow::Borrowed(hash), false);
        }
        for n in 0..spec.stray_hashes {
            found.refer(
                Cow::Borrowed(server),
                Cow::Owned(format!("stray-{n}")),
                false,
            );
        }
    }
    for (hash, mxid) in &spec.stray_mappings {
        found.map(Cow::Borrowed(hash), Cow::Borrowed(mxid));
    }
    found.to_json(spec.referral_style).map_err(|_| internal())
}

/// `POST lookups` (MSC4004 push), as ToM-server's federated IS answers it
/// (a body over `body_limit_500` never gets here: see `faults`, nothing is
/// stored): each hash is inserted on its own, so a batch with any hash already
/// pushed answers 500 *and* stores the others; 201 `{}` when all were new.
pub(crate) async fn push(State(is): Is, headers: HeaderMap, body: Bytes) -> Answer<Response> {
    is_user(&is, &headers, true)?;
    let request: PushRequest = reply::json_body(&body)?;
    let spec = &is.spec;
    let mut origins = request.mappings.into_iter();
    let (Some((origin, hashes)), None) = (origins.next(), origins.next()) else {
        return Err(invalid_param("Exactly one origin server per request"));
    };
    if request.algorithm != Algorithm::Sha256.as_str() {
        return Err(invalid_param("Only sha256 is supported"));
    }
    let mut inner = is.lock();
    let used = inner.classify(spec, &request.pepper);
    if used == Pepper::Unknown && spec.check_pepper {
        return Err(invalid_pepper(spec, inner.pepper()));
    }
    let index = inner.index(
        spec,
        Algorithm::Sha256,
        &request.pepper,
        used == Pepper::Alt,
    );
    // ToM inserts every hash on its own (a unique key on the pushed hash):
    // an insert of one held fails, the others are stored all the same. (A
    // hash of the recipient's own associations counts as held here, as it
    // did before; ToM keeps those apart, but that was not measured.)
    let mut refused = false;
    for hash in hashes {
        if index.holds(&hash) || inner.pushed_origin(&request.pepper, &hash).is_some() {
            refused = true;
        } else {
            inner.push(&request.pepper, hash, &origin);
        }
    }
    if refused {
        return Err(internal());
    }
    Ok((StatusCode::CREATED, Json(json!({}))).into_response())
}

/// A lookup key or a server name, borrowed from the request, the index or
/// the server's description where it can be.
type Key<'a> = Cow<'a, str>;

#[allow(clippy::disallowed_types)] // only probed, never listed
type KeySet<'a> = hashbrown::HashSet<Key<'a>, foldhash::fast::RandomState>;

/// What a lookup found: each key once, however often it was sent.
#[derive(Default)]
struct Found<'a> {
    /// (key, Matrix ID), in the order sent.
    mappings: Vec<(Key<'a>, Key<'a>)>,
    mapped: KeySet<'a>,
    /// By server name.
    referrals: BTreeMap<Key<'a>, Referrals<'a>>,
}

/// One server's referred keys, each once.
#[derive(Default)]
struct Referrals<'a> {
    actives: Vec<Key<'a>>,
    inactives: Vec<Key<'a>>,
    seen: KeySet<'a>,
}

impl<'a> Found<'a> {
    fn add(&mut self, key: Key<'a>, entry: &'a Entry) {
        if let Some(mxid) = &entry.mxid {
            self.map(key.clone(), Cow::Borrowed(mxid));
        }
        for (server, inactive) in &entry.referrals {
            self.refer(Cow::Borrowed(server), key.clone(), *inactive);
        }
    }

    fn map(&mut self, key: Key<'a>, mxid: Key<'a>) {
        if self.mapped.insert(key.clone()) {
            self.mappings.push((key, mxid));
        }
    }

    fn refer(&mut self, server: Key<'a>, key: Key<'a>, inactive: bool) {
        let referrals = self.referrals.entry(server).or_default();
        if referrals.seen.insert(key.clone()) {
            let list = if inactive {
                &mut referrals.inactives
            } else {
                &mut referrals.actives
            };
            list.push(key);
        }
    }

    /// The JSON answer, in `style`.
    fn to_json(&self, style: ReferralStyle) -> serde_json::Result<Vec<u8>> {
        // Flat: a server with no active hash is left out.
        let servers: Vec<(&str, Shaped<'_>)> = self
            .referrals
            .iter()
            .filter(|(_, r)| style == ReferralStyle::Actives || !r.actives.is_empty())
            .map(|(server, r)| (server.as_ref(), Shaped(r, style)))
            .collect();
        let reply = Reply {
            mappings: MapOf(&self.mappings),
            third_party_mappings: (!servers.is_empty()).then_some(MapOf(&servers)),
        };
        serde_json::to_vec(&reply)
    }
}

/// A lookup answer, serialised straight from what was found.
#[derive(Serialize)]
struct Reply<'b> {
    mappings: MapOf<'b, (Key<'b>, Key<'b>)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    third_party_mappings: Option<MapOf<'b, (&'b str, Shaped<'b>)>>,
}

/// A list of pairs, serialised as an object.
struct MapOf<'b, T>(&'b [T]);

impl<K: Serialize, V: Serialize> Serialize for MapOf<'_, (K, V)> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

/// One server's referrals in a style: a flat array of the active keys, or
/// `{"actives": [..], "inactives": [..]}`.
struct Shaped<'b>(&'b Referrals<'b>, ReferralStyle);

impl Serialize for Shaped<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self.1 {
            ReferralStyle::Flat => self.0.actives.serialize(serializer),
            ReferralStyle::Actives => {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("actives", &self.0.actives)?;
                map.serialize_entry("inactives", &self.0.inactives)?;
                map.end()
            }
        }
    }
}

/// The key of a `none` lookup string: its stored (case-folded) form, which
/// is also what sydent keys its answer by.
fn stored_key(sent: &str) -> Answer<String> {
    let mut parts = sent.split_whitespace();
    let pair = match (parts.next(), parts.next(), parts.next()) {
        (Some(address), Some(medium), None) => medium.parse::<Medium>().ok().map(|m| (address, m)),
        _ => None,
    };
    let (address, medium) = pair.ok_or_else(|| {
        reply::matrix_error(
            StatusCode::BAD_REQUEST,
            errcode::UNKNOWN,
            &format!("Invalid \"address medium\" pair: \"{sent}\""),
        )
    })?;
    Ok(plaintext_form(&stored_form(medium, address), medium))
}

/// 400 when over `address_limit`, in the configured style.
fn check_limit(spec: &ServerSpec, count: usize) -> Answer<()> {
    match spec.address_limit {
        Some(limit) if count > limit => Err(match spec.limit_style {
            LimitStyle::TooLarge => reply::matrix_error(
                StatusCode::BAD_REQUEST,
                errcode::TOO_LARGE,
                "More than the maximum amount of addresses provided",
            ),
            LimitStyle::InvalidParam => {
                invalid_param(&format!("Adresses limit of {limit} exceeded"))
            }
            LimitStyle::InvalidParamPlain => invalid_param("Invalid Param"),
        }),
        _ => Ok(()),
    }
}

/// The algorithm, if this server offers it.
fn offered(spec: &ServerSpec, name: &str) -> Answer<Algorithm> {
    match name.parse::<Algorithm>() {
        Ok(algorithm) if spec.algorithms.iter().any(|a| a == name) => Ok(algorithm),
        _ => Err(invalid_param("algorithm is not supported")),
    }
}

/// 400 `M_INVALID_PEPPER`; sydent adds the pepper and algorithm.
fn invalid_pepper(spec: &ServerSpec, current: &str) -> Refusal {
    let mut body = reply::base(
        errcode::INVALID_PEPPER,
        &format!("pepper does not match '{current}'"),
    );
    if spec.pepper_in_error {
        body.lookup_pepper = Some(current.to_owned());
        body.algorithm = Some(Algorithm::Sha256.as_str().to_owned());
    } else {
        body.error = Some("pepper does not match".to_owned());
    }
    reply::with_body(StatusCode::BAD_REQUEST, body)
}

fn invalid_param(error: &str) -> Refusal {
    reply::matrix_error(StatusCode::BAD_REQUEST, errcode::INVALID_PARAM, error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn none_keys_are_the_stored_case_folded_form() {
        assert_eq!(
            stored_key("Gustav.Strauß@Example.com email").ok(),
            Some("gustav.strauss@example.com email".to_owned())
        );
        assert_eq!(
            stored_key(" 33612345678  msisdn ").ok(),
            Some("33612345678 msisdn".to_owned())
        );
        assert!(stored_key("alice@example.com").is_err());
        assert!(stored_key("alice@example.com fax").is_err());
    }
}
