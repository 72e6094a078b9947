use cors_axum::cors;

#[cors(get, path = "/items", origins = "https://app.example.com", header_guards = "is_json")]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {}
