use cors_axum::cors;

#[cors(get, path = "/items", origins = "https://app.example.com")]
#[cors(post, path = "/items", origins = "https://app.example.com")]
async fn items() -> &'static str {
    "[]"
}

fn main() {}
