//! The fast path against `phonenumber`, on the metadata's own example
//! numbers in many written forms, perturbations of them, random digit
//! strings and random text.

use std::fmt::Write as _;
use std::str::FromStr;
use std::sync::LazyLock;
use std::time::Instant;

use phonenumber::Mode;
use phonenumber::country::Id;
use phonenumber::metadata::{DATABASE, Descriptor, Metadata};
use proptest::prelude::*;

use super::super::msisdn::{MsisdnOptions, Region, fast_path, fast_path_with, normalise_msisdn};
use super::table::region_slot;
use super::*;

#[test]
fn warming_up_compiles_the_regions_patterns() {
    warm_up(Some("NZ"));
    let entry = TABLE.region("NZ").expect("NZ is in the metadata");
    assert!(matches!(entry.compiled.get(), Some(Some(_))));
    // No region: the table alone.
    warm_up(None);
    assert!(LazyLock::get(&TABLE).is_some());
}

/// `normalise_msisdn` as it was before the fast path, frozen as the
/// oracle: `phonenumber` alone.
fn reference(input: &str, opts: &MsisdnOptions) -> Result<String, String> {
    let trimmed = input.trim();
    let written = match trimmed.get(..4) {
        Some(scheme) if scheme.eq_ignore_ascii_case("tel:") => {
            let rest = &trimmed[4..];
            rest.split(';').next().unwrap_or(rest).trim()
        }
        _ => trimmed,
    };
    let digits: String = written.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return Err("phone number without digits".into());
    }
    let parse = |region: Option<Region>, text: &str| {
        let id = region.map(|r| Id::from_str(r.code()).unwrap());
        phonenumber::parse(id, text).map_err(|e| format!("not a phone number: {e}"))
    };
    let number = if written.starts_with('+') {
        parse(None, written)?
    } else if let Some(region) = opts.region {
        let meta = DATABASE.by_id(region.code()).unwrap();
        let idd = meta
            .international_prefix()
            .and_then(|re| re.find(&digits))
            .filter(|m| m.start() == 0 && m.end() > 0);
        match idd {
            Some(m) => parse(None, &format!("+{}", &digits[m.end()..]))?,
            None => parse(Some(region), written)?,
        }
    } else if let Some(rest) = digits.strip_prefix("00") {
        parse(None, &format!("+{rest}"))?
    } else if let Some(rest) = digits.strip_prefix("011") {
        parse(None, &format!("+{rest}"))?
    } else if opts.bare_digits_are_international {
        parse(None, &format!("+{digits}"))?
    } else {
        return Err(
            "phone number in national form and no region to read it in (pass --region)".into(),
        );
    };
    let e164 = number.format().mode(Mode::E164).to_string();
    if !number.is_valid() {
        return Err(format!("not a valid phone number (read as {e164})"));
    }
    Ok(e164.trim_start_matches('+').to_owned())
}

#[derive(Debug, Default)]
struct Tally {
    inputs: usize,
    fast: usize,
    valid: usize,
    /// Inputs read otherwise with libphonenumber's rules.
    departs: usize,
}

impl Tally {
    /// Runs both paths and the oracle on one input; panics on any
    /// difference.
    fn check(&mut self, input: &str, opts: &MsisdnOptions) {
        let expected = reference(input, opts);
        let fast = fast_path(input, opts);
        // Where `phonenumber` departs from libphonenumber the fast path reads
        // as libphonenumber (held to it by tests/it/references.rs), and
        // falls back to `phonenumber` exactly where that reading is `None`.
        let libphonenumber = fast_path_with(input, opts, Rules::Libphonenumber);
        self.departs += usize::from(libphonenumber != fast);
        let whole = normalise_msisdn(input, opts).map_err(|e| e.0);
        let ctx = || format!("input {input:?}, region {:?}", opts.region);
        let want = libphonenumber.map_or_else(|| expected.clone(), Ok);
        assert_eq!(whole, want, "normalise_msisdn: {}", ctx());
        if let Some(fast) = &fast {
            assert_eq!(Ok(fast), expected.as_ref(), "fast path: {}", ctx());
            self.fast += 1;
        }
        self.valid += usize::from(expected.is_ok());
        self.inputs += 1;
    }
}

fn opts(region: Option<&str>, bare: bool) -> MsisdnOptions {
    MsisdnOptions {
        region: region.map(|r| r.parse().unwrap()),
        bare_digits_are_international: bare,
    }
}

