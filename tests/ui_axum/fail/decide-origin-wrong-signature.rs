use cors_axum::cors;

// The store must come as `Extension<T>`: axum gives a layer no router state.
async fn is_tenant(origin: String, tenants: Vec<String>) -> bool {
    tenants.contains(&origin)
}

#[cors(get, path = "/catalog", origins = "https://*", decide_origin = "is_tenant")]
async fn catalog() -> &'static str {
    "[]"
}

fn main() {}
