//! Arbitrary op sequences applied to replicas in different orders: no panic, convergence.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    firecheck_shared::fuzzing::apply_ops(data);
});
