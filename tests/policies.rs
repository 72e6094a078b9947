//! Policies for real applications: shared policies, deploy-time origins and the
//! audit of every annotated handler.

use actix_web::dev::Service;
use actix_web::http::{Method, StatusCode};
use actix_web::test as atest;
use actix_web::{App, HttpResponse, Responder, delete, get, post};
use cors_runtime::audit;
use cors_runtime::configured::{ConfigError, load_with};
use cors_runtime::debug::ExplainRefusals;
use cors_runtime::{cors, policy};

policy! {
    /// The API's policy: one definition, many handlers.
    pub(crate) API {
        origins = "https://app.example.com, http://localhost:8080",
        headers = "Content-Type",
        expose_headers = "X-Total-Count",
        credentials = true,
        max_age = 600,
    }
}

#[cors(policy = API)]
#[get("/shared/items")]
async fn shared_list() -> impl Responder {
    // Awaits before it answers, as real handlers do.
    actix_web::rt::task::yield_now().await;
    HttpResponse::Ok()
        .insert_header(("X-Total-Count", "0"))
        .body("[]")
}

// The handler narrows its methods: the route serves GET and POST, CORS allows POST only.
#[cors(policy = API, methods = "POST")]
#[actix_web::route("/shared/items/{id}", method = "GET", method = "POST")]
async fn shared_update() -> impl Responder {
    "updated"
}

mod nested {
    use actix_web::{Responder, delete};
    use cors_runtime::cors;

    #[cors(policy = crate::API)]
    #[delete("/shared/items/{id}")]
    pub async fn shared_delete() -> impl Responder {
        "deleted"
    }
}

// Origins from configuration: loaded at startup by `load_with` below.
#[cors(origins_from = "POLICIES_TEST_ORIGINS", credentials = true)]
#[get("/configured")]
async fn configured() -> impl Responder {
    // Awaits before it answers, as real handlers do.
    actix_web::rt::task::yield_now().await;
    "configured"
}

#[cors(origins_from = "POLICIES_TEST_PUBLIC_ORIGINS")]
#[post("/configured-public")]
async fn configured_public() -> impl Responder {
    "public"
}

#[cors(origins = "http://localhost:8080")]
#[delete("/plain")]
async fn plain() -> impl Responder {
    // Awaits before it answers, as real handlers do.
    actix_web::rt::task::yield_now().await;
    "plain"
}

/// Loads the configured origins once for the whole test binary, as `main` would.
fn load_configuration() {
    static LOADED: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    LOADED.get_or_init(|| {
        load_with(|name| match name {
            "POLICIES_TEST_ORIGINS" => {
                Some("https://admin.example.com, https://*.corp.example.com".into())
            }
            "POLICIES_TEST_PUBLIC_ORIGINS" => Some("*".into()),
            _ => None,
        })
        .expect("the test configuration is valid");
    });
}

async fn call(req: atest::TestRequest) -> actix_web::dev::ServiceResponse {
    call_with(false, req).await
}

/// [`call`], with the debug mode of the application on when `explaining`.
async fn call_with(explaining: bool, req: atest::TestRequest) -> actix_web::dev::ServiceResponse {
    load_configuration();
    let mut app = App::new()
        .service(shared_list)
        .service(shared_update)
        .service(nested::shared_delete)
        .service(configured)
        .service(configured_public)
        .service(plain);
    if explaining {
        app = app.app_data(ExplainRefusals);
    }
    let app = atest::init_service(app).await;
    app.call(req.to_request()).await.unwrap()
}

fn header<'a, B>(res: &'a actix_web::dev::ServiceResponse<B>, name: &str) -> Option<&'a str> {
    res.headers().get(name).map(|value| value.to_str().unwrap())
}

fn preflight(path: &str, origin: &str, method: &str) -> atest::TestRequest {
    atest::TestRequest::default()
        .method(Method::OPTIONS)
        .uri(path)
        .insert_header(("Origin", origin))
        .insert_header(("Access-Control-Request-Method", method))
}

