//! Properties over generated policies and requests, through the real actix-web service
//! stack: whatever the policy and the request, nothing leaks.
//!
//! Policies are generated at run time here (through the parts the macros use), so one test
//! covers many more shapes than the compile-time attribute tests can. Exact-origin lists
//! run longer than the lookup compares one by one, so its hash table is exercised too.

use actix_web::dev::{AppService, HttpServiceFactory, Service};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{App, HttpResponse, test as actix_test, web};
use cors_runtime::__private::{
    AllowedHeaders, AuditEntry, Inject, Origins, Parts, PolicyOrigins, PreflightRoute, Text,
    register_preflights,
};
use cors_runtime::Policy;
use origin_properties::{EXACT_POOL, PATTERN_POOL, request_origin};
use proptest::prelude::*;

mod origin_properties;

/// What the policy of `case` should say about `origin` (the oracle of `origin_properties`).
fn oracle_allows(case: Case, origin: &[u8]) -> bool {
    origin_properties::oracle_allows(case.origins, origin)
}

/// A generated policy, and its origins as plain data for the oracle.
#[derive(Debug, Clone, Copy)]
struct Case {
    /// The generated handler, as `#[cors]` writes it: its policy and preflight route.
    entry: &'static AuditEntry,
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
            let policy = Policy::from_parts(Parts {
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
            });
            let entry: &'static AuditEntry = Box::leak(Box::new(AuditEntry {
                handler: "p",
                module: module_path!(),
                policy,
                routes: &[],
                preflights: &PREFLIGHTS,
            }));
            Case {
                entry,
                policy: &entry.policy,
                origins: Box::leak(Box::new(origins)),
                any_header,
            }
        },
    )
}

/// The preflight route of every generated policy.
static PREFLIGHTS: [PreflightRoute; 1] = [PreflightRoute {
    path: "/p",
    served: &["GET", "PUT"],
    methods: &["GET", "PUT"],
    allow_methods: "GET, PUT",
    guards: Vec::new,
    actual_guards: Vec::new,
}];

