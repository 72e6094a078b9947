#![deny(warnings, unused_qualifications)]

use actix_web::{App, get, scope, web};
use cors_runtime::cors;

struct Tenants(Vec<String>);

mod tenants {
    use actix_web::web;

    /// Every signature `decide_origin` takes.
    pub fn alone(origin: &str) -> bool {
        origin.ends_with(".tenant.example")
    }

    pub fn with_data(origin: &str, tenants: &super::Tenants) -> Result<bool, std::fmt::Error> {
        Ok(tenants.0.iter().any(|known| known == origin))
    }

    pub async fn later(origin: String) -> bool {
        origin.len() < 100
    }

    pub async fn later_with_data(origin: String, tenants: web::Data<super::Tenants>) -> Result<bool, String> {
        Ok(tenants.0.contains(&origin))
    }
}

#[cors(origins = "https://*", decide_origin = "tenants::alone")]
#[get("/a")]
async fn a() -> &'static str {
    "a"
}

#[cors(origins = "https://*", decide_origin = "tenants::with_data", credentials = true)]
#[get("/b")]
async fn b() -> &'static str {
    "b"
}

#[cors(origins = "https://*.tenants.example.com", decide_origin = "tenants::later")]
#[get("/c")]
async fn c() -> &'static str {
    "c"
}

#[cors(
    origins = "https://*, http://localhost:8080",
    decide_origin = "tenants::later_with_data",
    credentials = true
)]
#[get("/d")]
async fn d() -> &'static str {
    "d"
}

/// A whole scope's handlers ask one function, named from inside the module.
#[cors(origins = "https://*", decide_origin = "super::tenants::later", credentials = true)]
#[scope("/tenant")]
mod tenant {
    use actix_web::get;

    #[get("/profile")]
    pub async fn profile() -> &'static str {
        "{}"
    }
}

fn main() {
    let tenants = web::Data::new(Tenants(vec!["https://shop.tenant.example".into()]));
    let _ = App::new()
        .app_data(tenants)
        .service(a)
        .service(b)
        .service(c)
        .service(d)
        .service(tenant::profile);
}
