//! What `#[cors]` does with preflights and actual requests, behaviour by behaviour, through
//! the real actix-web service stack.

mod in_process;

use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::dev::ServiceResponse;
use actix_web::http::header::VARY;
use actix_web::http::{Method, StatusCode};
use actix_web::{App, HttpRequest, HttpResponse, Responder, body, get, route, routes, test, web};
use cors_runtime::cors;
use cors_suite::api;
use in_process::{APP, Answer, LOCAL, from, logged_about, preflight};

// ---------------------------------------------------------------------------------------
// Handlers: the demo's API (`cors_suite::api`) plus shapes of our own.

#[cors(origins = "http://localhost:8080")]
#[get("/api/vary-origin")]
async fn vary_origin_already() -> impl Responder {
    // Awaits before it answers, as real handlers do.
    actix_web::rt::task::yield_now().await;
    HttpResponse::Ok()
        .insert_header((VARY, "origin"))
        .body("vary")
}

#[cors(origins = "http://localhost:8080")]
#[get("/api/redirect")]
async fn redirect() -> impl Responder {
    HttpResponse::Found()
        .insert_header(("Location", "/api/items"))
        .finish()
}

#[cors(origins = "http://localhost:8080", expose_headers = "X-Own")]
#[get("/api/own-cors")]
async fn own_cors() -> impl Responder {
    // Awaits before it answers, as real handlers do.
    actix_web::rt::task::yield_now().await;
    HttpResponse::Ok()
        .insert_header(("Access-Control-Allow-Origin", "*"))
        .insert_header(("X-Own", "1"))
        .finish()
}

#[cors(origins = "http://localhost:8080", headers = "*", max_age = 0)]
#[get("/api/any-header")]
async fn any_header() -> impl Responder {
    "any"
}

#[cors(origins = "http://localhost:8080", headers = "X-Api-Key")]
#[routes]
#[get("/multi/a")]
#[post("/multi/b")]
async fn multi() -> impl Responder {
    // Awaits before it answers, as real handlers do.
    actix_web::rt::task::yield_now().await;
    "multi"
}

#[cors(origins = "http://localhost:8080")]
#[get("/named/{id}", name = "named_item")]
async fn named(req: HttpRequest) -> impl Responder {
    req.url_for("named_item", ["7"])
        .map(|url| url.path().to_owned())
        .unwrap_or_default()
}

static COUNTED_RUNS: AtomicUsize = AtomicUsize::new(0);

#[cors(origins = "http://localhost:8080")]
#[get("/api/counted")]
async fn counted() -> impl Responder {
    // Awaits before it answers, as real handlers do.
    actix_web::rt::task::yield_now().await;
    COUNTED_RUNS.fetch_add(1, Ordering::SeqCst);
    "counted"
}

#[cors(origins = "http://localhost:8080", methods = "GET")]
#[route("/api/narrow", method = "GET", method = "POST")]
async fn narrow() -> impl Responder {
    "narrow"
}

#[cors(origins = "http://localhost:8080", headers = "Content-Type")]
#[actix_web::query("/api/search")]
async fn search() -> impl Responder {
    "found"
}

#[cors(origins = "http://localhost:8080")]
#[get("/scoped")]
async fn scoped() -> impl Responder {
    // Awaits before it answers, as real handlers do.
    actix_web::rt::task::yield_now().await;
    "scoped"
}

#[actix_web::scope("/module")]
mod module_scope {
    use actix_web::{Responder, get};
    use cors_runtime::cors;

    #[cors(origins = "http://localhost:8080", headers = "X-Api-Key")]
    #[get("/thing")]
    pub async fn thing() -> impl Responder {
        "module"
    }
}

fn app() -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .configure(|config| {
            let tenants = web::Data::new(api::Tenants::default());
            api::configure(config, web::Data::new(api::Items::default()), tenants)
        })
        .service(vary_origin_already)
        .service(redirect)
        .service(own_cors)
        .service(any_header)
        .service(multi)
        .service(named)
        .service(counted)
        .service(search)
        .service(narrow)
        .service(web::scope("/scope").service(scoped))
        .service(module_scope::thing)
}

// ---------------------------------------------------------------------------------------
// Helpers

/// `req` through a fresh instance of the test application.
async fn send(req: test::TestRequest) -> Answer {
    in_process::send(app(), req).await
}

