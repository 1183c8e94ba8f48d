#![no_main]
//! `cargo +nightly fuzz run vcard`: see `mxlookup::fuzzing::vcard`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| mxlookup::fuzzing::vcard(data));
