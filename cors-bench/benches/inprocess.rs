//! In-process medians: every case of `cors_bench::CASES` through the real actix-web service
//! stack (router, resource, route, middleware, handler, responder), without a socket.
//!
//! Each iteration sends one request built beforehand (outside the timing) and drops the
//! response (inside it, so pooled heads go back to their pools as on a server). Samples
//! are 64 requests: fewer than actix-web's pools hold (128), so dropping them recycles
//! their heads instead of freeing them.
//!
//! `cargo bench -p cors-bench --bench inprocess`

use actix_http::Request;
use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use cors_bench::{Case, OnApp, call, case_named, with_app};
use divan::Bencher;

fn main() {
    divan::main();
}

#[divan::bench(args = cors_bench::case_names(), sample_count = 2000, sample_size = 64)]
fn request(bencher: Bencher, name: &str) {
    let case = case_named(name).expect("a case of CASES");
    with_app(case.variant, Measure { bencher, case });
}

/// One case's benchmark, on its app.
struct Measure<'a, 'b> {
    bencher: Bencher<'a, 'b>,
    case: &'static Case,
}

impl OnApp for Measure<'_, '_> {
    type Output = ();

    fn run<S, B>(self, app: S)
    where
        S: Service<Request, Response = ServiceResponse<B>, Error = Error> + 'static,
        B: MessageBody + 'static,
    {
        let case = self.case;
        let response = call(&app, case.probe.request());
        assert_eq!(response.status().as_u16(), case.status, "{}", case.name);
        drop(response);
        self.bencher
            .with_inputs(|| case.probe.request())
            .bench_local_values(|request| drop(call(&app, request)));
    }
}
