//! Origins that change while the server runs: the tenants' origins live in a file, re-read
//! when the process gets `SIGHUP`, and an admin route replaces them from a request body.
//! Every new value is checked by the compile-time rules; a bad one changes nothing.
//!
//! ```text
//! printf 'https://shop.example.com\nhttps://*.books.example.org\n' > tenants.txt
//! ADMIN_TOKEN=change-me TENANT_ORIGINS_FILE=tenants.txt cargo run --example live_origins
//! kill -HUP <pid>                     # after editing tenants.txt
//! curl -X PUT -H 'Authorization: Bearer change-me' \
//!      --data 'https://shop.example.com, https://new.example.net' \
//!      http://127.0.0.1:8083/admin/origins
//! ```

use std::error::Error;
use std::future::{Future, ready};
use std::path::{Path, PathBuf};

use actix_web::dev::ServiceRequest;
use actix_web::rt::signal::unix::{SignalKind, signal};
use actix_web::{App, HttpResponse, HttpServer, Responder, get, put, web};
use actix_web_httpauth::extractors::AuthenticationError;
use actix_web_httpauth::extractors::bearer::{BearerAuth, Config};
use actix_web_httpauth::middleware::HttpAuthentication;
use cors_runtime::{configured, cors};

/// The configuration name of the tenants' origins.
pub const TENANTS: &str = "TENANT_ORIGINS";

/// What the tenants' pages call, with their users' cookies.
#[cors(
    origins_from = "TENANT_ORIGINS",
    credentials = true,
    headers = "Content-Type"
)]
#[get("/api/catalog")]
pub async fn catalog() -> impl Responder {
    HttpResponse::Ok().json(["tea", "cups"])
}

/// The file's origins as one value: one per line (or comma-separated), `#` starts a comment.
pub fn file_value(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(|line| line.split('#').next().unwrap_or("").trim())
        .filter(|line| !line.is_empty())
        .collect();
    lines.join(", ")
}

/// Loads the tenants' origins from `path`. On error the origins in force stay.
pub fn reload_file(path: &Path) -> Result<(), Box<dyn Error>> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    configured::reload(TENANTS, &file_value(&text))?;
    Ok(())
}

/// Re-reads `path` on each `SIGHUP`. The handler is installed before this returns, so a
/// signal sent afterwards never takes the default action (ending the process).
pub fn reload_on_hangup(path: PathBuf) -> std::io::Result<impl Future<Output = ()>> {
    let mut hangups = signal(SignalKind::hangup())?;
    Ok(async move {
        while hangups.recv().await.is_some() {
            match reload_file(&path) {
                Ok(()) => log::info!("reloaded the tenants' origins from {}", path.display()),
                Err(error) => log::error!("kept the tenants' origins in force: {error}"),
            }
        }
    })
}

/// `PUT /admin/origins`: the body replaces the tenants' origins. `204`, or `422` with the
/// reason in the compile-time words (and the origins in force unchanged).
#[put("/origins")]
pub async fn replace_origins(body: String) -> HttpResponse {
    match configured::reload(TENANTS, &body) {
        Ok(()) => HttpResponse::NoContent().finish(),
        Err(error) => HttpResponse::UnprocessableEntity().body(error.to_string()),
    }
}

/// Registers the admin scope, behind bearer authentication with `token`.
pub fn admin(config: &mut web::ServiceConfig, token: String) {
    let check = move |req: ServiceRequest, credentials: BearerAuth| {
        ready(if credentials.token() == token {
            Ok(req)
        } else {
            Err((AuthenticationError::from(Config::default()).into(), req))
        })
    };
    config.service(
        web::scope("/admin")
            .wrap(HttpAuthentication::bearer(check))
            .service(replace_origins),
    );
}

#[actix_web::main]
async fn main() -> Result<(), Box<dyn Error>> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let token = std::env::var("ADMIN_TOKEN").map_err(|_| "set ADMIN_TOKEN")?;
    let path = PathBuf::from(
        std::env::var_os("TENANT_ORIGINS_FILE").unwrap_or_else(|| "tenants.txt".into()),
    );
    // At start a bad or missing file stops the program: nothing is served without origins.
    reload_file(&path)?;
    actix_web::rt::spawn(reload_on_hangup(path)?);
    println!("{}", cors_runtime::audit::table());
    println!(
        "listening on http://127.0.0.1:8083 (pid {})",
        std::process::id()
    );
    HttpServer::new(move || {
        let token = token.clone();
        App::new()
            .service(catalog)
            .configure(|config| admin(config, token))
    })
    .bind(("127.0.0.1", 8083))?
    .run()
    .await?;
    Ok(())
}
