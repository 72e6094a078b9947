//! The demo's API: the handlers, their `#[cors]` policies and the in-memory items store.
//!
//! Every policy names the page's origin `http://localhost:8080` as a literal: policies are
//! checked when the crate compiles, so they cannot come from configuration. That is why the
//! page must be served on exactly that origin for the calls to be allowed (see
//! [`crate::Config`]).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use actix_web::dev::ServiceRequest;
use actix_web::http::header;
use actix_web::{HttpResponse, Responder, delete, get, post, put, route, scope, web};
use actix_web_httpauth::extractors::AuthenticationError;
use actix_web_httpauth::extractors::bearer::{BearerAuth, Config};
use actix_web_httpauth::headers::www_authenticate::bearer::Error as BearerError;
use actix_web_httpauth::middleware::HttpAuthentication;
use cors_runtime::audit::AuditEntry;
use cors_runtime::{Policy, cors};
use serde::{Deserialize, Serialize};

/// One to-do item of the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// Assigned by the store, never reused.
    pub id: u32,
    /// What to do.
    pub name: String,
}

/// The body of `POST /api/items` and `PUT /api/items/{id}`.
#[derive(Debug, Clone, Deserialize)]
pub struct NewItem {
    /// What to do.
    pub name: String,
}

/// The in-memory items store, shared by all workers of the API server.
#[derive(Debug)]
pub struct Items {
    state: Mutex<Store>,
}

#[derive(Debug)]
struct Store {
    next_id: u32,
    items: BTreeMap<u32, String>,
}

impl Default for Items {
    /// The store the demo starts with: a few items.
    fn default() -> Self {
        let names = [
            "Read the CORS protocol of the Fetch standard",
            "Answer the preflight",
            "Vary by Origin",
        ];
        let items = (1..)
            .zip(names.map(String::from))
            .collect::<BTreeMap<u32, String>>();
        Items {
            state: Mutex::new(Store {
                next_id: items.len() as u32 + 1,
                items,
            }),
        }
    }
}

impl Items {
    fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Back to the store the demo starts with, ids included: for tests that run the demo
    /// page's rows more than once against one store and expect the same page each time.
    pub fn reset(&self) {
        let first = Items::default().state.into_inner();
        *self.lock() = first.unwrap_or_else(|poisoned| poisoned.into_inner());
    }

    /// All items, by id.
    pub fn list(&self) -> Vec<Item> {
        self.lock()
            .items
            .iter()
            .map(|(&id, name)| Item {
                id,
                name: name.clone(),
            })
            .collect()
    }

    pub(crate) fn create(&self, name: String) -> Item {
        let mut store = self.lock();
        let id = store.next_id;
        store.next_id += 1;
        store.items.insert(id, name.clone());
        Item { id, name }
    }

    pub(crate) fn remove(&self, id: u32) -> bool {
        self.lock().items.remove(&id).is_some()
    }

    pub(crate) fn replace(&self, id: u32, name: String) -> Option<Item> {
        let mut store = self.lock();
        let slot = store.items.get_mut(&id)?;
        slot.clone_from(&name);
        Some(Item { id, name })
    }
}

fn not_found(id: u32) -> HttpResponse {
    HttpResponse::NotFound().json(not_found_body(id))
}

/// The body of a `404` for an unknown item id, in both APIs.
pub(crate) fn not_found_body(id: u32) -> serde_json::Value {
    serde_json::json!({ "error": format!("no item {id}") })
}

/// `GET` and `POST /hello`: open to every origin.
#[cors(
    origins = "*",
    methods = "GET, POST",
    headers = "X-Requested-With",
    max_age = 86400
)]
#[route("/hello", method = "GET", method = "POST")]
pub async fn hello() -> impl Responder {
    "Hello"
}

/// What a real store costs: the handlers that read or write items, and a few more, await
/// it before they answer, so their first poll returns `Pending`, as a database call's would.
pub(crate) async fn store_round_trip() {
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1)).await;
}

