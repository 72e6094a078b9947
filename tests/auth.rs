//! `#[cors]` behind authentication (`actix-web-httpauth`, as users deploy it), in a
//! `web::scope` and at app level. A browser's preflight carries no credentials, so the auth
//! layer must never see it: `cors_runtime::Preflights`, added last, answers it first. The
//! auth layer's own `401` to an allowed origin carries the grant, so the page can tell "not
//! logged in" from "blocked".

mod in_process;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::guard::GuardContext;
use actix_web::http::{Method, StatusCode};
use actix_web::{App, Error, HttpResponse, get, post, test, web};
use actix_web_httpauth::middleware::HttpAuthentication;
use cors_runtime::{Preflights, cors};
use in_process::{Answer, EVIL, LOCAL, cors_set, from, preflight, send, validator};

const TOKEN: &str = "Bearer letmein";

#[cors(
    origins = "http://localhost:8080",
    headers = "Authorization",
    credentials = true,
    max_age = 600
)]
#[get("/me")]
async fn me() -> &'static str {
    // Awaits before it answers, as real handlers do.
    actix_web::rt::task::yield_now().await;
    "me"
}

#[cors(
    origins = "http://localhost:8080",
    headers = "Authorization, Content-Type",
    credentials = true
)]
#[post("/me")]
async fn update_me() -> HttpResponse {
    HttpResponse::Created().finish()
}

fn api_host(ctx: &GuardContext<'_>) -> bool {
    ctx.head()
        .headers()
        .get("host")
        .is_some_and(|host| host == "api.example.com")
}

#[cors(origins = "http://localhost:8080", credentials = true)]
#[get("/guarded", guard = "api_host")]
async fn guarded() -> &'static str {
    // Awaits before it answers, as real handlers do.
    actix_web::rt::task::yield_now().await;
    "guarded"
}

/// Not annotated: the layer never lets its requests past authentication.
#[get("/plain")]
async fn plain() -> &'static str {
    "plain"
}

/// Every handler of this file, as both applications register them.
fn handlers(config: &mut web::ServiceConfig) {
    config
        .service(me)
        .service(update_me)
        .service(guarded)
        .service(plain);
}

/// The handlers in a scope behind bearer authentication, nested two deep under a prefix
/// with a variable.
fn scoped() -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    App::new()
        .service(
            web::scope("/t/{tenant}").service(
                web::scope("/api")
                    .wrap(HttpAuthentication::bearer(validator))
                    .configure(handlers),
            ),
        )
        .wrap(Preflights)
}

/// The same handlers behind bearer authentication for the whole app.
fn app_level() -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    App::new()
        .configure(handlers)
        .wrap(HttpAuthentication::bearer(validator))
        .wrap(Preflights)
}

/// The scope without the layer: what the layer is for.
fn without_layer() -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    App::new().service(
        web::scope("/api")
            .wrap(HttpAuthentication::bearer(validator))
            .service(me),
    )
}

/// What an allowed origin's actual request gets: the credentialed grant.
fn granted() -> Vec<(String, String)> {
    cors_set(&[
        ("access-control-allow-credentials", "true"),
        ("access-control-allow-origin", LOCAL),
    ])
}

/// `req(path)` sent to both applications: in the scope and at app level.
async fn both(path: &str, req: impl Fn(&str) -> test::TestRequest) -> Vec<(String, Answer)> {
    let in_scope = format!("/t/acme/api{path}");
    vec![
        (in_scope.clone(), send(scoped(), req(&in_scope)).await),
        (format!("app {path}"), send(app_level(), req(path)).await),
    ]
}

#[actix_web::test]
async fn without_the_layer_the_auth_layer_refuses_the_preflight() {
    let answer = send(without_layer(), preflight("/api/me", LOCAL, "GET")).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn the_preflight_is_answered_before_authentication() {
    let asking = |path: &str| {
        preflight(path, LOCAL, "GET")
            .insert_header(("Access-Control-Request-Headers", "authorization"))
    };
    for (path, answer) in both("/me", asking).await {
        assert_eq!(answer.status, StatusCode::NO_CONTENT, "{path}");
        assert_eq!(
            answer.cors(),
            cors_set(&[
                ("access-control-allow-credentials", "true"),
                ("access-control-allow-headers", "authorization"),
                ("access-control-allow-methods", "GET"),
                ("access-control-allow-origin", LOCAL),
                ("access-control-max-age", "600"),
            ]),
            "{path}"
        );
    }
}

#[actix_web::test]
async fn the_preflight_is_judged_by_the_handler_of_the_requested_method() {
    let asking = |path: &str| {
        preflight(path, LOCAL, "POST")
            .insert_header(("Access-Control-Request-Headers", "content-type"))
    };
    for (path, answer) in both("/me", asking).await {
        assert_eq!(answer.status, StatusCode::NO_CONTENT, "{path}");
        assert_eq!(
            answer.cors(),
            cors_set(&[
                ("access-control-allow-credentials", "true"),
                (
                    "access-control-allow-headers",
                    "authorization, content-type"
                ),
                ("access-control-allow-methods", "POST"),
                ("access-control-allow-origin", LOCAL),
            ]),
            "{path}"
        );
    }
}

#[actix_web::test]
async fn a_refused_preflight_is_refused_by_the_policy() {
    for (path, answer) in both("/me", |path| preflight(path, EVIL, "GET")).await {
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{path}");
        assert!(answer.cors().is_empty(), "{path}: {:?}", answer.cors());
    }
}

#[actix_web::test]
async fn the_auth_layers_401_carries_the_grant_for_an_allowed_origin() {
    for (path, answer) in both("/me", |path| from(Method::GET, path, LOCAL)).await {
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(answer.cors(), granted(), "{path}");
        assert_eq!(answer.vary(), "Origin", "{path}");
        assert!(answer.one("www-authenticate").is_some(), "{path}");
    }
}

#[actix_web::test]
async fn the_auth_layers_401_carries_nothing_for_another_origin() {
    for (path, answer) in both("/me", |path| from(Method::GET, path, EVIL)).await {
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{path}");
        assert!(answer.cors().is_empty(), "{path}: {:?}", answer.cors());
    }
}

#[actix_web::test]
async fn an_authenticated_request_gets_the_handlers_answer_and_the_grant() {
    let authenticated =
        |path: &str| from(Method::GET, path, LOCAL).insert_header(("Authorization", TOKEN));
    for (path, answer) in both("/me", authenticated).await {
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        assert_eq!(answer.body, "me", "{path}");
        assert_eq!(answer.cors(), granted(), "{path}");
    }
}

#[actix_web::test]
async fn requests_to_routes_without_cors_still_need_credentials() {
    for (path, answer) in both("/plain", |path| preflight(path, LOCAL, "GET")).await {
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{path}");
        assert!(answer.cors().is_empty(), "{path}: {:?}", answer.cors());
    }
}

#[actix_web::test]
async fn a_guarded_route_is_answered_only_where_its_guard_passes() {
    let elsewhere =
        |path: &str| preflight(path, LOCAL, "GET").insert_header(("Host", "other.example.com"));
    for (path, answer) in both("/guarded", elsewhere).await {
        assert_ne!(answer.status, StatusCode::NO_CONTENT, "{path}");
        assert!(answer.cors().is_empty(), "{path}: {:?}", answer.cors());
    }
    let there =
        |path: &str| preflight(path, LOCAL, "GET").insert_header(("Host", "api.example.com"));
    for (path, answer) in both("/guarded", there).await {
        assert_eq!(answer.status, StatusCode::NO_CONTENT, "{path}");
    }
}
