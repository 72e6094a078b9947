use actix_web::get;
use cors_runtime::cors;

#[cors(origins = "https://a.example.com,,https://b.example.com")]
#[get("/items")]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {}
