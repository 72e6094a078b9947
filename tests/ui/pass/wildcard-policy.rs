#![deny(warnings, unused_qualifications)]

use actix_web::get;
use cors_runtime::cors;

#[cors(
    origins = "*",
    headers = "*, Authorization",
    expose_headers = "*",
    max_age = 86400
)]
#[get("/public")]
async fn public() -> &'static str {
    "public"
}

fn main() {
    let _ = actix_web::App::new().service(public);
}
