#![deny(warnings, unused_qualifications)]

use actix_web::guard::GuardContext;
use actix_web::post;
use cors_runtime::{cors, policy};

policy! {
    pub(crate) API {
        origins = "https://app.example.com",
        headers = "Content-Type",
    }
}

fn is_json(ctx: &GuardContext<'_>) -> bool {
    ctx.head().headers().contains_key("content-type")
}

fn on_api_host(ctx: &GuardContext<'_>) -> bool {
    ctx.head().headers().get("host").is_some_and(|host| host == "api.example.com")
}

/// The preflight is asked about the host, not about the body type.
#[cors(policy = API, header_guards = "is_json")]
#[post("/items", guard = "is_json", guard = "on_api_host")]
async fn create_item() -> &'static str {
    "{}"
}

fn main() {
    let _ = actix_web::App::new().service(create_item);
}
