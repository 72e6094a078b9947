// A route actix-web's attribute refuses is left to it: its own error, on its own span.
use actix_web::route;
use cors_runtime::cors;

#[cors(origins = "https://app.example.com")]
#[route("/items", method = "get")]
async fn items() -> &'static str {
    "[]"
}

fn main() {
    let _ = actix_web::App::new().service(items);
}
