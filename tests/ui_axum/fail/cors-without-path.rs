use cors_axum::cors;

#[cors(get, origins = "https://app.example.com")]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {}
