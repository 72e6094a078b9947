#![deny(warnings, unused_qualifications)]

use actix_web::{App, get, post, web};
use cors_runtime::{cors, policy};

policy! {
    /// Who may call the API.
    pub(crate) API {
        origins = "https://app.example.com, https://*.example.com",
        headers = "Content-Type",
        credentials = true,
        max_age = 600,
    }
}

#[cors(policy = API)]
#[get("/items")]
async fn list_items() -> &'static str {
    "[]"
}

#[cors(policy = API, methods = "POST")]
#[post("/items")]
async fn create_item() -> &'static str {
    "{}"
}

mod admin {
    use actix_web::delete;
    use cors_runtime::cors;

    #[cors(policy = crate::API)]
    #[delete("/items/{id}")]
    pub async fn delete_item() -> &'static str {
        ""
    }
}

fn main() {
    let _ = App::new()
        .service(list_items)
        .service(create_item)
        .service(web::scope("/admin").service(admin::delete_item));
}
