//! How long loading configured origins takes: 10,000 origins checked by the compile-time
//! rules, indexed and made header values, then swapped in (`configured::reload`), as a
//! tenant list reloaded while the server runs.
//!
//! `cargo bench -p cors-bench --bench load_origins`

use cors_bench::{TENANTS, load_configured_origins, tenant_origins};
use divan::Bencher;

fn main() {
    divan::main();
}

#[divan::bench(sample_count = 50)]
fn reload_10000_origins(bencher: Bencher) {
    load_configured_origins();
    let value = tenant_origins();
    assert_eq!(value.split(", ").count(), TENANTS);
    bencher.bench(|| {
        cors_runtime::configured::reload("BENCH_TENANT_ORIGINS", &value)
            .expect("the benchmark's origins are valid")
    });
}

#[divan::bench(sample_count = 200)]
fn reload_1_origin(bencher: Bencher) {
    load_configured_origins();
    bencher.bench(|| {
        cors_runtime::configured::reload("BENCH_ORIGINS", cors_bench::ALLOWED_ORIGIN)
            .expect("the benchmark's origin is valid")
    });
}
