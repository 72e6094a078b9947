//! The page server: the demo page (static HTML, CSS and JavaScript embedded in the binary,
//! no build step, nothing from a CDN) and the API's journal, both on the page's own origin.

use std::collections::BTreeMap;
use std::sync::Arc;

use actix_web::http::Method;
use actix_web::http::header::{CACHE_CONTROL, ContentType};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::api::{Route, Tenants};
use crate::journal::Journal;

const INDEX_HTML: &str = include_str!("page/index.html");
const APP_JS: &str = include_str!("page/app.js");
const STYLE_CSS: &str = include_str!("page/style.css");

/// Where the page sends its cross-origin calls.
const API_URL_PLACEHOLDER: &str = "{{API_URL}}";
/// `true` when that API answers the preflights of the route behind authentication before
/// the authentication layer (`cors_runtime::Preflights`, or axum's `routes!(...)
/// .authenticated(...)`), `false` for the plain setup.
const PREFLIGHTS_PLACEHOLDER: &str = "{{PREFLIGHTS}}";
/// The framework serving that API: `actix-web` or `axum`.
const FRAMEWORK_PLACEHOLDER: &str = "{{FRAMEWORK}}";
/// How long the library keeps a function's answers about origins, in milliseconds: the
/// page waits that long after changing a tenant.
const ANSWERS_KEPT_PLACEHOLDER: &str = "{{ANSWERS_KEPT_MS}}";
/// The API's routes and what their policies are ([`crate::api::ROUTES`]), as JSON.
const ROUTES_PLACEHOLDER: &str = "{{ROUTES}}";

/// Which API the page calls: `/`, `/?setup=plain` or `/?setup=axum`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setup {
    /// The actix-web API behind `cors_runtime::Preflights`.
    Default,
    /// The same actix-web handlers without `Preflights` ([`crate::Config::plain_api`]).
    Plain,
    /// The same API served by axum ([`crate::Config::axum_api`]).
    Axum,
}

impl Setup {
    /// The setup a page query names (`plain`, `axum`); anything else is the default.
    pub fn named(setup: Option<&str>) -> Setup {
        match setup {
            Some("plain") => Setup::Plain,
            Some("axum") => Setup::Axum,
            _ => Setup::Default,
        }
    }
}

/// The page as served: the HTML with the API's URL filled in, for the API behind
/// `Preflights` and, if there are, for the plain API (`/?setup=plain`) and the axum API
/// (`/?setup=axum`).
#[derive(Debug, Clone)]
pub struct Page {
    html: Arc<str>,
    plain_html: Option<Arc<str>>,
    axum_html: Option<Arc<str>>,
}

impl Page {
    /// The page for an API at `api_url` (scheme, host and port, no trailing slash), for
    /// the same API without `Preflights` at `plain_api_url` and for the same API served by
    /// axum at `axum_api_url`.
    pub fn new(api_url: &str, plain_api_url: Option<&str>, axum_api_url: Option<&str>) -> Self {
        let html = |url: &str, setup: Setup| -> Arc<str> {
            let (framework, routes) = match setup {
                Setup::Default | Setup::Plain => ("actix-web", actix_routes_json()),
                Setup::Axum => ("axum", axum_routes_json()),
            };
            INDEX_HTML
                .replace(API_URL_PLACEHOLDER, url)
                .replace(PREFLIGHTS_PLACEHOLDER, &(setup != Setup::Plain).to_string())
                .replace(FRAMEWORK_PLACEHOLDER, framework)
                .replace(
                    ANSWERS_KEPT_PLACEHOLDER,
                    &cors_runtime::decide::fresh_for().as_millis().to_string(),
                )
                .replace(ROUTES_PLACEHOLDER, &routes)
                .into()
        };
        Page {
            html: html(api_url, Setup::Default),
            plain_html: plain_api_url.map(|url| html(url, Setup::Plain)),
            axum_html: axum_api_url.map(|url| html(url, Setup::Axum)),
        }
    }

    /// The HTML of the page for `setup`, if the demo serves that API.
    pub fn html(&self, setup: Setup) -> Option<&str> {
        match setup {
            Setup::Default => Some(&self.html),
            Setup::Plain => self.plain_html.as_deref(),
            Setup::Axum => self.axum_html.as_deref(),
        }
    }
}

#[derive(Deserialize)]
struct PageQuery {
    setup: Option<String>,
}

/// [`policy_summary`] of a compiled policy of either adapter (their `Policy` types read
/// alike).
macro_rules! summary_of {
    ($policy:expr) => {{
        let policy = $policy;
        policy_summary(
            &policy.origins(),
            policy.methods(),
            policy.allow_headers(),
            policy.expose_headers(),
            policy.credentials(),
            policy.max_age(),
        )
    }};
}

