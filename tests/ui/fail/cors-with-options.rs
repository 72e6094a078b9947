use actix_web::options;
use cors_runtime::cors;

#[cors(origins = "https://app.example.com")]
#[options("/items")]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {}
