#![deny(warnings, unused_qualifications)]

// Neither attribute is imported: both are named by path.
#[cors_runtime::cors(origins = "https://app.example.com")]
#[actix_web::get("/items")]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {
    let _ = actix_web::App::new().service(list_items);
}
