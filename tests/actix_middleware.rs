//! `#[cors]` among actix-web's own middleware at app level: `Logger`, `Compress`,
//! `NormalizePath`, `DefaultHeaders`, a request tagger written with `middleware::from_fn`,
//! and an app-wide `actix-cors` beside it. Statuses and the exact `Access-Control-*` set.

mod in_process;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::{Compress, DefaultHeaders, Logger, Next, NormalizePath, from_fn};
use actix_web::{App, Error, HttpRequest, get, web};
use cors_runtime::{Preflights, cors};
use in_process::{APP, EVIL, LOCAL, cors_set, from, preflight, send};

#[cors(
    origins = "http://localhost:8080",
    headers = "Content-Type",
    credentials = true
)]
#[get("/items")]
async fn items(req: HttpRequest) -> String {
    // Awaits before it answers, as real handlers do.
    actix_web::rt::task::yield_now().await;
    let tag = req.headers().get("x-request-id").cloned();
    format!(
        "items {}",
        tag.map(|tag| tag.to_str().unwrap().to_owned())
            .unwrap_or_default()
    ) + &"!".repeat(2048)
}

async fn tag_request(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    req.headers_mut().insert(
        HeaderName::from_static("x-request-id"),
        HeaderValue::from_static("req-7"),
    );
    next.call(req).await
}

fn granted() -> Vec<(String, String)> {
    cors_set(&[
        ("access-control-allow-credentials", "true"),
        ("access-control-allow-origin", LOCAL),
    ])
}

fn allowed_preflight() -> Vec<(String, String)> {
    cors_set(&[
        ("access-control-allow-credentials", "true"),
        ("access-control-allow-headers", "content-type"),
        ("access-control-allow-methods", "GET"),
        ("access-control-allow-origin", LOCAL),
    ])
}

#[actix_web::test]
async fn logger_and_a_tagger_in_a_scope() {
    let app = || {
        App::new()
            .wrap(Logger::default())
            .service(web::scope("/api").wrap(from_fn(tag_request)).service(items))
    };
    let answer = send(app(), preflight("/api/items", LOCAL, "GET")).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    assert_eq!(answer.cors(), allowed_preflight());
    let answer = send(app(), from(Method::GET, "/api/items", LOCAL)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.body.starts_with("items req-7"), "{}", answer.body);
    assert_eq!(answer.cors(), granted());
}

#[actix_web::test]
async fn compress_keeps_both_vary_names() {
    let app = || App::new().wrap(Compress::default()).service(items);
    let answer = send(
        app(),
        from(Method::GET, "/items", LOCAL).insert_header(("Accept-Encoding", "gzip")),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.one("content-encoding"), Some("gzip"));
    assert_eq!(answer.cors(), granted());
    let vary = answer.vary().to_ascii_lowercase();
    let names: Vec<&str> = vary.split(',').map(str::trim).collect();
    assert_eq!(
        names.iter().filter(|name| **name == "origin").count(),
        1,
        "{vary}"
    );
    assert_eq!(
        names
            .iter()
            .filter(|name| **name == "accept-encoding")
            .count(),
        1,
        "{vary}"
    );
}

#[actix_web::test]
async fn normalize_path_inside_or_outside_the_layer() {
    let inside = || {
        App::new()
            .wrap(NormalizePath::trim())
            .wrap(Preflights)
            .service(items)
    };
    let outside = || {
        App::new()
            .wrap(Preflights)
            .wrap(NormalizePath::trim())
            .service(items)
    };
    for answer in [
        send(inside(), preflight("/items/", LOCAL, "GET")).await,
        send(outside(), preflight("/items/", LOCAL, "GET")).await,
    ] {
        assert_eq!(answer.status, StatusCode::NO_CONTENT);
        assert_eq!(answer.cors(), allowed_preflight());
    }
    for answer in [
        send(inside(), from(Method::GET, "/items/", LOCAL)).await,
        send(outside(), from(Method::GET, "/items/", LOCAL)).await,
    ] {
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.cors(), granted());
    }
}

/// `DefaultHeaders` that adds CORS headers of its own, as some apps do for every response.
fn cors_by_default() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("Access-Control-Allow-Origin", "*"))
        .add(("Access-Control-Allow-Credentials", "true"))
        .add(("Access-Control-Expose-Headers", "x-secret"))
}

#[actix_web::test]
async fn default_headers_never_re_grant_behind_the_layer() {
    let app = || {
        App::new()
            .wrap(cors_by_default())
            .wrap(Preflights)
            .service(items)
    };
    let allowed = send(app(), from(Method::GET, "/items", LOCAL)).await;
    assert_eq!(allowed.cors(), granted());
    let refused = send(app(), from(Method::GET, "/items", EVIL)).await;
    assert_eq!(refused.status, StatusCode::OK);
    assert!(refused.cors().is_empty(), "{:?}", refused.cors());
}

#[actix_web::test]
async fn an_app_wide_actix_cors_never_re_grants_behind_the_layer() {
    let app = || {
        App::new()
            .wrap(
                actix_cors::Cors::default()
                    .allowed_origin(APP)
                    .allowed_origin(LOCAL)
                    .allow_any_method()
                    .allow_any_header()
                    .expose_any_header()
                    .supports_credentials(),
            )
            .wrap(Preflights)
            .service(items)
    };
    // The policy allows LOCAL only: actix-cors's grant to APP does not stand.
    let refused = send(app(), from(Method::GET, "/items", APP)).await;
    assert_eq!(refused.status, StatusCode::OK);
    assert!(refused.cors().is_empty(), "{:?}", refused.cors());
    let preflight_refused = send(app(), preflight("/items", APP, "GET")).await;
    assert_eq!(preflight_refused.status, StatusCode::FORBIDDEN);
    assert!(
        preflight_refused.cors().is_empty(),
        "{:?}",
        preflight_refused.cors()
    );
    // LOCAL gets exactly the policy's answer, not actix-cors's wider one.
    let allowed = send(app(), from(Method::GET, "/items", LOCAL)).await;
    assert_eq!(allowed.cors(), granted());
    let preflight_allowed = send(
        app(),
        preflight("/items", LOCAL, "GET")
            .insert_header(("Access-Control-Request-Headers", "content-type")),
    )
    .await;
    assert_eq!(preflight_allowed.status, StatusCode::NO_CONTENT);
    assert_eq!(preflight_allowed.cors(), allowed_preflight());
}
