//! The properties the fuzz targets check, shared with the corpus replay test
//! (`tests/fuzz_corpora.rs`) so every saved input is re-checked by `cargo test`.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::LazyLock;

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::{HttpResponse, test as actix_test};
use cors_rules::{List, Match, OriginMatcher, OriginPattern, Origins, PortRule, Scheme, Text};
use tower::ServiceExt;

/// Every kind of origin entry, with more exact origins than are compared one by one, so
/// inputs reach the hash table of the one lookup requests use.
const ORIGINS: Origins = Origins::Listed {
    exact: List::Static(&[
        Text::Static("http://localhost:8080"),
        Text::Static("https://app.example.com"),
        Text::Static("https://admin.example.net"),
        Text::Static("https://a.io"),
        Text::Static("https://b.io"),
        Text::Static("https://c.io:8443"),
        Text::Static("http://127.0.0.1:3000"),
        Text::Static("http://[::1]:9000"),
    ]),
    patterns: List::Static(&[
        OriginPattern {
            scheme: Scheme::Https,
            host: Text::Static("example.com"),
            subdomains: true,
            port: PortRule::Default,
        },
        OriginPattern {
            scheme: Scheme::Http,
            host: Text::Static("localhost"),
            subdomains: false,
            port: PortRule::Any,
        },
        OriginPattern {
            scheme: Scheme::Http,
            host: Text::Static("[::1]"),
            subdomains: false,
            port: PortRule::Any,
        },
        OriginPattern {
            scheme: Scheme::Https,
            host: Text::Static("example.org"),
            subdomains: true,
            port: PortRule::Exact(8443),
        },
    ]),
};

/// Two exact origins: the lookup's one-by-one branch.
const FEW_ORIGINS: Origins = Origins::Listed {
    exact: List::Static(&[
        Text::Static("http://localhost:8080"),
        Text::Static("https://app.example.com"),
    ]),
    patterns: List::Static(&[]),
};

/// `https://*`: every HTTPS origin, the bound of a function that decides origins.
const ANY_HTTPS_ORIGIN: Origins = Origins::Listed {
    exact: List::Static(&[]),
    patterns: List::Static(&[OriginPattern {
        scheme: Scheme::Https,
        host: Text::Static(""),
        subdomains: true,
        port: PortRule::Default,
    }]),
};

static LISTED: Origins = ORIGINS;
static FEW: Origins = FEW_ORIGINS;
static ANY_HTTPS: Origins = ANY_HTTPS_ORIGIN;
static MATCHERS: LazyLock<[OriginMatcher; 3]> =
    LazyLock::new(|| [LISTED.matcher(), FEW.matcher(), ANY_HTTPS.matcher()]);

/// [`ORIGINS`] as the handlers' attributes write it (macro arguments are literals): the
/// handlers' policies are checked against it before any input is answered.
const ORIGINS_WRITTEN: &str = "http://localhost:8080, https://app.example.com, \
    https://admin.example.net, https://a.io, https://b.io, https://c.io:8443, \
    http://127.0.0.1:3000, http://[::1]:9000, https://*.example.com, http://localhost:*, \
    http://[::1]:*, https://*.example.org:8443";

/// The policy of the fuzzed routes, with every kind of origin entry, as users write it.
#[cors_runtime::cors(
    origins = "http://localhost:8080, https://app.example.com, https://admin.example.net, https://a.io, https://b.io, https://c.io:8443, http://127.0.0.1:3000, http://[::1]:9000, https://*.example.com, http://localhost:*, http://[::1]:*, https://*.example.org:8443",
    headers = "content-type, x-api-key",
    expose_headers = "x-total-count",
    max_age = 600,
    credentials = true
)]
#[actix_web::route("/fuzz", method = "GET", method = "PUT")]
async fn actix_route() -> HttpResponse {
    let mut response = HttpResponse::Ok();
    for (name, value) in WRITTEN.with_borrow(HeaderMap::clone) {
        response.append_header((name, value));
    }
    response.finish()
}

