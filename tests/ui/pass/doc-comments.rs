#![deny(warnings, unused_qualifications, missing_docs)]
//! Doc comments on the handler stay on the generated service.

use actix_web::get;
use cors_runtime::cors;

/// Lists the items.
///
/// The documentation moves to the generated service type, as with actix-web alone.
#[cors(origins = "https://app.example.com")]
#[get("/items")]
pub async fn list_items() -> &'static str {
    "[]"
}

#[cors(origins = "https://app.example.com")]
/// Documentation between the attributes is kept as well.
#[get("/count")]
pub async fn count() -> &'static str {
    "0"
}

fn main() {
    let _ = actix_web::App::new().service(list_items).service(count);
}
