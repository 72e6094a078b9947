//! Origins the application decides (`decide_origin`): a synchronous and an asynchronous
//! function reading the application's tenant store, asked by preflights and actual
//! requests alike, with and without `Preflights`, behind `actix-web-httpauth`.
//!
//! Served by a real `HttpServer` on loopback, read over raw sockets. The answers of a
//! function are kept per origin for the whole process, so each test asks about origins of
//! its own.

mod in_process;
mod support;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, Once};
use std::time::Duration;

use actix_web::{App, HttpResponse, get, post, web};
use actix_web_httpauth::middleware::HttpAuthentication;
use cors_runtime::debug::ExplainRefusals;
use cors_runtime::{Preflights, cors};

/// How long the asynchronous function's answers are kept in these tests.
const FRESH_FOR: Duration = Duration::from_millis(400);
/// How long it may take.
const TIMEOUT: Duration = Duration::from_millis(500);

/// The tenants' origins, as a database would hold them, and how often it was asked.
#[derive(Default)]
struct Tenants {
    origins: Mutex<HashSet<String>>,
    lookups: AtomicUsize,
}

impl Tenants {
    fn add(&self, origin: &str) {
        self.origins.lock().unwrap().insert(origin.to_owned());
    }

    fn remove(&self, origin: &str) {
        self.origins.lock().unwrap().remove(origin);
    }

    fn lookups(&self) -> usize {
        self.lookups.load(Ordering::SeqCst)
    }
}

/// Synchronous: answers from memory.
fn is_tenant_now(origin: &str, tenants: &Tenants) -> bool {
    tenants.lookups.fetch_add(1, Ordering::SeqCst);
    tenants.origins.lock().unwrap().contains(origin)
}

/// Asynchronous: a store round trip. Origins whose first label says so fail, panic or
/// take longer than the timeout.
async fn is_tenant(origin: String, tenants: web::Data<Tenants>) -> Result<bool, String> {
    tenants.lookups.fetch_add(1, Ordering::SeqCst);
    let label = origin.trim_start_matches("https://");
    let delay = if label.starts_with("slow-") {
        TIMEOUT * 3
    } else if label.starts_with("busy-") {
        Duration::from_millis(150)
    } else {
        Duration::from_millis(5)
    };
    actix_web::rt::time::sleep(delay).await;
    if label.starts_with("fails-") {
        return Err("the store is down".to_owned());
    }
    assert!(!label.starts_with("panics-"), "the store broke");
    Ok(tenants.origins.lock().unwrap().contains(&origin))
}

#[cors(
    origins = "https://*",
    decide_origin = "is_tenant_now",
    credentials = true
)]
#[get("/sync")]
async fn sync_route() -> &'static str {
    actix_web::rt::task::yield_now().await;
    "sync"
}

#[cors(
    origins = "https://*, http://localhost:8080",
    decide_origin = "is_tenant",
    headers = "Content-Type",
    credentials = true
)]
#[post("/async")]
async fn async_route(body: String) -> HttpResponse {
    actix_web::rt::time::sleep(Duration::from_millis(2)).await;
    HttpResponse::Created().body(body)
}

#[cors(origins = "https://*", decide_origin = "is_tenant", credentials = true)]
#[get("/me")]
async fn me() -> &'static str {
    "me"
}

fn settings() {
    static SET: Once = Once::new();
    SET.call_once(|| {
        cors_runtime::decide::set_fresh_for(FRESH_FOR);
        cors_runtime::decide::set_timeout(TIMEOUT);
    });
}

/// The application, with or without `Preflights`, over `tenants`.
fn serve(tenants: web::Data<Tenants>, layer: bool) -> SocketAddr {
    settings();
    support::serve_app(move || {
        App::new()
            .app_data(tenants.clone())
            .app_data(ExplainRefusals)
            .service(sync_route)
            .service(async_route)
            .service(
                web::scope("/account")
                    .wrap(HttpAuthentication::bearer(in_process::validator))
                    .service(me),
            )
            .wrap(actix_web::middleware::Condition::new(layer, Preflights))
    })
}

fn each_setup(check: impl Fn(&Tenants, SocketAddr, bool)) {
    for layer in [false, true] {
        let tenants = web::Data::new(Tenants::default());
        let to = serve(tenants.clone(), layer);
        check(&tenants, to, layer);
    }
}

fn tenant(name: &str) -> String {
    format!("https://{}.example", support::unique(name))
}

