//! The page server: the demo page (static HTML, CSS and JavaScript embedded in the binary,
//! no build step, nothing from a CDN) and the API's journal, both on the page's own origin.

use std::sync::Arc;

use actix_web::http::header::{CACHE_CONTROL, ContentType};
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::journal::Journal;

const INDEX_HTML: &str = include_str!("page/index.html");
const APP_JS: &str = include_str!("page/app.js");
const STYLE_CSS: &str = include_str!("page/style.css");

/// Where the page sends its cross-origin calls.
const API_URL_PLACEHOLDER: &str = "{{API_URL}}";
/// The API's routes and their policies ([`crate::api::ROUTES`]), as JSON.
const ROUTES_PLACEHOLDER: &str = "{{ROUTES}}";

/// The page as served: the HTML with the API's URL filled in.
#[derive(Debug, Clone)]
pub struct Page {
    html: Arc<str>,
}

impl Page {
    /// The page for an API at `api_url` (scheme, host and port, no trailing slash).
    pub fn new(api_url: &str) -> Self {
        Page {
            html: INDEX_HTML
                .replace(API_URL_PLACEHOLDER, api_url)
                .replace(ROUTES_PLACEHOLDER, &routes_json())
                .into(),
        }
    }

    /// The HTML of the page.
    pub fn html(&self) -> &str {
        &self.html
    }
}

/// [`crate::api::ROUTES`] for the page's script, safe inside a `<script>` element.
fn routes_json() -> String {
    let routes: Vec<_> = crate::api::ROUTES
        .iter()
        .map(|route| {
            serde_json::json!({
                "method": route.method,
                "path": route.path,
                "policy": route.policy,
                "origins": route.origins(),
            })
        })
        .collect();
    // `<` as a JSON escape: no `</script>` can end the element early.
    serde_json::Value::from(routes)
        .to_string()
        .replace('<', "\\u003c")
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

/// Registers the page's routes: `GET /` (the page), `/app.js`, `/style.css`, and
/// `GET /journal?run=<id>` (what the API saw of one page load's calls, as JSON).
pub fn configure(config: &mut web::ServiceConfig, page: Page, journal: Arc<Journal>) {
    let journal = web::Data::from(journal);
    config
        .app_data(journal)
        .app_data(web::Data::new(page))
        .route(
            "/",
            web::get().to(|page: web::Data<Page>| async move {
                HttpResponse::Ok()
                    .content_type(ContentType::html())
                    .insert_header((CACHE_CONTROL, "no-store"))
                    .body(page.html().to_owned())
            }),
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
