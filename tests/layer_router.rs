//! Whatever answers for a route agrees with actix-web's router: the generated preflight
//! routes, and `Preflights` answering before authentication or putting the grant on a
//! middleware's response. Each case is an app the router resolves one way; the answer must
//! follow the resource the router picks, never a pattern that also matches the path.
//! Every handler awaits before it answers.

mod in_process;

use actix_web::http::{Method, StatusCode};
use actix_web::middleware::{DefaultHeaders, NormalizePath};
use actix_web::{App, HttpResponse, get, guard, test, web};
use actix_web_httpauth::middleware::HttpAuthentication;
use cors_runtime::{Preflights, cors};
use in_process::{APP, Answer, EVIL, LOCAL, cors_set, from, preflight, send, validator};

async fn after_a_yield(body: &'static str) -> HttpResponse {
    actix_web::rt::task::yield_now().await;
    HttpResponse::Ok().body(body)
}

/// Not annotated, registered before the annotated pattern that also matches its path.
#[get("/api/internal")]
async fn internal() -> HttpResponse {
    after_a_yield("internal").await
}

#[cors(origins = "https://app.example.com", credentials = true)]
#[get("/api/{name}")]
async fn named() -> HttpResponse {
    after_a_yield("named").await
}

#[cors(origins = "*")]
#[get("/open/{name}")]
async fn open_named() -> HttpResponse {
    after_a_yield("open").await
}

#[get("/open/internal")]
async fn open_internal() -> HttpResponse {
    after_a_yield("open internal").await
}

fn granted_app() -> Vec<(String, String)> {
    cors_set(&[
        ("access-control-allow-credentials", "true"),
        ("access-control-allow-origin", APP),
    ])
}

/// The unannotated route first, then the annotated pattern: its own app, the same behind
/// the layer, and the same behind the layer and app-level authentication.
async fn shadowed(req: impl Fn() -> test::TestRequest) -> Vec<(&'static str, Answer)> {
    let routes = |config: &mut web::ServiceConfig| {
        config
            .service(internal)
            .service(named)
            .service(open_internal)
            .service(open_named);
    };
    vec![
        ("plain", send(App::new().configure(routes), req()).await),
        (
            "layer",
            send(App::new().configure(routes).wrap(Preflights), req()).await,
        ),
    ]
}

#[actix_web::test]
async fn a_route_registered_first_keeps_its_path_without_a_grant() {
    for (setup, answer) in shadowed(|| from(Method::GET, "/api/internal", APP)).await {
        assert_eq!(answer.body, "internal", "{setup}");
        answer.assert_no_cors();
    }
    for (setup, answer) in shadowed(|| from(Method::GET, "/open/internal", APP)).await {
        assert_eq!(answer.body, "open internal", "{setup}");
        answer.assert_no_cors();
    }
    // The annotated pattern still answers for the paths it gets.
    for (setup, answer) in shadowed(|| from(Method::GET, "/api/other", APP)).await {
        assert_eq!(answer.body, "named", "{setup}");
        assert_eq!(answer.cors(), granted_app(), "{setup}");
    }
}

#[actix_web::test]
async fn a_preflight_for_a_path_another_route_serves_is_not_granted() {
    for path in ["/api/internal", "/open/internal"] {
        for (setup, answer) in shadowed(|| preflight(path, APP, "GET")).await {
            assert_ne!(answer.status, StatusCode::NO_CONTENT, "{setup} {path}");
            answer.assert_no_cors();
        }
    }
    for (setup, answer) in shadowed(|| preflight("/api/other", APP, "GET")).await {
        assert_eq!(answer.status, StatusCode::NO_CONTENT, "{setup}");
    }
}

#[cors(origins = "https://app.example.com", credentials = true)]
#[get("/who")]
async fn tenant_who() -> HttpResponse {
    after_a_yield("tenant").await
}

#[get("/who")]
async fn public_who() -> HttpResponse {
    after_a_yield("public").await
}

#[actix_web::test]
async fn a_guarded_scope_the_router_passes_over_lends_no_grant() {
    let app = || {
        App::new()
            .service(
                web::scope("/v2")
                    .guard(guard::Header("x-tenant", "a"))
                    .service(tenant_who),
            )
            .service(web::scope("/v2").service(public_who))
            .wrap(Preflights)
    };
    let answer = send(app(), from(Method::GET, "/v2/who", APP)).await;
    assert_eq!(answer.body, "public");
    answer.assert_no_cors();
    let answer = send(
        app(),
        from(Method::GET, "/v2/who", APP).insert_header(("x-tenant", "a")),
    )
    .await;
    assert_eq!(answer.body, "tenant");
    assert_eq!(answer.cors(), granted_app());
}

#[cors(origins = "*")]
#[get("/s/{any}")]
async fn after_scope() -> HttpResponse {
    after_a_yield("after").await
}

#[get("/a")]
async fn in_scope() -> HttpResponse {
    after_a_yield("a").await
}

#[actix_web::test]
async fn a_scope_takes_its_prefix_whole() {
    for layer in [false, true] {
        let app = App::new()
            .service(web::scope("/s").service(in_scope))
            .service(after_scope)
            .wrap(actix_web::middleware::Condition::new(layer, Preflights));
        let answer = send(app, from(Method::GET, "/s/b", EVIL)).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "layer {layer}");
        answer.assert_no_cors();
    }
}

#[cors(origins = "http://localhost:8080", credentials = true)]
#[get("/items/{id:[0-9]{4}}")]
async fn by_number() -> HttpResponse {
    after_a_yield("number").await
}

