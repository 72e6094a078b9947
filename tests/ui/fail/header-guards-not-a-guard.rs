use actix_web::guard::GuardContext;
use actix_web::post;
use cors_runtime::cors;

fn is_json(ctx: &GuardContext<'_>) -> bool {
    ctx.head().headers().contains_key("content-type")
}

#[cors(origins = "https://app.example.com", header_guards = "is_jsn")]
#[post("/items", guard = "is_json")]
async fn create_item() -> &'static str {
    "{}"
}

fn main() {
    let _ = actix_web::App::new().service(create_item);
}