cors_axum::policy! {
    /// [`actix_route`]'s policy, for the axum adapter.
    AXUM_POLICY {
        origins = "http://localhost:8080, https://app.example.com, https://admin.example.net, https://a.io, https://b.io, https://c.io:8443, http://127.0.0.1:3000, http://[::1]:9000, https://*.example.com, http://localhost:*, http://[::1]:*, https://*.example.org:8443",
        headers = "content-type, x-api-key",
        expose_headers = "x-total-count",
        max_age = 600,
        credentials = true,
    }
}

#[cors_axum::cors(get, path = "/fuzz", policy = AXUM_POLICY)]
async fn axum_get() -> axum::response::Response {
    axum_written()
}

#[cors_axum::cors(put, path = "/fuzz", policy = AXUM_POLICY)]
async fn axum_put() -> axum::response::Response {
    axum_written()
}

/// A response with the header lines of the current input, as the axum handlers write it.
fn axum_written() -> axum::response::Response {
    let mut response = axum::response::Response::new(axum::body::Body::empty());
    *response.headers_mut() = WRITTEN.with_borrow(to_http1);
    response
}

thread_local! {
    /// The header lines the handler writes for the input being checked: both frameworks
    /// run the handler on the thread that asked.
    static WRITTEN: RefCell<HeaderMap> = RefCell::new(HeaderMap::new());
    // Never dropped: actix-web's request pool, dropped with the app as the thread ends,
    // reaches for thread-locals already gone.
    static ACTIX: &'static ActixApp = Box::leak(Box::new(ActixApp::new()));
    static AXUM: AxumApp = AxumApp::new();
}

/// The status and headers of an app's answer.
type Answer = (StatusCode, HeaderMap);

/// An answer the actix-web app is working on.
type Answering = Pin<Box<dyn Future<Output = Answer>>>;

/// The actix-web app of [`actix_route`], built once per thread: what a server runs.
struct ActixApp {
    system: actix_web::rt::SystemRunner,
    call: Box<dyn Fn(actix_test::TestRequest) -> Answering>,
}

impl ActixApp {
    fn new() -> ActixApp {
        let system = actix_web::rt::System::new();
        let app = system.block_on(actix_test::init_service(
            actix_web::App::new().service(actix_route),
        ));
        let app = Rc::new(app);
        let entry = cors_runtime::audit::entries()
            .into_iter()
            .find(|entry| entry.handler == "actix_route")
            .expect("the fuzzed route is in the audit");
        assert_eq!(entry.policy.origins().to_string(), ORIGINS.to_string());
        assert_eq!(ORIGINS.to_string(), ORIGINS_WRITTEN);
        ActixApp {
            system,
            call: Box::new(move |request| {
                let app = Rc::clone(&app);
                Box::pin(async move {
                    let response = actix_test::call_service(&*app, request.to_request()).await;
                    (response.status(), response.headers().clone())
                })
            }),
        }
    }

    /// The app's answer to `request`, with `written` the handler's header lines.
    fn answer(&self, request: actix_test::TestRequest, written: HeaderMap) -> Answer {
        WRITTEN.set(written);
        self.system.block_on((self.call)(request))
    }
}

/// The axum router of [`axum_get`] and [`axum_put`], built once per thread.
struct AxumApp {
    runtime: tokio::runtime::Runtime,
    router: axum::Router,
}

impl AxumApp {
    fn new() -> AxumApp {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        for handler in ["axum_get", "axum_put"] {
            let route = cors_axum::audit::routes()
                .into_iter()
                .find(|route| route.handler == handler)
                .expect("the fuzzed routes are in the audit");
            assert_eq!(route.policy.origins().to_string(), ORIGINS_WRITTEN);
        }
        let router = cors_axum::routes!(axum_get, axum_put).into();
        AxumApp { runtime, router }
    }

