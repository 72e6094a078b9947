use actix_web::trace;
use cors_runtime::cors;

#[cors(origins = "https://app.example.com")]
#[trace("/items")]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {}
