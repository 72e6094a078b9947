#![no_main]

#[path = "../checks.rs"]
#[allow(dead_code)] // Each target runs one of the shared checks.
mod checks;

// The same inputs as `response_headers`: its corpus is this target's too.
libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::axum_response_headers(data));
