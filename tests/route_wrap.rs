//! A routing attribute's own `wrap` beside `#[cors]`: middleware that rewrites the request
//! (a request-id tagger written with `middleware::from_fn`, `NormalizePath`) or answers with
//! an error of its own still gets the policy's answer, and never a panic.

mod in_process;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::{Next, NormalizePath, from_fn};
use actix_web::{Error, HttpRequest, HttpResponse, get, post, web};
use cors_runtime::cors;
use in_process::{EVIL, LOCAL, from, send_to};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Tags each request with an id, as request-id middleware does: it needs the request's
/// headers mutably.
async fn tag_request(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    req.headers_mut()
        .insert(REQUEST_ID, HeaderValue::from_static("req-42"));
    next.call(req).await
}

/// Refuses every request with an error, as an authorization layer does.
async fn refuse(
    _req: ServiceRequest,
    _next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    Err::<ServiceResponse<actix_web::body::BoxBody>, _>(actix_web::error::ErrorForbidden(
        "not for you",
    ))
}

#[cors(origins = "http://localhost:8080")]
#[get("/tagged", wrap = "from_fn(tag_request)")]
async fn tagged(req: HttpRequest) -> HttpResponse {
    // Awaits before it answers, as real handlers do.
    actix_web::rt::task::yield_now().await;
    let id = req.headers().get(REQUEST_ID).cloned();
    HttpResponse::Ok().body(
        id.map(|id| id.to_str().unwrap().to_owned())
            .unwrap_or_default(),
    )
}

#[cors(origins = "http://localhost:8080")]
#[get("/normalized", wrap = "NormalizePath::trim()")]
async fn normalized(req: HttpRequest) -> String {
    req.path().to_owned()
}

#[cors(origins = "http://localhost:8080", credentials = true)]
#[post("/refused", wrap = "from_fn(refuse)")]
async fn forbidden() -> &'static str {
    // Awaits before it answers, as real handlers do.
    actix_web::rt::task::yield_now().await;
    "never"
}

fn routes(config: &mut web::ServiceConfig) {
    config
        .service(tagged)
        .service(normalized)
        .service(forbidden);
}

#[actix_web::test]
async fn a_route_wrap_that_rewrites_request_headers_keeps_working() {
    let answer = send_to(routes, from(Method::GET, "/tagged", LOCAL)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body, "req-42");
    assert_eq!(answer.one("access-control-allow-origin"), Some(LOCAL));
    assert_eq!(answer.vary(), "Origin");

    let other = send_to(routes, from(Method::GET, "/tagged", EVIL)).await;
    assert_eq!(other.status, StatusCode::OK);
    assert_eq!(other.body, "req-42");
    assert!(other.cors().is_empty(), "{:?}", other.cors());
}

#[actix_web::test]
async fn a_route_wrap_that_rewrites_the_path_keeps_working() {
    let answer = send_to(routes, from(Method::GET, "/normalized", LOCAL)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body, "/normalized");
    assert_eq!(answer.one("access-control-allow-origin"), Some(LOCAL));
}

#[actix_web::test]
async fn an_error_from_a_route_wrap_carries_the_grant() {
    let answer = send_to(routes, from(Method::POST, "/refused", LOCAL)).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.one("access-control-allow-origin"), Some(LOCAL));
    assert_eq!(answer.one("access-control-allow-credentials"), Some("true"));
    assert_eq!(answer.vary(), "Origin");

    let other = send_to(routes, from(Method::POST, "/refused", EVIL)).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    assert!(other.cors().is_empty(), "{:?}", other.cors());
}

#[test]
fn a_route_with_its_own_wrap_is_audited_with_its_path() {
    let entries = cors_runtime::audit::entries();
    let entry = entries
        .iter()
        .find(|entry| entry.handler == "tagged")
        .expect("`tagged` is audited");
    assert!(entry.paths().eq(["/tagged"]), "{entry:?}");
}