#[actix_web::test]
async fn a_shared_policy_serves_every_handler_that_names_it() {
    let res = call(
        atest::TestRequest::get()
            .uri("/shared/items")
            .insert_header(("Origin", "https://app.example.com")),
    )
    .await;
    assert_eq!(
        header(&res, "access-control-allow-origin"),
        Some("https://app.example.com")
    );
    assert_eq!(
        header(&res, "access-control-allow-credentials"),
        Some("true")
    );
    assert_eq!(
        header(&res, "access-control-expose-headers"),
        Some("x-total-count")
    );

    let res = call(preflight(
        "/shared/items/1",
        "http://localhost:8080",
        "DELETE",
    ))
    .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(header(&res, "access-control-allow-methods"), Some("DELETE"));
    assert_eq!(header(&res, "access-control-max-age"), Some("600"));
}

#[actix_web::test]
async fn a_handler_narrows_the_shared_policy_to_its_methods() {
    let post = call(preflight(
        "/shared/items/1",
        "https://app.example.com",
        "POST",
    ))
    .await;
    assert_eq!(post.status(), StatusCode::NO_CONTENT);
    assert_eq!(header(&post, "access-control-allow-methods"), Some("POST"));
    let get = call(preflight(
        "/shared/items/1",
        "https://app.example.com",
        "GET",
    ))
    .await;
    assert_eq!(get.status(), StatusCode::FORBIDDEN);
    assert!(header(&get, "access-control-allow-origin").is_none());
}

#[actix_web::test]
async fn configured_origins_match_like_literal_ones() {
    for (origin, allowed) in [
        ("https://admin.example.com", true),
        ("https://a.corp.example.com", true),
        ("https://corp.example.com", false),
        ("https://admin.example.com.evil.net", false),
        ("https://app.example.com", false),
    ] {
        let res = call(
            atest::TestRequest::get()
                .uri("/configured")
                .insert_header(("Origin", origin)),
        )
        .await;
        let expected = allowed.then_some(origin);
        assert_eq!(
            header(&res, "access-control-allow-origin"),
            expected,
            "{origin}"
        );
        assert_eq!(header(&res, "vary"), Some("Origin"));
    }
    let public = call(
        atest::TestRequest::post()
            .uri("/configured-public")
            .insert_header(("Origin", "https://x.test")),
    )
    .await;
    assert_eq!(header(&public, "access-control-allow-origin"), Some("*"));
    // A reload may turn `*` into a list at any time: caches must key on `Origin` anyway.
    assert_eq!(header(&public, "vary"), Some("Origin"));
}

#[test]
fn a_bad_configured_origin_fails_at_startup_with_the_compile_time_words() {
    // The compile-time error for `#[cors(origins = "https://app.example.com/")]` reads the same
    // (tests/ui/fail/origin-with-trailing-slash.stderr).
    let compile_time = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/ui/fail/origin-with-trailing-slash.stderr"
    ))
    .unwrap();
    let error = cors_rules_error("https://app.example.com/", false);
    let ConfigError::Refused { errors, .. } = &error else {
        panic!("refused: {error}")
    };
    assert!(
        compile_time.contains(&errors[0].to_string()),
        "{compile_time}\n{error}"
    );

    let star_with_credentials = cors_rules_error("*", true);
    assert!(matches!(
        &star_with_credentials,
        ConfigError::Refused { errors, .. }
            if errors[..] == [cors_rules::RuleError::WildcardOriginWithCredentials]
    ));
    let insecure = cors_rules_error("http://admin.example.com", true);
    assert!(
        insecure.to_string().starts_with(
            "CORS origins `POLICIES_TEST_ORIGINS`: `http://admin.example.com` is plain `http`"
        ),
        "{insecure}"
    );
}

