//! The debug explanation of a refused preflight (`X-Cors-Refused`) in both adapters: the
//! same policies served by actix-web with `ExplainRefusals` as app data and by axum with
//! the `ExplainRefusals` layer, over real sockets. Each refused preflight is explained in
//! the same words by both (wrong origin, several `Origin` lines, a request method sent
//! twice, a request header the policy does not list, quoted request bytes, an origin the
//! application's function refuses or fails on), a router without the layer explains
//! nothing, and an explanation never grants anything.

mod support;

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

use support::{exchange, request};

/// The application's function: a store round trip that knows one tenant, and fails for
/// origins that say so.
async fn ask_store(origin: String) -> Result<bool, String> {
    tokio::time::sleep(Duration::from_millis(5)).await;
    if origin.starts_with("https://fails.") {
        return Err("the store is down".to_owned());
    }
    Ok(origin == "https://member.example")
}

mod actix_app {
    use actix_web::{HttpResponse, delete, get, post};
    use cors_runtime::cors;

    pub async fn is_tenant(origin: String) -> Result<bool, String> {
        super::ask_store(origin).await
    }

    #[cors(origins = "http://localhost:8080")]
    #[delete("/plain")]
    pub async fn plain() -> &'static str {
        actix_web::rt::time::sleep(std::time::Duration::from_millis(2)).await;
        "plain"
    }

    #[cors(
        origins = "https://app.example.com",
        headers = "content-type",
        credentials = true
    )]
    #[post("/items")]
    pub async fn create_item(body: String) -> HttpResponse {
        HttpResponse::Created().body(body)
    }

    #[cors(origins = "https://*", decide_origin = "is_tenant", credentials = true)]
    #[get("/me")]
    pub async fn me() -> &'static str {
        actix_web::rt::time::sleep(std::time::Duration::from_millis(2)).await;
        "me"
    }
}

mod axum_app {
    use axum::http::StatusCode;
    use cors_axum::cors;

    pub async fn is_tenant(origin: String) -> Result<bool, String> {
        super::ask_store(origin).await
    }

    #[cors(delete, path = "/plain", origins = "http://localhost:8080")]
    pub async fn plain() -> &'static str {
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        "plain"
    }

    #[cors(
        post,
        path = "/items",
        origins = "https://app.example.com",
        headers = "content-type",
        credentials = true
    )]
    pub async fn create_item(body: String) -> (StatusCode, String) {
        (StatusCode::CREATED, body)
    }

    #[cors(
        get,
        path = "/me",
        origins = "https://*",
        decide_origin = "is_tenant",
        credentials = true
    )]
    pub async fn me() -> &'static str {
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        "me"
    }

    #[cors(
        post,
        path = "/orders",
        origins = "http://localhost:8080",
        headers = "authorization, content-type",
        credentials = true
    )]
    pub async fn place_order(body: String) -> (StatusCode, String) {
        (StatusCode::CREATED, body)
    }
}

/// The actix-web application, explaining its refusals when `explaining`.
fn actix(explaining: bool) -> SocketAddr {
    static APPS: [OnceLock<SocketAddr>; 2] = [OnceLock::new(), OnceLock::new()];
    *APPS[usize::from(explaining)].get_or_init(|| {
        support::serve_app(move || {
            let app = actix_web::App::new()
                .service(actix_app::plain)
                .service(actix_app::create_item)
                .service(actix_app::me);
            // `Condition` cannot hold app data: the two applications are built apart.
            if explaining {
                app.app_data(cors_runtime::debug::ExplainRefusals)
            } else {
                app
            }
        })
    })
}

/// Lets through requests that carry the bearer token, answers `401` to the others.
#[allow(clippy::result_large_err)]
fn bearer_token(req: &mut axum::extract::Request) -> Result<(), axum::response::Response> {
    use axum::response::IntoResponse;
    match req.headers().get("authorization") {
        Some(value) if value == "Bearer secret-token" => Ok(()),
        _ => Err(axum::http::StatusCode::UNAUTHORIZED.into_response()),
    }
}

