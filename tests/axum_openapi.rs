//! Annotated axum routes inside the two OpenAPI routers axum apps are built with: utoipa's
//! `OpenApiRouter` (utoipa-axum) and aide's `ApiRouter`. In each, `cors_axum::routes!` is
//! merged into the OpenAPI router and nested under `/api`, with state, beside a route the
//! OpenAPI router routes and documents itself; the app is served by `axum::serve` on
//! loopback and read over raw sockets. The annotated routes answer their preflights and
//! carry their grant (behind `CorsRoutes::authenticated` too, where the preflight skips the
//! authentication layer and its `401` carries the grant), the other routes carry no CORS at
//! all, and the document the router builds (served as JSON) describes both, the annotated
//! handlers where they are served.

mod support;

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Json, Router};
use cors_axum::cors;
use serde::Deserialize;
use serde_json::Value;
use support::{exchange, exchange_in_parts, request};
use tower_http::validate_request::ValidateRequestHeaderLayer;

const LOCAL: &str = "http://localhost:8080";
const ADMIN: &str = "https://admin.example.com";
const STRANGER: &str = "https://evil.example";

#[derive(Clone)]
struct Shop {
    name: &'static str,
}

#[derive(Deserialize)]
struct NewItem {
    name: String,
}

// `#[utoipa::path]` goes above `#[cors]`: it describes the function as written and leaves
// it to `#[cors]`, which makes it the route's handler. (Below `#[cors]`, it would be expanded
// on the handler inside the struct's `impl`, where the items it writes cannot go.)

/// The shop's items.
#[utoipa::path(
    get,
    path = "/items",
    responses((status = OK, description = "The names of the items", body = Vec<String>))
)]
#[cors(
    get,
    path = "/items",
    origins = "http://localhost:8080",
    credentials = true
)]
async fn list_items(State(shop): State<Shop>) -> Json<Vec<String>> {
    tokio::time::sleep(Duration::from_millis(20)).await;
    Json(vec![shop.name.to_owned()])
}

/// Adds an item.
#[utoipa::path(
    post,
    path = "/items",
    responses((status = CREATED, description = "The new item's name", body = String))
)]
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

/// Closes the shop's account: behind bearer authentication.
#[utoipa::path(
    delete,
    path = "/account",
    responses((status = NO_CONTENT, description = "Closed"))
)]
#[cors(
    delete,
    path = "/account",
    origins = "https://admin.example.com",
    credentials = true,
    headers = "authorization"
)]
async fn close_account() -> StatusCode {
    tokio::time::sleep(Duration::from_millis(5)).await;
    StatusCode::NO_CONTENT
}

/// The account's annotated routes, behind authentication.
fn account() -> Router<Shop> {
    Router::from(
        cors_axum::routes!(close_account)
            .authenticated(ValidateRequestHeaderLayer::custom(support::bearer_token)),
    )
}

// A route each OpenAPI router routes and describes itself (utoipa by its `#[utoipa::path]`,
// aide by the handler's types), without CORS.

/// Whether the shop is up.
#[utoipa::path(get, path = "/health", responses((status = OK, description = "Up", body = String)))]
async fn health() -> &'static str {
    tokio::time::sleep(Duration::from_millis(5)).await;
    "up"
}

/// The routes of the document an app serves, as the app serves them.
const DOCUMENTED: [(&str, &[&str]); 3] = [
    ("/api/account", &["delete"]),
    ("/api/items", &["get", "post"]),
    ("/health", &["get"]),
];

mod with_utoipa {
    use super::*;
    use utoipa::OpenApi;
    use utoipa_axum::router::OpenApiRouter;

    #[derive(OpenApi)]
    #[openapi(info(title = "shop", version = "1"))]
    struct Shop;

    /// The annotated handlers' descriptions: utoipa_axum's `routes!` routes the functions it
    /// names, and an annotated handler is routed by `cors_axum::routes!` alone, so they are
    /// listed here, from the items `#[utoipa::path]` wrote.
    #[derive(OpenApi)]
    #[openapi(paths(list_items, create_item, close_account))]
    struct Items;

