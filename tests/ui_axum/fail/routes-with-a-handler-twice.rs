// The handler needs no `#[cors]` here: the repeat is refused before its route is read.
use cors_axum::routes;

async fn list_items() -> &'static str {
    "[]"
}

fn main() {
    let _ = list_items;
    let _router = routes!(list_items, list_items);
}
