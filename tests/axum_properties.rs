//! Properties over generated policies and requests, through the axum adapter in process:
//! the routes `routes!` builds for a policy made at run time (through the parts the macros
//! use), a `Router` called with `tower::ServiceExt::oneshot`. Whatever the policy and the
//! request, nothing leaks: a granted origin is one the policy allows (by an oracle built on
//! the `url` crate, `tests/origin_properties`), the policy owns every `Access-Control-*`
//! header, `Vary` is one line naming `Origin` once, a preflight is `204` only for an
//! allowed origin, method and headers, and the handler's answer comes through.

mod origin_properties;

use std::cell::{Cell, RefCell};
use std::convert::Infallible;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{HeaderMap, HeaderName, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use cors_axum::__private::{
    AllowedHeaders, Annotated, Origins, Parts, Policy, PolicyOrigins, Route, Text, one_path_2,
};
use origin_properties::{EXACT_POOL, PATTERN_POOL, request_origin};
use proptest::prelude::*;
use tower::ServiceExt;
use tower_http::validate_request::ValidateRequestHeaderLayer;

/// A generated policy, and its origins as plain data for the oracle.
#[derive(Debug, Clone, Copy)]
struct Case {
    policy: &'static Policy,
    origins: &'static Origins,
    /// `headers = "*"`.
    any_header: bool,
}

impl Case {
    /// `*` without credentials: every response says `*`.
    fn answers_star(&self) -> bool {
        matches!(self.origins, Origins::Any) && !self.policy.credentials()
    }

    /// Whether caches must key the answer on `Origin`.
    fn varies_by_origin(&self) -> bool {
        !matches!(self.origins, Origins::Any) || self.policy.credentials()
    }

    fn allows(&self, origin: &[u8]) -> bool {
        origin_properties::oracle_allows(self.origins, origin)
    }
}

fn policy() -> impl Strategy<Value = Case> {
    let origins = prop_oneof![
        1 => Just(None),
        4 => (
            prop::sample::subsequence(EXACT_POOL.to_vec(), 0..=EXACT_POOL.len()),
            prop::sample::subsequence(PATTERN_POOL.to_vec(), 0..=PATTERN_POOL.len()),
        )
            .prop_map(Some),
    ];
    (origins, any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
        |(origins, credentials, any_header, expose)| {
            let origins = match origins {
                None => Origins::Any,
                Some((exact, patterns)) => Origins::Listed {
                    exact: exact.into_iter().map(Text::Static).collect(),
                    patterns: patterns.into(),
                },
            };
            // The macro refuses `*` with credentials; the generator follows the same rule.
            let credentials = credentials && !matches!(origins, Origins::Any);
            let any_header = any_header && !credentials;
            let policy = Box::leak(Box::new(Policy::from_parts(Parts {
                origins: PolicyOrigins::Fixed(origins.clone()),
                methods: &["GET", "PUT"],
                headers: AllowedHeaders {
                    any: any_header,
                    names: &["x-api-key"],
                },
                allow_headers: Some(if any_header {
                    "*, x-api-key"
                } else {
                    "x-api-key"
                }),
                expose_headers: expose.then_some("x-total-count"),
                max_age: Some(60),
                credentials,
            })));
            Case {
                policy,
                origins: Box::leak(Box::new(origins)),
                any_header,
            }
        },
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
    written: Vec<(HeaderName, HeaderValue)>,
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
                headers.append(name, value);
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

/// A response, its body read.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
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
            let status = response.status();
            let headers = response.headers().clone();
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

fn cors_names(answer: &Answer) -> Vec<&HeaderName> {
    answer
        .headers
        .keys()
        .filter(|name| name.as_str().starts_with("access-control-"))
        .collect()
}

/// The tokens of `Vary`, lower case, in order, over all its lines.
fn vary_tokens<'a>(values: impl IntoIterator<Item = &'a [u8]>) -> Vec<Vec<u8>> {
    values
        .into_iter()
        .flat_map(|value| value.split(|&byte| byte == b','))
        .map(|token| token.trim_ascii().to_ascii_lowercase())
        .filter(|token| !token.is_empty())
        .collect()
}

fn sent_vary(answer: &Answer) -> Vec<Vec<u8>> {
    vary_tokens(
        answer
            .headers
            .get_all("vary")
            .iter()
            .map(HeaderValue::as_bytes),
    )
}

fn check_common(case: Case, origin: &[u8], answer: &Answer) -> Result<(), TestCaseError> {
    let allow_origin: Vec<&HeaderValue> = answer
        .headers
        .get_all("access-control-allow-origin")
        .iter()
        .collect();
    prop_assert!(
        allow_origin.len() <= 1,
        "several Access-Control-Allow-Origin"
    );
    if let Some(value) = allow_origin.first() {
        if value.as_bytes() == b"*" {
            prop_assert!(!case.policy.credentials(), "`*` with credentials");
            prop_assert!(matches!(case.origins, Origins::Any));
        } else {
            prop_assert_eq!(
                value.as_bytes(),
                origin,
                "a value other than the request's origin"
            );
            prop_assert!(case.allows(origin), "a disallowed origin was granted");
        }
    }
    if case.policy.credentials() {
        for name in cors_names(answer) {
            let value = answer.headers.get(name).unwrap().as_bytes();
            prop_assert!(
                !value
                    .split(|&b| b == b',')
                    .any(|part| part.trim_ascii() == b"*"),
                "`*` in {}",
                name
            );
        }
    }
    if case.varies_by_origin() {
        let origins = sent_vary(answer)
            .iter()
            .filter(|token| token.as_slice() == b"origin")
            .count();
        prop_assert_eq!(origins, 1, "Vary must name Origin exactly once");
        prop_assert_eq!(
            answer.headers.get_all("vary").iter().count(),
            1,
            "Vary on one line"
        );
    }
    Ok(())
}

/// Headers a handler may write: every CORS response header, unknown `Access-Control-*`
/// names, `Vary` lists, and others that must come through untouched.
fn written_headers() -> impl Strategy<Value = Vec<(HeaderName, HeaderValue)>> {
    let name = prop::sample::select(vec![
        "access-control-allow-origin",
        "access-control-allow-credentials",
        "access-control-expose-headers",
        "access-control-allow-methods",
        "access-control-allow-headers",
        "access-control-max-age",
        "access-control-allow-private-network",
        "access-control-x-anything",
        "vary",
        "x-total-count",
        "x-other",
    ]);
    let value = prop::sample::select(vec![
        "*",
        "true",
        "x-secret",
        "https://evil.example.net",
        "origin",
        "Origin, Accept-Encoding",
        "accept-encoding",
        "",
    ]);
    prop::collection::vec((name, value), 0..8).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(name, value)| {
                (
                    HeaderName::from_static(name),
                    HeaderValue::from_static(value),
                )
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn actual_requests_never_leak_and_never_change_the_response(case in policy(), origin in request_origin(), twice in any::<bool>(), yields in 0u8..4) {
        let answer = call(app(case.policy, yields, Vec::new(), false), get_from(&origin, twice));
        prop_assert_eq!(answer.status, StatusCode::IM_A_TEAPOT);
        prop_assert_eq!(&answer.body[..], b"teapot");
        prop_assert_eq!(answer.headers.get("x-total-count").map(HeaderValue::as_bytes), Some(&b"3"[..]));
        check_common(case, &origin, &answer)?;
        let expected = case.answers_star() || (!twice && case.allows(&origin));
        prop_assert_eq!(answer.headers.contains_key("access-control-allow-origin"), expected);
        // No handler Vary here: the policy's alone, `Origin` where the answer depends on it.
        let expected_vary: Vec<Vec<u8>> = if case.varies_by_origin() { vec![b"origin".to_vec()] } else { Vec::new() };
        prop_assert_eq!(sent_vary(&answer), expected_vary);
    }

    #[test]
    fn the_policy_owns_every_cors_header_and_nothing_else(
        case in policy(),
        origin in request_origin(),
        written in written_headers(),
        layered in any::<bool>(),
        yields in 0u8..4,
    ) {
        let answer = call(app(case.policy, yields, written.clone(), layered), get_from(&origin, false));
        prop_assert_eq!(answer.status, StatusCode::IM_A_TEAPOT);
        prop_assert_eq!(&answer.body[..], b"teapot");
        // Exactly the policy's Access-Control-* headers, or none.
        let any_policy = case.answers_star();
        let mut expected: Vec<(String, Vec<u8>)> = Vec::new();
        if any_policy || case.allows(&origin) {
            let allow_origin = if any_policy { b"*".to_vec() } else { origin.clone() };
            expected.push(("access-control-allow-origin".into(), allow_origin));
            if case.policy.credentials() {
                expected.push(("access-control-allow-credentials".into(), b"true".to_vec()));
            }
            if let Some(expose) = case.policy.expose_headers() {
                expected.push(("access-control-expose-headers".into(), expose.as_bytes().to_vec()));
            }
        }
        expected.sort();
        let mut cors: Vec<(String, Vec<u8>)> = answer
            .headers
            .iter()
            .filter(|(name, _)| name.as_str().starts_with("access-control-"))
            .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
            .collect();
        cors.sort();
        prop_assert_eq!(cors, expected);
        // Every other header the handler wrote is there, as written (`Vary` below).
        for (name, value) in written.iter().filter(|(name, _)| {
            !name.as_str().starts_with("access-control-") && name != "vary"
        }) {
            prop_assert!(
                answer.headers.get_all(name).iter().any(|sent| sent == value),
                "{} lost {:?}", name, value
            );
        }
        // Vary: the handler's tokens, plus `Origin` once where the answer depends on it.
        let handler_vary = vary_tokens(written.iter().filter(|(name, _)| name == "vary").map(|(_, value)| value.as_bytes()));
        let mut expected_vary = handler_vary.clone();
        let covered = handler_vary.iter().any(|token| token == b"origin" || token == b"*");
        if case.varies_by_origin() && !covered {
            expected_vary.push(b"origin".to_vec());
        }
        prop_assert_eq!(sent_vary(&answer), expected_vary);
        if case.varies_by_origin() {
            prop_assert_eq!(answer.headers.get_all("vary").iter().count(), 1, "Vary on one line");
        }
    }

    #[test]
    fn preflights_never_leak(
        case in policy(),
        origin in request_origin(),
        method in prop::sample::select(vec!["GET", "PUT", "get"]),
        headers in prop::sample::select(vec!["", "x-api-key", "X-API-KEY, x-other", ",,x-api-key,", "authorization"]),
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
        let answer = call(app(case.policy, 0, Vec::new(), layered), request);
        prop_assert!(answer.body.is_empty());
        let header_ok = match headers {
            "" | "x-api-key" | ",,x-api-key," => true,
            "X-API-KEY, x-other" => case.any_header,
            _ => false,
        };
        if method == "get" {
            // No handler serves `get` (methods are case-sensitive): axum's `405`.
            prop_assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
            prop_assert_eq!(answer.headers.get("allow").map(HeaderValue::as_bytes), Some(&b"GET,HEAD,PUT"[..]));
            prop_assert!(cors_names(&answer).is_empty());
            return Ok(());
        }
        check_common(case, &origin, &answer)?;
        // The preflight's Vary: what its answer depends on, each once, on one line.
        let mut expected_vary: Vec<Vec<u8>> = vec![
            b"access-control-request-method".to_vec(),
            b"access-control-request-headers".to_vec(),
        ];
        if case.varies_by_origin() {
            expected_vary.insert(0, b"origin".to_vec());
        }
        prop_assert_eq!(sent_vary(&answer), expected_vary);
        prop_assert_eq!(answer.headers.get_all("vary").iter().count(), 1);
        if case.allows(&origin) && header_ok {
            prop_assert_eq!(answer.status, StatusCode::NO_CONTENT);
            prop_assert!(answer.headers.contains_key("access-control-allow-origin"));
            prop_assert_eq!(answer.headers.get("access-control-allow-methods").map(HeaderValue::as_bytes), Some(method.as_bytes()));
        } else {
            prop_assert_eq!(answer.status, StatusCode::FORBIDDEN);
            prop_assert!(cors_names(&answer).is_empty(), "a refused preflight carries {:?}", cors_names(&answer));
        }
    }
}
