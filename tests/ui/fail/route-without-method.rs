use actix_web::route;
use cors_runtime::cors;

#[cors(origins = "https://app.example.com", methods = "GET")]
#[route("/items")]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {}
