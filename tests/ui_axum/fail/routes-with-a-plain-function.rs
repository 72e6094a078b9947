use cors_axum::routes;

async fn list_items() -> &'static str {
    "[]"
}

fn main() {
    let _: axum::Router = routes!(list_items).into();
}
