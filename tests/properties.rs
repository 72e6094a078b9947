//! Properties over generated policies and requests, through the real actix-web service
//! stack: whatever the policy and the request, nothing leaks.
//!
//! Policies are generated at run time here (through the parts the macros use), so one test
//! covers many more shapes than the compile-time attribute tests can. Exact-origin lists
//! run longer than the lookup compares one by one, so its hash table is exercised too.

use actix_web::dev::{AppService, HttpServiceFactory, Service};
use actix_web::http::Method;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{App, HttpResponse, test as actix_test, web};
use cors_runtime::__private::{
    AllowedHeaders, AuditEntry, Inject, Parts, PolicyOrigins, PreflightRoute, register_preflights,
};
use cors_runtime::Policy;
use origin_properties::request_origin;
use policy_properties::{
    Answer, check_actual, check_policy_owns_cors, check_preflight, headers_allowed, parts,
    preflight_headers, preflight_method, written_headers,
};
use proptest::prelude::*;

mod origin_properties;
mod policy_properties;

/// A generated policy: the handler `#[cors]` would generate for it, with its policy and
/// preflight route.
type Case = policy_properties::Case<&'static AuditEntry>;

fn policy() -> impl Strategy<Value = Case> {
    policy_properties::policy(
        |spec| {
            let entry: &'static AuditEntry = Box::leak(Box::new(AuditEntry {
                handler: "p",
                module: module_path!(),
                policy: Policy::from_parts(parts!(spec)),
                routes: &[],
                preflights: &PREFLIGHTS,
            }));
            entry
        },
        |entry| (entry.policy.credentials(), entry.policy.expose_headers()),
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
struct WritingRoute(&'static Policy, Vec<(&'static str, &'static str)>, u8);

impl HttpServiceFactory for WritingRoute {
    fn register(self, config: &mut AppService) {
        let written: Vec<(HeaderName, HeaderValue)> = self
            .1
            .iter()
            .map(|&(name, value)| {
                (
                    HeaderName::from_static(name),
                    HeaderValue::from_static(value),
                )
            })
            .collect();
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
        let status = res.status().as_u16();
        let headers = res
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
            .collect();
        let body = actix_test::read_body(res).await.to_vec();
        Answer {
            status,
            headers,
            body,
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn actual_requests_never_leak_and_never_change_the_response(case in policy(), origin in request_origin(), twice in any::<bool>(), yields in 0u8..4) {
        let mut req = actix_test::TestRequest::get().uri("/p").insert_header(("Origin", HeaderValue::from_bytes(&origin).unwrap()));
        if twice {
            req = req.append_header(("Origin", "https://app.example.com"));
        }
        let answer = call(case.built, yields, req);
        check_actual(&case, &origin, twice, &answer)?;
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
        let route = WritingRoute(&case.built.policy, written.clone(), yields);
        // The same answer with the application's layer outside the route.
        let answer = if layer {
            call_app(App::new().service(route).wrap(cors_runtime::Preflights), req)
        } else {
            call_app(App::new().service(route), req)
        };
        check_policy_owns_cors(&case, &origin, &written, &answer)?;
    }

    #[test]
    fn preflights_never_leak(
        case in policy(),
        origin in request_origin(),
        method in preflight_method(),
        headers in preflight_headers(),
    ) {
        let req = actix_test::TestRequest::default()
            .method(Method::OPTIONS)
            .uri("/p")
            .insert_header(("Origin", HeaderValue::from_bytes(&origin).unwrap()))
            .insert_header(("Access-Control-Request-Method", method))
            .insert_header(("Access-Control-Request-Headers", headers));
        // The handler never runs for a preflight: how often it would yield does not matter.
        let answer = call(case.built, 0, req);
        prop_assert!(answer.body.is_empty());
        if method == "get" {
            // No handler serves `get` (methods are case-sensitive): the router answers.
            prop_assert!(answer.cors_names().is_empty());
            return Ok(());
        }
        check_preflight(&case, &origin, headers_allowed(&case, headers), &answer)?;
    }
}
