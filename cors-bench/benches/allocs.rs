//! Heap allocations per request, for each case of `cors_bench::CASES`, counted by a global
//! allocator around the service call and the response's drop (request construction is not
//! counted). Prints one line per case and the difference to the bare handler.
//!
//! `cargo bench -p cors-bench --bench allocs`

use actix_http::Request;
use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use cors_bench::counting::{Counting, Snapshot, snapshot};
use cors_bench::{CASES, Case, OnApp, call, with_app};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Requests before counting: fills actix-web's request and response pools.
const WARM_UP: u64 = 1_000;
/// Requests counted.
const REQUESTS: u64 = 10_000;

fn main() {
    // `cargo bench` passes `--bench`; anything else (a filter) selects cases by substring.
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with('-'))
        .collect();
    let baseline = per_request(&CASES[0]);
    println!(
        "{:<24} {:>12} {:>12} {:>14}",
        "case", "allocs/req", "bytes/req", "added vs bare"
    );
    for case in CASES {
        if !filters.is_empty()
            && !filters
                .iter()
                .any(|filter| case.name.contains(filter.as_str()))
        {
            continue;
        }
        let counted = if case.name == CASES[0].name {
            baseline
        } else {
            per_request(case)
        };
        println!(
            "{:<24} {:>12.2} {:>12.1} {:>+14.2}",
            case.name,
            counted.0,
            counted.1,
            counted.0 - baseline.0
        );
    }
}

/// Allocations and bytes per request of `case`.
fn per_request(case: &'static Case) -> (f64, f64) {
    with_app(case.variant, Count(case))
}

/// Counts one case's allocations on its app.
struct Count(&'static Case);

impl OnApp for Count {
    type Output = (f64, f64);

    fn run<S, B>(self, app: S) -> (f64, f64)
    where
        S: Service<Request, Response = ServiceResponse<B>, Error = Error> + 'static,
        B: MessageBody + 'static,
    {
        let case = self.0;
        for _ in 0..WARM_UP {
            drop(call(&app, case.probe.request()));
        }
        let mut total = Snapshot::default();
        for _ in 0..REQUESTS {
            let request = case.probe.request();
            let before = snapshot();
            drop(call(&app, request));
            let after = snapshot();
            total.allocations += after.allocations - before.allocations;
            total.bytes += after.bytes - before.bytes;
        }
        (
            total.allocations as f64 / REQUESTS as f64,
            total.bytes as f64 / REQUESTS as f64,
        )
    }
}