/// Every example number in the metadata, with its region (if any),
/// country code and national prefix.
fn examples() -> Vec<(Option<&'static str>, u16, &'static str, &'static str)> {
    let mut out = Vec::new();
    for meta in database() {
        let d = meta.descriptors();
        let descriptors = [
            Some(d.general()),
            d.fixed_line(),
            d.mobile(),
            d.toll_free(),
            d.premium_rate(),
            d.shared_cost(),
            d.personal_number(),
            d.voip(),
            d.pager(),
            d.uan(),
            d.emergency(),
            d.voicemail(),
            d.short_code(),
            d.standard_rate(),
            d.carrier(),
            d.no_international(),
        ];
        let region = region_slot(meta.id()).map(|_| meta.id());
        let prefix = meta.national_prefix().unwrap_or("");
        for example in descriptors
            .into_iter()
            .flatten()
            .filter_map(|d| d.example())
        {
            out.push((region, meta.country_code(), prefix, example));
        }
    }
    out
}

/// `digits` with separators: spaces, dashes, dots or parentheses.
fn spaced(digits: &str, style: usize) -> String {
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && i % 3 == 0 {
            out.push([' ', '-', '.', '/'][style % 4]);
        }
        out.push(c);
    }
    if style % 5 == 4 && digits.len() > 4 {
        out = format!("({}) {}", &digits[..3], &digits[3..]);
    }
    out
}

/// A random small change: a digit changed, added or removed.
fn perturb(rng: &mut fastrand::Rng, digits: &str) -> String {
    let mut d: Vec<char> = digits.chars().collect();
    let at = rng.usize(..=d.len());
    match rng.u8(..3) {
        0 if at < d.len() => d[at] = rng.digit(10),
        1 | 0 => d.insert(at, rng.digit(10)),
        _ if at < d.len() => drop(d.remove(at)),
        _ => drop(d.pop()),
    }
    d.into_iter().collect()
}

/// The written forms of one number for one reading region.
fn forms(cc: u16, prefix: &str, nsn: &str, style: usize) -> Vec<(String, bool)> {
    vec![
        (format!("+{cc}{nsn}"), false),
        (format!("+{cc} {}", spaced(nsn, style)), false),
        (format!("+{cc}-{}", spaced(nsn, 1)), false),
        (format!("tel:+{cc}.{nsn}"), false),
        (format!("00{cc}{nsn}"), false),
        (format!("011 {cc} {nsn}"), false),
        (format!("{cc}{nsn}"), true),
        (format!("{prefix}{nsn}"), false),
        (spaced(&format!("{prefix}{nsn}"), style), false),
        (nsn.to_owned(), false),
    ]
}

/// Where a generated input comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// An example number of the metadata, in one written form.
    Example,
    /// An example with a digit changed, added or removed.
    Perturbed,
    /// Random digits after a random country code.
    Random,
}

