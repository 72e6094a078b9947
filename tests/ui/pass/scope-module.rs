#![deny(warnings, unused_qualifications)]

use actix_web::scope;

#[scope("/api")]
mod api {
    use actix_web::{get, post};
    use cors_runtime::cors;

    #[cors(origins = "https://app.example.com")]
    #[get("/items")]
    pub async fn list_items() -> &'static str {
        "[]"
    }

    #[cors(origins = "https://app.example.com", headers = "Content-Type")]
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
