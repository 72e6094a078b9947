//! The demo's API served by axum: the routes of [`crate::api::ROUTES`] with the same
//! policies (the same literals, through `cors_axum`'s `#[cors]`), the same stores and the
//! same answers, so the demo page runs its rows against either framework
//! (`/?setup=axum`).
//!
//! Where the two frameworks differ, the code says how:
//! - axum's `#[cors]` gives a handler one method and its path, so `/hello` has two handlers
//!   (`hello` and `hello_post`) sharing one `policy!`, as actix-web's one `#[route]`
//!   handler has one policy for `GET` and `POST`; `/api/team`'s policy, written once on
//!   actix-web's `#[scope]` module, is a `policy!` its handler names.
//! - The bearer check of `/api/account/me` is tower-http's `ValidateRequestHeaderLayer`
//!   over the route, through `routes!(me).authenticated(...)`: the path's preflight is
//!   answered without it, as `cors_runtime::Preflights` does for actix-web.
//! - `is_tenant` reads the tenants' store from an `Extension` of the request.
//! - A body or path the extractors refuse is axum's rejection (`400` for malformed JSON,
//!   `400` for an id that is not a number, where actix-web answers `404`).

use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::http::header::{AUTHORIZATION, VARY, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use cors_axum::{cors, policy, routes};
use tower_http::validate_request::ValidateRequestHeaderLayer;

use crate::api::{DEMO_TOKEN, Items, NewItem, Route, Tenants, not_found_body, store_round_trip};
use crate::journal::{self, Journal};

policy! {
    /// `/hello`'s policy, for its `GET` and `POST` handlers.
    HELLO { origins = "*", headers = "X-Requested-With", max_age = 86400 }
}

policy! {
    /// `/api/team`'s policy, for every handler under it.
    TEAM { origins = "http://localhost:8080", credentials = true }
}

/// The items store, the handlers' state.
type Store = State<Arc<Items>>;

fn not_found(id: u32) -> Response {
    (StatusCode::NOT_FOUND, Json(not_found_body(id))).into_response()
}

/// `GET /hello`: open to every origin.
#[cors(get, path = "/hello", policy = HELLO)]
pub async fn hello() -> &'static str {
    "Hello"
}

/// `POST /hello`: open to every origin.
#[cors(post, path = "/hello", policy = HELLO)]
pub async fn hello_post() -> &'static str {
    "Hello"
}

/// `GET /api/items`: the items, and their count in `X-Total-Count`.
#[cors(
    get,
    path = "/api/items",
    origins = "http://localhost:8080, https://app.example.com",
    headers = "Content-Type, X-Api-Key",
    expose_headers = "X-Total-Count",
    credentials = true,
    max_age = 600
)]
pub async fn list_items(State(items): Store) -> impl IntoResponse {
    store_round_trip().await;
    let items = items.list();
    ([("x-total-count", items.len().to_string())], Json(items))
}

/// `POST /api/items` with a JSON body: `201` and the new item. A malformed body is axum's
/// `400` (the `Json` extractor's rejection, still with CORS headers).
#[cors(
    post,
    path = "/api/items",
    origins = "http://localhost:8080, https://app.example.com",
    headers = "Content-Type, X-Api-Key",
    expose_headers = "X-Total-Count",
    credentials = true,
    max_age = 600
)]
pub async fn create_item(State(items): Store, Json(body): Json<NewItem>) -> impl IntoResponse {
    store_round_trip().await;
    (StatusCode::CREATED, Json(items.create(body.name)))
}

/// `DELETE /api/items/{id}`: `204`, or `404` for an unknown id.
#[cors(
    delete,
    path = "/api/items/{id}",
    origins = "http://localhost:8080",
    credentials = true
)]
pub async fn delete_item(State(items): Store, Path(id): Path<u32>) -> Response {
    store_round_trip().await;
    if items.remove(id) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        not_found(id)
    }
}

/// `PUT /api/items/{id}` with a JSON body: `200` and the item, or `404`. Only
/// `https://app.example.com` may call it from a browser, so the demo page is refused.
#[cors(
    put,
    path = "/api/items/{id}",
    origins = "https://app.example.com",
    headers = "Content-Type"
)]
pub async fn replace_item(
    State(items): Store,
    Path(id): Path<u32>,
    Json(body): Json<NewItem>,
) -> Response {
    store_round_trip().await;
    match items.replace(id, body.name) {
        Some(item) => Json(item).into_response(),
        None => not_found(id),
    }
}

/// `GET /api/subdomain`: for the subdomains of example.com only.
#[cors(get, path = "/api/subdomain", origins = "https://*.example.com")]
pub async fn subdomains() -> &'static str {
    "Hello, subdomain of example.com"
}

/// `GET /api/dev`: for any port of `http://localhost`.
#[cors(get, path = "/api/dev", origins = "http://localhost:*")]
pub async fn dev() -> &'static str {
    "Hello, local development server"
}