/// What reloading `value` into a configured policy of this binary says: the credentialed
/// one (`/configured`) or the public one (`/configured-public`). Every value given here is
/// refused, which changes nothing: other tests keep the origins they loaded.
fn cors_rules_error(value: &str, credentials: bool) -> ConfigError {
    let name = if credentials {
        "POLICIES_TEST_ORIGINS"
    } else {
        "POLICIES_TEST_PUBLIC_ORIGINS"
    };
    cors_runtime::configured::reload(name, value).unwrap_err()
}

#[test]
fn a_missing_configured_origin_list_is_named() {
    let error = cors_runtime::configured::load_with(|_| None).unwrap_err();
    assert!(error.name().starts_with("POLICIES_TEST_"), "{error}");
    assert!(matches!(error, ConfigError::Missing { .. }), "{error}");
    assert!(error.to_string().contains("is not set"), "{error}");
}

#[test]
fn the_audit_lists_every_annotated_handler() {
    let entries = audit::entries();
    let handlers: Vec<&str> = entries.iter().map(|entry| entry.handler).collect();
    for handler in [
        "shared_list",
        "shared_update",
        "shared_delete",
        "configured",
        "configured_public",
        "plain",
    ] {
        assert!(
            handlers.contains(&handler),
            "{handler} missing from {handlers:?}"
        );
    }
    let update = entries
        .iter()
        .find(|entry| entry.handler == "shared_update")
        .unwrap();
    assert!(update.paths().eq(["/shared/items/{id}"]));
    assert_eq!(update.policy.methods(), ["POST"]);
    assert!(update.policy.credentials());
    let table = audit::table();
    assert!(table.lines().next().unwrap().starts_with("path"), "{table}");
    assert!(table.contains("/shared/items/{id}"), "{table}");
}

#[test]
fn no_credentialed_route_trusts_plain_http() {
    load_configuration();
    for entry in audit::entries() {
        if entry.policy.credentials() {
            assert!(
                !entry.trusts_plain_http(),
                "{} trusts plain http",
                entry.handler
            );
        }
    }
}

#[actix_web::test]
async fn debug_mode_explains_refusals_only_when_the_application_turns_it_on() {
    let refused = || {
        preflight("/shared/items/1", "https://evil.test", "DELETE")
            .insert_header(("X-Cors-Refused", "please"))
            .insert_header(("X-Cors-Debug", "1"))
    };
    // Off by default, and nothing a request sends turns it on.
    let res = call(refused()).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(header(&res, "x-cors-refused"), None);

    let res = call_with(true, refused()).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        header(&res, "x-cors-refused"),
        Some(
            "origin \"https://evil.test\" is not allowed; the policy allows https://app.example.com, http://localhost:8080"
        )
    );
    let cors: Vec<&str> = res
        .headers()
        .keys()
        .map(|name| name.as_str())
        .filter(|name| name.starts_with("access-control-"))
        .collect();
    assert!(cors.is_empty(), "{cors:?}");
}

#[actix_web::test]
async fn debug_mode_belongs_to_the_application_that_turned_it_on() {
    let refused = || preflight("/plain", "https://evil.test", "DELETE").to_request();
    let reason =
        "origin \"https://evil.test\" is not allowed; the policy allows http://localhost:8080";
    // Two applications in one process: the development one explains its refusals, from its
    // route and from the application layer alike; the other does not.
    let explaining = atest::init_service(App::new().service(plain).app_data(ExplainRefusals)).await;
    let layered = atest::init_service(
        App::new()
            .service(plain)
            .app_data(ExplainRefusals)
            .wrap(cors_runtime::Preflights),
    )
    .await;
    let quiet = atest::init_service(App::new().service(plain)).await;
    let quiet_layered =
        atest::init_service(App::new().service(plain).wrap(cors_runtime::Preflights)).await;

    let res = explaining.call(refused()).await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(header(&res, "x-cors-refused"), Some(reason));
    let res = layered.call(refused()).await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(header(&res, "x-cors-refused"), Some(reason));
    let res = quiet.call(refused()).await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(header(&res, "x-cors-refused"), None);
    let res = quiet_layered.call(refused()).await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(header(&res, "x-cors-refused"), None);
}
