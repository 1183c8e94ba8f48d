#![no_main]
//! `cargo +nightly fuzz run csv`: see `mxlookup::fuzzing::csv`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| mxlookup::fuzzing::csv(data));
