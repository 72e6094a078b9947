use cors_runtime::cors;

#[cors(origins = "https://app.example.com")]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {}
