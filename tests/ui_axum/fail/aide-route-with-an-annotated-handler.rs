use aide::axum::ApiRouter;
use aide::axum::routing::get;
use cors_axum::cors;

#[cors(get, path = "/items", origins = "https://app.example.com")]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {
    // aide's `get` routes the handler it is given: the handler would answer without its
    // CORS. It goes through `cors_axum::routes!`, its description through `api_route_docs`.
    let _: ApiRouter = ApiRouter::new().api_route("/items", get(list_items));
}
