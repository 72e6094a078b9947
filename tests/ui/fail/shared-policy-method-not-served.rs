use actix_web::get;
use cors_runtime::{cors, policy};

policy! {
    pub(crate) API {
        origins = "https://app.example.com",
    }
}

#[cors(policy = API, methods = "PUT")]
#[get("/items")]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {}