    /// The router's answer to a `method` request with `headers`, with `written` the
    /// handler's header lines, in actix-web's types for the shared checks.
    fn answer(&self, method: &str, headers: &HeaderMap, written: HeaderMap) -> Answer {
        WRITTEN.set(written);
        let mut request = axum::http::Request::new(axum::body::Body::empty());
        *request.method_mut() = method.parse().expect("a method");
        *request.uri_mut() = axum::http::Uri::from_static("/fuzz");
        *request.headers_mut() = to_http1(headers);
        let response = self
            .runtime
            .block_on(self.router.clone().oneshot(request))
            .unwrap_or_else(|never| match never {});
        let status = StatusCode::from_u16(response.status().as_u16()).expect("a status");
        (status, from_http1(response.headers()))
    }
}

/// `headers` on a test request of `method` to the fuzzed path.
fn actix_request(method: actix_web::http::Method, headers: &HeaderMap) -> actix_test::TestRequest {
    let mut request = actix_test::TestRequest::default()
        .method(method)
        .uri("/fuzz");
    for (name, value) in headers {
        request = request.append_header((name.clone(), value.clone()));
    }
    request
}

/// Whether the routes' policy allows `origin`, by the lookup its requests use.
fn allowed(origin: &[u8]) -> bool {
    MATCHERS[0].find(origin).is_some()
}

/// Every origin the lookup allows is a serialized origin by the compile-time rules, and an
/// exact match is byte for byte the listed origin; `https://*` allows only HTTPS origins on
/// the default port.
pub fn origin_matcher(data: &[u8]) {
    for (matcher, origins) in MATCHERS.iter().zip([&LISTED, &FEW, &ANY_HTTPS]) {
        let Some(found) = matcher.find(data) else {
            continue;
        };
        let text = std::str::from_utf8(data).expect("an allowed origin is ASCII");
        let rule = cors_rules::parse_origin(text)
            .unwrap_or_else(|error| panic!("allowed {text:?}: {error}"));
        assert_eq!(
            rule,
            cors_rules::OriginRule::Exact(text.to_owned().into()),
            "allowed {text:?}"
        );
        if std::ptr::eq(origins, &ANY_HTTPS) {
            let host = text.strip_prefix("https://").expect("an HTTPS origin");
            assert!(!host.contains(':'), "allowed {text:?}: a port");
        }
        let Origins::Listed { exact, .. } = origins else {
            unreachable!("every list is listed")
        };
        match found {
            Match::Exact(index) => assert_eq!(exact[index], text),
            Match::Pattern => assert!(!exact.iter().any(|origin| origin == text)),
            Match::Any => panic!("no `*` here"),
        }
    }
}

/// The header names the routes' policy allows, compared as its preflight compares them.
fn allowed_header(name: &[u8]) -> bool {
    ["content-type", "x-api-key"]
        .iter()
        .any(|allowed| allowed.as_bytes().eq_ignore_ascii_case(name))
}

/// Requested names are trimmed, non-empty and comma-free; refusals name one of them.
pub fn request_headers(data: &[u8]) {
    let Ok(value) = HeaderValue::from_bytes(data) else {
        return;
    };
    let values = [value];
    for name in
        cors_rules::request_headers::requested_names(values.iter().map(HeaderValue::as_bytes))
    {
        assert!(!name.is_empty());
        assert_eq!(name, name.trim_ascii());
        assert!(!name.contains(&b','));
    }
    if let Some(refused) = cors_rules::request_headers::first_refused(
        values.iter().map(HeaderValue::as_bytes),
        allowed_header,
    ) {
        assert!(!allowed_header(refused) || !refused.iter().all(|&b| cors_rules::is_tchar(b)));
    }
}

