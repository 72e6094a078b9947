#![deny(warnings, unused_qualifications)]

pub mod handlers {
    use actix_web::{get, put};
    use cors_runtime::cors;

    #[cors(origins = "https://app.example.com")]
    #[get("/items")]
    pub async fn list_items() -> &'static str {
        "[]"
    }

    #[cors(origins = "https://app.example.com", headers = "Content-Type")]
    #[put("/items/{id}")]
    pub(crate) async fn replace_item() -> &'static str {
        "{}"
    }
}

fn main() {
    let _ = actix_web::App::new()
        .service(handlers::list_items)
        .service(handlers::replace_item);
}
