use actix_web::get;
use cors_runtime::cors;

#[cors(origins = "data:text/plain")]
#[get("/items")]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {}
