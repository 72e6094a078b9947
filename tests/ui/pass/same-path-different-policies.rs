#![deny(warnings, unused_qualifications)]

use actix_web::{delete, get, post, put};
use cors_runtime::cors;

#[cors(
    origins = "http://localhost:8080, https://app.example.com",
    credentials = true,
    max_age = 600
)]
#[get("/api/items")]
async fn list_items() -> &'static str {
    "[]"
}

#[cors(
    origins = "http://localhost:8080",
    headers = "Content-Type",
    credentials = true
)]
#[post("/api/items")]
async fn create_item() -> &'static str {
    "{}"
}

#[cors(origins = "https://app.example.com", headers = "Content-Type")]
#[put("/api/items/{id}")]
async fn replace_item() -> &'static str {
    "{}"
}

#[cors(origins = "http://localhost:8080", credentials = true)]
#[delete("/api/items/{id}")]
async fn delete_item() -> &'static str {
    ""
}

fn main() {
    let _ = actix_web::App::new()
        .service(list_items)
        .service(create_item)
        .service(replace_item)
        .service(delete_item);
}
