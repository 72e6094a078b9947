use cors_axum::cors;

#[cors(get, path = "/items", origins = "*", credentials = true)]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {}
