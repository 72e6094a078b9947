//! `routes!` builds a path's routes as axum's own routing builds them: the same handlers,
//! registered with `axum::routing`'s method routers in one app and through `#[cors]` and
//! `routes!` in the other, both served by `axum::serve` on loopback, route every request
//! alike (status, body, `Allow` of a 405, every header the handler or axum writes), and
//! without an `Origin` the answers differ in no header but `Vary: Origin`, where the policy
//! answers by origin. Only real preflights differ: the plain app answers them `405`; and
//! the `Allow` of axum's `405` lists `OPTIONS`, the slot the preflight holds.

mod support;

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

use support::{Response, exchange, exchange_in_parts, request};

/// Registers the handlers of one path: with axum's method router in the plain app, with
/// `routes!` in the annotated one.
macro_rules! path {
    (; $path:literal => $($method:ident $handler:ident),+) => {
        ::axum::Router::new().route($path, ::axum::routing::MethodRouter::new()$(.$method($handler))+)
    };
    (cors; $path:literal => $($method:ident $handler:ident),+) => {
        ::axum::Router::from(::cors_axum::routes!($($handler),+))
    };
}

/// The same handlers, each under `#[cors(...)]` when `cors` is given.
macro_rules! handlers {
    ($module:ident $(, $cors:ident)?) => {
        mod $module {
            use std::time::Duration;

            use axum::extract::{Path, State};
            use axum::http::{HeaderMap, StatusCode};
            use axum::response::IntoResponse;
            use axum::{Json, Router};
            #[allow(unused_imports)]
            use cors_axum::cors;
            use serde::Deserialize;

            #[derive(Clone)]
            pub struct Shop {
                pub name: &'static str,
            }

            #[derive(Deserialize)]
            pub struct NewItem {
                name: String,
            }

            $(#[$cors(get, path = "/items", origins = "https://app.example.com", credentials = true, expose_headers = "x-total")])?
            async fn list_items(State(shop): State<Shop>) -> impl IntoResponse {
                // Awaits a timer before it answers, as a handler awaiting a store does.
                tokio::time::sleep(Duration::from_millis(5)).await;
                ([("x-total", "2")], format!("items of {}", shop.name))
            }

            $(#[$cors(post, path = "/items", origins = "https://admin.example.com", headers = "content-type", max_age = 600)])?
            async fn create_item(Json(item): Json<NewItem>) -> (StatusCode, String) {
                (StatusCode::CREATED, format!("created {}", item.name))
            }

            $(#[$cors(get, path = "/items/{id}", origins = "https://app.example.com")])?
            async fn show_item(Path(id): Path<u32>) -> String {
                tokio::task::yield_now().await;
                format!("item {id}")
            }

            $(#[$cors(put, path = "/items/{id}", origins = "https://app.example.com", headers = "content-type")])?
            async fn replace_item(Path(id): Path<u32>, Json(item): Json<NewItem>) -> String {
                format!("item {id} is now {}", item.name)
            }

            $(#[$cors(delete, path = "/items/{id}", origins = "https://*.example.com")])?
            async fn delete_item(Path(id): Path<u32>) -> impl IntoResponse {
                if id == 0 {
                    (StatusCode::NOT_FOUND, "no item 0".to_owned())
                } else {
                    (StatusCode::OK, format!("deleted {id}"))
                }
            }

            $(#[$cors(get, path = "/public", origins = "*")])?
            async fn public() -> impl IntoResponse {
                // Its own Vary, on two lines, and a header of its own.
                let mut headers = HeaderMap::new();
                headers.append("vary", "Accept-Encoding".parse().unwrap());
                headers.append("vary", "Accept-Language".parse().unwrap());
                headers.insert("x-own", "mine".parse().unwrap());
                (headers, "open")
            }

            $(#[$cors(get, path = "/vary", origins = "https://app.example.com")])?
            async fn varies() -> impl IntoResponse {
                ([("vary", "Accept-Encoding")], "varies")
            }

            $(#[$cors(patch, path = "/fail", origins = "https://app.example.com")])?
            async fn fail() -> impl IntoResponse {
                tokio::time::sleep(Duration::from_millis(1)).await;
                (StatusCode::INTERNAL_SERVER_ERROR, "failed")
            }

            $(#[$cors(get, path = "/stock/{item}", origins = "https://app.example.com", credentials = true)])?
            async fn stock(State(shop): State<Shop>, Path(item): Path<String>) -> String {
                tokio::task::yield_now().await;
                format!("{item} in stock at {}", shop.name)
            }

            $(#[$cors(post, path = "/stock/{item}", origins = "https://admin.example.com")])?
            async fn restock(Path(item): Path<String>, body: String) -> String {
                format!("restocked {item} with {body:?}")
            }

            /// The app: items, a public and a failing route at the top, the stock nested
            /// under `/api`, all with the shop as state.
            pub fn app() -> Router {
                let api: Router<Shop> = Router::new()
                    .merge(path!($($cors)?; "/stock/{item}" => get stock, post restock));
                Router::new()
                    .merge(path!($($cors)?; "/items" => get list_items, post create_item))
                    .merge(path!($($cors)?; "/items/{id}" => get show_item, put replace_item, delete delete_item))
                    .merge(path!($($cors)?; "/public" => get public))
                    .merge(path!($($cors)?; "/vary" => get varies))
                    .merge(path!($($cors)?; "/fail" => patch fail))
                    .nest("/api", api)
                    .with_state(Shop { name: "the corner shop" })
            }
        }
    };
}

handlers!(plain);
handlers!(annotated, cors);

/// The two apps, each served once for the whole test process.
fn apps() -> (SocketAddr, SocketAddr) {
    static APPS: OnceLock<(SocketAddr, SocketAddr)> = OnceLock::new();
    *APPS.get_or_init(|| {
        (
            support::serve_axum(plain::app()),
            support::serve_axum(annotated::app()),
        )
    })
}

const METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];

const PATHS: &[&str] = &[
    "/items",
    "/items/7",
    "/items/0",
    "/items/seven",
    "/items/7/",
    "/public",
    "/vary",
    "/fail",
    "/api/stock/brush",
    "/api/stock/",
    "/api/nowhere",
    "/nowhere",
    "/items?page=2",
];

const ORIGINS: &[Option<&str>] = &[
    None,
    Some("https://app.example.com"),
    Some("https://admin.example.com"),
    Some("https://a.example.com"),
    Some("https://evil.example.net"),
];

const BODIES: &[(&str, &[u8])] = &[
    ("no body", b""),
    ("a JSON item", br#"{"name":"brush"}"#),
    ("broken JSON", b"{\"name\":"),
];

/// Whether the policy of the handler serving `method path` answers by origin (`Vary:
/// Origin`), or `None` when no handler serves it (axum's `404` and `405`, the `OPTIONS`
/// slot's answers to what is not a preflight).
fn policy_varies(method: &str, path: &str) -> Option<bool> {
    let path = path.split('?').next().unwrap_or(path);
    let method = if method == "HEAD" { "GET" } else { method };
    let item = path
        .strip_prefix("/items/")
        .is_some_and(|rest| !rest.is_empty() && !rest.contains('/'));
    let stock = path
        .strip_prefix("/api/stock/")
        .is_some_and(|rest| !rest.is_empty() && !rest.contains('/'));
    match (method, path) {
        ("GET" | "POST", "/items") => Some(true),
        ("GET" | "PUT" | "DELETE", _) if item => Some(true),
        ("GET", "/public") => Some(false),
        ("GET", "/vary") | ("PATCH", "/fail") => Some(true),
        ("GET" | "POST", _) if stock => Some(true),
        _ => None,
    }
}

/// One request, sent to both apps.
struct Case {
    name: String,
    method: &'static str,
    path: &'static str,
    origin: Option<&'static str>,
    bytes: Vec<u8>,
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for &method in METHODS {
        for &path in PATHS {
            for &origin in ORIGINS {
                let bodies: &[(&str, &[u8])] = if matches!(method, "POST" | "PUT" | "PATCH") {
                    BODIES
                } else {
                    &BODIES[..1]
                };
                for &(body_name, body) in bodies {
                    let mut headers: Vec<(&str, &[u8])> = Vec::new();
                    if let Some(origin) = origin {
                        headers.push(("Origin", origin.as_bytes()));
                    }
                    if !body.is_empty() {
                        headers.push(("Content-Type", b"application/json"));
                    }
                    cases.push(Case {
                        name: format!("{method} {path}, Origin {origin:?}, {body_name}"),
                        method,
                        path,
                        origin,
                        bytes: request(method, path, &headers, body),
                    });
                }
            }
        }
    }
    // `OPTIONS` with an `Access-Control-Request-Method` but no `Origin`: not a preflight.
    for &path in PATHS {
        cases.push(Case {
            name: format!("OPTIONS {path} asking for GET without an Origin"),
            method: "OPTIONS",
            path,
            origin: None,
            bytes: request(
                "OPTIONS",
                path,
                &[("Access-Control-Request-Method", b"GET")],
                b"",
            ),
        });
    }
    cases
}

/// Every header but `date` (the time of the answer), `vary` and `access-control-*`
/// (compared apart), as sent, in order.
fn routed_headers(response: &Response) -> Vec<(String, String)> {
    response
        .headers
        .iter()
        .filter(|(name, _)| {
            name != "date" && name != "vary" && !name.starts_with("access-control-")
        })
        .map(|(name, value)| (name.clone(), String::from_utf8_lossy(value).into_owned()))
        .collect()
}

/// What is different between the plain app's answer and the annotated one's to `case`.
fn differences(case: &Case, plain: &Response, annotated: &Response) -> Vec<String> {
    let mut wrong = Vec::new();
    if annotated.status != plain.status {
        wrong.push(format!("status {} for {}", annotated.status, plain.status));
    }
    if annotated.body != plain.body {
        wrong.push(format!(
            "body {:?} for {:?}",
            String::from_utf8_lossy(&annotated.body),
            String::from_utf8_lossy(&plain.body)
        ));
    }
    // `Allow` among them, so a 405 lists the same methods in the same order. The one
    // difference: every path here is served through `routes!`, whose preflight holds the
    // path's `OPTIONS` slot, so axum's `405` for another method lists `OPTIONS` too (the
    // `OPTIONS` slot's own `405`, to what is not a preflight, lists the plain app's).
    let expected: Vec<(String, String)> = routed_headers(plain)
        .into_iter()
        .map(|(name, value)| {
            if name == "allow" && case.method != "OPTIONS" {
                (name, format!("{value},OPTIONS"))
            } else {
                (name, value)
            }
        })
        .collect();
    if routed_headers(annotated) != expected {
        wrong.push(format!(
            "headers {:?} for {:?}",
            routed_headers(annotated),
            expected
        ));
    }
    if !plain.access_control().is_empty() {
        wrong.push(format!("the plain app sent {:?}", plain.access_control()));
    }
    if case.origin.is_none() {
        // Not a CORS request: the policy adds `Origin` to `Vary`, where it answers by
        // origin, and nothing else (a `*` policy's `*` is the one exception, below).
        let mut expected_vary = plain.vary();
        let varies = policy_varies(case.method, case.path) == Some(true);
        if varies && !expected_vary.iter().any(|item| item == "origin") {
            expected_vary.push("origin".to_owned());
        }
        if annotated.vary() != expected_vary {
            wrong.push(format!(
                "Vary {:?} for {:?} (expected {expected_vary:?})",
                annotated.vary(),
                plain.vary()
            ));
        }
        // `Origin` joins the handler's `Vary` on one line; a `*` policy leaves its lines.
        let lines = if varies { 1 } else { plain.all("vary").len() };
        if annotated.all("vary").len() != lines {
            wrong.push(format!(
                "{} Vary lines for {lines}",
                annotated.all("vary").len()
            ));
        }
        let star = policy_varies(case.method, case.path) == Some(false);
        let expected: Vec<(String, String)> = if star {
            vec![("access-control-allow-origin".to_owned(), "*".to_owned())]
        } else {
            Vec::new()
        };
        if annotated.access_control() != expected {
            wrong.push(format!(
                "{:?} without an Origin",
                annotated.access_control()
            ));
        }
    }
    wrong
}

/// What the comparison met, so that a pass cannot be vacuous.
#[derive(Debug, Default)]
struct Met {
    compared: usize,
    not_allowed_with_allow: usize,
    not_found: usize,
    handler_errors: usize,
    extractor_rejections: usize,
    granted: usize,
    vary_added: usize,
}

#[test]
fn routes_route_every_request_as_axum_s_method_routers_do() {
    let (plain_app, annotated_app) = apps();
    let cases = cases();
    let mut failures = Vec::new();
    let mut met = Met::default();
    for case in &cases {
        let plain = exchange(plain_app, &case.bytes)
            .unwrap_or_else(|error| panic!("{}: plain app: {error}", case.name));
        let annotated = exchange(annotated_app, &case.bytes)
            .unwrap_or_else(|error| panic!("{}: annotated app: {error}", case.name));
        let wrong = differences(case, &plain, &annotated);
        if !wrong.is_empty() {
            failures.push(format!("{}: {}", case.name, wrong.join("; ")));
        }
        met.compared += 1;
        met.not_allowed_with_allow +=
            usize::from(plain.status == 405 && plain.one("allow").is_some());
        met.not_found += usize::from(plain.status == 404);
        met.handler_errors += usize::from(plain.status == 500);
        met.extractor_rejections += usize::from(matches!(plain.status, 400 | 415 | 422));
        met.granted += usize::from(!annotated.all("access-control-allow-origin").is_empty());
        met.vary_added += usize::from(annotated.vary().len() > plain.vary().len());
    }
    println!("{} cases compared: {met:?}", cases.len());
    assert!(
        failures.is_empty(),
        "{} of {} requests were answered apart:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    // The comparison reached what it is about.
    assert_eq!(met.compared, cases.len());
    assert!(met.compared >= 700, "{met:?}");
    assert!(met.not_allowed_with_allow >= 50, "{met:?}");
    assert!(met.not_found >= 50, "{met:?}");
    assert!(met.handler_errors > 0, "{met:?}");
    assert!(met.extractor_rejections > 0, "{met:?}");
    assert!(met.granted > 0, "{met:?}");
    assert!(met.vary_added > 0, "{met:?}");
}

/// A JSON body written after its headers, so `Json` awaits it: both apps answer alike.
#[test]
fn a_body_written_after_its_headers_is_answered_alike() {
    let (plain_app, annotated_app) = apps();
    let head: &[u8] = b"POST /items HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
        Origin: https://admin.example.com\r\nContent-Type: application/json\r\n\
        Content-Length: 16\r\n\r\n";
    let parts: [&[u8]; 3] = [head, b"{\"name\":\"", b"brush\"}"];
    let answer =
        |app| exchange_in_parts(app, &parts, Duration::from_millis(30)).expect("an answer");
    let (plain, annotated) = (answer(plain_app), answer(annotated_app));
    assert_eq!(plain.status, 201);
    assert_eq!(plain.body, b"created brush");
    assert_eq!(annotated.status, plain.status);
    assert_eq!(annotated.body, plain.body);
    assert_eq!(routed_headers(&annotated), routed_headers(&plain));
    assert_eq!(
        annotated.one("access-control-allow-origin").as_deref(),
        Some("https://admin.example.com")
    );
    assert!(plain.access_control().is_empty());
    // The nested route with state too, its body in two parts.
    let head: &[u8] = b"POST /api/stock/brush HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
        Content-Length: 8\r\n\r\n";
    let parts: [&[u8]; 3] = [head, b"ten ", b"more"];
    let answer =
        |app| exchange_in_parts(app, &parts, Duration::from_millis(30)).expect("an answer");
    let (plain, annotated) = (answer(plain_app), answer(annotated_app));
    assert_eq!(plain.status, 200);
    assert_eq!(plain.body, br#"restocked brush with "ten more""#);
    assert_eq!(annotated.body, plain.body);
    assert_eq!(routed_headers(&annotated), routed_headers(&plain));
    assert_eq!(annotated.vary(), ["origin"]);
    assert!(plain.vary().is_empty());
}

/// The apps are really different: `routes!` answers the preflights the plain app refuses
/// with `405`. (Without this, two copies of one app would pass the comparison.)
#[test]
fn only_real_preflights_are_answered_apart() {
    let (plain_app, annotated_app) = apps();
    let preflights: [(&str, &str, &str); 6] = [
        ("/items", "https://app.example.com", "GET"),
        ("/items", "https://admin.example.com", "POST"),
        ("/items/7", "https://app.example.com", "PUT"),
        ("/items/7", "https://shop.example.com", "DELETE"),
        ("/public", "https://evil.example.net", "GET"),
        ("/api/stock/brush", "https://app.example.com", "GET"),
    ];
    let mut apart = 0;
    for (path, origin, method) in preflights {
        let bytes = request(
            "OPTIONS",
            path,
            &[
                ("Origin", origin.as_bytes()),
                ("Access-Control-Request-Method", method.as_bytes()),
                ("Access-Control-Request-Headers", b"content-type"),
            ],
            b"",
        );
        let plain = exchange(plain_app, &bytes).expect("an answer");
        let annotated = exchange(annotated_app, &bytes).expect("an answer");
        assert_eq!(plain.status, 405, "{path} {method}: {plain:?}");
        assert!(plain.access_control().is_empty());
        // Those that may send `content-type` are granted, the others refused.
        assert!(
            matches!(annotated.status, 204 | 403),
            "{path} {method}: {annotated:?}"
        );
        if annotated.status == 204 {
            assert_eq!(
                annotated.one("access-control-allow-methods").as_deref(),
                Some(method)
            );
        }
        apart += usize::from(annotated.status != plain.status);
    }
    assert_eq!(apart, preflights.len());
}
