//! Properties over generated policies and requests, through the axum adapter in process:
//! the routes `routes!` builds for a policy made at run time (through the parts the macros
//! use), a `Router` called with `tower::ServiceExt::oneshot`. Whatever the policy and the
//! request, nothing leaks: a granted origin is one the policy allows (by an oracle built on
//! the `url` crate, `tests/origin_properties`), the policy owns every `Access-Control-*`
//! header, `Vary` is one line naming `Origin` once, a preflight is `204` only for an
//! allowed origin, method and headers, and the handler's answer comes through.

mod origin_properties;
mod policy_properties;

use std::cell::{Cell, RefCell};
use std::convert::Infallible;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{HeaderMap, HeaderName, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use cors_axum::__private::{
    AllowedHeaders, Annotated, Parts, Policy, PolicyOrigins, Route, one_path_2,
};
use origin_properties::request_origin;
use policy_properties::{
    Answer, check_actual, check_policy_owns_cors, check_preflight, headers_allowed, parts,
    preflight_headers, preflight_method, written_headers,
};
use proptest::prelude::*;
use tower::ServiceExt;
use tower_http::validate_request::ValidateRequestHeaderLayer;

/// A generated policy, built into the adapter's.
type Case = policy_properties::Case<&'static Policy>;

fn policy() -> impl Strategy<Value = Case> {
    policy_properties::policy(
        |spec| {
            let policy: &'static Policy = Box::leak(Box::new(Policy::from_parts(parts!(spec))));
            policy
        },
        |policy| (policy.credentials(), policy.expose_headers()),
    )
}

/// Returns `Pending` `times` times, as a handler that awaits returns it on its first polls.
async fn yield_times(times: u8) {
    for _ in 0..times {
        tokio::task::yield_now().await;
    }
}

/// The routes `routes!` builds for `GET /p` and `PUT /p` under `policy`: the GET handler
/// yields `yields` times, then answers `418 teapot` with `X-Total-Count` and `written`.
/// With `layered`, a layer that lets every request through sits over the handlers, as an
/// authentication layer does (`CorsRoutes::authenticated`).
fn app(
    policy: &'static Policy,
    yields: u8,
    written: Vec<(&'static str, &'static str)>,
    layered: bool,
) -> Router {
    let route = |method: &'static str| -> &'static Route {
        Box::leak(Box::new(Route {
            path: "/p",
            method,
            handler: "generated",
            module: module_path!(),
            policy,
        }))
    };
    let (get, put) = (route("GET"), route("PUT"));
    GENERATED.with(|routes| routes.set(Some((get, put))));
    let teapot = move || {
        let written = written.clone();
        async move {
            yield_times(yields).await;
            let mut headers = HeaderMap::new();
            headers.insert("x-total-count", HeaderValue::from_static("3"));
            for (name, value) in written {
                headers.append(
                    HeaderName::from_static(name),
                    HeaderValue::from_static(value),
                );
            }
            (StatusCode::IM_A_TEAPOT, headers, "teapot")
        }
    };
    let routes = one_path_2(GeneratedGet, teapot, GeneratedPut, || async { "put" });
    let routes = if layered {
        routes.authenticated(ValidateRequestHeaderLayer::custom(let_through))
    } else {
        routes
    };
    Router::from(routes)
}

thread_local! {
    /// The routes of the case being run. A handler finds its route through its type, as
    /// `#[cors]` writes it; these routes are made at run time, and the router built from
    /// them runs on this thread (`call`), so the types read them here.
    static GENERATED: Cell<Option<(&'static Route, &'static Route)>> = const { Cell::new(None) };
}

/// The generated `GET /p` handler's type.
struct GeneratedGet;
/// The generated `PUT /p` handler's type.
struct GeneratedPut;

impl Annotated for GeneratedGet {
    fn cors_route() -> &'static Route {
        GENERATED.get().expect("app() made the routes").0
    }
}

impl Annotated for GeneratedPut {
    fn cors_route() -> &'static Route {
        GENERATED.get().expect("app() made the routes").1
    }
}

#[allow(clippy::result_large_err)]
fn let_through(_: &mut Request) -> Result<(), Response> {
    Ok(())
}

