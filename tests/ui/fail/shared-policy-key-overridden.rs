use actix_web::get;
use cors_runtime::{cors, policy};

policy! {
    pub(crate) API {
        origins = "https://app.example.com",
        headers = "Content-Type",
    }
}

#[cors(policy = API, headers = "X-Api-Key")]
#[get("/items")]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {
    let _ = actix_web::App::new().service(list_items);
}
