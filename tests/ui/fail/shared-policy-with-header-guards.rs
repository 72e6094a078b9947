use actix_web::get;
use cors_runtime::{cors, policy};

policy! {
    pub(crate) API {
        origins = "https://app.example.com",
        header_guards = "is_json",
    }
}

#[cors(policy = API)]
#[get("/items")]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {
    let _ = actix_web::App::new().service(list_items);
}