fn ask(to: SocketAddr, method: &str, path: &str, origin: &str) -> support::Response {
    let headers = [("Origin", origin.as_bytes())];
    support::exchange(to, &support::request(method, path, &headers, b"hi")).unwrap()
}

fn preflight(to: SocketAddr, path: &str, method: &str, origin: &str) -> support::Response {
    let headers = [
        ("Origin", origin.as_bytes()),
        ("Access-Control-Request-Method", method.as_bytes()),
    ];
    support::exchange(to, &support::request("OPTIONS", path, &headers, b"")).unwrap()
}

/// Whether `response` grants `origin` with credentials, and varies by `Origin`.
fn grants(response: &support::Response, origin: &str) -> bool {
    assert!(
        response.vary().contains(&"origin".to_owned()),
        "{response:?}"
    );
    let allow_origin = response.one("access-control-allow-origin");
    if allow_origin.is_none() {
        assert!(response.access_control().is_empty(), "{response:?}");
        return false;
    }
    assert_eq!(allow_origin.as_deref(), Some(origin), "{response:?}");
    assert_eq!(
        response.one("access-control-allow-credentials").as_deref(),
        Some("true")
    );
    true
}

#[test]
fn a_tenant_is_granted_and_a_stranger_is_not() {
    each_setup(|tenants, to, _| {
        let (member, stranger) = (tenant("member"), tenant("stranger"));
        tenants.add(&member);
        for (method, path) in [("GET", "/sync"), ("POST", "/async")] {
            let granted = ask(to, method, path, &member);
            assert!(
                granted.status < 300 && grants(&granted, &member),
                "{path}: {granted:?}"
            );
            let refused = ask(to, method, path, &stranger);
            assert!(
                refused.status < 300 && !grants(&refused, &stranger),
                "{path}: {refused:?}"
            );
            assert_eq!(preflight(to, path, method, &member).status, 204, "{path}");
            let refused = preflight(to, path, method, &stranger);
            assert_eq!(refused.status, 403, "{path}");
            assert!(refused.access_control().is_empty());
            let reason = refused.one("x-cors-refused").unwrap_or_default();
            let bound = if path == "/sync" {
                "https://*"
            } else {
                "http://localhost:8080, https://*"
            };
            let function = if path == "/sync" {
                "is_tenant_now"
            } else {
                "is_tenant"
            };
            assert_eq!(
                reason,
                format!("origin refused by `{function}`, which decides within {bound}")
            );
        }
        // A literal origin of the bound is still the function's to decide.
        let local = ask(to, "POST", "/async", "http://localhost:8080");
        assert!(!grants(&local, "http://localhost:8080"));
    });
}

#[test]
fn an_origin_outside_the_bound_never_reaches_the_function() {
    each_setup(|tenants, to, _| {
        let member = tenant("bound");
        tenants.add(&member);
        let plain = member.replace("https://", "http://");
        let odd = [
            plain.as_str(),
            "https://a..example",
            "https://Upper.example",
            "https://tenant.example:8443",
            "https://tenant.example/",
            "null",
        ];
        let before = tenants.lookups();
        for origin in odd {
            for (method, path) in [("GET", "/sync"), ("POST", "/async")] {
                assert!(!grants(&ask(to, method, path, origin), origin), "{origin}");
                assert_eq!(preflight(to, path, method, origin).status, 403, "{origin}");
            }
        }
        let two = [("Origin", member.as_bytes()), ("Origin", member.as_bytes())];
        let response = support::exchange(to, &support::request("GET", "/sync", &two, b"")).unwrap();
        assert!(response.access_control().is_empty(), "{response:?}");
        assert_eq!(
            tenants.lookups(),
            before,
            "an origin outside the bound was looked up"
        );
    });
}

#[test]
fn async_answers_are_kept_for_the_freshness_period_and_a_change_is_seen_after_it() {
    each_setup(|tenants, to, _| {
        let newcomer = tenant("newcomer");
        assert!(!grants(&ask(to, "POST", "/async", &newcomer), &newcomer));
        let lookups = tenants.lookups();
        tenants.add(&newcomer);
        // The refusal is kept: the store is not asked again within the period.
        assert!(!grants(&ask(to, "POST", "/async", &newcomer), &newcomer));
        assert_eq!(preflight(to, "/async", "POST", &newcomer).status, 403);
        assert_eq!(tenants.lookups(), lookups);
        std::thread::sleep(FRESH_FOR + Duration::from_millis(100));
        assert!(grants(&ask(to, "POST", "/async", &newcomer), &newcomer));
        assert_eq!(tenants.lookups(), lookups + 1);
        tenants.remove(&newcomer);
        std::thread::sleep(FRESH_FOR + Duration::from_millis(100));
        assert!(!grants(&ask(to, "POST", "/async", &newcomer), &newcomer));
        // The synchronous function is asked each time: a change is in force at once.
        let sync_lookups = tenants.lookups();
        tenants.add(&newcomer);
        assert!(grants(&ask(to, "GET", "/sync", &newcomer), &newcomer));
        tenants.remove(&newcomer);
        assert!(!grants(&ask(to, "GET", "/sync", &newcomer), &newcomer));
        assert_eq!(tenants.lookups(), sync_lookups + 2);
    });
}

