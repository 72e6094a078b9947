#![no_main]

#[path = "../checks.rs"]
mod checks;

// The same inputs as `preflight`: its corpus is this target's too.
libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::axum_preflight(data));
