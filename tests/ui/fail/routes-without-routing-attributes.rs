use actix_web::routes;
use cors_runtime::cors;

#[cors(origins = "https://app.example.com")]
#[routes]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {}
