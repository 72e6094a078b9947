use actix_web::get;
use cors_runtime::cors;

#[cors(origins = "file:///home/me/index.html")]
#[get("/items")]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {}