/// The handler and preflight routes for one generated handler, as `#[cors]` registers them;
/// the handler yields `.1` times before it answers, as a handler awaiting a store does.
struct Route(&'static AuditEntry, u8);

/// Returns `Pending` `times` times, as a handler that awaits returns it on its first polls.
async fn yield_times(times: u8) {
    for _ in 0..times {
        actix_web::rt::task::yield_now().await;
    }
}

impl HttpServiceFactory for Route {
    fn register(self, config: &mut AppService) {
        let yields = self.1;
        // Method guard on the resource, as actix-web's routing attributes put it.
        web::resource("/p")
            .guard(actix_web::guard::Get())
            .wrap(Inject::new(&self.0.policy))
            .route(web::get().to(move || async move {
                yield_times(yields).await;
                HttpResponse::ImATeapot()
                    .insert_header(("X-Total-Count", "3"))
                    .body("teapot")
            }))
            .register(config);
        register_preflights(config, self.0);
    }
}

/// Like [`Route`], with a handler that writes `headers` (any `Access-Control-*`, any `Vary`)
/// after yielding `.2` times.
struct WritingRoute(&'static Policy, Vec<(HeaderName, HeaderValue)>, u8);

impl HttpServiceFactory for WritingRoute {
    fn register(self, config: &mut AppService) {
        let written = self.1;
        let yields = self.2;
        web::resource("/w")
            .guard(actix_web::guard::Get())
            .wrap(Inject::new(self.0))
            .route(web::get().to(move || {
                let written = written.clone();
                async move {
                    yield_times(yields).await;
                    let mut response = HttpResponse::ImATeapot();
                    for header in written {
                        response.append_header(header);
                    }
                    response.body("teapot")
                }
            }))
            .register(config);
    }
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

struct Answer {
    status: StatusCode,
    headers: actix_web::http::header::HeaderMap,
    body: Vec<u8>,
}

fn call(entry: &'static AuditEntry, yields: u8, req: actix_test::TestRequest) -> Answer {
    call_app(App::new().service(Route(entry, yields)), req)
}

fn call_app<T, B>(app: App<T>, req: actix_test::TestRequest) -> Answer
where
    T: actix_web::dev::ServiceFactory<
            actix_web::dev::ServiceRequest,
            Config = (),
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
            InitError = (),
        > + 'static,
    B: actix_web::body::MessageBody + 'static,
{
    actix_web::rt::System::new().block_on(async move {
        let app = actix_test::init_service(app).await;
        let res = app.call(req.to_request()).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = actix_test::read_body(res).await.to_vec();
        Answer {
            status,
            headers,
            body,
        }
    })
}

fn cors_names(answer: &Answer) -> Vec<&HeaderName> {
    answer
        .headers
        .keys()
        .filter(|name| name.as_str().starts_with("access-control-"))
        .collect()
}

fn vary_origin_count(answer: &Answer) -> usize {
    answer
        .headers
        .get_all("vary")
        .flat_map(|value| value.as_bytes().split(|&byte| byte == b','))
        .filter(|token| token.trim_ascii().eq_ignore_ascii_case(b"origin"))
        .count()
}

fn check_common(case: Case, origin: &[u8], answer: &Answer) -> Result<(), TestCaseError> {
    let allow_origin: Vec<&HeaderValue> = answer
        .headers
        .get_all("access-control-allow-origin")
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
            prop_assert!(
                oracle_allows(case, origin),
                "a disallowed origin was echoed"
            );
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
        prop_assert_eq!(
            vary_origin_count(answer),
            1,
            "Vary must name Origin exactly once"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn actual_requests_never_leak_and_never_change_the_response(case in policy(), origin in request_origin(), twice in any::<bool>(), yields in 0u8..4) {
        let mut req = actix_test::TestRequest::get().uri("/p").insert_header(("Origin", HeaderValue::from_bytes(&origin).unwrap()));
        if twice {
            req = req.append_header(("Origin", "https://app.example.com"));
        }
        let answer = call(case.entry, yields, req);
        prop_assert_eq!(answer.status, StatusCode::IM_A_TEAPOT);
        prop_assert_eq!(&answer.body[..], b"teapot");
        prop_assert_eq!(answer.headers.get("x-total-count").map(HeaderValue::as_bytes), Some(&b"3"[..]));
        check_common(case, &origin, &answer)?;
        let any_policy = case.answers_star();
        let expected = any_policy || (!twice && oracle_allows(case, &origin));
        prop_assert_eq!(answer.headers.contains_key("access-control-allow-origin"), expected);
    }

    #[test]
    fn the_policy_owns_every_cors_header_and_nothing_else(
        case in policy(),
        origin in request_origin(),
        written in written_headers(),
        layer in any::<bool>(),
        yields in 0u8..4,
    ) {
        let req = actix_test::TestRequest::get().uri("/w").insert_header(("Origin", HeaderValue::from_bytes(&origin).unwrap()));
        let route = WritingRoute(case.policy, written.clone(), yields);
        // The same answer with the application's layer outside the route.
        let answer = if layer {
            call_app(App::new().service(route).wrap(cors_runtime::Preflights), req)
        } else {
            call_app(App::new().service(route), req)
        };
        prop_assert_eq!(answer.status, StatusCode::IM_A_TEAPOT);
        // Exactly the policy's Access-Control-* headers, or none.
        let any_policy = case.answers_star();
        let mut expected: Vec<(String, Vec<u8>)> = Vec::new();
        if any_policy || oracle_allows(case, &origin) {
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
                answer.headers.get_all(name).any(|sent| sent == value),
                "{} lost {:?}", name, value
            );
        }
        // Vary: the handler's tokens, plus `Origin` once where the answer depends on it.
        let tokens = |values: Vec<&[u8]>| -> Vec<Vec<u8>> {
            values
                .into_iter()
                .flat_map(|value| value.split(|&byte| byte == b','))
                .map(|token| token.trim_ascii().to_ascii_lowercase())
                .filter(|token| !token.is_empty())
                .collect()
        };
        let handler_vary = tokens(written.iter().filter(|(name, _)| name == "vary").map(|(_, value)| value.as_bytes()).collect());
        let sent_vary = tokens(answer.headers.get_all("vary").map(HeaderValue::as_bytes).collect());
        let mut expected_vary = handler_vary.clone();
        let covered = handler_vary.iter().any(|token| token == b"origin" || token == b"*");
        if case.varies_by_origin() && !covered {
            expected_vary.push(b"origin".to_vec());
        }
        prop_assert_eq!(sent_vary, expected_vary);
    }

    #[test]
    fn preflights_never_leak(
        case in policy(),
        origin in request_origin(),
        method in prop::sample::select(vec!["GET", "PUT", "get"]),
        headers in prop::sample::select(vec!["", "x-api-key", "X-API-KEY, x-other", ",,x-api-key,", "authorization"]),
    ) {
        let req = actix_test::TestRequest::default()
            .method(Method::OPTIONS)
            .uri("/p")
            .insert_header(("Origin", HeaderValue::from_bytes(&origin).unwrap()))
            .insert_header(("Access-Control-Request-Method", method))
            .insert_header(("Access-Control-Request-Headers", headers));
        // The handler never runs for a preflight: how often it would yield does not matter.
        let answer = call(case.entry, 0, req);
        prop_assert!(answer.body.is_empty());
        let header_ok = match headers {
            "" | "x-api-key" | ",,x-api-key," => true,
            "X-API-KEY, x-other" => case.any_header,
            _ => false,
        };
        let allowed = oracle_allows(case, &origin) && method != "get" && header_ok;
        if method == "get" {
            // No handler serves `get` (methods are case-sensitive): the router answers.
            prop_assert!(cors_names(&answer).is_empty());
            return Ok(());
        }
        check_common(case, &origin, &answer)?;
        if allowed {
            prop_assert_eq!(answer.status, StatusCode::NO_CONTENT);
            prop_assert!(answer.headers.contains_key("access-control-allow-origin"));
        } else {
            prop_assert_eq!(answer.status, StatusCode::FORBIDDEN);
            prop_assert!(cors_names(&answer).is_empty(), "a refused preflight carries {:?}", cors_names(&answer));
        }
    }
}