/// The axum application, nested under `/api` with an authenticated route, explaining its
/// refusals when `explaining`.
fn axum(explaining: bool) -> SocketAddr {
    use axum::Router;
    use cors_axum::routes;
    use tower_http::validate_request::ValidateRequestHeaderLayer;

    static APPS: [OnceLock<SocketAddr>; 2] = [OnceLock::new(), OnceLock::new()];
    *APPS[usize::from(explaining)].get_or_init(|| {
        let api = Router::new()
            .merge(routes!(axum_app::plain))
            .merge(routes!(axum_app::create_item))
            .merge(routes!(axum_app::me))
            .merge(
                routes!(axum_app::place_order)
                    .authenticated(ValidateRequestHeaderLayer::custom(bearer_token)),
            );
        let app = Router::new().nest("/api", api);
        let app = if explaining {
            app.layer(cors_axum::debug::ExplainRefusals)
        } else {
            app
        };
        support::serve_axum(app)
    })
}

/// Where each framework's application serves `path`.
#[derive(Clone, Copy, Debug)]
enum Framework {
    Actix,
    Axum,
}

impl Framework {
    fn send(
        self,
        explaining: bool,
        method: &str,
        path: &str,
        headers: &[(&str, &[u8])],
    ) -> support::Response {
        let (to, path) = match self {
            Framework::Actix => (actix(explaining), path.to_owned()),
            Framework::Axum => (axum(explaining), format!("/api{path}")),
        };
        exchange(to, &request(method, &path, headers, b"")).expect("an answer")
    }
}

/// A refused preflight, and the words that explain it.
struct Case {
    what: &'static str,
    path: &'static str,
    headers: &'static [(&'static str, &'static [u8])],
    words: &'static str,
}

const REFUSED: &[Case] = &[
    Case {
        what: "an origin the policy does not list",
        path: "/plain",
        headers: &[
            ("Origin", b"https://evil.test"),
            ("Access-Control-Request-Method", b"DELETE"),
        ],
        words: "origin \"https://evil.test\" is not allowed; the policy allows http://localhost:8080",
    },
    Case {
        what: "two Origin lines",
        path: "/plain",
        headers: &[
            ("Origin", b"http://localhost:8080"),
            ("Origin", b"https://evil.test"),
            ("Access-Control-Request-Method", b"DELETE"),
        ],
        words: "2 `Origin` headers, expected exactly one",
    },
    Case {
        what: "the request method sent twice",
        path: "/plain",
        headers: &[
            ("Origin", b"http://localhost:8080"),
            ("Access-Control-Request-Method", b"DELETE"),
            ("Access-Control-Request-Method", b"PUT"),
        ],
        words: "`Access-Control-Request-Method` must be sent exactly once",
    },
    Case {
        what: "a request header the policy does not list",
        path: "/items",
        headers: &[
            ("Origin", b"https://app.example.com"),
            ("Access-Control-Request-Method", b"POST"),
            ("Access-Control-Request-Headers", b"content-type, x-secret"),
        ],
        words: "request header \"x-secret\" is not allowed; the policy allows content-type",
    },
    Case {
        what: "request bytes that would end the quote",
        path: "/items",
        headers: &[
            ("Origin", b"https://app.example.com"),
            ("Access-Control-Request-Method", b"POST"),
            ("Access-Control-Request-Headers", b"x-\"quoted\"\\"),
        ],
        words: "request header \"x-\\\"quoted\\\"\\\\\" is not allowed; the policy allows content-type",
    },
    Case {
        what: "an origin the application's function refuses",
        path: "/me",
        headers: &[
            ("Origin", b"https://stranger.example"),
            ("Access-Control-Request-Method", b"GET"),
        ],
        words: "origin refused by `is_tenant`, which decides within https://*",
    },
    Case {
        what: "an origin the application's function fails on",
        path: "/me",
        headers: &[
            ("Origin", b"https://fails.example"),
            ("Access-Control-Request-Method", b"GET"),
        ],
        words: "origin refused: `is_tenant` failed: it returned an error: the store is down",
    },
];

/// Checks `response` is a refused preflight: `403`, no `Access-Control-*` header, the
/// `Vary` of every preflight; returns its explanation.
fn refused_with(response: &support::Response, context: &str) -> Option<String> {
    assert_eq!(response.status, 403, "{context}: {response:?}");
    assert!(
        response.access_control().is_empty(),
        "{context}: {response:?}"
    );
    for name in [
        "origin",
        "access-control-request-method",
        "access-control-request-headers",
    ] {
        assert!(
            response.vary().iter().any(|varied| varied == name),
            "{context}: {response:?}"
        );
    }
    assert!(
        response.all("x-cors-refused").len() <= 1,
        "{context}: {response:?}"
    );
    response.one("x-cors-refused")
}

