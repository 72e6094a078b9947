//! Hostile traffic against an axum app, over raw TCP: the requests of `tests/hostile.rs`
//! (`tests/hostile_cases`: look-alike, `null`, empty, userinfo and port-twisted origins,
//! invalid UTF-8, 64 KiB values, two `Origin` lines, hostile `Access-Control-Request-*`
//! lines, requests the HTTP layer refuses) sent to every route of an app with the kinds of
//! policy the demo has (listed origins, `*`, `https://*.example.com`, `http://localhost:*`,
//! credentials, a failing handler, a route behind authentication, a route without
//! `#[cors]`), as actual requests and as preflights.
//!
//! Every answer must come within [`support::BOUND`], never be a `5xx` (but the failing
//! handler's own `500`), carry at most one `Access-Control-Allow-Origin`, never grant an
//! origin the policy does not allow, and an actual request keeps the handler's status and
//! body. Afterwards the server still answers, and none of its threads panicked. A control
//! sends the same requests to an app that reflects every `Origin`: the checks must fail
//! there.

mod hostile_cases;
mod support;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, Request};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response as AxumResponse};
use cors_axum::{cors, routes};
use hostile_cases::{
    BARE_LF, Expect, Lines, hostile_origins, hostile_request_lines, raw_requests, violations,
};
use support::{PAGE, Response, exchange, request};
use tower_http::validate_request::ValidateRequestHeaderLayer;

const JSON: &[u8] = br#"{"name":"hostile"}"#;

#[cors(
    get,
    path = "/api/items",
    origins = "http://localhost:8080, https://app.example.com",
    headers = "Content-Type, X-Api-Key",
    expose_headers = "X-Total-Count"
)]
async fn list_items() -> impl IntoResponse {
    tokio::time::sleep(Duration::from_millis(1)).await;
    ([("x-total-count", "2")], "items")
}

#[cors(
    post,
    path = "/api/items",
    origins = "http://localhost:8080, https://app.example.com",
    headers = "Content-Type, X-Api-Key"
)]
async fn create_item(body: String) -> (StatusCode, String) {
    (StatusCode::CREATED, format!("created {body}"))
}

#[cors(
    delete,
    path = "/api/items/{id}",
    origins = "http://localhost:8080",
    credentials = true
)]
async fn delete_item(Path(id): Path<u32>) -> (StatusCode, String) {
    tokio::task::yield_now().await;
    (StatusCode::NOT_FOUND, format!("no item {id}"))
}

#[cors(
    put,
    path = "/api/items/{id}",
    origins = "https://app.example.com",
    headers = "Content-Type"
)]
async fn replace_item(Path(id): Path<u32>, body: String) -> (StatusCode, String) {
    (StatusCode::NOT_FOUND, format!("no item {id} for {body}"))
}

#[cors(get, path = "/api/public", origins = "*", headers = "X-Requested-With")]
async fn public() -> &'static str {
    "public"
}

#[cors(get, path = "/api/subdomain", origins = "https://*.example.com")]
async fn subdomain() -> &'static str {
    "subdomain"
}

#[cors(get, path = "/api/dev", origins = "http://localhost:*")]
async fn dev() -> &'static str {
    "dev"
}

#[cors(get, path = "/api/fail", origins = "http://localhost:8080")]
async fn fail() -> (StatusCode, &'static str) {
    tokio::time::sleep(Duration::from_millis(1)).await;
    (StatusCode::INTERNAL_SERVER_ERROR, "failed")
}

#[cors(get, path = "/api/vary", origins = "http://localhost:8080")]
async fn vary() -> impl IntoResponse {
    ([("vary", "Accept-Encoding")], "vary")
}

#[cors(
    delete,
    path = "/api/account",
    origins = "http://localhost:8080",
    headers = "Authorization",
    credentials = true
)]
async fn delete_account() -> StatusCode {
    StatusCode::NO_CONTENT
}

/// Without `#[cors]`: no page on another origin may read it.
async fn private() -> &'static str {
    "private"
}

/// Lets through requests with the bearer token, answers `401` to the others.
#[allow(clippy::result_large_err)]
fn bearer_token(req: &mut Request) -> Result<(), AxumResponse> {
    match req.headers().get("authorization") {
        Some(value) if value == "Bearer secret-token" => Ok(()),
        _ => Err(StatusCode::UNAUTHORIZED.into_response()),
    }
}

