//! What users write: state, extractors, a shared policy, configured origins, handlers in a
//! module, nest and merge. Compiled under strict lints.
#![deny(warnings, unused_qualifications)]

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Json, Router};
use cors_axum::{cors, policy, routes};

#[derive(Clone)]
struct Db;

policy! {
    /// The application's own pages.
    pub(crate) APP { origins = "https://app.example.com", headers = "content-type", credentials = true, max_age = 600 }
}

/// Lists the items.
#[cors(get, path = "/items", policy = APP)]
pub async fn list_items(State(_db): State<Db>) -> Json<Vec<String>> {
    Json(Vec::new())
}

#[cors(post, path = "/items", origins = "https://admin.example.com", headers = "content-type")]
pub(crate) async fn create_item(State(_db): State<Db>, Json(name): Json<String>) -> (StatusCode, String) {
    (StatusCode::CREATED, name)
}

mod api {
    use axum::extract::Path;
    use cors_axum::cors;

    #[cors(get, path = "/items/{id}", origins_from = "ITEM_ORIGINS")]
    pub async fn show_item(Path(id): Path<u32>) -> String {
        id.to_string()
    }
}

async fn is_tenant(origin: String, tenants: axum::Extension<Vec<String>>) -> bool {
    tenants.contains(&origin)
}

#[cors(get, path = "/catalog", origins = "https://*", decide_origin = "is_tenant", credentials = true)]
async fn catalog() -> &'static str {
    "[]"
}

#[cors(delete, path = "/items/{id}", origins = "https://admin.example.com")]
async fn delete_item(Path(_id): Path<u32>) -> StatusCode {
    StatusCode::NO_CONTENT
}

fn main() {
    // Before the routers are built: configured origins are checked and in force.
    cors_axum::configured::load_with(|_| Some("https://app.example.com".to_owned()))
        .expect("valid origins");
    let api = Router::new()
        .merge(routes!(list_items, create_item))
        .merge(routes!(api::show_item, delete_item))
        .merge(routes!(catalog));
    let _: Router = Router::new().nest("/api", api).with_state(Db);
}
