use actix_web::get;
use cors_runtime::cors;

#[get("/items")]
#[cors(origins = "https://app.example.com")]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {}