#[cors(origins = "http://localhost:8080", credentials = true)]
#[get("/users/{id:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}}")]
async fn by_uuid() -> HttpResponse {
    after_a_yield("uuid").await
}

#[cors(origins = "http://localhost:8080", credentials = true)]
#[get("/{version:v[0-9]+}/status")]
async fn by_version() -> HttpResponse {
    after_a_yield("version").await
}

fn granted_local() -> Vec<(String, String)> {
    cors_set(&[
        ("access-control-allow-credentials", "true"),
        ("access-control-allow-origin", LOCAL),
    ])
}

const REGEX_PATHS: [&str; 3] = [
    "/items/2024",
    "/users/0f3c2a9e-1b2c-4d5e-8f90-0123456789ab",
    "/v12/status",
];

#[actix_web::test]
async fn routes_with_regex_segments_are_answered_before_authentication() {
    let app = || {
        App::new()
            .service(
                web::scope("")
                    .wrap(HttpAuthentication::bearer(validator))
                    .service(by_number)
                    .service(by_uuid)
                    .service(by_version),
            )
            .wrap(Preflights)
    };
    for path in REGEX_PATHS {
        let answer = send(app(), preflight(path, LOCAL, "GET")).await;
        assert_eq!(answer.status, StatusCode::NO_CONTENT, "{path}");
        // No token: the auth layer's 401 carries the grant and `Vary`.
        let answer = send(app(), from(Method::GET, path, LOCAL)).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(answer.cors(), granted_local(), "{path}");
        assert_eq!(answer.vary(), "Origin", "{path}");
        // Without `Origin`, the 401 still says its answer depends on it.
        let answer = send(app(), test::TestRequest::get().uri(path)).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{path}");
        answer.assert_no_cors();
        assert_eq!(answer.vary(), "Origin", "{path}");
    }
}

#[actix_web::test]
async fn an_app_wide_cors_middleware_never_widens_an_annotated_route() {
    let app = || {
        App::new()
            .service(by_number)
            .service(by_uuid)
            .service(by_version)
            .wrap(actix_cors::Cors::permissive())
            .wrap(Preflights)
    };
    for path in REGEX_PATHS {
        let answer = send(app(), from(Method::GET, path, EVIL)).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        answer.assert_no_cors();
        let answer = send(app(), from(Method::GET, path, LOCAL)).await;
        assert_eq!(answer.cors(), granted_local(), "{path}");
        let answer = send(app(), preflight(path, EVIL, "GET")).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{path}");
        answer.assert_no_cors();
    }
}

#[actix_web::test]
async fn default_headers_never_add_a_grant_to_an_annotated_route() {
    let app = || {
        App::new()
            .service(by_number)
            .wrap(DefaultHeaders::new().add(("Access-Control-Allow-Origin", "*")))
            .wrap(Preflights)
    };
    let answer = send(app(), from(Method::GET, "/items/2024", EVIL)).await;
    answer.assert_no_cors();
    let answer = send(app(), test::TestRequest::get().uri("/items/2024")).await;
    answer.assert_no_cors();
    assert_eq!(answer.vary(), "Origin");
    let answer = send(app(), preflight("/items/2024", EVIL, "GET")).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    answer.assert_no_cors();
}

#[cors(
    origins = "http://localhost:8080",
    headers = "Authorization",
    credentials = true
)]
#[get("/me")]
async fn me() -> HttpResponse {
    after_a_yield("me").await
}

#[actix_web::test]
async fn path_normalisation_outside_the_layer_is_seen_by_it() {
    let app = || {
        App::new()
            .service(
                web::scope("/secure")
                    .wrap(HttpAuthentication::bearer(validator))
                    .service(me),
            )
            .wrap(Preflights)
            .wrap(NormalizePath::trim())
    };
    let answer = send(
        app(),
        preflight("/secure/me/", LOCAL, "GET")
            .insert_header(("Access-Control-Request-Headers", "authorization")),
    )
    .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    let answer = send(
        app(),
        from(Method::GET, "/secure/me/", LOCAL).insert_header(("Authorization", "Bearer letmein")),
    )
    .await;
    assert_eq!(answer.body, "me");
    assert_eq!(answer.cors(), granted_local());
}

/// Not annotated, registered before an annotated route without variables whose path its
/// pattern also matches: the router gives it that path.
#[get("/fixed/{name}")]
async fn any_fixed() -> HttpResponse {
    after_a_yield("any").await
}

#[cors(origins = "https://app.example.com")]
#[get("/fixed/one")]
async fn fixed_one() -> HttpResponse {
    after_a_yield("one").await
}

/// A route without variables answers for one path: whether the router comes to it first is
/// found once per worker, and stays right on every later preflight.
#[actix_web::test]
async fn a_pattern_without_variables_shadowed_by_an_earlier_one_is_not_granted() {
    for layer in [false, true] {
        let app = test::init_service(
            App::new()
                .service(any_fixed)
                .service(fixed_one)
                .wrap(actix_web::middleware::Condition::new(layer, Preflights)),
        )
        .await;
        for round in 0..2 {
            let response =
                test::call_service(&app, preflight("/fixed/one", APP, "GET").to_request()).await;
            assert_ne!(
                response.status(),
                StatusCode::NO_CONTENT,
                "layer {layer}, round {round}"
            );
            assert!(
                response
                    .headers()
                    .get("access-control-allow-origin")
                    .is_none(),
                "layer {layer}, round {round}"
            );
            let response =
                test::call_service(&app, from(Method::GET, "/fixed/one", APP).to_request()).await;
            assert_eq!(test::read_body(response).await, "any", "layer {layer}");
        }
    }
}
