#![deny(warnings, unused_qualifications)]

// As with actix-web alone, `#[routes]` reads the method attributes below it by name, so
// `get` and `post` are not imported.
use actix_web::routes;
use cors_runtime::cors;

#[cors(origins = "https://app.example.com", headers = "Content-Type")]
#[routes]
#[get("/items")]
#[get("/api/items")]
#[post("/api/items")]
async fn items() -> &'static str {
    "[]"
}

fn main() {
    let _ = actix_web::App::new().service(items);
}
