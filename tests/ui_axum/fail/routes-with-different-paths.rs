use cors_axum::{cors, routes};

#[cors(get, path = "/items", origins = "https://app.example.com")]
async fn list_items() -> &'static str {
    "[]"
}

#[cors(post, path = "/item", origins = "https://app.example.com")]
async fn create_item() -> &'static str {
    "{}"
}

fn main() {
    let _: axum::Router = routes!(list_items, create_item).into();
}