/// `headers` as the axum adapter's `http` 1 types hold them. `http` 1 refuses a few names
/// `http` 0.2 takes (no server of axum's would hand them in): the inputs are made of
/// `http` 1's, so those lines are left out before anything is answered.
fn to_http1(headers: &HeaderMap) -> axum::http::HeaderMap {
    let mut map = axum::http::HeaderMap::new();
    for (name, value) in headers.iter() {
        if let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::from_bytes(name.as_str().as_bytes()),
            axum::http::HeaderValue::from_bytes(value.as_bytes()),
        ) {
            map.append(name, value);
        }
    }
    map
}

/// `headers` back in actix-web's `http` 0.2 types, for the shared checks.
fn from_http1(headers: &axum::http::HeaderMap) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.append(
            HeaderName::from_bytes(name.as_str().as_bytes()).expect("a valid name"),
            HeaderValue::from_bytes(value.as_bytes()).expect("a valid value"),
        );
    }
    map
}

/// [`header_lines`] without the lines `http` 1 refuses: what an axum server hands in.
fn header_lines_http1(data: &[u8]) -> HeaderMap {
    from_http1(&to_http1(&header_lines(data)))
}

/// `name: value` lines, one per line, as a header map; lines that are not a valid header
/// are skipped.
fn header_lines(data: &[u8]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for line in data.split(|&byte| byte == b'\n') {
        let Some(colon) = line.iter().position(|&byte| byte == b':') else {
            continue;
        };
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(&line[..colon]),
            HeaderValue::from_bytes(line[colon + 1..].trim_ascii()),
        ) else {
            continue;
        };
        headers.append(name, value);
    }
    headers
}

/// A GET's request header lines, an empty line, then the lines a handler wrote: the
/// response carries exactly the policy's `Access-Control-*` headers (or none), every other
/// header as the handler wrote it, and `Origin` in `Vary` exactly once unless the handler's
/// `Vary` already covers it.
pub fn response_headers(data: &[u8]) {
    check_response_headers(data, |request, written| {
        let request = actix_request(actix_web::http::Method::GET, request);
        ACTIX.with(|app| app.answer(request, written.clone())).1
    });
}

/// [`response_headers`], answered by the axum adapter.
pub fn axum_response_headers(data: &[u8]) {
    check_response_headers_of(header_lines_http1, data, |request, written| {
        AXUM.with(|app| app.answer("GET", request, written.clone()))
            .1
    });
}

/// The checks of [`response_headers`], whichever adapter `answer`s a request's headers
/// with a handler that writes the given lines.
fn check_response_headers(data: &[u8], answer: impl FnOnce(&HeaderMap, &HeaderMap) -> HeaderMap) {
    check_response_headers_of(header_lines, data, answer);
}

/// The checks of [`response_headers`], with header lines read by `lines`.
fn check_response_headers_of(
    lines: fn(&[u8]) -> HeaderMap,
    data: &[u8],
    answer: impl FnOnce(&HeaderMap, &HeaderMap) -> HeaderMap,
) {
    let split = data
        .windows(2)
        .position(|pair| pair == b"\n\n")
        .unwrap_or(data.len());
    let request = lines(&data[..split]);
    let written = lines(data.get(split + 2..).unwrap_or_default());
    let response = answer(&request, &written);

    let origins: Vec<&HeaderValue> = request.get_all("origin").collect();
    let granted = origins.len() == 1 && allowed(origins[0].as_bytes());
    let mut cors: Vec<(&str, &[u8])> = response
        .iter()
        .filter(|(name, _)| name.as_str().starts_with("access-control-"))
        .map(|(name, value)| (name.as_str(), value.as_bytes()))
        .collect();
    cors.sort();
    let mut expected: Vec<(&str, &[u8])> = Vec::new();
    if granted {
        expected.push(("access-control-allow-origin", origins[0].as_bytes()));
        expected.push(("access-control-allow-credentials", b"true"));
        expected.push(("access-control-expose-headers", b"x-total-count"));
    }
    expected.sort();
    assert_eq!(cors, expected);

    // `Vary` is checked by its tokens below: it may be merged into one line.
    for (name, value) in written.iter() {
        if !name.as_str().starts_with("access-control-") && name != "vary" {
            assert!(
                response.get_all(name).any(|sent| sent == value),
                "{name} lost"
            );
        }
    }
    let tokens = |map: &HeaderMap| -> Vec<Vec<u8>> {
        map.get_all("vary")
            .flat_map(|value| value.as_bytes().split(|&byte| byte == b','))
            .map(|token| token.trim_ascii().to_ascii_lowercase())
            .filter(|token| !token.is_empty())
            .collect()
    };
    let others = |map: &HeaderMap| -> Vec<Vec<u8>> {
        tokens(map)
            .into_iter()
            .filter(|token| token != b"origin")
            .collect()
    };
    assert_eq!(
        others(&response),
        others(&written),
        "the handler's Vary changed"
    );
    let covered = tokens(&written)
        .iter()
        .any(|token| token == b"origin" || token == b"*");
    let origin_count = |map: &HeaderMap| {
        tokens(map)
            .iter()
            .filter(|token| *token == b"origin")
            .count()
    };
    let expected_origins = origin_count(&written) + usize::from(!covered);
    assert_eq!(origin_count(&response), expected_origins);
}

