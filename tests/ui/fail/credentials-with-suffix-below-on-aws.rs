use actix_web::get;
use cors_runtime::cors;

#[cors(origins = "https://*.on.aws", credentials = true)]
#[get("/items")]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {}
