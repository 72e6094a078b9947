//! In-process medians: every case of `cors_bench::CASES` through the real actix-web service
//! stack (router, resource, route, middleware, handler, responder), without a socket.
//!
//! Each iteration sends one request built beforehand (outside the timing) and drops the
//! response (inside it, so pooled heads go back to their pools as on a server). Samples
//! are 64 requests: fewer than actix-web's pools hold (128), so dropping them recycles
//! their heads instead of freeing them.
//!
//! `cargo bench -p cors-bench --bench inprocess`

use cors_bench::{call, case_named, init_now};
use divan::Bencher;

fn main() {
    divan::main();
}

#[divan::bench(args = cors_bench::case_names(), sample_count = 2000, sample_size = 64)]
fn request(bencher: Bencher, name: &str) {
    let case = case_named(name).expect("a case of CASES");
    let app = init_now(case.variant);
    let response = call(&app, case.probe.request());
    assert_eq!(response.status().as_u16(), case.status, "{name}");
    drop(response);
    bencher
        .with_inputs(|| case.probe.request())
        .bench_local_values(|request| drop(call(&app, request)));
}