/// [`crate::api::ROUTES`] for the page's script, with each route's policy as the actix-web
/// handler compiled it.
fn actix_routes_json() -> String {
    routes_json(|route| route.policy().map(|policy| summary_of!(policy)))
}

/// [`crate::api::ROUTES`] for the page's script, with each route's policy as the axum
/// handler serving its method and path compiled it.
fn axum_routes_json() -> String {
    routes_json(|route| {
        crate::axum_api::audited(route).map(|audited| summary_of!(audited.policy()))
    })
}

/// [`crate::api::ROUTES`] for the page's script, safe inside a `<script>` element: each
/// route's method, path and what its policy is, as compiled (`summary`; `null` for the
/// route without `#[cors]`).
fn routes_json(summary: impl Fn(&Route) -> Option<String>) -> String {
    let routes: Vec<_> = crate::api::ROUTES
        .iter()
        .map(|route| {
            serde_json::json!({
                "method": route.method,
                "path": route.path,
                "policy": summary(route),
            })
        })
        .collect();
    // `<` as a JSON escape: no `</script>` can end the element early.
    serde_json::Value::from(routes)
        .to_string()
        .replace('<', "\\u003c")
}

/// A compiled policy in one line, with the audit's words: `origins http://localhost:8080 ·
/// methods DELETE · credentials`. Header names are the policy's, in lower case.
fn policy_summary(
    origins: &dyn std::fmt::Display,
    methods: &[&str],
    allow_headers: Option<&str>,
    expose_headers: Option<&str>,
    credentials: bool,
    max_age: Option<u64>,
) -> String {
    let mut parts = vec![
        format!("origins {origins}"),
        format!("methods {}", methods.join(", ")),
    ];
    if let Some(headers) = allow_headers {
        parts.push(format!("headers {headers}"));
    }
    if let Some(exposed) = expose_headers {
        parts.push(format!("exposed {exposed}"));
    }
    if credentials {
        parts.push("credentials".to_owned());
    }
    if let Some(seconds) = max_age {
        parts.push(format!("max-age {seconds}"));
    }
    parts.join(" · ")
}

#[derive(Deserialize)]
struct GrantsQuery {
    /// The origin of the page that asks: the `Origin` its calls send.
    origin: String,
    /// Request header names its calls send, comma-separated.
    #[serde(default)]
    headers: String,
    /// The setup of the page that asks (`axum`: the axum API's policies), as the page's
    /// own query names it.
    setup: Option<String>,
}

/// What one route grants a page, as `/grants` answers it.
#[derive(Debug, serde::Serialize)]
struct Grant {
    method: &'static str,
    path: &'static str,
    /// Whether a call with the route's method gets an answer the page may read.
    grants: bool,
    /// Whether it may carry cookies.
    credentials: bool,
    /// For each request header name asked about (as given), whether the page may send it.
    headers: BTreeMap<String, bool>,
}

impl Grant {
    /// What the route without `#[cors]` grants: nothing.
    fn nothing(route: &Route, headers: &[&str]) -> Grant {
        Grant {
            method: route.method,
            path: route.path,
            grants: false,
            credentials: false,
            headers: headers
                .iter()
                .map(|name| ((*name).to_owned(), false))
                .collect(),
        }
    }
}

/// The [`Grant`] of a compiled policy of either adapter (their `Policy` types read alike)
/// for `$route`, a page on `$origin` and the request header names `$headers`.
/// `$application` is what its `grants_origin` asks the application with, where the
/// application decides origins: actix-web's request, or the extensions of an axum request.
macro_rules! grant_of {
    ($policy:expr, $route:expr, $origin:expr, $headers:expr, $application:expr) => {{
        let (policy, route): (_, &Route) = ($policy, $route);
        Grant {
            method: route.method,
            path: route.path,
            // The function deciding origins is asked, as the API asks it.
            grants: policy.methods().contains(&route.method)
                && policy.grants_origin($origin, $application).await,
            credentials: policy.credentials(),
            headers: $headers
                .iter()
                .map(|name| ((*name).to_owned(), policy.allows_request_header(name)))
                .collect(),
        }
    }};
}

