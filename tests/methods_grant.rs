//! Methods are part of the grant: narrowing `methods` narrows what a page may read, for
//! simple requests (which browsers never preflight) as for preflighted ones.

mod in_process;

use actix_web::http::{Method, StatusCode};
use actix_web::{route, web};
use cors_runtime::cors;
use in_process::{LOCAL, cors_set, from, preflight, send_to};

#[cors(origins = "http://localhost:8080", methods = "GET")]
#[route("/narrow", method = "GET", method = "POST")]
async fn narrow() -> &'static str {
    // Awaits before it answers, as real handlers do.
    actix_web::rt::task::yield_now().await;
    "narrow"
}

fn routes(config: &mut web::ServiceConfig) {
    config.service(narrow);
}

#[actix_web::test]
async fn a_listed_method_is_granted() {
    let answer = send_to(routes, from(Method::GET, "/narrow", LOCAL)).await;
    assert_eq!(
        answer.cors(),
        cors_set(&[("access-control-allow-origin", LOCAL)])
    );
}

#[actix_web::test]
async fn a_simple_request_with_an_unlisted_method_gets_no_grant() {
    // A text/plain POST: a "simple" request, sent without a preflight.
    let answer = send_to(
        routes,
        from(Method::POST, "/narrow", LOCAL).insert_header(("Content-Type", "text/plain")),
    )
    .await;
    // The server's own same-origin POSTs keep working: the handler ran.
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body, "narrow");
    assert!(answer.cors().is_empty(), "{:?}", answer.cors());
    assert_eq!(answer.vary(), "Origin");
    // And its preflight is refused.
    let preflight = send_to(routes, preflight("/narrow", LOCAL, "POST")).await;
    assert!(preflight.cors().is_empty(), "{:?}", preflight.cors());
}