#[test]
fn both_frameworks_explain_each_refusal_in_the_same_words() {
    for case in REFUSED {
        let explained: Vec<Option<String>> = [Framework::Actix, Framework::Axum]
            .into_iter()
            .map(|framework| {
                let response = framework.send(true, "OPTIONS", case.path, case.headers);
                refused_with(&response, &format!("{framework:?}, {}", case.what))
            })
            .collect();
        assert_eq!(explained[0], explained[1], "{}", case.what);
        assert_eq!(explained[0].as_deref(), Some(case.words), "{}", case.what);
    }
}

#[test]
fn without_explanations_on_a_refusal_is_not_explained() {
    for framework in [Framework::Actix, Framework::Axum] {
        for case in REFUSED {
            let response = framework.send(false, "OPTIONS", case.path, case.headers);
            let context = format!("{framework:?}, {}", case.what);
            assert_eq!(refused_with(&response, &context), None, "{context}");
        }
    }
}

#[test]
fn a_method_the_path_does_not_serve_is_left_to_the_router_in_both() {
    // Not a preflight of this route: each framework answers it as it answers an `OPTIONS`
    // that is no preflight, and neither explains it as a refusal.
    let headers: &[(&str, &[u8])] = &[
        ("Origin", b"http://localhost:8080"),
        ("Access-Control-Request-Method", b"PUT"),
    ];
    for framework in [Framework::Actix, Framework::Axum] {
        let response = framework.send(true, "OPTIONS", "/plain", headers);
        let no_preflight = framework.send(true, "OPTIONS", "/plain", &[]);
        assert!(
            (404..=405).contains(&response.status) && response.status == no_preflight.status,
            "{framework:?}: {response:?}, {no_preflight:?}"
        );
        assert!(response.access_control().is_empty(), "{framework:?}");
        assert_eq!(response.one("x-cors-refused"), None, "{framework:?}");
    }
}

#[test]
fn explaining_grants_nothing_more_and_granted_requests_are_untouched() {
    let member: &[(&str, &[u8])] = &[
        ("Origin", b"https://member.example"),
        ("Access-Control-Request-Method", b"GET"),
    ];
    for framework in [Framework::Actix, Framework::Axum] {
        let granted = framework.send(true, "OPTIONS", "/me", member);
        assert_eq!(granted.status, 204, "{framework:?}: {granted:?}");
        assert_eq!(
            granted.one("access-control-allow-origin").as_deref(),
            Some("https://member.example"),
            "{framework:?}"
        );
        assert_eq!(granted.one("x-cors-refused"), None, "{framework:?}");
        let actual = framework.send(true, "GET", "/me", &member[..1]);
        assert_eq!(actual.status, 200, "{framework:?}: {actual:?}");
        assert_eq!(
            actual.one("access-control-allow-origin").as_deref(),
            Some("https://member.example"),
            "{framework:?}"
        );
        assert_eq!(actual.one("x-cors-refused"), None, "{framework:?}");
        // An actual request from a refused origin is answered, without a grant or a reason.
        let stranger = framework.send(
            true,
            "DELETE",
            "/plain",
            &[("Origin", b"https://evil.test")],
        );
        assert_eq!(stranger.status, 200, "{framework:?}: {stranger:?}");
        assert!(stranger.access_control().is_empty(), "{framework:?}");
        assert_eq!(stranger.one("x-cors-refused"), None, "{framework:?}");
    }
}

#[test]
fn an_authenticated_route_explains_its_refused_preflight_before_authentication() {
    let refused = Framework::Axum.send(
        true,
        "OPTIONS",
        "/orders",
        &[
            ("Origin", b"http://localhost:8080"),
            ("Access-Control-Request-Method", b"POST"),
            ("Access-Control-Request-Headers", b"authorization, x-trace"),
        ],
    );
    assert_eq!(
        refused_with(&refused, "authenticated").as_deref(),
        Some(
            "request header \"x-trace\" is not allowed; the policy allows authorization, content-type"
        )
    );
    // Authentication still answers everything else, without a reason.
    let unauthenticated = Framework::Axum.send(
        true,
        "POST",
        "/orders",
        &[("Origin", b"http://localhost:8080")],
    );
    assert_eq!(unauthenticated.status, 401, "{unauthenticated:?}");
    assert_eq!(unauthenticated.one("x-cors-refused"), None);
}
