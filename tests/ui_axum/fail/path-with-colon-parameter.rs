use cors_axum::cors;

#[cors(get, path = "/items/:id", origins = "https://app.example.com")]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {}
