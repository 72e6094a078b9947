//! In-process ratios, paired: every case of `cors_bench::CASES` is timed in rounds, each
//! round running a batch of every case back to back (in a rotating order), so the slow
//! drifts of a shared 2-core VM hit both sides of a ratio alike. A ratio's figure is the
//! median over rounds of (case A's time / case B's time) in the same round.
//!
//! `cargo bench -p cors-bench --bench ratios` (about 20 s); `ROUNDS=N` changes the rounds.

use std::time::Instant;

use actix_http::Request;
use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use cors_bench::{CASES, OnApp, call, case_named, with_app};

/// Requests per batch: fewer than actix-web's pools hold (128), so dropping a batch's
/// responses recycles their heads instead of freeing them.
const BATCH: usize = 64;
/// Batches per case and round.
const BATCHES: usize = 8;

/// The ratios the benchmark targets are about: (label, numerator, denominator, target).
const RATIOS: &[(&str, &str, &str, &str)] = &[
    ("floor / bare", "floor", "bare", ""),
    ("floor + pass-through / floor", "floor-wrapped", "floor", ""),
    ("ours GET / floor", "ours-get", "floor", "<= 1.08"),
    (
        "ours GET / actix-cors GET",
        "ours-get",
        "actix-cors-get",
        "<= 0.90",
    ),
    ("actix-cors GET / bare", "actix-cors-get", "bare", ""),
    (
        "ours preflight / actix-cors preflight",
        "ours-preflight",
        "actix-cors-preflight",
        "<= 0.75",
    ),
    (
        "ours preflight / floor preflight",
        "ours-preflight",
        "floor-preflight",
        "",
    ),
    (
        "ours disallowed / bare",
        "ours-disallowed",
        "bare-disallowed",
        "(e2e <= 1.03)",
    ),
    (
        "ours disallowed / floor (bare + Vary)",
        "ours-disallowed",
        "floor-disallowed",
        "",
    ),
    (
        "actix-cors disallowed / bare",
        "actix-cors-disallowed",
        "bare-disallowed",
        "",
    ),
    (
        "1,000 / 1 origin, last",
        "ours-1000-last",
        "ours-1-last",
        "<= 1.05",
    ),
    (
        "1,000 / 1 origin, miss",
        "ours-1000-miss",
        "ours-1-miss",
        "<= 1.05",
    ),
    ("100 / 1 origin, last", "ours-100-last", "ours-1-last", ""),
    (
        "configured / literal, allowed GET",
        "ours-configured-get",
        "ours-get",
        "(e2e <= 1.02)",
    ),
    (
        "10,000 / 1 configured, allowed GET",
        "ours-configured-10000-get",
        "ours-configured-get",
        "<= 1.05",
    ),
    (
        "layer / ours, allowed GET",
        "ours-layer-get",
        "ours-get",
        "",
    ),
    (
        "layer / ours, preflight",
        "ours-layer-preflight",
        "ours-preflight",
        "",
    ),
    (
        "layer / ours, disallowed",
        "ours-layer-disallowed",
        "ours-disallowed",
        "",
    ),
    (
        "layer / ours, no Origin",
        "ours-layer-no-origin",
        "ours-no-origin",
        "",
    ),
];

fn main() {
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|rounds| rounds.parse().ok())
        .unwrap_or(400);
    let apps: Vec<Batch> = CASES
        .iter()
        .map(|case| with_app(case.variant, Timed))
        .collect();
    // times[case][round]: nanoseconds per request.
    let mut times = vec![Vec::with_capacity(rounds); CASES.len()];
    for round in 0..rounds + 1 {
        for offset in 0..CASES.len() {
            let index = (round + offset) % CASES.len();
            let case = &CASES[index];
            let mut elapsed = 0;
            for _ in 0..BATCHES {
                let requests: Vec<_> = (0..BATCH).map(|_| case.probe.request()).collect();
                elapsed += apps[index](requests);
            }
            let elapsed = elapsed as f64 / (BATCH * BATCHES) as f64;
            // Round 0 warms caches and pools up.
            if round > 0 {
                times[index].push(elapsed);
            }
        }
    }

    println!(
        "{rounds} rounds of {} requests per case; ns per request:",
        BATCH * BATCHES
    );
    println!("{:<24} {:>8} {:>8} {:>8}", "case", "median", "p10", "p90");
    for (case, samples) in CASES.iter().zip(&times) {
        let (median, low, high) = spread(samples.clone());
        println!("{:<24} {median:>8.1} {low:>8.1} {high:>8.1}", case.name);
    }
    println!();
    println!("paired ratios (median of per-round ratios, p10-p90):");
    for (label, numerator, denominator, target) in RATIOS {
        let index = |name: &str| {
            let case = case_named(name).expect("a case of CASES");
            CASES
                .iter()
                .position(|other| other.name == case.name)
                .unwrap()
        };
        let (a, b) = (&times[index(numerator)], &times[index(denominator)]);
        let ratios: Vec<f64> = a.iter().zip(b).map(|(a, b)| a / b).collect();
        let (median, low, high) = spread(ratios);
        println!("{label:<40} {median:>6.3}x  ({low:.3}-{high:.3})  {target}");
    }
}

/// Sends a batch of requests through one case's app and returns the nanoseconds it took
/// (the call through the box is outside the timing).
type Batch = Box<dyn Fn(Vec<Request>) -> u128>;

/// Makes a case's [`Batch`] from its app, whatever the app's response type.
struct Timed;

impl OnApp for Timed {
    type Output = Batch;

    fn run<S, B>(self, app: S) -> Batch
    where
        S: Service<Request, Response = ServiceResponse<B>, Error = Error> + 'static,
        B: MessageBody + 'static,
    {
        Box::new(move |requests| {
            let start = Instant::now();
            for request in requests {
                drop(call(&app, request));
            }
            start.elapsed().as_nanos()
        })
    }
}

/// Median, 10th and 90th percentiles.
fn spread(mut samples: Vec<f64>) -> (f64, f64, f64) {
    samples.sort_by(f64::total_cmp);
    let at = |quantile: f64| samples[((samples.len() - 1) as f64 * quantile).round() as usize];
    (at(0.5), at(0.1), at(0.9))
}