/// The app under test, served once for the test process.
fn app() -> SocketAddr {
    static ADDRESS: OnceLock<SocketAddr> = OnceLock::new();
    *ADDRESS.get_or_init(|| {
        install_panic_counter();
        let app = Router::new()
            .merge(routes!(list_items, create_item))
            .merge(routes!(delete_item, replace_item))
            .merge(routes!(public))
            .merge(routes!(subdomain))
            .merge(routes!(dev))
            .merge(routes!(fail))
            .merge(routes!(vary))
            .merge(
                routes!(delete_account)
                    .authenticated(ValidateRequestHeaderLayer::custom(bearer_token)),
            )
            .route("/api/private", axum::routing::get(private));
        support::serve_axum(app)
    })
}

/// The control: an app without `#[cors]` whose every answer grants the request's last
/// `Origin` (with credentials), the mistake the checks are there to catch.
fn reflecting_app() -> SocketAddr {
    static ADDRESS: OnceLock<SocketAddr> = OnceLock::new();
    *ADDRESS.get_or_init(|| {
        let app = Router::new().fallback(|headers: HeaderMap| async move {
            let mut answer = HeaderMap::new();
            if let Some(origin) = headers.get_all("origin").iter().next_back() {
                answer.insert("access-control-allow-origin", origin.clone());
                answer.insert("access-control-allow-credentials", "true".parse().unwrap());
            }
            (answer, "reflected")
        });
        support::serve_axum(app)
    })
}

/// Panics of the server's threads (tokio's workers): a panicking connection task only
/// drops its connection, which "the server still answers" alone would not notice.
fn server_panics() -> Vec<String> {
    panics().lock().unwrap_or_else(|e| e.into_inner()).clone()
}

fn panics() -> &'static Mutex<Vec<String>> {
    static PANICS: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    PANICS.get_or_init(Mutex::default)
}

fn install_panic_counter() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let thread = std::thread::current();
        let name = thread.name().unwrap_or("");
        // `tokio-rt-worker` in tokio 1.54, `tokio-runtime-worker` in older ones.
        if name.starts_with("tokio-") {
            panics()
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(format!("{name}: {info}"));
        }
        previous(info);
    }));
}

/// Origins the app's policies grant, in the order [`granted_origin`] tries them.
const GRANTED_CANDIDATES: [&str; 4] = [
    PAGE,
    "https://app.example.com",
    "https://a.example.com",
    "http://localhost:3000",
];

/// A route of the app, as the hostile requests reach it.
struct Target {
    method: &'static str,
    /// The route's path, with an id no item has.
    path: String,
    body: &'static [u8],
    /// One origin the policy grants (none for the route without `#[cors]`).
    allowed: Option<String>,
    /// Its policy is `origins = "*"`.
    public: bool,
    /// What the handler (or the authentication before it) answers an actual request.
    answer: (u16, Vec<u8>),
}

/// Every route of the app: the annotated ones as the audit lists them, and the private one.
fn targets() -> Vec<Target> {
    // This file's routes: the demo's, linked in through the shared support, are not served here.
    let mut targets: Vec<Target> = cors_axum::audit::routes()
        .into_iter()
        .filter(|route| route.module.starts_with(module_path!()))
        .map(|route| {
            let policy = route.policy();
            let allowed = GRANTED_CANDIDATES
                .into_iter()
                .find(|origin| policy.allows_origin(origin))
                .unwrap_or_else(|| panic!("no candidate origin is granted {route:?}"));
            let path = route.path.replace("{id}", "999999");
            let body: &[u8] = if matches!(route.method, "POST" | "PUT") {
                JSON
            } else {
                b""
            };
            let answer: (u16, &[u8]) = match (route.method, route.path) {
                ("GET", "/api/items") => (200, b"items"),
                ("POST", "/api/items") => (201, br#"created {"name":"hostile"}"#),
                ("DELETE", "/api/items/{id}") => (404, b"no item 999999"),
                ("PUT", "/api/items/{id}") => (404, br#"no item 999999 for {"name":"hostile"}"#),
                ("GET", "/api/public") => (200, b"public"),
                ("GET", "/api/subdomain") => (200, b"subdomain"),
                ("GET", "/api/dev") => (200, b"dev"),
                ("GET", "/api/fail") => (500, b"failed"),
                ("GET", "/api/vary") => (200, b"vary"),
                ("DELETE", "/api/account") => (401, b""),
                other => panic!("no answer known for {other:?}"),
            };
            Target {
                method: route.method,
                path,
                body,
                allowed: Some(allowed.to_owned()),
                public: policy.origins().to_string() == "*",
                answer: (answer.0, answer.1.to_vec()),
            }
        })
        .collect();
    targets.push(Target {
        method: "GET",
        path: "/api/private".to_owned(),
        body: b"",
        allowed: None,
        public: false,
        answer: (200, b"private".to_vec()),
    });
    targets
}

/// One hand-written request and what its answer may and must carry.
struct Case {
    name: String,
    bytes: Vec<u8>,
    public: bool,
    /// The one origin this request may be granted (besides a `*` policy's `*`).
    may_grant: Option<String>,
    /// The request must be granted: the control that grants happen at all.
    must_grant: bool,
    /// The failing handler's own `500`.
    server_error_ok: bool,
    /// An actual request: the handler's status and body must come through.
    answer: Option<(u16, Vec<u8>)>,
    /// One of the hostile `Origin` cases, for the reflecting control.
    hostile_origin: bool,
}

impl Target {
    fn actual(&self, headers: &[(&str, &[u8])]) -> Vec<u8> {
        request(self.method, &self.target(), headers, self.body)
    }

    fn preflight(&self, headers: &[(&str, &[u8])]) -> Vec<u8> {
        request("OPTIONS", &self.target(), headers, b"")
    }

    fn target(&self) -> String {
        format!("{}?hostile=1", self.path)
    }

    /// A case refused whatever it holds; `actual` when it is an actual request.
    fn refused(&self, name: &str, bytes: Vec<u8>, actual: bool) -> Case {
        Case {
            name: format!("{} {}: {name}", self.method, self.path),
            bytes,
            public: self.public,
            may_grant: None,
            must_grant: false,
            server_error_ok: actual && self.answer.0 == 500,
            answer: actual.then(|| self.answer.clone()),
            hostile_origin: false,
        }
    }

    fn origin(&self) -> &[u8] {
        self.allowed.as_deref().unwrap_or(PAGE).as_bytes()
    }

    fn preflight_headers<'a>(&self, origin: &'a [u8]) -> Lines<'a> {
        vec![
            ("Origin", origin),
            ("Access-Control-Request-Method", self.method.as_bytes()),
        ]
    }
}