/// One generated input: the text, its reading region and whether bare
/// digits are international.
type Case = (Option<&'static str>, String, bool, Kind);

/// Debug builds check a sample (`phonenumber` is slow there, about 2 ms
/// a number); `cargo test --release` checks every example.
const SAMPLE: usize = if cfg!(debug_assertions) { 100 } else { 1 };

fn generate(rng: &mut fastrand::Rng) -> Vec<Case> {
    let regions: Vec<&'static str> = TABLE
        .entries
        .iter()
        .map(|e| e.meta.id)
        .filter(|id| region_slot(id).is_some() && id.parse::<Region>().is_ok())
        .collect();
    let mut cases = Vec::new();
    for (i, (region, cc, prefix, example)) in examples().into_iter().enumerate() {
        if i % SAMPLE != 0 {
            continue;
        }
        let other = regions[rng.usize(..regions.len())];
        let mut numbers = vec![(example.to_owned(), Kind::Example)];
        numbers.extend((0..3).map(|_| (perturb(rng, example), Kind::Perturbed)));
        for (nsn, kind) in numbers {
            for (input, bare) in forms(cc, prefix, &nsn, i) {
                for reading in [region, Some(other), None] {
                    cases.push((reading, input.clone(), bare, kind));
                }
            }
        }
    }
    for i in 0..200_000 / SAMPLE {
        let entry = &TABLE.entries[rng.usize(..TABLE.entries.len())];
        let meta = entry.meta;
        let nsn: String = (0..rng.usize(6..=15)).map(|_| rng.digit(10)).collect();
        let own = region_slot(meta.id).map(|_| meta.id);
        let prefix = meta.national_prefix.unwrap_or("0");
        let forms = forms(meta.code, prefix, &nsn, i);
        let (input, bare) = forms[rng.usize(..forms.len())].clone();
        let reading = match i % 6 {
            0 => None,
            1 => Some(regions[rng.usize(..regions.len())]),
            _ => own,
        };
        cases.push((reading, input, bare, Kind::Random));
    }
    // Grouped by region and country code, `phonenumber`'s regex cache
    // (100 entries) thrashes less: the test runs several times faster.
    cases.sort();
    cases
}

#[test]
fn fast_path_agrees_with_phonenumber() {
    let started = Instant::now();
    let mut rng = fastrand::Rng::with_seed(4004);
    let mut tallies = [Tally::default(), Tally::default(), Tally::default()];
    for (region, input, bare, kind) in generate(&mut rng) {
        tallies[kind as usize].check(&input, &opts(region, bare));
    }
    let mut report = String::new();
    let kinds = [Kind::Example, Kind::Perturbed, Kind::Random];
    for (kind, t) in kinds.iter().zip(&tallies) {
        let _ = writeln!(
            report,
            "{kind:?}: {} inputs, {} valid, {} accepted by the fast path ({:.2}% of valid), \
             {} read otherwise with libphonenumber's rules",
            t.inputs,
            t.valid,
            t.fast,
            100.0 * t.fast as f64 / t.valid.max(1) as f64,
            t.departs
        );
    }
    eprintln!("{report}no mismatch; took {:?}", started.elapsed());
    let examples = &tallies[Kind::Example as usize];
    assert!(examples.fast * 100 >= examples.valid * 95, "{report}");
}

#[test]
fn fast_path_takes_the_common_shapes() {
    let cases = [
        ("06 12 34 56 78", Some("FR")),
        ("+33 6 12 34 56 78", Some("US")),
        ("+1-202-555-0143", None),        // RFC 3966 style
        ("tel:+1.416.555.0143", None),    // Canada behind +1
        ("0049 171 1234567", Some("FR")), // international call prefix
        ("0011 33 6 12 34 56 78", Some("AU")),
        ("33 6 12 34 56 78", Some("FR")), // country code without `+`
        ("+39 02 1234 5678", None),       // Italian leading zero
        ("+44 1481 256789", None),        // Guernsey, shared +44
        ("+7 701 123 4567", None),        // Kazakhstan, shared +7
        ("+972 449852411609", None),      // start-anchored match quirk
        ("(202) 555-0143", Some("US")),
        ("0115 947 5000", Some("GB")),
    ];
    for (input, region) in cases {
        let o = opts(region, false);
        let mut tally = Tally::default();
        tally.check(input, &o);
        assert_eq!(tally.fast, 1, "{input:?} in {region:?} not taken");
    }
}

#[test]
fn table_follows_the_database() {
    for code in 1..1000u16 {
        let by_code = DATABASE.by_code(&code).unwrap_or_default();
        let ids: Vec<&str> = by_code.iter().map(|m| m.id()).collect();
        assert_eq!(DATABASE.region(&code).unwrap_or_default(), ids);
        if let Code::Regions { start, end } = TABLE.code(code) {
            assert_eq!(end - start, ids.len());
        }
    }
    for entry in &TABLE.entries {
        let id = entry.meta.id;
        // `anchored`'s ASCII mode relies on every text being ASCII.
        let rule = entry.meta.transform_rule;
        assert!(rule.is_none_or(|r| r.is_ascii()), "{id}: {rule:?}");
        let compiled = entry.compiled();
        assert!(compiled.is_some(), "{id} failed to compile");
        for len in 0..=MAX_NSN_LEN {
            let types = compiled.unwrap().types_at(len);
            assert!(types.is_some(), "{id}: types of length {len} failed");
        }
        if region_slot(id).is_some() {
            let found = TABLE.region(id).unwrap();
            assert!(std::ptr::eq(found.meta, entry.meta));
        }
    }
}

/// Every entry of `phonenumber`'s database, in the order of `ENTRIES`:
/// by country code, each code's regions in `Database::region` order.
fn database() -> impl Iterator<Item = &'static Metadata> {
    (1..1000u16).flat_map(|code| DATABASE.by_code(&code).unwrap_or_default())
}

