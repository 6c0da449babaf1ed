//! Arbitrary bytes as one source file: lexing and item extraction never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = rust_unit_sources::fuzzing::source(data);
});
