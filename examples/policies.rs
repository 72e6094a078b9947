//! Policies for a real application: one shared policy for many handlers, origins taken
//! from the environment at startup, the audit printed before binding, and the debug mode
//! that explains refused preflights in the browser's network panel.
//!
//! `API_ORIGINS="https://app.example.com, http://localhost:3000" cargo run --example policies`

use actix_web::{App, HttpServer, delete, get, post};
use cors_runtime::debug::ExplainRefusals;
use cors_runtime::{cors, policy};

policy! {
    /// The public API: the web app may call it with cookies.
    pub(crate) API {
        origins = "https://app.example.com, http://localhost:3000",
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

/// Staging and production trust different admin consoles: configured at deploy time.
#[cors(origins_from = "API_ORIGINS", credentials = true)]
#[delete("/items/{id}")]
async fn delete_item() -> &'static str {
    ""
}

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Fails here, before binding, with the compile-time wording, when API_ORIGINS is
    // missing or breaks a rule.
    if let Err(error) = cors_runtime::configured::load_from_env() {
        eprintln!("{error}");
        std::process::exit(2);
    }
    for entry in cors_runtime::audit::entries() {
        assert!(
            !(entry.policy.credentials() && entry.trusts_plain_http()),
            "{} trusts plain http with credentials",
            entry.handler
        );
    }
    println!("{}", cors_runtime::audit::table());
    println!("listening on http://127.0.0.1:8082");
    HttpServer::new(|| {
        App::new()
            .service(list_items)
            .service(create_item)
            .service(delete_item)
            // Development builds explain refused preflights; release builds do not.
            .configure(|config| {
                if cfg!(debug_assertions) {
                    config.app_data(ExplainRefusals);
                }
            })
    })
    .bind(("127.0.0.1", 8082))?
    .run()
    .await?;
    Ok(())
}