/// `GET /api/items`: the items, and their count in `X-Total-Count`.
#[cors(
    origins = "http://localhost:8080, https://app.example.com",
    headers = "Content-Type, X-Api-Key",
    expose_headers = "X-Total-Count",
    credentials = true,
    max_age = 600
)]
#[get("/api/items")]
pub async fn list_items(items: web::Data<Items>) -> impl Responder {
    store_round_trip().await;
    let items = items.list();
    HttpResponse::Ok()
        .insert_header(("X-Total-Count", items.len().to_string()))
        .json(items)
}

/// `POST /api/items` with a JSON body: `201` and the new item. A malformed body is
/// actix's `400` (an extractor failure, still with CORS headers).
#[cors(
    origins = "http://localhost:8080, https://app.example.com",
    headers = "Content-Type, X-Api-Key",
    expose_headers = "X-Total-Count",
    credentials = true,
    max_age = 600
)]
#[post("/api/items")]
pub async fn create_item(items: web::Data<Items>, body: web::Json<NewItem>) -> impl Responder {
    store_round_trip().await;
    HttpResponse::Created().json(items.create(body.into_inner().name))
}

/// `DELETE /api/items/{id}`: `204`, or `404` for an unknown id.
#[cors(origins = "http://localhost:8080", credentials = true)]
#[delete("/api/items/{id}")]
pub async fn delete_item(items: web::Data<Items>, id: web::Path<u32>) -> impl Responder {
    store_round_trip().await;
    let id = id.into_inner();
    if items.remove(id) {
        HttpResponse::NoContent().finish()
    } else {
        not_found(id)
    }
}

/// `PUT /api/items/{id}` with a JSON body: `200` and the item, or `404`. Only
/// `https://app.example.com` may call it from a browser, so the demo page is refused.
#[cors(origins = "https://app.example.com", headers = "Content-Type")]
#[put("/api/items/{id}")]
pub async fn replace_item(
    items: web::Data<Items>,
    id: web::Path<u32>,
    body: web::Json<NewItem>,
) -> impl Responder {
    store_round_trip().await;
    let id = id.into_inner();
    match items.replace(id, body.into_inner().name) {
        Some(item) => HttpResponse::Ok().json(item),
        None => not_found(id),
    }
}

/// `GET /api/subdomain`: for the subdomains of example.com only.
#[cors(origins = "https://*.example.com")]
#[get("/api/subdomain")]
pub async fn subdomains() -> impl Responder {
    "Hello, subdomain of example.com"
}

/// `GET /api/dev`: for any port of `http://localhost`.
#[cors(origins = "http://localhost:*")]
#[get("/api/dev")]
pub async fn dev() -> impl Responder {
    "Hello, local development server"
}

/// `GET /api/private`: no `#[cors]`, so no page on another origin may read it.
#[get("/api/private")]
pub async fn private() -> impl Responder {
    "Only same-origin pages (and non-browser clients) may read this"
}

/// `GET /api/fail`: an actix `500` error, readable by the allowed page.
#[cors(origins = "http://localhost:8080")]
#[get("/api/fail")]
pub async fn fail() -> Result<HttpResponse, actix_web::Error> {
    store_round_trip().await;
    Err(actix_web::error::ErrorInternalServerError(
        "the items database is on fire",
    ))
}

/// `GET /api/vary`: sets its own `Vary`, which the policy's `Origin` joins.
#[cors(origins = "http://localhost:8080")]
#[get("/api/vary")]
pub async fn vary() -> impl Responder {
    store_round_trip().await;
    HttpResponse::Ok()
        .insert_header((header::VARY, "Accept-Encoding"))
        .body("This answer varies by Accept-Encoding and Origin")
}

/// The one bearer token `/api/account` accepts. A demo token, published here and in the
/// demo page: never use a fixed token like this for anything real.
pub const DEMO_TOKEN: &str = "demo-token";

