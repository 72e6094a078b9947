#![deny(warnings, unused_qualifications)]

use actix_web::{App, get};
use cors_runtime::cors;

#[cors(
    origins_from = "API_ORIGINS",
    credentials = true,
    headers = "Content-Type"
)]
#[get("/items")]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {
    // Before binding: a bad or missing value is an error here, in the compile-time words.
    let loaded = cors_runtime::configured::load_with(|name| {
        (name == "API_ORIGINS").then(|| "https://app.example.com".to_owned())
    });
    assert!(loaded.is_ok());
    let _ = App::new().service(list_items);
}