fn hostile_origin_cases(target: &Target, hostile: &[(String, Vec<u8>)]) -> Vec<Case> {
    let content_type: &[u8] = b"application/json";
    let mut cases = Vec::new();
    for (name, origin) in hostile {
        let name = format!("Origin {name:?}");
        let actual = target.actual(&[("Origin", origin), ("Content-Type", content_type)]);
        cases.push(Case {
            hostile_origin: true,
            ..target.refused(&name, actual, true)
        });
        let preflight = target.preflight(&target.preflight_headers(origin));
        cases.push(Case {
            hostile_origin: true,
            ..target.refused(&format!("preflight, {name}"), preflight, false)
        });
    }
    cases
}

fn two_origin_cases(target: &Target) -> Vec<Case> {
    let allowed = target.origin();
    let pairs: [(&str, &[u8], &[u8]); 5] = [
        ("allowed twice", allowed, allowed),
        ("allowed, then evil", allowed, b"https://evil.net"),
        ("evil, then allowed", b"https://evil.net", allowed),
        ("null, then allowed", b"null", allowed),
        ("allowed, then empty", allowed, b""),
    ];
    let mut cases = Vec::new();
    for (name, first, second) in pairs {
        let name = format!("two Origin lines, {name}");
        let actual = target.actual(&[("Origin", first), ("Origin", second)]);
        cases.push(target.refused(&name, actual, true));
        let mut headers = target.preflight_headers(first);
        headers.push(("Origin", second));
        cases.push(target.refused(
            &format!("preflight, {name}"),
            target.preflight(&headers),
            false,
        ));
    }
    cases
}

fn request_line_cases(target: &Target) -> Vec<Case> {
    let listed = target.allowed.clone().filter(|_| !target.public);
    let mut cases = Vec::new();
    for (name, extra) in hostile_request_lines(target.method.as_bytes()) {
        let mut headers: Lines = vec![("Origin", target.origin())];
        headers.extend(extra.iter().map(|(name, value)| (*name, value.as_slice())));
        cases.push(Case {
            may_grant: listed.clone(),
            // Unknown request headers never break a preflight.
            must_grant: target.allowed.is_some() && name == "private network request",
            ..target.refused(
                &format!("preflight: {name}"),
                target.preflight(&headers),
                false,
            )
        });
        cases.push(Case {
            may_grant: listed.clone(),
            // An actual request: its Access-Control-Request-* lines mean nothing.
            must_grant: target.allowed.is_some(),
            ..target.refused(name, target.actual(&headers), true)
        });
    }
    cases
}

fn raw_cases() -> Vec<Case> {
    raw_requests("/api/items", PAGE)
        .into_iter()
        .map(|(name, bytes)| Case {
            name: format!("raw: {name}"),
            bytes,
            public: false,
            may_grant: (name == BARE_LF).then(|| PAGE.to_owned()),
            must_grant: false,
            server_error_ok: false,
            answer: None,
            hostile_origin: false,
        })
        .collect()
}

