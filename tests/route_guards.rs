//! A routing attribute's `guard` applies to the route's preflight: a preflight is granted
//! only where the actual request would reach the handler.

mod in_process;

use actix_web::guard::GuardContext;
use actix_web::http::StatusCode;
use actix_web::{get, web};
use cors_runtime::cors;
use in_process::{LOCAL, preflight, send_to};

fn api_host(ctx: &GuardContext<'_>) -> bool {
    ctx.head()
        .headers()
        .get("host")
        .is_some_and(|host| host == "api.example.com")
}

#[cors(origins = "http://localhost:8080", headers = "Content-Type")]
#[get("/guarded", guard = "api_host")]
async fn guarded() -> &'static str {
    // Awaits before it answers, as real handlers do.
    actix_web::rt::task::yield_now().await;
    "guarded"
}

fn routes(config: &mut web::ServiceConfig) {
    config.service(guarded);
}

#[actix_web::test]
async fn the_preflight_of_a_guarded_route_is_granted_where_the_guard_passes() {
    let answer = send_to(
        routes,
        preflight("/guarded", LOCAL, "GET").insert_header(("Host", "api.example.com")),
    )
    .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    assert_eq!(answer.one("access-control-allow-origin"), Some(LOCAL));
}

#[actix_web::test]
async fn the_preflight_of_a_guarded_route_is_not_granted_where_it_fails() {
    let answer = send_to(
        routes,
        preflight("/guarded", LOCAL, "GET").insert_header(("Host", "other.example.com")),
    )
    .await;
    assert_ne!(answer.status, StatusCode::NO_CONTENT);
    assert!(answer.cors().is_empty(), "{:?}", answer.cors());
}
