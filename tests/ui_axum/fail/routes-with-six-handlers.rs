use cors_axum::{cors, routes};

#[cors(get, path = "/items", origins = "https://app.example.com")]
async fn list_items() {}

#[cors(post, path = "/items", origins = "https://app.example.com")]
async fn create_item() {}

#[cors(put, path = "/items", origins = "https://app.example.com")]
async fn replace_items() {}

#[cors(patch, path = "/items", origins = "https://app.example.com")]
async fn update_items() {}

#[cors(delete, path = "/items", origins = "https://app.example.com")]
async fn delete_items() {}

#[cors(get, path = "/items", origins = "https://app.example.com")]
async fn list_all_items() {}

fn main() {
    let _: axum::Router = routes!(
        list_items,
        create_item,
        replace_items,
        update_items,
        delete_items,
        list_all_items
    )
    .into();
}
