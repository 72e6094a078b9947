// Written with cors-macros' name until cors-axum re-exports it: `use cors_axum::cors;`.
use cors_macros::axum_cors as cors;

#[cors(get, path = "/items", origins = "https://app.example.com")]
#[cors(post, path = "/items", origins = "https://app.example.com")]
async fn items() -> &'static str {
    "[]"
}

fn main() {}
