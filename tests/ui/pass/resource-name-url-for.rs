#![deny(warnings, unused_qualifications)]

use actix_web::{HttpRequest, HttpResponse, get, head};
use cors_runtime::cors;

#[cors(origins = "https://app.example.com", expose_headers = "Location")]
#[get("/items/{id}", name = "item")]
async fn item(request: HttpRequest) -> HttpResponse {
    match request.url_for("item", ["1"]) {
        Ok(url) => HttpResponse::Ok()
            .insert_header(("Location", url.as_str()))
            .finish(),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}

#[cors(origins = "https://app.example.com")]
#[head("/items/{id}/exists", name = "item_exists")]
async fn item_exists() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {
    let _ = actix_web::App::new().service(item).service(item_exists);
}
