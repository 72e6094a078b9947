#![deny(warnings, unused_qualifications)]

use actix_web::{get, post, scope};
use cors_runtime::cors;

/// Every routed handler of the scope gets the policy.
#[cors(origins = "https://app.example.com", headers = "Content-Type")]
#[scope("/api")]
mod api {
    use super::{get, post};

    #[get("/items")]
    pub async fn list_items() -> &'static str {
        "[]"
    }

    #[post("/items")]
    pub async fn create_item() -> &'static str {
        "{}"
    }
}

fn main() {
    let _ = actix_web::App::new()
        .service(api::list_items)
        .service(api::create_item);
}
