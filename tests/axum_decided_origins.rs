//! Origins the application decides, in the axum adapter: `decide_origin` naming an async
//! function over a store the app puts in every request (`Extension`) and a synchronous one,
//! served over real sockets. Preflights and actual requests ask the same function through
//! the same kept answers; an origin outside the bound never reaches it; a failure grants
//! nothing and the route still answers.

mod support;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::http::StatusCode;
use axum::{Extension, Router};
use cors_axum::{cors, routes};
use support::{exchange, request};

/// The tenants' origins, as a database would hold them.
#[derive(Default)]
struct Tenants {
    origins: Mutex<HashSet<String>>,
}

/// How many times `is_tenant` looked an origin up.
static LOOKUPS: AtomicUsize = AtomicUsize::new(0);

async fn is_tenant(origin: String, Extension(tenants): Extension<Arc<Tenants>>) -> bool {
    LOOKUPS.fetch_add(1, Ordering::SeqCst);
    // A store round trip.
    tokio::time::sleep(Duration::from_millis(10)).await;
    tenants.origins.lock().unwrap().contains(&origin)
}

fn is_partner(origin: &str) -> Result<bool, String> {
    match origin {
        "https://partner.example" => Ok(true),
        "https://broken.example" => Err("the partner list is unreachable".to_owned()),
        _ => Ok(false),
    }
}

#[cors(
    get,
    path = "/catalog",
    origins = "https://*",
    decide_origin = "is_tenant",
    credentials = true
)]
async fn catalog() -> &'static str {
    tokio::time::sleep(Duration::from_millis(5)).await;
    "[]"
}

#[cors(
    put,
    path = "/catalog",
    origins = "https://*",
    decide_origin = "is_tenant",
    headers = "content-type"
)]
async fn replace_catalog() -> StatusCode {
    StatusCode::NO_CONTENT
}

#[cors(
    get,
    path = "/partners",
    origins = "https://*.example",
    decide_origin = "is_partner"
)]
async fn partners() -> &'static str {
    "[]"
}

fn app() -> (SocketAddr, &'static Arc<Tenants>) {
    static APP: OnceLock<(SocketAddr, Arc<Tenants>)> = OnceLock::new();
    let (address, tenants) = APP.get_or_init(|| {
        cors_axum::decide::set_fresh_for(Duration::from_millis(300));
        let tenants = Arc::new(Tenants::default());
        tenants
            .origins
            .lock()
            .unwrap()
            .insert("https://shop.example".to_owned());
        let app = Router::new()
            .merge(routes!(catalog, replace_catalog))
            .merge(routes!(partners))
            .layer(Extension(Arc::clone(&tenants)));
        (support::serve_axum(app), tenants)
    });
    (*address, tenants)
}

fn get(path: &str, origin: &str) -> support::Response {
    exchange(
        app().0,
        &request("GET", path, &[("Origin", origin.as_bytes())], b""),
    )
    .expect("an answer")
}

fn preflight(path: &str, origin: &str, method: &str) -> support::Response {
    let headers: [(&str, &[u8]); 2] = [
        ("Origin", origin.as_bytes()),
        ("Access-Control-Request-Method", method.as_bytes()),
    ];
    exchange(app().0, &request("OPTIONS", path, &headers, b"")).expect("an answer")
}

fn granted(response: &support::Response) -> Option<String> {
    response.one("access-control-allow-origin")
}

#[test]
fn a_tenant_is_granted_by_the_function_and_a_stranger_is_not() {
    let response = get("/catalog", "https://shop.example");
    assert_eq!(response.status, 200);
    assert_eq!(response.body, b"[]");
    assert_eq!(granted(&response).as_deref(), Some("https://shop.example"));
    assert_eq!(
        response.one("access-control-allow-credentials").as_deref(),
        Some("true")
    );
    assert_eq!(response.vary(), ["origin"]);

    let response = get("/catalog", "https://stranger.example");
    assert_eq!(response.status, 200);
    assert_eq!(response.body, b"[]");
    assert!(response.access_control().is_empty(), "{response:?}");

    let response = preflight("/catalog", "https://shop.example", "PUT");
    assert_eq!(response.status, 204);
    assert_eq!(granted(&response).as_deref(), Some("https://shop.example"));
    let response = preflight("/catalog", "https://stranger.example", "PUT");
    assert_eq!(response.status, 403);
    assert!(response.access_control().is_empty(), "{response:?}");
}

#[test]
fn an_origin_outside_the_bound_never_reaches_the_function() {
    app();
    let before = LOOKUPS.load(Ordering::SeqCst);
    for origin in [
        "http://shop.example",
        "https://SHOP.example",
        "https://shop.example:8443",
        "https://shop.example/",
        "null",
    ] {
        let response = get("/catalog", origin);
        assert_eq!(response.status, 200, "{origin}");
        assert!(
            response.access_control().is_empty(),
            "{origin}: {response:?}"
        );
        let response = preflight("/catalog", origin, "PUT");
        assert_eq!(response.status, 403, "{origin}");
    }
    assert_eq!(LOOKUPS.load(Ordering::SeqCst), before);
}

#[test]
fn a_change_in_the_store_is_in_force_after_the_freshness_period_and_lookups_are_shared() {
    let (_, tenants) = app();
    let origin = "https://books.example";
    assert_eq!(granted(&get("/catalog", origin)), None);
    tenants.origins.lock().unwrap().insert(origin.to_owned());
    // Kept: still refused within the period.
    assert_eq!(granted(&get("/catalog", origin)), None);
    std::thread::sleep(Duration::from_millis(400));
    // Concurrent requests for a new answer share one lookup.
    let before = LOOKUPS.load(Ordering::SeqCst);
    let answers: Vec<support::Response> = std::thread::scope(|scope| {
        let asks: Vec<_> = (0..8)
            .map(|_| scope.spawn(|| get("/catalog", origin)))
            .collect();
        asks.into_iter().map(|ask| ask.join().unwrap()).collect()
    });
    for response in &answers {
        assert_eq!(granted(response).as_deref(), Some(origin));
    }
    let lookups = LOOKUPS.load(Ordering::SeqCst) - before;
    assert!(lookups <= 2, "{lookups} lookups for one origin");
    assert!(lookups >= 1);
}

#[test]
fn a_synchronous_function_is_asked_each_time_and_its_failure_grants_nothing() {
    let response = get("/partners", "https://partner.example");
    assert_eq!(
        granted(&response).as_deref(),
        Some("https://partner.example")
    );
    let response = get("/partners", "https://other.example");
    assert_eq!(response.status, 200);
    assert!(response.access_control().is_empty(), "{response:?}");
    let response = get("/partners", "https://broken.example");
    assert_eq!(response.status, 200);
    assert_eq!(response.body, b"[]");
    assert!(response.access_control().is_empty(), "{response:?}");
    let response = preflight("/partners", "https://broken.example", "GET");
    assert_eq!(response.status, 403);
    let response = preflight("/partners", "https://partner.example", "GET");
    assert_eq!(response.status, 204);
}
