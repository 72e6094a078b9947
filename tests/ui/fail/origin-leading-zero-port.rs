use actix_web::get;
use cors_runtime::cors;

#[cors(origins = "http://localhost:08080")]
#[get("/items")]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {}
