use axum::Router;
use axum::routing::get;
use cors_axum::cors;

#[cors(get, path = "/items", origins = "https://app.example.com")]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {
    // Without `routes!`, the handler would answer without its CORS.
    let _: Router = Router::new().route("/items", get(list_items));
}