#[test]
fn concurrent_requests_for_one_origin_share_one_lookup() {
    each_setup(|tenants, to, _| {
        let busy = tenant("busy");
        tenants.add(&busy);
        let lookups = tenants.lookups();
        let answers: Vec<support::Response> = std::thread::scope(|scope| {
            let asks: Vec<_> = (0..12)
                .map(|n| {
                    let busy = busy.as_str();
                    scope.spawn(move || {
                        if n % 2 == 0 {
                            ask(to, "POST", "/async", busy)
                        } else {
                            preflight(to, "/async", "POST", busy)
                        }
                    })
                })
                .collect();
            asks.into_iter().map(|ask| ask.join().unwrap()).collect()
        });
        for answer in &answers {
            assert!(answer.status < 300 && grants(answer, &busy), "{answer:?}");
        }
        assert_eq!(tenants.lookups(), lookups + 1);
    });
}

#[test]
fn an_error_a_panic_or_a_timeout_grants_nothing_and_the_route_still_answers() {
    each_setup(|tenants, to, _| {
        for name in ["fails", "panics", "slow"] {
            let origin = tenant(name);
            tenants.add(&origin);
            let response = ask(to, "POST", "/async", &origin);
            assert_eq!(
                (response.status, response.body.as_slice()),
                (201, &b"hi"[..])
            );
            assert!(!grants(&response, &origin), "{name}");
            let refused = preflight(to, "/async", "POST", &origin);
            assert_eq!(refused.status, 403, "{name}");
            let reason = refused.one("x-cors-refused").unwrap_or_default();
            assert!(reason.contains("`is_tenant` failed"), "{name}: {reason}");
        }
        // The worker that caught the panic still serves, and grants a tenant.
        let member = tenant("after");
        tenants.add(&member);
        assert!(grants(&ask(to, "POST", "/async", &member), &member));
    });
}

#[test]
fn a_failed_lookup_is_logged_once_as_a_warning_and_its_kept_answer_at_debug() {
    in_process::logged_about("");
    let tenants = web::Data::new(Tenants::default());
    let to = serve(tenants.clone(), true);
    let failing = tenant("fails-logged");
    tenants.add(&failing);
    for _ in 0..3 {
        assert!(!grants(&ask(to, "POST", "/async", &failing), &failing));
    }
    let records = in_process::logged_about(&failing);
    let warned: Vec<_> = records.iter().filter(|r| r.starts_with("WARN")).collect();
    assert_eq!(warned.len(), 1, "{records:#?}");
    assert!(
        warned[0].contains("refused: `is_tenant` failed: it returned an error: the store is down"),
        "{records:#?}"
    );
    let kept = records.iter().filter(|r| r.starts_with("DEBUG")).count();
    assert_eq!(kept, 2, "{records:#?}");
    let member = tenant("logged-member");
    let stranger = tenant("logged-stranger");
    tenants.add(&member);
    ask(to, "GET", "/sync", &stranger);
    assert_eq!(
        in_process::logged_about(&stranger),
        [format!(
            "DEBUG origin {stranger} refused by `is_tenant_now`"
        )]
    );
    ask(to, "GET", "/sync", &member);
    assert!(in_process::logged_about(&member).is_empty());
}

/// Two applications of one process, each with its own store, serving the same handler:
/// what one store answers is never the other's grant.
#[test]
fn applications_with_their_own_stores_keep_their_own_answers() {
    settings();
    let (with, without) = (
        web::Data::new(Tenants::default()),
        web::Data::new(Tenants::default()),
    );
    let member = tenant("only-in-one-store");
    with.add(&member);
    let first = serve(with, true);
    let second = serve(without.clone(), true);
    assert!(grants(&ask(first, "POST", "/async", &member), &member));
    assert!(!grants(&ask(second, "POST", "/async", &member), &member));
    assert_eq!(preflight(second, "/async", "POST", &member).status, 403);
    assert_eq!(
        without.lookups(),
        1,
        "the second store was asked about the origin"
    );
}