/// What each route of [`crate::api::ROUTES`] grants a page on `origin` ([`Grant`]), by the
/// policy its handler compiled in the API of `setup` (the route without `#[cors]` grants
/// nothing): the actix-web handlers' for the default and plain setups, the axum handlers'
/// for the axum setup, whose `is_tenant` finds the tenants' store in the request's
/// extensions, as in the axum API.
async fn grants(
    origin: &str,
    headers: &[&str],
    setup: Setup,
    req: &HttpRequest,
    tenants: &web::Data<Tenants>,
) -> Vec<Grant> {
    let mut axum_extensions = axum::http::Extensions::new();
    axum_extensions.insert(tenants.clone().into_inner());
    let mut routes = Vec::new();
    for route in crate::api::ROUTES {
        let grant = match setup {
            Setup::Default | Setup::Plain => match route.policy() {
                Some(policy) => grant_of!(policy, route, origin, headers, req),
                None => Grant::nothing(route, headers),
            },
            Setup::Axum => match crate::axum_api::audited(route) {
                Some(axum) => grant_of!(axum.policy(), route, origin, headers, &axum_extensions),
                None => Grant::nothing(route, headers),
            },
        };
        routes.push(grant);
    }
    routes
}

#[derive(Deserialize)]
struct TenantQuery {
    origin: String,
}

/// `PUT /tenants?origin=...` makes `origin` a tenant, `DELETE` removes it: the page's own
/// admin calls (same origin; `PUT` and `DELETE` are preflighted, and this server answers
/// no preflight, so no other page can make them).
async fn change_tenant(
    req: HttpRequest,
    query: web::Query<TenantQuery>,
    tenants: web::Data<Tenants>,
) -> HttpResponse {
    if req.method() == Method::PUT {
        tenants.add(&query.origin);
    } else {
        tenants.remove(&query.origin);
    }
    HttpResponse::NoContent()
        .insert_header((CACHE_CONTROL, "no-store"))
        .finish()
}

#[derive(Deserialize)]
struct RunQuery {
    run: String,
}

fn asset(content_type: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((CACHE_CONTROL, "no-store"))
        .body(body)
}

/// Registers the page's routes: `GET /` (the page; `/?setup=plain` for the plain API,
/// `/?setup=axum` for the axum API),
/// `/app.js`, `/style.css`,
/// `GET /grants?origin=<origin>&headers=<names>` (what each route's policy grants a page on
/// that origin, as JSON: the page's expectations come from there; `&setup=axum` for the axum
/// API's policies),
/// `PUT` and `DELETE /tenants?origin=<origin>` (add or remove a tenant of `/api/tenant`),
/// and `GET /journal?run=<id>` (what the API saw of one page load's calls, as JSON).
pub fn configure(
    config: &mut web::ServiceConfig,
    page: Page,
    journal: Arc<Journal>,
    tenants: web::Data<Tenants>,
) {
    let journal = web::Data::from(journal);
    config
        .app_data(journal)
        .app_data(tenants)
        .app_data(web::Data::new(page))
        .route(
            "/",
            web::get().to(
                |page: web::Data<Page>, query: web::Query<PageQuery>| async move {
                    let setup = Setup::named(query.setup.as_deref());
                    match page.html(setup) {
                        Some(html) => HttpResponse::Ok()
                            .content_type(ContentType::html())
                            .insert_header((CACHE_CONTROL, "no-store"))
                            .body(html.to_owned()),
                        None => HttpResponse::NotFound().body(match setup {
                            Setup::Axum => "this demo has no axum API",
                            _ => "this demo has no plain API",
                        }),
                    }
                },
            ),
        )
        .route(
            "/app.js",
            web::get().to(|| async { asset("text/javascript; charset=utf-8", APP_JS) }),
        )
        .route(
            "/style.css",
            web::get().to(|| async { asset("text/css; charset=utf-8", STYLE_CSS) }),
        )
        .route(
            "/grants",
            web::get().to(
                |query: web::Query<GrantsQuery>,
                 req: HttpRequest,
                 tenants: web::Data<Tenants>| async move {
                    let headers: Vec<&str> = (query.headers.split(','))
                        .map(str::trim)
                        .filter(|name| !name.is_empty())
                        .collect();
                    let setup = Setup::named(query.setup.as_deref());
                    HttpResponse::Ok()
                        .insert_header((CACHE_CONTROL, "no-store"))
                        .json(grants(&query.origin, &headers, setup, &req, &tenants).await)
                },
            ),
        )
        .route("/tenants", web::put().to(change_tenant))
        .route("/tenants", web::delete().to(change_tenant))
        .route(
            "/journal",
            web::get().to(
                |journal: web::Data<Journal>, query: web::Query<RunQuery>| async move {
                    HttpResponse::Ok()
                        .insert_header((CACHE_CONTROL, "no-store"))
                        .json(journal.run(&query.run))
                },
            ),
        );
}
