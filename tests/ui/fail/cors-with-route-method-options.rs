use actix_web::route;
use cors_runtime::cors;

#[cors(origins = "https://app.example.com")]
#[route("/items", method = "GET", method = "OPTIONS")]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {}