/// Two functions of one name, local to two function bodies of one module, are two
/// functions: neither's answers are the other's.
#[test]
fn functions_of_one_name_in_two_bodies_keep_their_own_answers() {
    fn first_app() -> SocketAddr {
        async fn decides(origin: String) -> bool {
            origin.starts_with("https://one-")
        }

        #[cors(origins = "https://*", decide_origin = "decides", credentials = true)]
        #[get("/first")]
        async fn first() -> &'static str {
            "first"
        }

        support::serve_app(|| App::new().service(first))
    }

    fn second_app() -> SocketAddr {
        async fn decides(_origin: String) -> bool {
            false
        }

        #[cors(origins = "https://*", decide_origin = "decides", credentials = true)]
        #[get("/second")]
        async fn second() -> &'static str {
            "second"
        }

        support::serve_app(|| App::new().service(second))
    }

    settings();
    let origin = tenant("one-name");
    let origin = origin.replace("https://", "https://one-");
    assert!(grants(&ask(first_app(), "GET", "/first", &origin), &origin));
    assert!(!grants(
        &ask(second_app(), "GET", "/second", &origin),
        &origin
    ));
}

/// Beside actix-web's own middleware: an app-wide `DefaultHeaders` that would open every
/// response to `*`, and `Compress`, which adds its own `Vary`. Behind `Preflights`, the
/// function's answer stands, and `Vary` is one line.
#[test]
fn the_functions_answer_stands_beside_actix_middleware() {
    settings();
    let tenants = web::Data::new(Tenants::default());
    let (member, stranger) = (tenant("beside-middleware"), tenant("beside-stranger"));
    tenants.add(&member);
    let to = support::serve_app(move || {
        App::new()
            .app_data(tenants.clone())
            .service(async_route)
            .wrap(actix_web::middleware::Compress::default())
            .wrap(
                actix_web::middleware::DefaultHeaders::new()
                    .add(("Access-Control-Allow-Origin", "*")),
            )
            .wrap(Preflights)
    });
    let compressed = |origin: &str| {
        let headers = [
            ("Origin", origin.as_bytes()),
            ("Accept-Encoding", &b"gzip"[..]),
        ];
        let body = "compress me ".repeat(200);
        support::exchange(
            to,
            &support::request("POST", "/async", &headers, body.as_bytes()),
        )
        .unwrap()
    };
    let granted = compressed(&member);
    assert_eq!(granted.one("content-encoding").as_deref(), Some("gzip"));
    assert!(grants(&granted, &member), "{granted:?}");
    assert_eq!(granted.all("vary").len(), 1, "{granted:?}");
    let refused = compressed(&stranger);
    assert!(!grants(&refused, &stranger), "{refused:?}");
    assert_eq!(refused.all("vary").len(), 1, "{refused:?}");
}

#[test]
fn behind_authentication_a_tenants_preflight_is_answered_and_its_401_granted() {
    let tenants = web::Data::new(Tenants::default());
    let to = serve(tenants.clone(), true);
    let (member, stranger) = (tenant("account"), tenant("outsider"));
    tenants.add(&member);
    assert_eq!(preflight(to, "/account/me", "GET", &member).status, 204);
    assert_eq!(preflight(to, "/account/me", "GET", &stranger).status, 403);
    let unauthorized = ask(to, "GET", "/account/me", &member);
    assert_eq!(unauthorized.status, 401);
    assert!(grants(&unauthorized, &member), "{unauthorized:?}");
    let unauthorized = ask(to, "GET", "/account/me", &stranger);
    assert_eq!(unauthorized.status, 401);
    assert!(!grants(&unauthorized, &stranger), "{unauthorized:?}");
}

#[test]
fn the_audit_shows_the_function_and_its_bound() {
    let entry = cors_runtime::audit::entries()
        .into_iter()
        .find(|entry| entry.handler == "async_route")
        .unwrap();
    assert_eq!(
        entry.policy.origins().to_string(),
        "decided by is_tenant within http://localhost:8080, https://*"
    );
    assert!(entry.policy.allows_origin("https://any.example"));
    assert!(!entry.policy.allows_origin("http://any.example"));
    assert!(cors_runtime::audit::table().contains("decided by is_tenant_now within https://*"));
}
