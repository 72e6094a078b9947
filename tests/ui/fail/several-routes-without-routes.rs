use actix_web::{get, post};
use cors_runtime::cors;

#[cors(origins = "https://app.example.com")]
#[get("/items")]
#[post("/items")]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {}
