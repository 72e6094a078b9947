//! Replays every saved fuzz input (`fuzz/corpus/<target>/*`) through the same checks the
//! fuzz targets run, so `cargo test` keeps what the fuzzers found. Fuzz longer with
//! `cargo +nightly fuzz run <target>` from `fuzz/` (see SECURITY.md).

#[path = "../fuzz/checks.rs"]
#[allow(dead_code, missing_docs)]
mod checks;

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut inputs = 0;
    for entry in
        std::fs::read_dir(&dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
    {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(outcome.is_ok(), "{} fails its check", path.display());
        inputs += 1;
    }
    assert!(inputs >= 5, "{target}: only {inputs} corpus inputs");
}

#[test]
fn origin_matcher_corpus() {
    replay("origin_matcher", checks::origin_matcher);
}

#[test]
fn request_headers_corpus() {
    replay("request_headers", checks::request_headers);
}

#[test]
fn preflight_corpus() {
    replay("preflight", checks::preflight);
}

#[test]
fn response_headers_corpus() {
    replay("response_headers", checks::response_headers);
}

#[test]
fn axum_preflight_corpus() {
    replay("preflight", checks::axum_preflight);
}

#[test]
fn axum_response_headers_corpus() {
    replay("response_headers", checks::axum_response_headers);
}
