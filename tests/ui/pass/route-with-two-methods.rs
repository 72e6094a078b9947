#![deny(warnings, unused_qualifications)]

use actix_web::route;
use cors_runtime::cors;

#[cors(
    origins = "*",
    methods = "GET, POST",
    headers = "X-Requested-With",
    max_age = 86400
)]
#[route("/hello", method = "GET", method = "POST")]
async fn hello() -> &'static str {
    "Hello"
}

// `methods` defaults to what the route serves; a subset is fine too.
#[cors(origins = "https://app.example.com", methods = "PUT")]
#[route("/items/{id}", method = "PUT", method = "PATCH")]
async fn update() -> &'static str {
    "updated"
}

fn main() {
    let _ = actix_web::App::new().service(hello).service(update);
}
