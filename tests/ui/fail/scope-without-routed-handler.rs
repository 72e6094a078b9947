use actix_web::scope;
use cors_runtime::cors;

#[cors(origins = "https://app.example.com")]
#[scope("/api")]
mod api {
    pub fn helper() -> u32 {
        7
    }
}

fn main() {
    let _ = api::helper();
}
