use actix_web::get;
use cors_runtime::cors;

#[cors(
    origins = "https://app.example.com/",
    methods = "GET, TRACE",
    headers = "Cookie",
    expose_headers = "*",
    max_age = 90000,
    credentials = true,
    origin = "https://api.example.com"
)]
#[get("/items")]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {}