/// `GET /api/private`: no `#[cors]`, so no page on another origin may read it.
pub async fn private() -> &'static str {
    "Only same-origin pages (and non-browser clients) may read this"
}

/// `GET /api/fail`: a `500`, readable by the allowed page.
#[cors(get, path = "/api/fail", origins = "http://localhost:8080")]
pub async fn fail() -> (StatusCode, &'static str) {
    store_round_trip().await;
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "the items database is on fire",
    )
}

/// `GET /api/vary`: sets its own `Vary`, which the policy's `Origin` joins.
#[cors(get, path = "/api/vary", origins = "http://localhost:8080")]
pub async fn vary() -> impl IntoResponse {
    store_round_trip().await;
    (
        [(VARY, "Accept-Encoding")],
        "This answer varies by Accept-Encoding and Origin",
    )
}

/// The bearer check over `/api/account/me`, as `ValidateRequestHeaderLayer::custom` takes
/// it: the request passes with `Authorization: Bearer demo-token` ([`DEMO_TOKEN`]). Without
/// a bearer token it is `401` with `WWW-Authenticate: Bearer`, with another token `401`
/// with `Bearer error="invalid_token"`: actix-web-httpauth's answers in the actix-web API.
#[allow(clippy::result_large_err)] // the shape the layer asks for
fn demo_token(req: &mut Request) -> Result<(), Response> {
    let token = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    let challenge = match token {
        Some(DEMO_TOKEN) => return Ok(()),
        Some(_) => r#"Bearer error="invalid_token""#,
        None => "Bearer",
    };
    Err((
        StatusCode::UNAUTHORIZED,
        [(WWW_AUTHENTICATE, HeaderValue::from_static(challenge))],
    )
        .into_response())
}

/// `GET /api/account/me`, behind the bearer check ([`DEMO_TOKEN`]): `{"user":"demo"}`.
///
/// A browser preflights it (the page sends `Authorization`), and a preflight never carries
/// credentials: `routes!(me).authenticated(...)` answers it by this policy without the
/// check, and puts this policy's answer on the check's `401` too.
#[cors(
    get,
    path = "/api/account/me",
    origins = "http://localhost:8080",
    headers = "Authorization",
    credentials = true
)]
pub async fn me() -> Json<serde_json::Value> {
    store_round_trip().await;
    Json(serde_json::json!({ "user": "demo" }))
}

/// Whether a page on `origin` is a tenant's: the tenants' store is an `Extension` of every
/// request (see [`router`]), the same store the actix-web API asks.
pub async fn is_tenant(origin: String, Extension(tenants): Extension<Arc<Tenants>>) -> bool {
    tenants.look_up(&origin).await
}

/// `GET /api/tenant`: for the tenants' pages, with their cookies; which origins are
/// tenants [`is_tenant`] decides, within the bound the attribute lists.
#[cors(
    get,
    path = "/api/tenant",
    origins = "https://*, http://localhost:8080",
    decide_origin = "is_tenant",
    credentials = true
)]
pub async fn tenant() -> Json<serde_json::Value> {
    store_round_trip().await;
    Json(serde_json::json!({ "plan": "team" }))
}

/// `/api/team`: its handlers name one policy, `TEAM`.
pub mod team {
    use axum::Json;
    use cors_axum::cors;

    /// `GET /api/team/members`: the team, under the team's policy.
    #[cors(get, path = "/api/team/members", policy = TEAM)]
    pub async fn members() -> Json<[&'static str; 2]> {
        crate::api::store_round_trip().await;
        Json(["ada", "grace"])
    }
}

/// The annotated handler serving `route` (its method and path), as the audit of axum's
/// `#[cors]` holds it; `None` for the route without `#[cors]`.
pub fn audited(route: &Route) -> Option<&'static cors_axum::Route> {
    cors_axum::audit::routes()
        .into_iter()
        .find(|audited| audited.method == route.method && audited.path == route.path)
}

/// The API as axum serves it: every route of [`crate::api::ROUTES`] over the items and
/// tenants stores, and, outermost, the journal recording every request and its answer.
pub fn router(items: Arc<Items>, tenants: Arc<Tenants>, journal: Arc<Journal>) -> Router {
    Router::new()
        .merge(routes!(hello, hello_post))
        .merge(routes!(list_items, create_item))
        .merge(routes!(delete_item, replace_item))
        .merge(routes!(subdomains))
        .merge(routes!(dev))
        .route("/api/private", get(private))
        .merge(routes!(fail))
        .merge(routes!(vary))
        .merge(routes!(me).authenticated(ValidateRequestHeaderLayer::custom(demo_token)))
        .merge(routes!(tenant))
        .merge(routes!(team::members))
        .with_state(items)
        // Over every route, so `is_tenant` finds the store whenever it is asked.
        .layer(Extension(tenants))
        .layer(axum::middleware::from_fn_with_state(
            journal,
            journal::observe_axum,
        ))
}
