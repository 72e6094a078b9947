//! `#[cors(...)]` on actix-web's `#[scope("/path")]` module: every routed handler inside it
//! gets that policy, a handler's own `#[cors]` replaces it for that handler, and the audit
//! lists each route.

mod in_process;

use actix_web::http::{Method, StatusCode};
use actix_web::{App, web};
use cors_runtime::{audit, cors};
use in_process::{APP, EVIL, cors_set, from, preflight, send};

#[cors(
    origins = "https://app.example.com",
    headers = "Content-Type",
    credentials = true,
    max_age = 600
)]
#[actix_web::scope("/api")]
mod api {
    use actix_web::{HttpResponse, Responder, delete, get, post};
    use cors_runtime::cors;

    #[get("/items")]
    pub async fn list_items() -> impl Responder {
        actix_web::rt::task::yield_now().await;
        "[]"
    }

    #[post("/items")]
    pub async fn create_item() -> HttpResponse {
        actix_web::rt::task::yield_now().await;
        HttpResponse::Created().body("{}")
    }

    /// Its own policy replaces the scope's.
    #[cors(origins = "*")]
    #[get("/status")]
    pub async fn status() -> impl Responder {
        "ok"
    }

    #[delete("/items/{id}")]
    pub async fn delete_item() -> HttpResponse {
        HttpResponse::NoContent().finish()
    }

    /// Not a handler: left as it is.
    pub fn helper() -> u32 {
        7
    }
}

fn app() -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new().configure(|config: &mut web::ServiceConfig| {
        config
            .service(api::list_items)
            .service(api::create_item)
            .service(api::status)
            .service(api::delete_item);
    })
}

fn granted() -> Vec<(String, String)> {
    cors_set(&[
        ("access-control-allow-credentials", "true"),
        ("access-control-allow-origin", APP),
    ])
}

#[actix_web::test]
async fn every_handler_of_the_scope_has_its_policy() {
    let answer = send(app(), from(Method::GET, "/api/items", APP)).await;
    assert_eq!(answer.body, "[]");
    assert_eq!(answer.cors(), granted());
    let answer = send(app(), from(Method::POST, "/api/items", APP)).await;
    assert_eq!(answer.status, StatusCode::CREATED);
    assert_eq!(answer.cors(), granted());
    let answer = send(app(), from(Method::GET, "/api/items", EVIL)).await;
    answer.assert_no_cors();
    assert_eq!(answer.vary(), "Origin");

    for (method, path) in [("POST", "/api/items"), ("DELETE", "/api/items/3")] {
        let answer = send(
            app(),
            preflight(path, APP, method)
                .insert_header(("Access-Control-Request-Headers", "content-type")),
        )
        .await;
        assert_eq!(answer.status, StatusCode::NO_CONTENT, "{method} {path}");
        assert_eq!(answer.one("access-control-max-age"), Some("600"));
        assert_eq!(answer.one("access-control-allow-methods"), Some(method));
    }
    assert_eq!(api::helper(), 7);
}

#[actix_web::test]
async fn a_handlers_own_policy_replaces_the_scopes() {
    let answer = send(app(), from(Method::GET, "/api/status", EVIL)).await;
    assert_eq!(
        answer.cors(),
        cors_set(&[("access-control-allow-origin", "*")])
    );
}

#[test]
fn the_audit_lists_every_route_of_the_scope() {
    let entries = audit::entries();
    let of = |handler: &str| {
        entries
            .iter()
            .find(|entry| entry.handler == handler && entry.module.ends_with("::api"))
            .unwrap_or_else(|| panic!("{handler} is not in the audit"))
    };
    for (handler, path) in [
        ("list_items", "/api/items"),
        ("create_item", "/api/items"),
        ("delete_item", "/api/items/{id}"),
    ] {
        let entry = of(handler);
        assert!(entry.paths().eq([path]), "{handler}: {entry:?}");
        assert!(entry.policy.credentials(), "{handler}");
        assert_eq!(entry.policy.max_age(), Some(600), "{handler}");
    }
    assert!(!of("status").policy.credentials());
}
