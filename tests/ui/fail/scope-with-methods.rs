use actix_web::{get, scope};
use cors_runtime::cors;

#[cors(origins = "https://app.example.com", methods = "GET")]
#[scope("/api")]
mod api {
    use super::get;

    #[get("/items")]
    pub async fn list_items() -> &'static str {
        "[]"
    }
}

fn main() {
    let _ = actix_web::App::new().service(api::list_items);
}