    pub fn app() -> SocketAddr {
        static ADDRESS: OnceLock<SocketAddr> = OnceLock::new();
        *ADDRESS.get_or_init(|| {
            let items = OpenApiRouter::with_openapi(Items::openapi())
                .merge(OpenApiRouter::from(Router::from(cors_axum::routes!(
                    list_items,
                    create_item
                ))))
                .merge(OpenApiRouter::from(account()));
            let (router, document) = OpenApiRouter::with_openapi(Shop::openapi())
                .routes(utoipa_axum::routes!(health))
                .nest("/api", items)
                .with_state(super::Shop {
                    name: "corner shop",
                })
                .split_for_parts();
            let app = router.route(
                "/openapi.json",
                axum::routing::get(move || async move { Json(document) }),
            );
            support::serve_axum(app)
        })
    }
}

mod with_aide {
    use super::*;
    use aide::axum::ApiRouter;
    use aide::axum::routing::{ApiMethodDocs, get_with};
    use aide::openapi::{Info, OpenApi, Operation};
    use aide::transform::TransformOperation;

    /// The description of one method of an annotated path. aide infers a description from a
    /// handler's types when it routes the handler (`get_with`); an annotated handler is
    /// routed by `cors_axum::routes!` alone, so its description is written with aide's
    /// `TransformOperation` and attached with `api_route_docs`.
    fn described(
        method: &'static str,
        describe: impl FnOnce(TransformOperation<'_>) -> TransformOperation<'_>,
    ) -> ApiMethodDocs {
        let mut operation = Operation::default();
        let _ = describe(TransformOperation::new(&mut operation));
        ApiMethodDocs::new(method, operation)
    }

    pub fn app() -> SocketAddr {
        static ADDRESS: OnceLock<SocketAddr> = OnceLock::new();
        *ADDRESS.get_or_init(|| {
            let items = ApiRouter::new()
                .merge(Router::from(cors_axum::routes!(list_items, create_item)))
                .api_route_docs(
                    "/items",
                    described("get", |operation| {
                        operation
                            .summary("The shop's items.")
                            .response::<200, Json<Vec<String>>>()
                    }),
                )
                .api_route_docs(
                    "/items",
                    described("post", |operation| {
                        operation.summary("Adds an item.").response::<201, String>()
                    }),
                )
                .merge(account())
                .api_route_docs(
                    "/account",
                    described("delete", |operation| {
                        operation
                            .summary("Closes the shop's account.")
                            .response::<204, ()>()
                    }),
                );
            let mut document = OpenApi {
                info: Info {
                    title: "shop".to_owned(),
                    version: "1".to_owned(),
                    ..Info::default()
                },
                ..OpenApi::default()
            };
            let router = ApiRouter::new()
                .api_route(
                    "/health",
                    get_with(health, |operation| {
                        operation.summary("Whether the shop is up")
                    }),
                )
                .nest("/api", items)
                .finish_api(&mut document)
                .with_state(Shop {
                    name: "corner shop",
                });
            let app = router.route(
                "/openapi.json",
                axum::routing::get(move || async move { Json(document) }),
            );
            support::serve_axum(app)
        })
    }
}

fn send(app: SocketAddr, method: &str, path: &str, headers: &[(&str, &[u8])]) -> support::Response {
    exchange(app, &request(method, path, headers, b"")).expect("an answer")
}

fn preflight(
    app: SocketAddr,
    path: &str,
    origin: &str,
    method: &str,
    headers: Option<&str>,
) -> support::Response {
    let mut sent: Vec<(&str, &[u8])> = vec![
        ("Origin", origin.as_bytes()),
        ("Access-Control-Request-Method", method.as_bytes()),
    ];
    if let Some(headers) = headers {
        sent.push(("Access-Control-Request-Headers", headers.as_bytes()));
    }
    send(app, "OPTIONS", path, &sent)
}

fn header(name: &str, value: &str) -> (String, String) {
    (name.to_owned(), value.to_owned())
}

fn annotated_routes_answer_their_preflights(app: SocketAddr) {
    let response = preflight(app, "/api/items", LOCAL, "GET", None);
    assert_eq!(response.status, 204, "{response:?}");
    assert_eq!(
        response.access_control(),
        [
            header("access-control-allow-origin", LOCAL),
            header("access-control-allow-credentials", "true"),
            header("access-control-allow-methods", "GET"),
        ]
    );
    let response = preflight(app, "/api/items", ADMIN, "POST", Some("content-type"));
    assert_eq!(response.status, 204, "{response:?}");
    assert_eq!(
        response.access_control(),
        [
            header("access-control-allow-origin", ADMIN),
            header("access-control-allow-methods", "POST"),
            header("access-control-allow-headers", "content-type"),
            header("access-control-max-age", "600"),
        ]
    );
    for refused in [
        preflight(app, "/api/items", STRANGER, "GET", None),
        preflight(app, "/api/items", LOCAL, "POST", None),
    ] {
        assert_eq!(refused.status, 403, "{refused:?}");
        assert!(refused.access_control().is_empty(), "{refused:?}");
    }
}

fn annotated_routes_carry_their_grant(app: SocketAddr) {
    let response = send(app, "GET", "/api/items", &[("Origin", LOCAL.as_bytes())]);
    assert_eq!(response.status, 200);
    assert_eq!(response.body, br#"["corner shop"]"#);
    assert_eq!(
        response.access_control(),
        [
            header("access-control-allow-origin", LOCAL),
            header("access-control-allow-credentials", "true"),
        ]
    );
    assert_eq!(response.vary(), ["origin"]);

    // A body that arrives after its headers: the extractor waits, the grant is kept.
    let head = format!(
        "POST /api/items HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nOrigin: {ADMIN}\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n"
    );
    let response = exchange_in_parts(
        app,
        &[head.as_bytes(), b"{\"name\":\"", b"brush\"}"],
        Duration::from_millis(50),
    )
    .expect("an answer");
    assert_eq!(response.status, 201);
    assert_eq!(response.body, b"brush");
    assert_eq!(
        response.access_control(),
        [header("access-control-allow-origin", ADMIN)]
    );

    let response = send(app, "GET", "/api/items", &[("Origin", STRANGER.as_bytes())]);
    assert_eq!(response.status, 200);
    assert_eq!(response.body, br#"["corner shop"]"#);
    assert!(response.access_control().is_empty(), "{response:?}");
    assert_eq!(response.vary(), ["origin"]);
}

fn behind_authentication_preflights_are_answered_and_401s_carry_the_grant(app: SocketAddr) {
    let response = preflight(app, "/api/account", ADMIN, "DELETE", Some("authorization"));
    assert_eq!(response.status, 204, "{response:?}");
    assert_eq!(
        response.access_control(),
        [
            header("access-control-allow-origin", ADMIN),
            header("access-control-allow-credentials", "true"),
            header("access-control-allow-methods", "DELETE"),
            header("access-control-allow-headers", "authorization"),
        ]
    );

    let response = send(
        app,
        "DELETE",
        "/api/account",
        &[("Origin", ADMIN.as_bytes())],
    );
    assert_eq!(response.status, 401, "{response:?}");
    assert_eq!(
        response.access_control(),
        [
            header("access-control-allow-origin", ADMIN),
            header("access-control-allow-credentials", "true"),
        ]
    );
    assert_eq!(response.vary(), ["origin"]);

    let token: (&str, &[u8]) = ("Authorization", b"Bearer secret-token");
    let response = send(
        app,
        "DELETE",
        "/api/account",
        &[("Origin", ADMIN.as_bytes()), token],
    );
    assert_eq!(response.status, 204, "{response:?}");
    assert_eq!(
        response.access_control(),
        [
            header("access-control-allow-origin", ADMIN),
            header("access-control-allow-credentials", "true"),
        ]
    );
    let response = send(
        app,
        "DELETE",
        "/api/account",
        &[("Origin", STRANGER.as_bytes()), token],
    );
    assert_eq!(response.status, 204, "{response:?}");
    assert!(response.access_control().is_empty(), "{response:?}");

    // Nothing but a real preflight skips authentication: a plain OPTIONS, or one asking for
    // a method the path does not serve, is axum's 405.
    for response in [
        send(
            app,
            "OPTIONS",
            "/api/account",
            &[("Origin", ADMIN.as_bytes())],
        ),
        preflight(app, "/api/account", ADMIN, "GET", None),
    ] {
        assert_eq!(response.status, 405, "{response:?}");
        assert!(response.access_control().is_empty(), "{response:?}");
    }
}

fn documented_routes_are_untouched_by_cors(app: SocketAddr) {
    for origin in [LOCAL, STRANGER] {
        let response = send(app, "GET", "/health", &[("Origin", origin.as_bytes())]);
        assert_eq!(response.status, 200);
        assert_eq!(response.body, b"up");
        assert!(response.access_control().is_empty(), "{response:?}");
        assert!(response.vary().is_empty(), "{response:?}");

        // No preflight answers for a path without an annotated handler: axum's own 405.
        let response = preflight(app, "/health", origin, "GET", None);
        assert_eq!(response.status, 405, "{response:?}");
        assert!(response.access_control().is_empty(), "{response:?}");

        let response = send(
            app,
            "GET",
            "/openapi.json",
            &[("Origin", origin.as_bytes())],
        );
        assert_eq!(response.status, 200);
        assert!(response.access_control().is_empty(), "{response:?}");
    }
}

/// The document `app` serves at `/openapi.json`.
fn document(app: SocketAddr) -> Value {
    let response = send(app, "GET", "/openapi.json", &[]);
    assert_eq!(response.status, 200, "{response:?}");
    serde_json::from_slice(&response.body).expect("the document is JSON")
}

fn the_document_describes_every_route_where_it_is_served(app: SocketAddr) {
    let document = document(app);
    assert_eq!(document["info"]["title"], "shop");
    let paths = document["paths"].as_object().expect("the document's paths");
    let mut listed: Vec<(&str, Vec<&str>)> = paths
        .iter()
        .map(|(path, item)| {
            let mut methods: Vec<&str> = item
                .as_object()
                .expect("a path item")
                .keys()
                .map(String::as_str)
                .filter(|key| ["get", "post", "put", "patch", "delete", "options"].contains(key))
                .collect();
            methods.sort_unstable();
            (path.as_str(), methods)
        })
        .collect();
    listed.sort_unstable();
    assert_eq!(
        listed,
        DOCUMENTED
            .iter()
            .map(|(path, methods)| (*path, methods.to_vec()))
            .collect::<Vec<_>>()
    );

    let items = &paths["/api/items"];
    assert_eq!(items["get"]["summary"], "The shop's items.");
    assert_eq!(
        items["get"]["responses"]["200"]["content"]["application/json"]["schema"]["type"],
        "array"
    );
    assert_eq!(items["post"]["summary"], "Adds an item.");
    assert!(items["post"]["responses"]["201"].is_object(), "{items:#}");
    assert!(
        paths["/api/account"]["delete"]["responses"]["204"].is_object(),
        "{document:#}"
    );
    assert!(
        paths["/health"]["get"]["responses"]["200"].is_object(),
        "{document:#}"
    );

    // What keeps the descriptions and the attributes in step: every annotated route of this
    // file (cors-axum's audit lists them with the path and method of their `#[cors]`) is
    // described at the path it is served at, for its method.
    let annotated: Vec<_> = cors_axum::audit::routes()
        .into_iter()
        .filter(|route| route.module == module_path!())
        .collect();
    assert_eq!(annotated.len(), 3, "{annotated:?}");
    for route in annotated {
        let served_at = format!("/api{}", route.path);
        assert!(
            document["paths"][&served_at][route.method.to_ascii_lowercase()].is_object(),
            "{} ({} {served_at}) is not described: {document:#}",
            route.handler,
            route.method
        );
    }
}

/// Every check above as one test per app: `$tests::check` runs `check` against `$app::app()`.
macro_rules! tests_against {
    ($tests:ident = $app:ident: $($check:ident),+ $(,)?) => {
        mod $tests {
            $(
                #[test]
                fn $check() {
                    super::$check(super::$app::app());
                }
            )+
        }
    };
}

tests_against!(
    utoipa_open_api_router = with_utoipa:
    annotated_routes_answer_their_preflights,
    annotated_routes_carry_their_grant,
    behind_authentication_preflights_are_answered_and_401s_carry_the_grant,
    documented_routes_are_untouched_by_cors,
    the_document_describes_every_route_where_it_is_served,
);

tests_against!(
    aide_api_router = with_aide:
    annotated_routes_answer_their_preflights,
    annotated_routes_carry_their_grant,
    behind_authentication_preflights_are_answered_and_401s_carry_the_grant,
    documented_routes_are_untouched_by_cors,
    the_document_describes_every_route_where_it_is_served,
);
