#![no_main]
//! `cargo +nightly fuzz run wire`: see `mxlookup::fuzzing::wire`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| mxlookup::fuzzing::wire(data));