/// The bearer-authentication check of the `/api/account` scope: the request passes with
/// `Authorization: Bearer demo-token` ([`DEMO_TOKEN`]), and gets `401` with any other token.
/// (Without an `Authorization` header the middleware answers `401` before calling this.)
async fn demo_token(
    req: ServiceRequest,
    credentials: BearerAuth,
) -> Result<ServiceRequest, (actix_web::Error, ServiceRequest)> {
    if credentials.token() == DEMO_TOKEN {
        Ok(req)
    } else {
        let refused =
            AuthenticationError::from(Config::default()).with_error(BearerError::InvalidToken);
        Err((refused.into(), req))
    }
}

/// `GET /api/account/me`, behind bearer authentication ([`DEMO_TOKEN`]): `{"user":"demo"}`.
///
/// A browser preflights it (the page sends `Authorization`), and a preflight never carries
/// credentials: [`cors_runtime::Preflights`], the API's outermost layer but the journal,
/// answers it before the scope's authentication runs. The authentication layer's own `401`
/// gets this policy's answer too, so the page reads "not logged in" instead of a CORS failure.
#[cors(
    origins = "http://localhost:8080",
    headers = "Authorization",
    credentials = true
)]
#[get("/me")]
pub async fn me() -> impl Responder {
    store_round_trip().await;
    HttpResponse::Ok().json(serde_json::json!({ "user": "demo" }))
}

/// The tenants whose pages may call `/api/tenant`: origins the application decides at
/// request time, as a database of customers would hold them. The demo starts with the
/// page's own origin as a tenant; the page server can remove and add it back.
#[derive(Debug)]
pub struct Tenants {
    origins: Mutex<BTreeSet<String>>,
}

impl Default for Tenants {
    fn default() -> Self {
        Tenants {
            origins: Mutex::new(BTreeSet::from([FIRST_TENANT.to_owned()])),
        }
    }
}

/// The tenant the demo starts with: the page's origin.
pub const FIRST_TENANT: &str = "http://localhost:8080";

impl Tenants {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeSet<String>> {
        self.origins
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Makes `origin` a tenant.
    pub fn add(&self, origin: &str) {
        self.lock().insert(origin.to_owned());
    }

    /// `origin` is no tenant any more.
    pub fn remove(&self, origin: &str) {
        self.lock().remove(origin);
    }

    /// Whether `origin` is a tenant.
    pub fn contains(&self, origin: &str) -> bool {
        self.lock().contains(origin)
    }

    /// Whether `origin` is a tenant, after a store round trip: what both APIs' `is_tenant`
    /// ask.
    pub(crate) async fn look_up(&self, origin: &str) -> bool {
        store_round_trip().await;
        self.contains(origin)
    }

    /// Back to the tenants the demo starts with.
    pub fn reset(&self) {
        *self.lock() = Tenants::default().origins.into_inner().unwrap_or_default();
    }
}

/// Whether a page on `origin` is a tenant's: a store round trip, so the library keeps the
/// answer for a while (the demo keeps it [`TENANT_ANSWERS_KEPT`]).
pub async fn is_tenant(origin: String, tenants: web::Data<Tenants>) -> bool {
    tenants.look_up(&origin).await
}

/// How long the demo keeps the answers of [`is_tenant`]: short, so the page shows a removed
/// tenant refused a moment later (the library's default is 30 s).
pub const TENANT_ANSWERS_KEPT: std::time::Duration = std::time::Duration::from_secs(1);

/// `GET /api/tenant`: for the tenants' pages, with their cookies. Which origins are tenants
/// the application decides ([`is_tenant`]), within the bound the attribute lists: every
/// HTTPS origin, and the page's own plain-`http` origin.
#[cors(
    origins = "https://*, http://localhost:8080",
    decide_origin = "is_tenant",
    credentials = true
)]
#[get("/api/tenant")]
pub async fn tenant() -> impl Responder {
    store_round_trip().await;
    HttpResponse::Ok().json(serde_json::json!({ "plan": "team" }))
}

