use actix_web::get;
use cors_runtime::{cors, policy};

policy! {
    pub(crate) API {
        origins = "https://app.example.com/",
        credentials = true,
    }
}

// The handler still compiles (without CORS): the policy's own error is the only one.
#[cors(policy = API)]
#[get("/items")]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {
    let _ = actix_web::App::new().service(list_items);
}
