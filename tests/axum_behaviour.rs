//! The axum adapter over real sockets: `#[cors]` handlers merged with `routes!`, served by
//! `axum::serve` on loopback and read over raw sockets. Handlers await (a timer, a JSON body
//! written after its headers), routers nest and carry state, a real auth layer
//! (tower-http's `ValidateRequestHeaderLayer`) sits over the handlers, and every answer is
//! checked header by header.

mod support;

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::{Json, Router};
use cors_axum::{cors, routes};
use serde::Deserialize;
use support::{exchange, exchange_in_parts, request};
use tower_http::validate_request::ValidateRequestHeaderLayer;

const LOCAL: &str = "http://localhost:8080";
const STRANGER: &str = "https://evil.example";

#[derive(Clone)]
struct Shop {
    name: &'static str,
}

#[cors(
    get,
    path = "/items",
    origins = "http://localhost:8080",
    credentials = true,
    expose_headers = "x-total"
)]
async fn list_items(State(shop): State<Shop>) -> impl IntoResponse {
    tokio::time::sleep(Duration::from_millis(20)).await;
    ([("x-total", "2")], shop.name)
}

#[derive(Deserialize)]
struct NewItem {
    name: String,
}

#[cors(
    post,
    path = "/items",
    origins = "https://admin.example.com",
    headers = "content-type",
    max_age = 600
)]
async fn create_item(Json(item): Json<NewItem>) -> (StatusCode, String) {
    (StatusCode::CREATED, item.name)
}

#[cors(get, path = "/public", origins = "*")]
async fn public() -> impl IntoResponse {
    // A handler that tries to widen its own answer.
    let mut headers = HeaderMap::new();
    headers.insert(
        "access-control-allow-origin",
        HeaderValue::from_static("https://other.example"),
    );
    headers.insert("vary", HeaderValue::from_static("Accept-Encoding"));
    (headers, "open")
}

#[cors(
    delete,
    path = "/account",
    origins = "http://localhost:8080",
    credentials = true,
    headers = "authorization"
)]
async fn delete_account() -> StatusCode {
    StatusCode::NO_CONTENT
}

/// The app: the items nested under `/api` with state, a public route, and the account
/// behind bearer authentication.
fn app() -> SocketAddr {
    static ADDRESS: OnceLock<SocketAddr> = OnceLock::new();
    *ADDRESS.get_or_init(|| {
        let api = Router::new()
            .merge(routes!(list_items, create_item))
            .merge(routes!(public))
            .merge(
                routes!(delete_account)
                    .authenticated(ValidateRequestHeaderLayer::custom(support::bearer_token)),
            );
        let app = Router::new().nest("/api", api).with_state(Shop {
            name: "corner shop",
        });
        support::serve_axum(app)
    })
}

fn send(method: &str, path: &str, headers: &[(&str, &[u8])]) -> support::Response {
    exchange(app(), &request(method, path, headers, b"")).expect("an answer")
}

fn preflight(path: &str, origin: &str, method: &str, headers: Option<&str>) -> support::Response {
    let mut sent: Vec<(&str, &[u8])> = vec![
        ("Origin", origin.as_bytes()),
        ("Access-Control-Request-Method", method.as_bytes()),
    ];
    if let Some(headers) = headers {
        sent.push(("Access-Control-Request-Headers", headers.as_bytes()));
    }
    send("OPTIONS", path, &sent)
}

#[test]
fn an_awaiting_handler_answers_an_allowed_origin_with_its_grant() {
    let response = send("GET", "/api/items", &[("Origin", LOCAL.as_bytes())]);
    assert_eq!(response.status, 200);
    assert_eq!(response.body, b"corner shop");
    assert_eq!(
        response.access_control(),
        [
            ("access-control-allow-origin".to_owned(), LOCAL.to_owned()),
            (
                "access-control-allow-credentials".to_owned(),
                "true".to_owned()
            ),
            (
                "access-control-expose-headers".to_owned(),
                "x-total".to_owned()
            ),
        ]
    );
    assert_eq!(response.vary(), ["origin"]);
}

