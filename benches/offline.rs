//! Offline pipeline benchmarks: hashing, normalisation, vCard reading and the
//! whole dry run over a synthetic address book. The end-to-end figure for a
//! million contacts comes from the command in README.md.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

use mxlookup::addressbook::{Format, read_bytes};
use mxlookup::plan::Plan;
use mxlookup::synthetic::{SynthFormat, write_book};
use mxlookup::threepid::{Medium, MsisdnOptions, lookup_hash, normalise_email, normalise_msisdn};

fn fr() -> MsisdnOptions {
    MsisdnOptions {
        region: Some("FR".parse().unwrap()),
        bare_digits_are_international: false,
    }
}

fn threepid(c: &mut Criterion) {
    let mut g = c.benchmark_group("threepid");
    g.bench_function("sha256_hash", |b| {
        b.iter(|| {
            lookup_hash(
                black_box("alice@example.com"),
                Medium::Email,
                black_box("matrixrocks"),
            )
        })
    });
    g.bench_function("email_ascii", |b| {
        b.iter(|| normalise_email(black_box("Alice.Smith@Example.org")))
    });
    g.bench_function("email_unicode", |b| {
        b.iter(|| normalise_email(black_box("Strauß@Example.com")))
    });
    let opts = fr();
    g.bench_function("msisdn_national", |b| {
        b.iter(|| normalise_msisdn(black_box("06 12 34 56 78"), &opts))
    });
    g.bench_function("msisdn_international", |b| {
        b.iter(|| normalise_msisdn(black_box("+49 171 1234567"), &opts))
    });
    g.finish();
}

fn book(contacts: usize) -> Vec<u8> {
    let mut bytes = Vec::new();
    write_book(&mut bytes, contacts, 1, SynthFormat::Vcard).unwrap();
    bytes
}

fn pipeline(c: &mut Criterion) {
    const CONTACTS: usize = 10_000;
    let bytes = book(CONTACTS);
    let mut g = c.benchmark_group("pipeline");
    g.sample_size(10);
    g.throughput(Throughput::Elements(CONTACTS as u64));
    g.bench_function("read_vcard_10k", |b| {
        b.iter(|| read_bytes("bench.vcf", &bytes, Some(Format::Vcard)).unwrap())
    });
    let opts = fr();
    g.bench_function("plan_10k", |b| {
        b.iter_batched(
            || vec![read_bytes("bench.vcf", &bytes, Some(Format::Vcard)).unwrap()],
            |books| Plan::build(books, &opts),
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, threepid, pipeline);
criterion_main!(benches, extra);

fn calcard_only(c: &mut Criterion) {
    let card = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Adler\r\nEMAIL;TYPE=INTERNET:ada.adler1@example.org\r\nTEL;TYPE=CELL:+33 6 12 34 56 78\r\nEND:VCARD\r\n";
    c.bench_function("calcard_card", |b| {
        b.iter(|| calcard::Parser::new(black_box(card)).entry())
    });
}
criterion_group!(extra, calcard_only);
