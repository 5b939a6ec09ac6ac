//! `SyncRequest` / `SyncResponse` from arbitrary bytes as JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    firecheck_shared::fuzzing::decode_sync_json(data);
});
