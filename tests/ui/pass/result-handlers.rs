#![deny(warnings, unused_qualifications)]

use actix_web::error::ErrorInternalServerError;
use actix_web::{HttpResponse, get};
use cors_runtime::cors;

#[cors(origins = "http://localhost:8080")]
#[get("/api/fail")]
async fn fail() -> Result<HttpResponse, actix_web::Error> {
    Err(ErrorInternalServerError("boom"))
}

#[cors(origins = "http://localhost:8080")]
#[get("/api/maybe")]
async fn maybe() -> actix_web::Result<&'static str> {
    Ok("fine")
}

fn main() {
    let _ = actix_web::App::new().service(fail).service(maybe);
}
