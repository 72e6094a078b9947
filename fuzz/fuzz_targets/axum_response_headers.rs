#![no_main]

#[path = "../checks.rs"]
mod checks;

// The same inputs as `response_headers`: its corpus is this target's too.
libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::axum_response_headers(data));