/// Raw header lines (`name: value`, one per line) judged as a preflight: 204 only with a
/// single allowed origin echoed byte for byte, 403 without any `Access-Control-*` header.
/// What is not a preflight for a served method is not the preflight route's to answer:
/// actix-web's router finds no route for it (404).
pub fn preflight(data: &[u8]) {
    let headers = header_lines(data);
    let request = actix_request(actix_web::http::Method::OPTIONS, &headers);
    let (status, answer) = ACTIX.with(|app| app.answer(request, HeaderMap::new()));
    check_preflight(&headers, status, &answer, StatusCode::NOT_FOUND);
}

/// [`preflight`], answered by the axum adapter (a `405` when no served method is asked for:
/// what is not a preflight of the path is not its answer).
pub fn axum_preflight(data: &[u8]) {
    let headers = header_lines_http1(data);
    let (status, answer) = AXUM.with(|app| app.answer("OPTIONS", &headers, HeaderMap::new()));
    check_preflight(&headers, status, &answer, StatusCode::METHOD_NOT_ALLOWED);
}

/// The checks of [`preflight`], whichever adapter answered `status` with `answer`;
/// `not_a_preflight` is its status for an `OPTIONS` request that asks for no served method.
fn check_preflight(
    headers: &HeaderMap,
    status: StatusCode,
    answer: &HeaderMap,
    not_a_preflight: StatusCode,
) {
    if status == not_a_preflight {
        let asked: Vec<&HeaderValue> = headers.get_all("access-control-request-method").collect();
        assert!(
            !headers.contains_key("origin")
                || !asked
                    .iter()
                    .any(|method| *method == "GET" || *method == "PUT"),
            "a preflight of a served method answered {status}"
        );
        assert!(
            !answer
                .keys()
                .any(|name| name.as_str().starts_with("access-control-"))
        );
        return;
    }
    let cors: Vec<&HeaderName> = answer
        .keys()
        .filter(|name| name.as_str().starts_with("access-control-"))
        .collect();
    match status {
        StatusCode::NO_CONTENT => {
            let origins: Vec<&HeaderValue> = headers.get_all("origin").collect();
            assert_eq!(origins.len(), 1);
            assert!(allowed(origins[0].as_bytes()));
            assert_eq!(answer.get("access-control-allow-origin"), Some(origins[0]));
            assert_eq!(answer.get_all("access-control-allow-origin").count(), 1);
        }
        StatusCode::FORBIDDEN => assert!(cors.is_empty(), "refused with {cors:?}"),
        other => panic!("unexpected status {other}"),
    }
    assert_eq!(answer.get_all("vary").count(), 1);
}
