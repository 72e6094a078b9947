//! The axum end-to-end subject: one variant served on loopback by a current-thread tokio
//! runtime (one thread, as `bench-server` runs one actix worker).
//!
//! ```text
//! bench-server-axum VARIANT [PORT]   serve VARIANT at 127.0.0.1:PORT (default 18080) until
//!                                    SIGINT
//! bench-server-axum --cases          print the cases, one a line, as `bench-server --cases`
//!                                    does: name, number, variant, method, status, headers
//! bench-server-axum --in-process CASE N [build-only]
//!                                    send CASE's request N times through the router in
//!                                    process (no socket) and exit; with `build-only`, build
//!                                    and drop the requests, no more
//! ```
//!
//! Every variant serves one `GET /items` and its preflight with the same policy: origin
//! [`ALLOWED_ORIGIN`] (or 1,000 listed origins), credentials, request header
//! `content-type`, `max_age` 600. It prints `ready` once listening; on SIGINT it stops
//! accepting, lets the open connections end and returns, so valgrind's counts are complete.
//! Built with `--features count-allocs`, it prints the process's heap allocations on stderr
//! when it stops.

use std::process::ExitCode;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS,
    ACCESS_CONTROL_REQUEST_METHOD, CONTENT_TYPE, HeaderMap, HeaderValue, ORIGIN, VARY,
};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use cors_axum::{cors, routes};
use cors_bench::{
    ALLOWED_GET, ALLOWED_ORIGIN, BODY, DISALLOWED_GET, LAST_OF_1000, LAST_ORIGIN_1000, PATH, Probe,
};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_service::Service;

#[cfg(feature = "count-allocs")]
#[global_allocator]
static ALLOCATOR: cors_bench::counting::Counting = cors_bench::counting::Counting;

include!(concat!(env!("OUT_DIR"), "/axum_scaling.rs"));

// ---------------------------------------------------------------------------------------
// The subjects.

/// The handler every variant serves.
async fn bare() -> &'static str {
    BODY
}

/// `#[cors]`: the policy of every variant, with one origin.
#[cors(
    get,
    path = "/items",
    origins = "https://app.example.com",
    credentials = true,
    headers = "content-type",
    max_age = 600
)]
async fn ours() -> &'static str {
    BODY
}

/// The floor of an actual request: the handler writing the headers `#[cors]` writes, the
/// origin checked with a plain comparison (the request is moved in, not copied).
async fn floor(req: Request) -> Response {
    let allowed = req
        .headers()
        .get(ORIGIN)
        .is_some_and(|origin| origin == ALLOWED_ORIGIN);
    granted(allowed.then_some(HeaderValue::from_static(ALLOWED_ORIGIN)))
}

/// [`floor`] with 1,000 origins: a binary search of the sorted list, the request's own
/// value echoed.
async fn floor_1000(req: Request) -> Response {
    let allow_origin = req
        .headers()
        .get(ORIGIN)
        .filter(|origin| listed_1000(origin))
        .cloned();
    granted(allow_origin)
}

fn listed_1000(origin: &HeaderValue) -> bool {
    ORIGINS_1000
        .binary_search_by(|listed| listed.as_bytes().cmp(origin.as_bytes()))
        .is_ok()
}

/// [`BODY`] with the headers of an allowed actual request if `allow_origin`, `Vary: Origin`
/// in any case.
fn granted(allow_origin: Option<HeaderValue>) -> Response {
    let mut response = BODY.into_response();
    let headers = response.headers_mut();
    if let Some(allow_origin) = allow_origin {
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin);
        headers.insert(
            ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    }
    headers.insert(VARY, HeaderValue::from_static("Origin"));
    response
}

/// The floor of a preflight: an `OPTIONS` handler checking the origin, the requested
/// method and headers with plain comparisons, answering what `#[cors]` answers.
async fn floor_preflight(req: Request) -> Response {
    preflight(req.headers(), |origin| {
        (origin == ALLOWED_ORIGIN).then_some(HeaderValue::from_static(ALLOWED_ORIGIN))
    })
}

/// [`floor_preflight`] with 1,000 origins.
async fn floor_preflight_1000(req: Request) -> Response {
    preflight(req.headers(), |origin| {
        listed_1000(origin).then(|| origin.clone())
    })
}

