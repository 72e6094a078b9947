#![deny(warnings, unused_qualifications)]

use actix_web::get;
use cors_runtime::cors;

// Plain `http` is acceptable with credentials on localhost and loopback addresses only.
#[cors(
    origins = "http://localhost:8080,http://127.0.0.1:8081 ,  http://[::1]:3000, http://app.localhost",
    credentials = true
)]
#[get("/api/dev")]
async fn dev() -> &'static str {
    "dev"
}

fn main() {
    let _ = actix_web::App::new().service(dev);
}
