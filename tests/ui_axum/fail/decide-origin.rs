use cors_axum::cors;

#[cors(get, path = "/items", origins = "https://*", decide_origin = "tenants::is_tenant")]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {}
