use cors_axum::cors;

#[cors(get, path = "items", origins = "https://app.example.com")]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {}
