#![deny(warnings, unused_qualifications)]

use actix_web::{App, delete, get, web};
use cors_runtime::cors;

#[cors(origins = "https://app.example.com")]
#[get("/items")]
async fn list_items() -> &'static str {
    "[]"
}

#[cors(origins = "https://app.example.com", credentials = true)]
#[delete("/items/{id}")]
async fn delete_item() -> &'static str {
    ""
}

// The empty path of a nested scope, as actix-web allows it.
#[cors(origins = "https://app.example.com")]
#[get("")]
async fn index() -> &'static str {
    "index"
}

fn main() {
    let _ = App::new().service(
        web::scope("/api")
            .service(list_items)
            .service(delete_item)
            .service(web::scope("/v2").service(index)),
    );
}
