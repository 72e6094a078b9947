use actix_web::get;
use cors_runtime::cors;

fn is_tenant(origin: &str) -> bool {
    origin.ends_with(".tenant.example")
}

#[cors(origins_from = "API_ORIGINS", decide_origin = "is_tenant")]
#[get("/items")]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {}
