//! Handlers that await before they answer, as nearly every real handler does (a timer, a
//! database call, `web::Json` reading a body that arrives after the first poll): their
//! responses carry the grant exactly as those of handlers that answer at once, in an
//! application with only `.service(handler)` (no `Preflights`) and in one with it.
//!
//! Served by a real `HttpServer` on loopback, read over raw sockets; the JSON body is
//! written in two parts with a pause between them, so the extractor has to wait for it.

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use actix_web::error::ErrorServiceUnavailable;
use actix_web::middleware::{Compress, Condition};
use actix_web::{App, Error, HttpResponse, get, post, web};
use cors_runtime::{Preflights, cors};
use serde::Deserialize;

const LOCAL: &str = "http://localhost:8080";

#[cors(origins = "http://localhost:8080", credentials = true)]
#[get("/timer")]
async fn timer() -> &'static str {
    actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    "late"
}

#[cors(origins = "http://localhost:8080", credentials = true)]
#[get("/yield-then-fail")]
async fn yield_then_fail() -> Result<&'static str, Error> {
    actix_web::rt::task::yield_now().await;
    Err(ErrorServiceUnavailable("the store is down"))
}

#[derive(Deserialize)]
struct NewItem {
    name: String,
}

#[cors(
    origins = "http://localhost:8080",
    headers = "Content-Type",
    credentials = true
)]
#[post("/items")]
async fn create(item: web::Json<NewItem>) -> HttpResponse {
    HttpResponse::Created().body(item.into_inner().name)
}

#[cors(origins = "http://localhost:8080")]
#[get("/compressed")]
async fn compressed() -> HttpResponse {
    actix_web::rt::task::yield_now().await;
    HttpResponse::Ok()
        .insert_header(("Vary", "Accept-Language"))
        .body("compress me ".repeat(200))
}

/// `Compress` inside the route, so inside the policy's wrapper: one `Vary` line without
/// the layer too.
#[cors(origins = "http://localhost:8080")]
#[get("/route-compressed", wrap = "Compress::default()")]
async fn route_compressed() -> HttpResponse {
    actix_web::rt::task::yield_now().await;
    HttpResponse::Ok()
        .insert_header(("Vary", "Accept-Language"))
        .body("compress me ".repeat(200))
}

fn routes(config: &mut web::ServiceConfig) {
    config
        .service(route_compressed)
        .service(timer)
        .service(yield_then_fail)
        .service(create)
        .service(compressed);
}

/// Which of the documented setups a server runs.
#[derive(Clone, Copy, Debug)]
enum Setup {
    /// `.service(handler)` only.
    Plain,
    /// With `Preflights` as the outermost layer.
    Layer,
}

/// A one-worker server of `setup` on a free loopback port, until the test process ends.
fn serve(setup: Setup) -> SocketAddr {
    support::serve_app(move || {
        App::new()
            .configure(routes)
            .wrap(Condition::new(matches!(setup, Setup::Layer), Preflights))
    })
}

fn get(to: SocketAddr, path: &str, extra: &[(&str, &[u8])]) -> support::Response {
    let mut headers: Vec<(&str, &[u8])> = vec![("Origin", LOCAL.as_bytes())];
    headers.extend_from_slice(extra);
    support::exchange(to, &support::request("GET", path, &headers, b"")).unwrap()
}

fn granted(response: &support::Response) -> bool {
    response.one("access-control-allow-origin").as_deref() == Some(LOCAL)
        && response.one("access-control-allow-credentials").as_deref() == Some("true")
}

fn each_setup(check: impl Fn(Setup, SocketAddr)) {
    for setup in [Setup::Plain, Setup::Layer] {
        check(setup, serve(setup));
    }
}

#[test]
fn a_handler_that_waits_on_a_timer_keeps_its_grant() {
    each_setup(|setup, to| {
        let response = get(to, "/timer", &[]);
        assert_eq!(response.status, 200, "{setup:?}");
        assert_eq!(response.body, b"late", "{setup:?}");
        assert!(granted(&response), "{setup:?}: {:?}", response.headers);
        assert_eq!(response.vary(), ["origin"], "{setup:?}");
    });
}

#[test]
fn an_error_after_an_await_keeps_its_grant() {
    each_setup(|setup, to| {
        let response = get(to, "/yield-then-fail", &[]);
        assert_eq!(response.status, 503, "{setup:?}");
        assert!(granted(&response), "{setup:?}: {:?}", response.headers);
        assert_eq!(response.vary(), ["origin"], "{setup:?}");
    });
}

/// A JSON `POST` whose body arrives 50 ms after its headers: `web::Json` waits for it.
fn post_json_slowly(to: SocketAddr, body: &[u8]) -> support::Response {
    let head = support::request(
        "POST",
        "/items",
        &[
            ("Origin", LOCAL.as_bytes()),
            ("Content-Type", b"application/json"),
            ("Content-Length", body.len().to_string().as_bytes()),
        ],
        b"",
    );
    // `request` adds its own `Content-Length: 0` for a POST without a body: drop it.
    let head = String::from_utf8(head)
        .unwrap()
        .replace("Content-Length: 0\r\n", "");
    support::exchange_in_parts(to, &[head.as_bytes(), body], Duration::from_millis(50)).unwrap()
}

#[test]
fn a_json_body_that_arrives_late_keeps_its_grant() {
    each_setup(|setup, to| {
        let created = post_json_slowly(to, br#"{"name":"late"}"#);
        assert_eq!(created.status, 201, "{setup:?}");
        assert_eq!(created.body, b"late", "{setup:?}");
        assert!(granted(&created), "{setup:?}: {:?}", created.headers);

        // The extractor's own failure, after waiting for the body, is readable too.
        let malformed = post_json_slowly(to, br#"{"name":"#);
        assert_eq!(malformed.status, 400, "{setup:?}");
        assert!(granted(&malformed), "{setup:?}: {:?}", malformed.headers);
    });
}

#[test]
fn compress_and_the_grant_share_one_vary_line() {
    let to = serve_compressed();
    let response = get(to, "/compressed", &[("Accept-Encoding", b"gzip")]);
    assert_eq!(response.status, 200);
    assert_eq!(response.one("content-encoding").as_deref(), Some("gzip"));
    assert_eq!(
        response.one("access-control-allow-origin").as_deref(),
        Some(LOCAL)
    );
    let lines = response.all("vary");
    assert_eq!(lines.len(), 1, "one `Vary` line: {:?}", response.headers);
    let mut names = response.vary();
    names.sort();
    assert_eq!(names, ["accept-encoding", "accept-language", "origin"]);
}

/// `Compress` at the app, `Preflights` outermost: the setup the README gives for one line.
fn serve_compressed() -> SocketAddr {
    support::serve_app(|| {
        App::new()
            .configure(routes)
            .wrap(Compress::default())
            .wrap(Preflights)
    })
}

#[test]
fn compress_given_to_the_route_shares_the_line_without_the_layer() {
    let to = serve(Setup::Plain);
    let response = get(to, "/route-compressed", &[("Accept-Encoding", b"gzip")]);
    assert_eq!(response.status, 200);
    assert_eq!(response.one("content-encoding").as_deref(), Some("gzip"));
    assert_eq!(
        response.one("access-control-allow-origin").as_deref(),
        Some(LOCAL)
    );
    assert_eq!(response.all("vary").len(), 1, "{:?}", response.headers);
    let mut names = response.vary();
    names.sort();
    assert_eq!(names, ["accept-encoding", "accept-language", "origin"]);
}
