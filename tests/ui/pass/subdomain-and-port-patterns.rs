#![deny(warnings, unused_qualifications)]

use actix_web::get;
use cors_runtime::cors;

#[cors(
    origins = "https://*.example.com, https://*.example.org:8443, http://localhost:*, http://*.localhost:*"
)]
#[get("/api/subdomain")]
async fn subdomains() -> &'static str {
    "ok"
}

#[cors(
    origins = "https://*.example.com, https://app.example.net",
    credentials = true
)]
#[get("/api/private")]
async fn credentialed() -> &'static str {
    "ok"
}

fn main() {
    let _ = actix_web::App::new()
        .service(subdomains)
        .service(credentialed);
}