/// Whether `phonenumber` can name every region of a country code the way
/// `validator::source_for` needs: a single non-geographic entity (`001`), or
/// regions whose codes parse as `country::Id`s and name themselves back.
fn names_regions(metas: &[&Metadata]) -> bool {
    let names_itself =
        |id: &str| Id::from_str(id).is_ok_and(|parsed| AsRef::<str>::as_ref(&parsed) == id);
    match metas {
        [only] => only.id() == "001" || names_itself(only.id()),
        _ => metas.iter().all(|meta| names_itself(meta.id())),
    }
}

/// `metadata.rs`, as made from `phonenumber`'s database.
fn generate_metadata() -> String {
    let desc = |d: &Descriptor| {
        format!(
            "Desc {{ pattern: {:?}, lengths: &{:?}, local: &{:?} }}",
            d.national_number().as_str(),
            d.possible_length(),
            d.possible_local_length()
        )
    };
    let text = |r: Option<&str>| format!("{r:?}");
    let mut out = String::from(
        "//! The part of `phonenumber`'s metadata that the fast path reads (see\n\
         //! `table.rs`). Generated from `phonenumber`'s database by the test\n\
         //! `metadata_is_generated_from_phonenumber`: do not edit; regenerate with\n\
         //! `MXLOOKUP_UPDATE_GENERATED=1 cargo test --lib metadata_is_generated`.\n\n\
         use super::table::{Desc, Meta};\n\n",
    );
    let mut unnameable = Vec::new();
    out.push_str("pub(super) static ENTRIES: &[Meta] = &[\n");
    for code in 1..1000u16 {
        let Some(metas) = DATABASE.by_code(&code) else {
            continue;
        };
        if !names_regions(&metas) {
            unnameable.push(code);
        }
        for meta in metas {
            let d = meta.descriptors();
            let types = [
                d.premium_rate(),
                d.toll_free(),
                d.shared_cost(),
                d.voip(),
                d.personal_number(),
                d.pager(),
                d.uan(),
                d.voicemail(),
                d.fixed_line(),
                d.mobile(),
            ];
            let types: Vec<String> = types.into_iter().flatten().map(desc).collect();
            let _ = writeln!(
                out,
                "    Meta {{\n        id: {:?},\n        code: {code},\n        \
                 national_prefix: {},\n        national_prefix_for_parsing: {},\n        \
                 transform_rule: {},\n        international_prefix: {},\n        \
                 leading_digits: {},\n        general: {},\n        types: &[\n{}        ],\n    }},",
                meta.id(),
                text(meta.national_prefix()),
                text(meta.national_prefix_for_parsing().map(|r| r.as_str())),
                text(meta.national_prefix_transform_rule()),
                text(meta.international_prefix().map(|r| r.as_str())),
                text(meta.leading_digits().map(|r| r.as_str())),
                desc(d.general()),
                types
                    .iter()
                    .map(|t| format!("            {t},\n"))
                    .collect::<String>(),
            );
        }
    }
    let _ = writeln!(
        out,
        "];\n\n/// Country codes whose regions `phonenumber` cannot name."
    );
    let _ = writeln!(
        out,
        "pub(super) static UNNAMEABLE: &[u16] = &{unnameable:?};"
    );
    out
}

#[test]
fn metadata_is_generated_from_phonenumber() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/threepid/fastphone/metadata.rs"
    );
    let fresh = generate_metadata();
    let current = std::fs::read_to_string(path).unwrap_or_default();
    if current != fresh && std::env::var_os("MXLOOKUP_UPDATE_GENERATED").is_some() {
        std::fs::write(path, &fresh).unwrap();
        return;
    }
    assert!(
        current == fresh,
        "src/threepid/fastphone/metadata.rs is stale; regenerate with \
         MXLOOKUP_UPDATE_GENERATED=1 cargo test --lib metadata_is_generated"
    );
    // And the table holds what the file says, entry for entry.
    assert_eq!(TABLE.entries.len(), database().count());
}

proptest! {
    #[test]
    fn random_text_agrees(
        input in "(tel:)?[+]?[0-9 ()./+#x;-]{0,22}(;ext=[0-9]{1,3})?",
        region in proptest::option::of(proptest::sample::select(
            vec!["FR", "US", "GB", "DE", "IT", "AU", "BR", "RU", "KZ", "JE", "AR", "MX"],
        )),
        bare in any::<bool>(),
    ) {
        Tally::default().check(&input, &opts(region, bare));
    }
}