/// `/api/team`: one policy for every handler of the scope, written once on the module.
#[cors(origins = "http://localhost:8080", credentials = true)]
#[scope("/api/team")]
pub mod team {
    use actix_web::{HttpResponse, Responder, get};

    /// `GET /api/team/members`: the team, under the scope's policy.
    #[get("/members")]
    pub async fn members() -> impl Responder {
        super::store_round_trip().await;
        HttpResponse::Ok().json(["ada", "grace"])
    }
}

/// One route of the API: what a client calls, and the handler that answers it. Its
/// `#[cors]` policy is the handler's own, as the audit holds it ([`Route::policy`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// The method the route serves.
    pub method: &'static str,
    /// The path as served, scope included; `{id}` stands for an item's number.
    pub path: &'static str,
    /// The handler's name.
    pub handler: &'static str,
}

impl Route {
    /// The audit entry of the route's handler: its `#[cors]` policy and routing attributes
    /// as compiled; `None` for the route without `#[cors]`.
    pub fn audit(&self) -> Option<&'static AuditEntry> {
        cors_runtime::audit::entries().into_iter().find(|entry| {
            let here = entry.module == module_path!()
                || entry.module.starts_with(concat!(module_path!(), "::"));
            here && entry.handler == self.handler
        })
    }

    /// The route's `#[cors]` policy, as its handler compiled it; `None` for the route
    /// without one.
    pub fn policy(&self) -> Option<&'static Policy> {
        self.audit().map(|entry| &entry.policy)
    }

    /// `true` for the route behind authentication (`/api/account`): its preflights, and
    /// the authentication layer's `401`, get their answer from `cors_runtime::Preflights`;
    /// without it they meet the authentication layer alone.
    pub fn needs_preflights(&self) -> bool {
        self.path.starts_with("/api/account/")
    }
}

/// Every route of the API, in the order [`configure`] registers them. The demo page shows
/// its calls from this table, with what each route's policy grants (see `crate::page`), and
/// the tests reach every route through it; `tests/demo_api.rs` checks it against the audit
/// of the handlers' attributes.
pub const ROUTES: &[Route] = &[
    route("GET", "/hello", "hello"),
    route("POST", "/hello", "hello"),
    route("GET", "/api/items", "list_items"),
    route("POST", "/api/items", "create_item"),
    route("DELETE", "/api/items/{id}", "delete_item"),
    route("PUT", "/api/items/{id}", "replace_item"),
    route("GET", "/api/subdomain", "subdomains"),
    route("GET", "/api/dev", "dev"),
    route("GET", "/api/private", "private"),
    route("GET", "/api/fail", "fail"),
    route("GET", "/api/vary", "vary"),
    route("GET", "/api/account/me", "me"),
    route("GET", "/api/tenant", "tenant"),
    route("GET", "/api/team/members", "members"),
];

const fn route(method: &'static str, path: &'static str, handler: &'static str) -> Route {
    Route {
        method,
        path,
        handler,
    }
}

/// Registers every handler of the API (each with its preflight route) and the store.
///
/// ```
/// use actix_web::{App, web};
/// use cors_suite::api;
///
/// let items = web::Data::new(api::Items::default());
/// let tenants = web::Data::new(api::Tenants::default());
/// let app = App::new().configure(|config| api::configure(config, items.clone(), tenants.clone()));
/// ```
pub fn configure(
    config: &mut web::ServiceConfig,
    items: web::Data<Items>,
    tenants: web::Data<Tenants>,
) {
    config
        .app_data(items)
        .app_data(tenants)
        .service(hello)
        .service(list_items)
        .service(create_item)
        .service(delete_item)
        .service(replace_item)
        .service(subdomains)
        .service(dev)
        .service(private)
        .service(fail)
        .service(vary)
        .service(
            web::scope("/api/account")
                .wrap(HttpAuthentication::bearer(demo_token))
                .service(me),
        )
        .service(tenant)
        .service(team::members);
}