#[test]
fn a_stranger_and_a_request_without_origin_get_no_grant_but_the_same_vary() {
    for headers in [vec![("Origin", STRANGER.as_bytes())], vec![]] {
        let response = send("GET", "/api/items", &headers);
        assert_eq!(response.status, 200);
        assert_eq!(response.body, b"corner shop");
        assert!(response.access_control().is_empty(), "{response:?}");
        assert_eq!(response.vary(), ["origin"]);
    }
    // Two `Origin` lines: no grant, never a reflected origin.
    let response = send(
        "GET",
        "/api/items",
        &[("Origin", LOCAL.as_bytes()), ("Origin", LOCAL.as_bytes())],
    );
    assert!(response.access_control().is_empty(), "{response:?}");
}

#[test]
fn a_body_written_after_its_headers_keeps_the_grant_of_its_method() {
    let head = b"POST /api/items HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nOrigin: https://admin.example.com\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n";
    let response = exchange_in_parts(
        app(),
        &[head, b"{\"name\":\"", b"brush\"}"],
        Duration::from_millis(50),
    )
    .expect("an answer");
    assert_eq!(response.status, 201);
    assert_eq!(response.body, b"brush");
    assert_eq!(
        response.one("access-control-allow-origin").as_deref(),
        Some("https://admin.example.com")
    );
    // POST's policy is not credentialed; GET's is: each method is answered by its own.
    assert_eq!(response.one("access-control-allow-credentials"), None);
    // The extractor's own refusal is answered too.
    let response = exchange(
        app(),
        &request(
            "POST",
            "/api/items",
            &[
                ("Origin", b"https://admin.example.com"),
                ("Content-Type", b"application/json"),
            ],
            b"{",
        ),
    )
    .expect("an answer");
    assert_eq!(response.status, 400);
    assert_eq!(
        response.one("access-control-allow-origin").as_deref(),
        Some("https://admin.example.com")
    );
    // GET's origin is not POST's.
    let response = exchange(
        app(),
        &request(
            "POST",
            "/api/items",
            &[
                ("Origin", LOCAL.as_bytes()),
                ("Content-Type", b"application/json"),
            ],
            b"{\"name\":\"x\"}",
        ),
    )
    .expect("an answer");
    assert_eq!(response.status, 201);
    assert!(response.access_control().is_empty(), "{response:?}");
}

#[test]
fn the_preflight_of_a_path_is_judged_by_the_policy_of_the_requested_method() {
    let response = preflight(
        "/api/items",
        "https://admin.example.com",
        "POST",
        Some("content-type"),
    );
    assert_eq!(response.status, 204);
    assert_eq!(
        response.access_control(),
        [
            (
                "access-control-allow-origin".to_owned(),
                "https://admin.example.com".to_owned()
            ),
            ("access-control-allow-methods".to_owned(), "POST".to_owned()),
            (
                "access-control-allow-headers".to_owned(),
                "content-type".to_owned()
            ),
            ("access-control-max-age".to_owned(), "600".to_owned()),
        ]
    );
    assert_eq!(
        response.vary(),
        [
            "origin",
            "access-control-request-method",
            "access-control-request-headers"
        ]
    );
    let response = preflight("/api/items", LOCAL, "GET", None);
    assert_eq!(response.status, 204);
    assert_eq!(
        response.one("access-control-allow-origin").as_deref(),
        Some(LOCAL)
    );
    assert_eq!(
        response.one("access-control-allow-credentials").as_deref(),
        Some("true")
    );
    // Refused: the origin of the other method, a header not listed, a stranger.
    for refused in [
        preflight("/api/items", LOCAL, "POST", None),
        preflight(
            "/api/items",
            "https://admin.example.com",
            "POST",
            Some("x-secret"),
        ),
        preflight("/api/items", STRANGER, "GET", None),
    ] {
        assert_eq!(refused.status, 403, "{refused:?}");
        assert!(refused.access_control().is_empty(), "{refused:?}");
        assert_eq!(
            refused.vary(),
            [
                "origin",
                "access-control-request-method",
                "access-control-request-headers"
            ]
        );
    }
}

