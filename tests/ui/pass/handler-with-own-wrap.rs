#![deny(warnings, unused_qualifications)]

use actix_web::middleware::DefaultHeaders;
use actix_web::{get, post};
use cors_runtime::cors;

#[cors(origins = "https://app.example.com", expose_headers = "X-Version")]
#[get("/items", wrap = "DefaultHeaders::new().add((\"X-Version\", \"1\"))")]
async fn list_items() -> &'static str {
    "[]"
}

// A trailing comma after the user's options is fine too.
#[cors(origins = "https://app.example.com")]
#[post("/items", name = "create", wrap = "DefaultHeaders::new()")]
async fn create_item() -> &'static str {
    "{}"
}

fn main() {
    let _ = actix_web::App::new()
        .service(list_items)
        .service(create_item);
}