fn preflight(
    headers: &HeaderMap,
    allow: impl FnOnce(&HeaderValue) -> Option<HeaderValue>,
) -> Response {
    let allow_origin = headers.get(ORIGIN).and_then(allow).filter(|_| {
        headers
            .get(ACCESS_CONTROL_REQUEST_METHOD)
            .is_some_and(|method| method == "GET")
            && headers
                .get(ACCESS_CONTROL_REQUEST_HEADERS)
                .is_none_or(|names| names.as_bytes().eq_ignore_ascii_case(b"content-type"))
    });
    let mut response = Response::new(Body::empty());
    if let Some(allow_origin) = allow_origin {
        *response.status_mut() = StatusCode::NO_CONTENT;
        let headers = response.headers_mut();
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin);
        headers.insert(
            ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
        headers.insert(
            ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET"),
        );
        headers.insert(
            ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("content-type"),
        );
        headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    } else {
        *response.status_mut() = StatusCode::FORBIDDEN;
    }
    response.headers_mut().insert(
        VARY,
        HeaderValue::from_static(
            "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
        ),
    );
    response
}

/// tower-http's `CorsLayer` with the policy of [`ours`] for `origins`.
fn tower_http_layer(origins: AllowOrigin) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(origins)
        .allow_credentials(true)
        .allow_headers([CONTENT_TYPE])
        .max_age(Duration::from_secs(600))
        .allow_methods([Method::GET])
}

// ---------------------------------------------------------------------------------------
// Variants and cases.

/// One server configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Variant {
    /// The handler alone, no CORS.
    Bare,
    /// The handler writing the headers itself, and an `OPTIONS` handler for the preflight.
    Floor,
    /// tower-http's `CorsLayer` over the handler's router.
    TowerHttp,
    /// `#[cors]` merged with `routes!`.
    Ours,
    /// [`Variant::Floor`] with 1,000 origins.
    Floor1000,
    /// [`Variant::TowerHttp`] with 1,000 origins.
    TowerHttp1000,
    /// [`Variant::Ours`] with 1,000 origins.
    Ours1000,
}

impl Variant {
    const ALL: [Variant; 7] = [
        Variant::Bare,
        Variant::Floor,
        Variant::TowerHttp,
        Variant::Ours,
        Variant::Floor1000,
        Variant::TowerHttp1000,
        Variant::Ours1000,
    ];

    fn name(self) -> &'static str {
        match self {
            Variant::Bare => "axum-bare",
            Variant::Floor => "axum-floor",
            Variant::TowerHttp => "axum-tower-http",
            Variant::Ours => "axum-ours",
            Variant::Floor1000 => "axum-floor-1000",
            Variant::TowerHttp1000 => "axum-tower-http-1000",
            Variant::Ours1000 => "axum-ours-1000",
        }
    }

    fn from_name(name: &str) -> Option<Variant> {
        Variant::ALL
            .into_iter()
            .find(|variant| variant.name() == name)
    }

    /// The variant's router, serving [`PATH`] and nothing else.
    fn router(self) -> Router {
        match self {
            Variant::Bare => Router::new().route(PATH, get(bare)),
            Variant::Floor => Router::new().route(PATH, get(floor).options(floor_preflight)),
            Variant::TowerHttp => {
                Router::new()
                    .route(PATH, get(bare))
                    .layer(tower_http_layer(AllowOrigin::exact(
                        HeaderValue::from_static(ALLOWED_ORIGIN),
                    )))
            }
            Variant::Ours => Router::new().merge(routes!(ours)),
            Variant::Floor1000 => {
                Router::new().route(PATH, get(floor_1000).options(floor_preflight_1000))
            }
            Variant::TowerHttp1000 => {
                let origins = ORIGINS_1000.map(HeaderValue::from_static);
                Router::new()
                    .route(PATH, get(bare))
                    .layer(tower_http_layer(AllowOrigin::list(origins)))
            }
            Variant::Ours1000 => Router::new().merge(routes!(ours_1000)),
        }
    }
}

/// A preflight from [`ALLOWED_ORIGIN`] for GET with the one request header the policy
/// allows (the actix cases' preflight asks for two).
const PREFLIGHT: Probe = Probe {
    method: "OPTIONS",
    headers: &[
        ("Origin", ALLOWED_ORIGIN),
        ("Access-Control-Request-Method", "GET"),
        ("Access-Control-Request-Headers", "content-type"),
    ],
};

/// A preflight from the last of the 1,000 origins.
const PREFLIGHT_LAST_OF_1000: Probe = Probe {
    method: "OPTIONS",
    headers: &[
        ("Origin", LAST_ORIGIN_1000),
        ("Access-Control-Request-Method", "GET"),
        ("Access-Control-Request-Headers", "content-type"),
    ],
};

