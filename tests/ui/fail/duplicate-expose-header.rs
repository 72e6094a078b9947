use actix_web::get;
use cors_runtime::cors;

#[cors(
    origins = "https://app.example.com",
    expose_headers = "X-Total-Count, X-TOTAL-COUNT"
)]
#[get("/items")]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {}
