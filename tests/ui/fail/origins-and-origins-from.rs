use actix_web::get;
use cors_runtime::cors;

#[cors(origins = "https://app.example.com", origins_from = "API_ORIGINS")]
#[get("/items")]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {}
