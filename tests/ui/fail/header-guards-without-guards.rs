use actix_web::post;
use cors_runtime::cors;

#[cors(origins = "https://app.example.com", header_guards = "is_json, ")]
#[post("/items")]
async fn create_item() -> &'static str {
    "{}"
}

fn main() {
    let _ = actix_web::App::new().service(create_item);
}
