use actix_web::get;
use cors_runtime::cors;

#[cors(origins_from = "api origins")]
#[get("/items")]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {}