fn get_from(path: &str, origin: &str) -> test::TestRequest {
    from(Method::GET, path, origin)
}

/// Asserts that a cross-origin `GET /api/items` came back as the same request without
/// `Origin` does: the policy adds headers, it never changes the handler's response.
async fn assert_untouched(answer: &Answer) {
    let plain = send(test::TestRequest::get().uri("/api/items")).await;
    assert!(plain.body.starts_with(r#"[{"id":1,"#), "{}", plain.body);
    assert_eq!(answer.body, plain.body);
    for name in ["content-type", "x-total-count"] {
        assert!(plain.one(name).is_some(), "{name}");
        assert_eq!(answer.one(name), plain.one(name), "{name}");
    }
}

const PREFLIGHT_VARY: &str =
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

// ---------------------------------------------------------------------------------------
// Preflights

#[actix_web::test]
async fn allowed_preflight_is_204_with_the_full_header_set() {
    let answer = send(
        preflight("/api/items", APP, "POST")
            .insert_header(("Access-Control-Request-Headers", "content-type,x-api-key")),
    )
    .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    assert_eq!(answer.body, "");
    assert_eq!(answer.one("access-control-allow-origin"), Some(APP));
    assert_eq!(answer.one("access-control-allow-methods"), Some("POST"));
    assert_eq!(
        answer.one("access-control-allow-headers"),
        Some("content-type, x-api-key")
    );
    assert_eq!(answer.one("access-control-max-age"), Some("600"));
    assert_eq!(answer.one("access-control-allow-credentials"), Some("true"));
    assert_eq!(answer.one("access-control-expose-headers"), None);
    assert_eq!(answer.one("vary"), Some(PREFLIGHT_VARY));
}

#[actix_web::test]
async fn wildcard_preflight_answers_star_and_does_not_vary_on_origin() {
    let answer = send(
        preflight("/hello", "https://anyone.test", "POST")
            .insert_header(("Access-Control-Request-Headers", "x-requested-with")),
    )
    .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    assert_eq!(answer.one("access-control-allow-origin"), Some("*"));
    assert_eq!(
        answer.one("access-control-allow-methods"),
        Some("GET, POST")
    );
    assert_eq!(
        answer.one("access-control-allow-headers"),
        Some("x-requested-with")
    );
    assert_eq!(answer.one("access-control-max-age"), Some("86400"));
    assert_eq!(answer.one("access-control-allow-credentials"), None);
    assert_eq!(
        answer.one("vary"),
        Some("Access-Control-Request-Method, Access-Control-Request-Headers")
    );
}

#[actix_web::test]
async fn preflight_does_not_run_the_handler() {
    let allowed = send(preflight("/api/counted", LOCAL, "GET")).await;
    let refused = send(preflight("/api/counted", "https://evil.test", "GET")).await;
    assert_eq!(allowed.status, StatusCode::NO_CONTENT);
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!((allowed.body.as_str(), refused.body.as_str()), ("", ""));
    assert_eq!(
        COUNTED_RUNS.load(Ordering::SeqCst),
        0,
        "no other test calls /api/counted"
    );
}

#[actix_web::test]
async fn preflight_is_judged_by_the_handler_of_the_requested_method() {
    // PUT and DELETE share /api/items/{id} with different policies.
    let delete = send(preflight("/api/items/1", LOCAL, "DELETE")).await;
    assert_eq!(delete.status, StatusCode::NO_CONTENT);
    assert_eq!(delete.one("access-control-allow-origin"), Some(LOCAL));
    assert_eq!(delete.one("access-control-allow-methods"), Some("DELETE"));
    assert_eq!(delete.one("access-control-allow-credentials"), Some("true"));
    assert_eq!(delete.one("access-control-allow-headers"), None);

    let put_from_local = send(preflight("/api/items/1", LOCAL, "PUT")).await;
    assert_eq!(put_from_local.status, StatusCode::FORBIDDEN);
    put_from_local.assert_no_cors();

    let put = send(
        preflight("/api/items/1", APP, "PUT")
            .insert_header(("Access-Control-Request-Headers", "content-type")),
    )
    .await;
    assert_eq!(put.status, StatusCode::NO_CONTENT);
    assert_eq!(put.one("access-control-allow-methods"), Some("PUT"));
    assert_eq!(
        put.one("access-control-allow-headers"),
        Some("content-type")
    );
    // replace_item is not credentialed: the DELETE handler's credentials are not granted.
    assert_eq!(put.one("access-control-allow-credentials"), None);
}

#[actix_web::test]
async fn preflight_never_grants_another_handlers_headers() {
    // replace_item (PUT) allows only Content-Type; list/create allow X-Api-Key on another path,
    // and delete_item (same path) allows none.
    let answer = send(
        preflight("/api/items/1", APP, "PUT")
            .insert_header(("Access-Control-Request-Headers", "x-api-key")),
    )
    .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    answer.assert_no_cors();
}

#[actix_web::test]
async fn preflight_for_a_method_no_handler_serves_gets_no_cors_headers() {
    let answer = send(preflight("/api/items", APP, "PATCH")).await;
    assert!(
        [
            StatusCode::FORBIDDEN,
            StatusCode::NOT_FOUND,
            StatusCode::METHOD_NOT_ALLOWED
        ]
        .contains(&answer.status),
        "{}",
        answer.status
    );
    answer.assert_no_cors();
}

#[actix_web::test]
async fn refused_origin_is_403_without_cors_headers_and_logged() {
    logged_about("");
    let answer = send(preflight("/api/subdomain", "https://evil.test", "GET")).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    answer.assert_no_cors();
    assert_eq!(answer.one("vary"), Some(PREFLIGHT_VARY));
    let records = logged_about("/api/subdomain");
    assert!(
        records.iter().any(|record| record.starts_with("DEBUG")
            && record.contains("origin \"https://evil.test\" is not allowed")
            && record.contains("https://*.example.com")),
        "{records:?}"
    );
}

#[actix_web::test]
async fn refused_method_is_403_and_logged() {
    logged_about("");
    // narrow serves GET and POST but its policy allows only GET.
    let answer = send(preflight("/api/narrow", LOCAL, "POST")).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    answer.assert_no_cors();
    assert_eq!(answer.one("vary"), Some(PREFLIGHT_VARY));
    let records = logged_about("/api/narrow");
    assert!(
        records
            .iter()
            .any(|record| record.contains("method \"POST\" is not allowed")),
        "{records:?}"
    );
    // Two Access-Control-Request-Method lines are not a valid preflight either.
    let doubled = send(
        preflight("/api/narrow", LOCAL, "GET")
            .append_header(("Access-Control-Request-Method", "GET")),
    )
    .await;
    assert_eq!(doubled.status, StatusCode::FORBIDDEN);
    doubled.assert_no_cors();
}

#[actix_web::test]
async fn refused_header_is_403_and_logged() {
    logged_about("");
    let answer = send(
        preflight("/api/vary", LOCAL, "GET")
            .insert_header(("Access-Control-Request-Headers", "x-secret")),
    )
    .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    answer.assert_no_cors();
    assert_eq!(answer.one("vary"), Some(PREFLIGHT_VARY));
    let records = logged_about("/api/vary");
    assert!(
        records
            .iter()
            .any(|record| record.contains("request header \"x-secret\" is not allowed")),
        "{records:?}"
    );
}

#[actix_web::test]
async fn requested_header_lists_in_every_shape_are_understood() {
    for lines in [
        &["X-Api-Key, Content-Type"][..],
        &["content-type,x-api-key"],
        &["  x-api-key  ,\tcontent-type "],
        &["content-type", "x-api-key"],
        &["content-type,,x-api-key,"],
        &[""],
        &[",,,"],
        &["CONTENT-TYPE"],
    ] {
        let mut req = preflight("/api/items", APP, "POST");
        for line in lines {
            req = req.append_header(("Access-Control-Request-Headers", *line));
        }
        let answer = send(req).await;
        assert_eq!(answer.status, StatusCode::NO_CONTENT, "{lines:?}");
        assert_eq!(
            answer.one("access-control-allow-origin"),
            Some(APP),
            "{lines:?}"
        );
    }
}

#[actix_web::test]
async fn wildcard_headers_allow_any_name_but_authorization() {
    let allowed = send(
        preflight("/api/any-header", LOCAL, "GET")
            .insert_header(("Access-Control-Request-Headers", "x-one, x-two")),
    )
    .await;
    assert_eq!(allowed.status, StatusCode::NO_CONTENT);
    assert_eq!(allowed.one("access-control-allow-headers"), Some("*"));
    assert_eq!(allowed.one("access-control-max-age"), Some("0"));
    let authorization = send(
        preflight("/api/any-header", LOCAL, "GET")
            .insert_header(("Access-Control-Request-Headers", "x-one, authorization")),
    )
    .await;
    assert_eq!(authorization.status, StatusCode::FORBIDDEN);
    authorization.assert_no_cors();
}

#[actix_web::test]
async fn unknown_preflight_headers_never_break_a_preflight() {
    let answer = send(
        preflight("/api/items", APP, "GET")
            .insert_header(("Access-Control-Request-Private-Network", "true"))
            .insert_header(("Sec-Fetch-Mode", "cors")),
    )
    .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    assert_eq!(answer.one("access-control-allow-origin"), Some(APP));
}

#[actix_web::test]
async fn options_without_a_requested_method_is_an_ordinary_request() {
    let answer = send(
        test::TestRequest::default()
            .method(Method::OPTIONS)
            .uri("/api/items")
            .insert_header(("Origin", APP)),
    )
    .await;
    assert_ne!(answer.status, StatusCode::NO_CONTENT);
    assert_eq!(answer.one("access-control-allow-methods"), None);
    assert_eq!(answer.one("access-control-allow-headers"), None);
    assert_eq!(answer.one("access-control-max-age"), None);
    let no_origin = send(
        test::TestRequest::default()
            .method(Method::OPTIONS)
            .uri("/api/items")
            .insert_header(("Access-Control-Request-Method", "GET")),
    )
    .await;
    no_origin.assert_no_cors();
}

#[actix_web::test]
async fn preflights_work_under_scopes_and_routes() {
    for (path, method) in [
        ("/scope/scoped", "GET"),
        ("/module/thing", "GET"),
        ("/multi/a", "GET"),
        ("/multi/b", "POST"),
    ] {
        let answer = send(preflight(path, LOCAL, method)).await;
        assert_eq!(answer.status, StatusCode::NO_CONTENT, "{path}");
        assert_eq!(
            answer.one("access-control-allow-origin"),
            Some(LOCAL),
            "{path}"
        );
    }
    // /multi/a serves only GET: a POST preflight there is not this handler's.
    send(preflight("/multi/a", LOCAL, "POST"))
        .await
        .assert_no_cors();
    let module = send(
        preflight("/module/thing", LOCAL, "GET")
            .insert_header(("Access-Control-Request-Headers", "x-api-key")),
    )
    .await;
    assert_eq!(
        module.one("access-control-allow-headers"),
        Some("x-api-key")
    );
}

#[actix_web::test]
async fn credentialed_answers_never_contain_a_wildcard() {
    for req in [
        preflight("/api/items", LOCAL, "GET")
            .insert_header(("Access-Control-Request-Headers", "x-api-key")),
        get_from("/api/items", LOCAL),
        preflight("/api/items/2", LOCAL, "DELETE"),
    ] {
        let answer = send(req).await;
        assert_eq!(answer.one("access-control-allow-credentials"), Some("true"));
        for (name, value) in answer.cors() {
            assert!(
                !value.split(',').any(|part| part.trim() == "*"),
                "{name}: {value}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Actual requests

#[actix_web::test]
async fn allowed_origin_gets_cors_headers_and_the_untouched_response() {
    let answer = send(get_from("/api/items", LOCAL)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_untouched(&answer).await;
    assert_eq!(answer.one("access-control-allow-origin"), Some(LOCAL));
    assert_eq!(answer.one("access-control-allow-credentials"), Some("true"));
    assert_eq!(
        answer.one("access-control-expose-headers"),
        Some("x-total-count")
    );
    assert_eq!(answer.one("access-control-allow-methods"), None);
    assert_eq!(answer.one("access-control-max-age"), None);
    assert_eq!(answer.one("vary"), Some("Origin"));
}

#[actix_web::test]
async fn every_response_of_the_route_carries_cors_headers() {
    let cases = [
        (
            get_from("/api/fail", LOCAL),
            StatusCode::INTERNAL_SERVER_ERROR,
            "the items database is on fire",
        ),
        (
            test::TestRequest::delete()
                .uri("/api/items/99")
                .insert_header(("Origin", LOCAL)),
            StatusCode::NOT_FOUND,
            "",
        ),
        (
            test::TestRequest::delete()
                .uri("/api/items/not-a-number")
                .insert_header(("Origin", LOCAL)),
            StatusCode::NOT_FOUND,
            "",
        ),
        (
            test::TestRequest::post()
                .uri("/api/items")
                .insert_header(("Origin", LOCAL))
                .insert_header(("Content-Type", "application/json"))
                .set_payload("{not json"),
            StatusCode::BAD_REQUEST,
            "",
        ),
        (get_from("/api/redirect", LOCAL), StatusCode::FOUND, ""),
        (
            test::TestRequest::post()
                .uri("/api/items")
                .insert_header(("Origin", LOCAL))
                .set_json(serde_json::json!({ "name": "three" })),
            StatusCode::CREATED,
            r#""name":"three""#,
        ),
    ];
    for (req, status, body) in cases {
        let answer = send(req).await;
        assert_eq!(answer.status, status, "{}", answer.body);
        assert!(answer.body.contains(body), "{}", answer.body);
        assert_eq!(
            answer.one("access-control-allow-origin"),
            Some(LOCAL),
            "{status}"
        );
        assert_eq!(answer.one("vary"), Some("Origin"), "{status}");
    }
}

#[actix_web::test]
async fn disallowed_origin_gets_the_untouched_response_and_only_vary() {
    let answer = send(get_from("/api/items", "https://evil.test")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_untouched(&answer).await;
    answer.assert_no_cors();
    assert_eq!(answer.one("vary"), Some("Origin"));
}

#[actix_web::test]
async fn request_without_origin_runs_the_handler_and_gets_only_vary() {
    let answer = send(
        test::TestRequest::post()
            .uri("/api/items")
            .set_json(serde_json::json!({ "name": "same-origin" })),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED);
    answer.assert_no_cors();
    assert_eq!(answer.one("vary"), Some("Origin"));
}

#[actix_web::test]
async fn vary_is_merged_with_the_handlers_and_never_duplicated() {
    for origin in [Some(LOCAL), Some("https://evil.test"), None] {
        let mut req = test::TestRequest::get().uri("/api/vary");
        if let Some(origin) = origin {
            req = req.insert_header(("Origin", origin));
        }
        let answer = send(req).await;
        assert_eq!(answer.vary(), "Accept-Encoding, Origin", "{origin:?}");
    }
    let answer = send(get_from("/api/vary-origin", LOCAL)).await;
    assert_eq!(answer.one("vary"), Some("origin"));
}

#[actix_web::test]
async fn wildcard_policy_answers_star_everywhere_without_vary_origin() {
    for origin in [Some("https://anyone.test"), Some("null"), None] {
        let mut req = test::TestRequest::get().uri("/hello");
        if let Some(origin) = origin {
            req = req.insert_header(("Origin", origin));
        }
        let answer = send(req).await;
        assert_eq!(answer.body, "Hello");
        assert_eq!(
            answer.one("access-control-allow-origin"),
            Some("*"),
            "{origin:?}"
        );
        assert_eq!(answer.one("vary"), None, "{origin:?}");
    }
}

#[actix_web::test]
async fn lookalike_origins_are_never_allowed() {
    for origin in [
        "https://App.example.com",
        "https://app.example.com/",
        "https://app.example.com:443",
        "http://app.example.com",
        "null",
        "https://app.example.com.evil.net",
        "https://evilapp.example.com",
        "https://app.example.co",
        "https://app.example.com, http://localhost:8080",
        "http://localhost:8080 ",
        "http://localhost:80800",
        "",
    ] {
        let answer = send(get_from("/api/items", origin)).await;
        assert_eq!(answer.status, StatusCode::OK, "{origin:?}");
        answer.assert_no_cors();
        let refused = send(preflight("/api/items", origin, "GET")).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{origin:?}");
        refused.assert_no_cors();
    }
}

#[actix_web::test]
async fn two_origin_headers_are_never_allowed() {
    let answer = send(get_from("/api/items", LOCAL).append_header(("Origin", APP))).await;
    answer.assert_no_cors();
    let refused =
        send(preflight("/api/items", LOCAL, "GET").append_header(("Origin", LOCAL))).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    refused.assert_no_cors();
}

#[actix_web::test]
async fn patterns_reflect_matching_origins_byte_for_byte() {
    for (path, origin) in [
        ("/api/subdomain", "https://a.example.com"),
        ("/api/subdomain", "https://deep.er.example.com"),
        ("/api/dev", "http://localhost"),
        ("/api/dev", "http://localhost:3000"),
    ] {
        let answer = send(get_from(path, origin)).await;
        assert_eq!(
            answer.one("access-control-allow-origin"),
            Some(origin),
            "{origin}"
        );
        assert_eq!(answer.one("vary"), Some("Origin"));
    }
    for (path, origin) in [
        ("/api/subdomain", "https://example.com"),
        ("/api/subdomain", "https://evilexample.com"),
        ("/api/subdomain", "https://a.example.com.evil.net"),
        ("/api/subdomain", "http://a.example.com"),
        ("/api/dev", "http://localhost.evil.net:3000"),
        ("/api/dev", "https://localhost:3000"),
        ("/api/dev", "http://localhost:80"),
    ] {
        send(get_from(path, origin)).await.assert_no_cors();
    }
}

#[actix_web::test]
async fn handler_set_allow_origin_does_not_produce_a_second_line() {
    let answer = send(get_from("/api/own-cors", LOCAL)).await;
    assert_eq!(answer.one("access-control-allow-origin"), Some(LOCAL));
    assert_eq!(answer.one("access-control-expose-headers"), Some("x-own"));
    let refused = send(get_from("/api/own-cors", "https://evil.test")).await;
    refused.assert_no_cors();
}

#[actix_web::test]
async fn routes_without_cors_are_untouched() {
    let answer = send(get_from("/api/private", LOCAL)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(
        answer.body.starts_with("Only same-origin pages"),
        "{}",
        answer.body
    );
    answer.assert_no_cors();
    assert_eq!(answer.one("vary"), None);
    let refused = send(preflight("/api/private", LOCAL, "GET")).await;
    refused.assert_no_cors();
}

#[actix_web::test]
async fn resource_names_keep_working() {
    let answer = send(get_from("/named/3", LOCAL)).await;
    assert_eq!(answer.body, "/named/7");
    assert_eq!(answer.one("access-control-allow-origin"), Some(LOCAL));
}

#[actix_web::test]
async fn hostile_headers_never_panic_nor_lose_the_response() {
    let huge = "a".repeat(64 * 1024);
    let commas = ",".repeat(20_000);
    let hostile_origins: [&[u8]; 4] = [
        huge.as_bytes(),
        b"http://localhost:8080\xff",
        b"\x80\x81",
        commas.as_bytes(),
    ];
    for origin in hostile_origins {
        let value = actix_web::http::header::HeaderValue::from_bytes(origin).unwrap();
        let answer = send(
            test::TestRequest::get()
                .uri("/api/items")
                .insert_header(("Origin", value.clone())),
        )
        .await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_untouched(&answer).await;
        answer.assert_no_cors();
        let refused = send(
            test::TestRequest::default()
                .method(Method::OPTIONS)
                .uri("/api/items")
                .insert_header(("Origin", value))
                .insert_header(("Access-Control-Request-Method", "GET"))
                .insert_header(("Access-Control-Request-Headers", commas.as_str())),
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        refused.assert_no_cors();
    }
    let many_headers = send(
        preflight("/api/items", APP, "GET")
            .insert_header(("Access-Control-Request-Headers", huge.as_str())),
    )
    .await;
    assert_eq!(many_headers.status, StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn the_query_method_gets_its_preflight_and_headers() {
    let query = Method::from_bytes(b"QUERY").unwrap();
    let allowed = send(
        preflight("/api/search", LOCAL, "QUERY")
            .insert_header(("Access-Control-Request-Headers", "content-type")),
    )
    .await;
    assert_eq!(allowed.status, StatusCode::NO_CONTENT);
    assert_eq!(allowed.one("access-control-allow-methods"), Some("QUERY"));
    let answer = send(
        test::TestRequest::default()
            .method(query)
            .uri("/api/search")
            .insert_header(("Origin", LOCAL)),
    )
    .await;
    assert_eq!(answer.body, "found");
    assert_eq!(answer.one("access-control-allow-origin"), Some(LOCAL));
}
