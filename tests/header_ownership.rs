//! The policy owns every `Access-Control-*` response header of an annotated route: an
//! allowed request gets exactly the policy's, any other gets none, whatever the handler wrote.

mod in_process;

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, get, web};
use cors_runtime::cors;
use in_process::{EVIL, LOCAL, cors_set, from, send_to};

/// Writes every CORS response header a handler might think of, each wider than the policy.
fn widening_response() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Access-Control-Allow-Origin", "*"))
        .insert_header(("Access-Control-Allow-Credentials", "true"))
        .insert_header(("Access-Control-Expose-Headers", "x-secret"))
        .insert_header(("Access-Control-Allow-Methods", "*"))
        .insert_header(("Access-Control-Allow-Headers", "*"))
        .insert_header(("Access-Control-Max-Age", "86400"))
        .insert_header(("X-Secret", "s3cret"))
        .insert_header(("X-Own", "mine"))
        .finish()
}

#[cors(origins = "http://localhost:8080", expose_headers = "X-Own")]
#[get("/listed")]
async fn listed() -> HttpResponse {
    // Awaits before it answers, as real handlers do.
    actix_web::rt::task::yield_now().await;
    widening_response()
}

#[cors(origins = "*")]
#[get("/star")]
async fn star() -> HttpResponse {
    widening_response()
}

#[cors(origins = "http://localhost:8080", credentials = true)]
#[get("/credentialed")]
async fn credentialed() -> HttpResponse {
    // Awaits before it answers, as real handlers do.
    actix_web::rt::task::yield_now().await;
    widening_response()
}

fn routes(config: &mut web::ServiceConfig) {
    config.service(listed).service(star).service(credentialed);
}

#[actix_web::test]
async fn an_allowed_request_gets_exactly_the_policys_headers() {
    let answer = send_to(routes, from(Method::GET, "/listed", LOCAL)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.cors(),
        cors_set(&[
            ("access-control-allow-origin", LOCAL),
            ("access-control-expose-headers", "x-own"),
        ])
    );
    // The handler's other headers are untouched.
    assert_eq!(answer.one("x-secret"), Some("s3cret"));
    assert_eq!(answer.one("x-own"), Some("mine"));

    let any = send_to(routes, from(Method::GET, "/star", EVIL)).await;
    assert_eq!(
        any.cors(),
        cors_set(&[("access-control-allow-origin", "*")])
    );

    let with_credentials = send_to(routes, from(Method::GET, "/credentialed", LOCAL)).await;
    assert_eq!(
        with_credentials.cors(),
        cors_set(&[
            ("access-control-allow-credentials", "true"),
            ("access-control-allow-origin", LOCAL),
        ])
    );
}

#[actix_web::test]
async fn any_other_request_gets_none() {
    for path in ["/listed", "/credentialed"] {
        let refused = send_to(routes, from(Method::GET, path, EVIL)).await;
        assert_eq!(refused.status, StatusCode::OK);
        assert!(refused.cors().is_empty(), "{path}: {:?}", refused.cors());
        assert_eq!(refused.one("x-secret"), Some("s3cret"));
        let no_origin = send_to(routes, actix_web::test::TestRequest::get().uri(path)).await;
        assert!(
            no_origin.cors().is_empty(),
            "{path}: {:?}",
            no_origin.cors()
        );
    }
}
