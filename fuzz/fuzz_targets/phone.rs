#![no_main]
//! `cargo +nightly fuzz run phone`: see `mxlookup::fuzzing::phone`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| mxlookup::fuzzing::phone(data));
