#![no_main]
//! `cargo +nightly fuzz run sniff`: see `mxlookup::fuzzing::sniff_and_read`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| mxlookup::fuzzing::sniff_and_read(data));