#[test]
fn what_is_not_a_preflight_of_a_served_method_is_answered_as_axum_answers_an_unserved_method() {
    for response in [
        preflight("/api/items", LOCAL, "DELETE", None),
        send("OPTIONS", "/api/items", &[]),
        send("OPTIONS", "/api/items", &[("Origin", LOCAL.as_bytes())]),
    ] {
        assert_eq!(response.status, 405, "{response:?}");
        assert_eq!(response.one("allow").as_deref(), Some("GET,HEAD,POST"));
        assert!(response.access_control().is_empty(), "{response:?}");
    }
    // A method no handler serves goes to axum's own 405.
    let response = send("PUT", "/api/items", &[("Origin", LOCAL.as_bytes())]);
    assert_eq!(response.status, 405);
    assert!(response.access_control().is_empty(), "{response:?}");
}

#[test]
fn a_star_policy_replaces_what_the_handler_wrote_and_keeps_its_vary() {
    let response = send("GET", "/api/public", &[("Origin", STRANGER.as_bytes())]);
    assert_eq!(response.status, 200);
    assert_eq!(
        response.access_control(),
        [("access-control-allow-origin".to_owned(), "*".to_owned())]
    );
    assert_eq!(response.vary(), ["accept-encoding"]);
    assert_eq!(response.all("vary").len(), 1);
    let response = preflight("/api/public", STRANGER, "GET", None);
    assert_eq!(response.status, 204);
    assert_eq!(
        response.one("access-control-allow-origin").as_deref(),
        Some("*")
    );
    assert_eq!(
        response.vary(),
        [
            "access-control-request-method",
            "access-control-request-headers"
        ]
    );
}

#[test]
fn behind_authentication_the_preflight_is_answered_and_the_401_carries_the_grant() {
    let response = preflight("/api/account", LOCAL, "DELETE", Some("authorization"));
    assert_eq!(response.status, 204, "{response:?}");
    assert_eq!(
        response.one("access-control-allow-origin").as_deref(),
        Some(LOCAL)
    );
    assert_eq!(
        response.one("access-control-allow-headers").as_deref(),
        Some("authorization")
    );

    let response = send("DELETE", "/api/account", &[("Origin", LOCAL.as_bytes())]);
    assert_eq!(response.status, 401);
    assert_eq!(
        response.one("access-control-allow-origin").as_deref(),
        Some(LOCAL)
    );
    assert_eq!(
        response.one("access-control-allow-credentials").as_deref(),
        Some("true")
    );
    assert_eq!(response.vary(), ["origin"]);

    let response = send(
        "DELETE",
        "/api/account",
        &[
            ("Origin", LOCAL.as_bytes()),
            ("Authorization", b"Bearer secret-token"),
        ],
    );
    assert_eq!(response.status, 204);
    assert_eq!(
        response.one("access-control-allow-origin").as_deref(),
        Some(LOCAL)
    );

    // Nothing but a real preflight skips authentication: a plain OPTIONS, or one that asks
    // for a method the path does not serve, never reaches a handler.
    for response in [
        send("OPTIONS", "/api/account", &[("Origin", LOCAL.as_bytes())]),
        preflight("/api/account", LOCAL, "GET", None),
    ] {
        assert_eq!(response.status, 405, "{response:?}");
        assert!(response.access_control().is_empty(), "{response:?}");
    }
}

#[test]
#[should_panic(expected = "Overlapping method route")]
fn a_hand_written_options_handler_on_an_annotated_path_is_refused_when_the_router_is_built() {
    // The trap of app-wide CORS: an `OPTIONS` handler that answers preflights by hand (and,
    // under authentication, lets them skip it). Here it cannot take the preflight's slot.
    let _: Router = Router::new()
        .merge(routes!(public))
        .route("/public", axum::routing::options(|| async { "by hand" }));
}
