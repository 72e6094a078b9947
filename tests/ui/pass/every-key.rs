#![deny(warnings, unused_qualifications)]

use actix_web::{HttpResponse, get};
use cors_runtime::cors;

#[cors(
    origins = "http://localhost:8080, https://app.example.com",
    methods = "GET",
    headers = "Content-Type, X-Api-Key, Authorization",
    expose_headers = "X-Total-Count, ETag",
    max_age = 600,
    credentials = true
)]
#[get("/api/items")]
async fn list_items() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("X-Total-Count", "0"))
        .body("[]")
}

#[cors(origins = "https://app.example.com", max_age = 0, credentials = false)]
#[get("/api/count")]
async fn count() -> &'static str {
    "0"
}

fn main() {
    let _ = actix_web::App::new().service(list_items).service(count);
}
