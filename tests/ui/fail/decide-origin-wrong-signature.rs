use actix_web::get;
use cors_runtime::cors;

fn is_tenant(origin: u32) -> bool {
    origin > 0
}

#[cors(origins = "https://*", decide_origin = "is_tenant")]
#[get("/items")]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {}
