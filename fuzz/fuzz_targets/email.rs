#![no_main]
//! `cargo +nightly fuzz run email`: see `mxlookup::fuzzing::email`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| mxlookup::fuzzing::email(data));
