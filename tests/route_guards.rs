//! A routing attribute's `guard` applies to the route's preflight: a preflight is granted
//! only where the actual request would reach the handler. A guard that reads what only the
//! actual request carries (its `Content-Type`), named in `header_guards`, is not asked on
//! the preflight, which never carries it; the host and the requested method still decide.

mod in_process;

use actix_web::guard::GuardContext;
use actix_web::http::Method;
use actix_web::http::StatusCode;
use actix_web::{App, HttpResponse, get, post, web};
use actix_web_httpauth::middleware::HttpAuthentication;
use cors_runtime::{Preflights, cors};
use in_process::{LOCAL, from, preflight, send, send_to, validator};

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

fn is_json(ctx: &GuardContext<'_>) -> bool {
    ctx.head()
        .headers()
        .get("content-type")
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"))
}

/// JSON only, and on `api.example.com` only: a preflight is asked about the host, not about
/// the body it cannot carry.
#[cors(
    origins = "http://localhost:8080",
    headers = "Content-Type",
    header_guards = "is_json"
)]
#[post("/json", guard = "is_json", guard = "api_host")]
async fn json_only() -> HttpResponse {
    actix_web::rt::task::yield_now().await;
    HttpResponse::Created().body("json")
}

fn routes(config: &mut web::ServiceConfig) {
    config.service(guarded).service(json_only);
}

#[actix_web::test]
async fn a_header_guard_does_not_block_the_preflight() {
    let answer = send_to(
        routes,
        preflight("/json", LOCAL, "POST")
            .insert_header(("Host", "api.example.com"))
            .insert_header(("Access-Control-Request-Headers", "content-type")),
    )
    .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    assert_eq!(answer.one("access-control-allow-origin"), Some(LOCAL));

    // The actual request is still judged by every guard.
    let json = send_to(
        routes,
        from(Method::POST, "/json", LOCAL)
            .insert_header(("Host", "api.example.com"))
            .insert_header(("Content-Type", "application/json")),
    )
    .await;
    assert_eq!(json.status, StatusCode::CREATED);
    assert_eq!(json.one("access-control-allow-origin"), Some(LOCAL));
    let text = send_to(
        routes,
        from(Method::POST, "/json", LOCAL)
            .insert_header(("Host", "api.example.com"))
            .insert_header(("Content-Type", "text/plain")),
    )
    .await;
    assert_eq!(text.status, StatusCode::NOT_FOUND);
    assert!(text.cors().is_empty(), "{:?}", text.cors());
}

#[actix_web::test]
async fn the_host_still_decides_beside_a_header_guard() {
    let answer = send_to(
        routes,
        preflight("/json", LOCAL, "POST")
            .insert_header(("Host", "other.example.com"))
            .insert_header(("Access-Control-Request-Headers", "content-type")),
    )
    .await;
    assert_ne!(answer.status, StatusCode::NO_CONTENT);
    assert!(answer.cors().is_empty(), "{:?}", answer.cors());
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

/// Behind authentication, the layer puts the route's grant on the auth layer's `401` only
/// where the router would bring the request to the route: every guard asks the actual
/// request, those named in `header_guards` too.
#[actix_web::test]
async fn the_401_of_a_request_the_header_guard_refuses_has_no_grant() {
    let app = || {
        App::new()
            .service(
                web::scope("")
                    .wrap(HttpAuthentication::bearer(validator))
                    .configure(routes),
            )
            .wrap(Preflights)
    };
    let post = |content_type: &'static str| {
        from(Method::POST, "/json", LOCAL)
            .insert_header(("Host", "api.example.com"))
            .insert_header(("Content-Type", content_type))
    };
    let json = send(app(), post("application/json")).await;
    assert_eq!(json.status, StatusCode::UNAUTHORIZED);
    assert_eq!(json.one("access-control-allow-origin"), Some(LOCAL));
    let text = send(app(), post("text/plain")).await;
    assert_eq!(text.status, StatusCode::UNAUTHORIZED);
    assert!(text.cors().is_empty(), "{:?}", text.cors());
    // Its preflight is still answered before authentication, on the host alone.
    let preflight = send(
        app(),
        preflight("/json", LOCAL, "POST")
            .insert_header(("Host", "api.example.com"))
            .insert_header(("Access-Control-Request-Headers", "content-type")),
    )
    .await;
    assert_eq!(preflight.status, StatusCode::NO_CONTENT);
}
