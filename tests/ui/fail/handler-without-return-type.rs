// A handler actix-web's attribute refuses is left to it: its own error, on its own span.
use actix_web::get;
use cors_runtime::cors;

#[cors(origins = "https://app.example.com")]
#[get("/items")]
async fn items() {}

fn main() {
    let _ = actix_web::App::new().service(items);
}
