use actix_web::get;
use cors_runtime::cors;

#[cors(origins = "http://localhost:80")]
#[get("/items")]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {}
