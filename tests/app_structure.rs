//! `#[cors]` wherever actix-web lets a handler be registered: `#[scope]` modules,
//! `web::scope` nested two deep, `App::configure`, beside a `default_service`, and behind a
//! path another registration serves for `OPTIONS` (shadowing), with and without the layer.

mod in_process;

use actix_web::http::{Method, StatusCode};
use actix_web::{App, HttpResponse, get, options, web};
use cors_runtime::{Preflights, cors};
use in_process::{LOCAL, cors_set, from, preflight, send};

#[cors(origins = "http://localhost:8080")]
#[get("/thing")]
async fn thing() -> &'static str {
    // Awaits before it answers, as real handlers do.
    actix_web::rt::task::yield_now().await;
    "thing"
}

#[actix_web::scope("/module")]
mod module_scope {
    use actix_web::get;
    use cors_runtime::cors;

    #[cors(origins = "http://localhost:8080")]
    #[get("/thing")]
    pub async fn thing() -> &'static str {
        "module"
    }
}

#[cors(origins = "http://localhost:8080")]
#[get("/things/{id}")]
async fn thing_by_id() -> &'static str {
    // Awaits before it answers, as real handlers do.
    actix_web::rt::task::yield_now().await;
    "thing"
}

fn configure(config: &mut web::ServiceConfig) {
    config.service(web::scope("/configured").service(thing));
}

/// Not annotated, registered before the annotated route: it answers every `OPTIONS`.
#[options("/thing")]
async fn own_options() -> HttpResponse {
    HttpResponse::Ok().body("own options")
}

fn allowed_preflight() -> Vec<(String, String)> {
    cors_set(&[
        ("access-control-allow-methods", "GET"),
        ("access-control-allow-origin", LOCAL),
    ])
}

#[actix_web::test]
async fn every_registration_gets_its_preflight_and_grant() {
    let app = || {
        App::new()
            .service(module_scope::thing)
            .service(web::scope("/a").service(web::scope("/b").service(thing)))
            .configure(configure)
            .default_service(web::to(|| async { HttpResponse::ImATeapot().finish() }))
    };
    for path in ["/module/thing", "/a/b/thing", "/configured/thing"] {
        let answer = send(app(), preflight(path, LOCAL, "GET")).await;
        assert_eq!(answer.status, StatusCode::NO_CONTENT, "{path}");
        assert_eq!(answer.cors(), allowed_preflight(), "{path}");
        let answer = send(app(), from(Method::GET, path, LOCAL)).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        assert_eq!(
            answer.cors(),
            cors_set(&[("access-control-allow-origin", LOCAL)]),
            "{path}"
        );
    }
    // The default service answers what no route serves, without CORS headers.
    let answer = send(app(), preflight("/nowhere", LOCAL, "GET")).await;
    assert_eq!(answer.status, StatusCode::IM_A_TEAPOT);
    assert!(answer.cors().is_empty(), "{:?}", answer.cors());
}

#[actix_web::test]
async fn a_shadowing_options_route_wins_without_the_layer() {
    let app = App::new().service(own_options).service(thing);
    let answer = send(app, preflight("/thing", LOCAL, "GET")).await;
    assert_eq!(answer.body, "own options");
    assert!(answer.cors().is_empty(), "{:?}", answer.cors());
}

#[actix_web::test]
async fn the_layer_answers_for_the_policy_before_a_shadowing_route() {
    let app = || {
        App::new()
            .service(own_options)
            .service(web::resource("/any").to(|| async { "any method" }))
            .service(web::scope("/s").service(thing))
            .service(thing)
            .wrap(Preflights)
    };
    let answer = send(app(), preflight("/thing", LOCAL, "GET")).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    assert_eq!(answer.cors(), allowed_preflight());
    // An OPTIONS that is no preflight still reaches the application's own route.
    let plain = send(
        app(),
        actix_web::test::TestRequest::default()
            .method(Method::OPTIONS)
            .uri("/thing"),
    )
    .await;
    assert_eq!(plain.body, "own options");
    assert!(plain.cors().is_empty(), "{:?}", plain.cors());
}

#[actix_web::test]
async fn the_layer_finds_routes_whose_scope_names_a_segment_like_the_route() {
    // `{id}` in the scope and in the route: one pattern could not hold both names.
    let app = || {
        App::new()
            .service(web::scope("/u/{id}").service(thing_by_id))
            .wrap(Preflights)
    };
    let answer = send(app(), preflight("/u/7/things/9", LOCAL, "GET")).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    assert_eq!(answer.cors(), allowed_preflight());
    let answer = send(app(), from(Method::GET, "/u/7/things/9", LOCAL)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.cors(),
        cors_set(&[("access-control-allow-origin", LOCAL)])
    );
}