/// `request` through `router`, in process.
fn call(router: Router, request: Request) -> Answer {
    thread_local! {
        static RUNTIME: RefCell<tokio::runtime::Runtime> = RefCell::new(
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime"),
        );
    }
    RUNTIME.with(|runtime| {
        runtime.borrow().block_on(async move {
            let response: Result<Response, Infallible> = router.oneshot(request).await;
            let response = response.into_response();
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
                .collect();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("the body")
                .to_vec();
            Answer {
                status,
                headers,
                body,
            }
        })
    })
}

fn get_from(origin: &[u8], twice: bool) -> Request {
    let mut request = Request::builder()
        .method(Method::GET)
        .uri("/p")
        .header("Origin", HeaderValue::from_bytes(origin).unwrap());
    if twice {
        request = request.header("Origin", "https://app.example.com");
    }
    request.body(Body::empty()).unwrap()
}

/// Where the answer depends on the origin, `Vary` is one line: on axum, beside what
/// `policy_properties` checks of both adapters.
fn check_one_vary_line(case: &Case, answer: &Answer) -> Result<(), TestCaseError> {
    if case.varies_by_origin() {
        prop_assert_eq!(answer.get_all("vary").count(), 1, "Vary on one line");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn actual_requests_never_leak_and_never_change_the_response(case in policy(), origin in request_origin(), twice in any::<bool>(), yields in 0u8..4) {
        let answer = call(app(case.built, yields, Vec::new(), false), get_from(&origin, twice));
        check_actual(&case, &origin, twice, &answer)?;
        check_one_vary_line(&case, &answer)?;
        // No handler Vary here: the policy's alone, `Origin` where the answer depends on it.
        let expected_vary: Vec<Vec<u8>> = if case.varies_by_origin() { vec![b"origin".to_vec()] } else { Vec::new() };
        prop_assert_eq!(answer.vary(), expected_vary);
    }

    #[test]
    fn the_policy_owns_every_cors_header_and_nothing_else(
        case in policy(),
        origin in request_origin(),
        written in written_headers(),
        layered in any::<bool>(),
        yields in 0u8..4,
    ) {
        let answer = call(app(case.built, yields, written.clone(), layered), get_from(&origin, false));
        prop_assert_eq!(&answer.body[..], b"teapot");
        check_policy_owns_cors(&case, &origin, &written, &answer)?;
        check_one_vary_line(&case, &answer)?;
    }

    #[test]
    fn preflights_never_leak(
        case in policy(),
        origin in request_origin(),
        method in preflight_method(),
        headers in preflight_headers(),
        layered in any::<bool>(),
    ) {
        let request = Request::builder()
            .method(Method::OPTIONS)
            .uri("/p")
            .header("Origin", HeaderValue::from_bytes(&origin).unwrap())
            .header("Access-Control-Request-Method", method)
            .header("Access-Control-Request-Headers", headers)
            .body(Body::empty())
            .unwrap();
        let answer = call(app(case.built, 0, Vec::new(), layered), request);
        prop_assert!(answer.body.is_empty());
        if method == "get" {
            // No handler serves `get` (methods are case-sensitive): axum's `405`.
            prop_assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED.as_u16());
            prop_assert_eq!(answer.get("allow"), Some(&b"GET,HEAD,PUT"[..]));
            prop_assert!(answer.cors_names().is_empty());
            return Ok(());
        }
        let headers_ok = headers_allowed(&case, headers);
        check_preflight(&case, &origin, headers_ok, &answer)?;
        check_one_vary_line(&case, &answer)?;
        // The preflight's Vary: what its answer depends on, each once, on one line.
        let mut expected_vary: Vec<Vec<u8>> = vec![
            b"access-control-request-method".to_vec(),
            b"access-control-request-headers".to_vec(),
        ];
        if case.varies_by_origin() {
            expected_vary.insert(0, b"origin".to_vec());
        }
        prop_assert_eq!(answer.vary(), expected_vary);
        prop_assert_eq!(answer.get_all("vary").count(), 1);
        if case.allows(&origin) && headers_ok {
            prop_assert_eq!(answer.get("access-control-allow-methods"), Some(method.as_bytes()));
        }
    }
}