fn cases() -> Vec<Case> {
    let hostile = hostile_origins(PAGE);
    let mut cases = Vec::new();
    for target in targets() {
        cases.extend(hostile_origin_cases(&target, &hostile));
        cases.extend(two_origin_cases(&target));
        cases.extend(request_line_cases(&target));
    }
    cases.extend(raw_cases());
    cases
}

/// What is wrong with `response` to `case`: the shared checks, and the handler's answer.
fn wrong(case: &Case, response: &Response) -> Vec<String> {
    let mut wrong = violations(
        &Expect {
            public: case.public,
            may_grant: case.may_grant.as_deref(),
            must_grant: case.must_grant,
            server_error_ok: case.server_error_ok,
        },
        response,
    );
    if let Some((status, body)) = &case.answer
        && (response.status != *status || response.body != *body)
    {
        wrong.push(format!(
            "the handler's {status} {:?} became {} {:?}",
            String::from_utf8_lossy(body),
            response.status,
            String::from_utf8_lossy(&response.body[..response.body.len().min(200)])
        ));
    }
    wrong
}

#[test]
fn hostile_requests_are_answered_in_time_without_5xx_reflection_or_a_lost_response() {
    let api = app();
    let cases = cases();
    let mut failures = Vec::new();
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    let (mut granted, mut handler_answers, mut bytes_sent) = (0, 0, 0);
    let mut slowest = (Duration::ZERO, String::new());
    for case in &cases {
        bytes_sent += case.bytes.len();
        match exchange(api, &case.bytes) {
            Ok(response) => {
                *statuses.entry(response.status).or_default() += 1;
                granted += usize::from(!response.all("access-control-allow-origin").is_empty());
                handler_answers += usize::from(case.answer.is_some());
                if response.elapsed > slowest.0 {
                    slowest = (response.elapsed, case.name.clone());
                }
                let wrong = wrong(case, &response);
                if !wrong.is_empty() {
                    failures.push(format!(
                        "{}: {} ({:?})",
                        case.name,
                        wrong.join("; "),
                        response.access_control()
                    ));
                }
            }
            Err(error) => failures.push(format!("{}: {error}", case.name)),
        }
    }

    // Still answering, correctly, after all that.
    let after = exchange(
        api,
        &request("GET", "/api/items", &[("Origin", PAGE.as_bytes())], b""),
    )
    .expect("the app stopped answering after the hostile requests");
    assert_eq!(after.status, 200);
    assert_eq!(
        after.one("access-control-allow-origin").as_deref(),
        Some(PAGE)
    );
    let panics = server_panics();
    println!(
        "{} hostile requests ({:.1} MiB), statuses {statuses:?}, {granted} with a grant, \
         {handler_answers} handler answers checked, slowest {:?} ({})",
        cases.len(),
        bytes_sent as f64 / (1024.0 * 1024.0),
        slowest.0,
        slowest.1
    );
    assert!(
        panics.is_empty(),
        "server threads panicked:\n{}",
        panics.join("\n")
    );
    assert!(
        failures.is_empty(),
        "{} of {} hostile requests were mishandled:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert!(cases.len() >= 2000, "only {} cases", cases.len());
    // The grants the must-grant cases prove, and the handlers' answers, were reached.
    assert!(granted >= 100, "{granted} grants");
    assert!(handler_answers >= 1000, "{handler_answers}");
}

/// The checks can fail: an app that grants every `Origin` it is sent fails every hostile
/// `Origin` case it answers with a grant, and the must-grant cases pass there.
#[test]
fn the_checks_catch_an_app_that_reflects_every_origin() {
    let reflecting = reflecting_app();
    let (mut checked, mut caught) = (0, 0);
    let mut missed = Vec::new();
    for case in cases().iter().filter(|case| case.hostile_origin) {
        let response = exchange(reflecting, &case.bytes).expect("an answer");
        if response.all("access-control-allow-origin").is_empty() {
            continue; // a value hyper refused, or none the app could reflect
        }
        checked += 1;
        let shared = violations(
            &Expect {
                public: case.public,
                may_grant: case.may_grant.as_deref(),
                must_grant: case.must_grant,
                server_error_ok: case.server_error_ok,
            },
            &response,
        );
        if shared.is_empty() {
            missed.push(case.name.clone());
        } else {
            caught += 1;
        }
    }
    println!("the reflecting app: {caught} of {checked} hostile origins caught");
    assert!(missed.is_empty(), "not caught:\n{}", missed.join("\n"));
    assert!(checked >= 1000, "only {checked} reflected");
}