/// One measured case, as `cors_bench::Case` for actix.
struct Case {
    name: &'static str,
    variant: Variant,
    probe: Probe,
    status: u16,
}

/// The cases' number in `--cases` (`scripts/instructions.sh` runs them by name or with
/// `--all`).
const NUMBER: u8 = 11;

const fn case(name: &'static str, variant: Variant, probe: Probe, status: u16) -> Case {
    Case {
        name,
        variant,
        probe,
        status,
    }
}

/// Every case, in table order.
const CASES: &[Case] = &[
    case("axum-bare-get", Variant::Bare, ALLOWED_GET, 200),
    case("axum-floor-get", Variant::Floor, ALLOWED_GET, 200),
    case("axum-tower-http-get", Variant::TowerHttp, ALLOWED_GET, 200),
    case("axum-ours-get", Variant::Ours, ALLOWED_GET, 200),
    case("axum-floor-preflight", Variant::Floor, PREFLIGHT, 204),
    case(
        "axum-tower-http-preflight",
        Variant::TowerHttp,
        PREFLIGHT,
        200,
    ),
    case("axum-ours-preflight", Variant::Ours, PREFLIGHT, 204),
    case("axum-bare-disallowed", Variant::Bare, DISALLOWED_GET, 200),
    case("axum-floor-disallowed", Variant::Floor, DISALLOWED_GET, 200),
    case(
        "axum-tower-http-disallowed",
        Variant::TowerHttp,
        DISALLOWED_GET,
        200,
    ),
    case("axum-ours-disallowed", Variant::Ours, DISALLOWED_GET, 200),
    case(
        "axum-floor-1000-last",
        Variant::Floor1000,
        LAST_OF_1000,
        200,
    ),
    case(
        "axum-tower-http-1000-last",
        Variant::TowerHttp1000,
        LAST_OF_1000,
        200,
    ),
    case("axum-ours-1000-last", Variant::Ours1000, LAST_OF_1000, 200),
    case(
        "axum-floor-1000-preflight",
        Variant::Floor1000,
        PREFLIGHT_LAST_OF_1000,
        204,
    ),
    case(
        "axum-tower-http-1000-preflight",
        Variant::TowerHttp1000,
        PREFLIGHT_LAST_OF_1000,
        200,
    ),
    case(
        "axum-ours-1000-preflight",
        Variant::Ours1000,
        PREFLIGHT_LAST_OF_1000,
        204,
    ),
];

fn case_named(name: &str) -> Option<&'static Case> {
    CASES.iter().find(|case| case.name == name)
}

/// The probe as axum's router receives it from hyper.
fn request(probe: &Probe) -> Request {
    let mut request = Request::builder().method(probe.method).uri(PATH);
    for &(name, value) in probe.headers {
        request = request.header(name, value);
    }
    request.body(Body::empty()).expect("a valid request")
}

/// Sends `request` through `router` in process; every subject answers at once.
fn call(router: &mut Router, request: Request) -> Response {
    let future = router.call(request);
    match cors_bench::now(future) {
        Ok(response) => response,
        Err(infallible) => match infallible {},
    }
}

// ---------------------------------------------------------------------------------------
// The server.

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["--cases"] => {
            print_cases();
            ExitCode::SUCCESS
        }
        ["--in-process", name, count, rest @ ..] if rest.is_empty() || rest == ["build-only"] => {
            let (Some(case), Ok(count)) = (case_named(name), count.parse::<u64>()) else {
                eprintln!("usage: bench-server-axum --in-process CASE N [build-only]");
                return ExitCode::FAILURE;
            };
            let mut router = case.variant.router();
            for _ in 0..count {
                let request = request(&case.probe);
                if rest.is_empty() {
                    drop(call(&mut router, request));
                }
            }
            ExitCode::SUCCESS
        }
        [variant, rest @ ..] if rest.len() <= 1 => {
            let Some(variant) = Variant::from_name(variant) else {
                eprintln!("unknown variant {variant:?}; one of {}", variant_names());
                return ExitCode::FAILURE;
            };
            let Ok(port) = rest.first().copied().unwrap_or("18080").parse::<u16>() else {
                eprintln!("the port must be a number");
                return ExitCode::FAILURE;
            };
            match serve(variant, port) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("bench-server-axum: {error}");
                    ExitCode::FAILURE
                }
            }
        }
        _ => {
            eprintln!("usage: bench-server-axum VARIANT [PORT] | bench-server-axum --cases");
            eprintln!("variants: {}", variant_names());
            ExitCode::FAILURE
        }
    }
}

