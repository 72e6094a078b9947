use cors_axum::cors;
use utoipa_axum::router::OpenApiRouter;

#[utoipa::path(get, path = "/items", responses((status = OK, body = String)))]
#[cors(get, path = "/items", origins = "https://app.example.com")]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {
    // utoipa_axum's `routes!` routes the function it names: the handler would answer
    // without its CORS. It goes through `cors_axum::routes!`, its description through
    // `#[openapi(paths(list_items))]`.
    let _: OpenApiRouter = OpenApiRouter::new().routes(utoipa_axum::routes!(list_items));
}
