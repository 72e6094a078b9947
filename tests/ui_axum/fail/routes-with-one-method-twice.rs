use cors_axum::{cors, routes};

#[cors(get, path = "/items", origins = "https://app.example.com")]
async fn list_items() -> &'static str {
    "[]"
}

#[cors(get, path = "/items", origins = "https://admin.example.com")]
async fn list_all_items() -> &'static str {
    "[]"
}

fn main() {
    let _: axum::Router = routes!(list_items, list_all_items).into();
}
