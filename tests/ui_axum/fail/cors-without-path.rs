// Written with cors-macros' name until cors-axum re-exports it: `use cors_axum::cors;`.
use cors_macros::axum_cors as cors;

#[cors(get, origins = "https://app.example.com")]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {}