fn variant_names() -> String {
    let names: Vec<&str> = Variant::ALL.iter().map(|variant| variant.name()).collect();
    names.join(", ")
}

fn print_cases() {
    for case in CASES {
        let headers: Vec<String> = case
            .probe
            .headers
            .iter()
            .map(|(name, value)| format!("{name}: {value}"))
            .collect();
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}",
            case.name,
            NUMBER,
            case.variant.name(),
            case.probe.method,
            case.status,
            headers.join("|")
        );
    }
}

fn serve(variant: Variant, port: u16) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let router = variant.router();
        // Registered before `ready`: a SIGINT from then on stops the server.
        let mut interrupt =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        println!("ready");
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                interrupt.recv().await;
            })
            .await
    })?;
    drop(runtime);
    #[cfg(feature = "count-allocs")]
    {
        let total = cors_bench::counting::snapshot();
        eprintln!("allocations: {} bytes: {}", total.allocations, total.bytes);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The status and the `Access-Control-*` and `Vary` headers of `case`'s answer, sorted.
    fn answer(name: &str) -> (u16, Vec<(String, String)>) {
        let case = case_named(name).unwrap();
        let response = call(&mut case.variant.router(), request(&case.probe));
        let mut headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .filter(|(name, _)| name.as_str().starts_with("access-control-") || *name == VARY)
            .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
            .collect();
        headers.sort();
        (response.status().as_u16(), headers)
    }

    fn pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|&(name, value)| (name.to_owned(), value.to_owned()))
            .collect();
        pairs.sort();
        pairs
    }

    #[test]
    fn every_case_answers_at_once_with_its_status() {
        for case in CASES {
            assert_eq!(answer(case.name).0, case.status, "{}", case.name);
        }
    }

    #[test]
    fn the_floor_writes_what_cors_writes() {
        let granted = pairs(&[
            ("access-control-allow-origin", ALLOWED_ORIGIN),
            ("access-control-allow-credentials", "true"),
            ("vary", "Origin"),
        ]);
        let preflight = pairs(&[
            ("access-control-allow-origin", ALLOWED_ORIGIN),
            ("access-control-allow-credentials", "true"),
            ("access-control-allow-methods", "GET"),
            ("access-control-allow-headers", "content-type"),
            ("access-control-max-age", "600"),
            (
                "vary",
                "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
            ),
        ]);
        let refused = pairs(&[("vary", "Origin")]);
        let last_1000 = pairs(&[
            ("access-control-allow-origin", LAST_ORIGIN_1000),
            ("access-control-allow-credentials", "true"),
            ("vary", "Origin"),
        ]);
        let mut preflight_1000 = preflight.clone();
        for (name, value) in &mut preflight_1000 {
            if name == "access-control-allow-origin" {
                *value = LAST_ORIGIN_1000.to_owned();
            }
        }
        for (case, expected) in [
            ("get", &granted),
            ("preflight", &preflight),
            ("disallowed", &refused),
            ("1000-last", &last_1000),
            ("1000-preflight", &preflight_1000),
        ] {
            assert_eq!(&answer(&format!("axum-ours-{case}")).1, expected, "{case}");
            assert_eq!(&answer(&format!("axum-floor-{case}")).1, expected, "{case}");
        }
        assert!(answer("axum-bare-get").1.is_empty());
        assert!(answer("axum-bare-disallowed").1.is_empty());
    }

    #[test]
    fn tower_http_grants_alike() {
        // Not the disallowed origin: `AllowOrigin::exact` sends its one origin to every
        // request (the browser then refuses it); a list sends none to an origin it lacks.
        for case in ["get", "preflight", "1000-last", "1000-preflight"] {
            let allow_origin = |name: String| {
                answer(&name)
                    .1
                    .into_iter()
                    .find(|(name, _)| name == "access-control-allow-origin")
            };
            assert_eq!(
                allow_origin(format!("axum-tower-http-{case}")),
                allow_origin(format!("axum-ours-{case}")),
                "{case}"
            );
        }
    }

    #[test]
    fn cases_and_variants_are_named_uniquely() {
        for (index, case) in CASES.iter().enumerate() {
            assert!(CASES[..index].iter().all(|other| other.name != case.name));
            assert!(cors_bench::case_named(case.name).is_none(), "{}", case.name);
        }
        for variant in Variant::ALL {
            assert_eq!(Variant::from_name(variant.name()), Some(variant));
            assert!(cors_bench::Variant::from_name(variant.name()).is_none());
        }
    }
}
