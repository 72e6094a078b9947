// Written with cors-macros' name until cors-axum re-exports it: `use cors_axum::routes;`.
// The handler needs no `#[cors]` here: the repeat is refused before its route is read.
use cors_macros::axum_routes as routes;

async fn list_items() -> &'static str {
    "[]"
}

fn main() {
    let _ = list_items;
    let _router = routes!(list_items, list_items);
}
