//! Hostile traffic against the running demo API, over raw TCP: hand-written HTTP/1.1
//! requests with duplicate `Origin` and `Access-Control-Request-Method` lines, 64 KiB
//! values, invalid UTF-8, thousands of commas, `null` and look-alike origins, sent to every
//! route of the demo (`cors_suite::api::ROUTES`) as actual requests and as preflights.
//!
//! Every answer must come within [`support::BOUND`], never be a `5xx` (but `GET /api/fail`'s
//! own `500`), carry at most one `Access-Control-Allow-Origin`, and never grant a hostile
//! origin: only the `*` policy's `*`, or, where the request's single `Origin` is one the
//! policy lists, that origin. Afterwards the server still answers, and none of its threads
//! panicked.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use cors_suite::api;
use support::{
    PAGE, Response, Running, exchange, granted_origin, is_public, path_with_id, request,
    server_panics,
};

const JSON: &[u8] = br#"{"name":"hostile"}"#;

/// A route of the demo, as the hostile requests reach it.
struct Target {
    route: &'static api::Route,
    /// The route's path, with an id no item has.
    path: String,
    body: &'static [u8],
    /// One origin the policy grants (none for the route without `#[cors]`).
    allowed: Option<String>,
}

/// Every route of the demo.
/// Every route of the demo, as the API behind `Preflights` (`preflights`) or without it
/// serves it: there, a request without credentials to the authenticated route is never
/// granted.
fn targets(preflights: bool) -> Vec<Target> {
    api::ROUTES
        .iter()
        .map(|route| Target {
            route,
            path: path_with_id(route, 999_999),
            body: if matches!(route.method, "POST" | "PUT") {
                JSON
            } else {
                b""
            },
            allowed: granted_origin(route).filter(|_| preflights || !route.needs_preflights()),
        })
        .collect()
}

/// `Origin` values, in text, that no policy of the demo allows: `null`, look-alikes of every
/// listed origin and pattern, comma lists.
const LOOKALIKES: &[&str] = &[
    "null",
    "",
    "*",
    " ",
    "http://localhost:8080/",
    "http://localhost:8080.evil.net",
    "http://localhost:80800",
    "http://localhost:08080",
    "http://localhost:0",
    "http://localhost:65536",
    "http://localhost:99999",
    "http://localhost:+8080",
    "http://localhost:-1",
    "http://localhost:",
    "http://localhost:80",
    "http://localhost:8080:8080",
    "http://localhost:*",
    "http://LOCALHOST:8080",
    "http://Localhost:8080",
    "https://localhost:8080",
    "http://localhost.:8080",
    "http://evil.localhost:8080",
    "http://evillocalhost:8080",
    "http://localhost:8080@evil.net",
    "http://evil.net@localhost:8080",
    "http://localhost:8080 http://evil.net",
    "http://localhost:8080, https://evil.net",
    "https://evil.net, http://localhost:8080",
    "http://localhost:8080,http://localhost:8080",
    "http://127.0.0.1:8080",
    "http://[::1]:8080",
    "//localhost:8080",
    "localhost:8080",
    "file://",
    "https://evil.net",
    "http://evil.com",
    "https://app.example.com/",
    "https://app.example.com:443",
    "https://app.example.com.",
    "https://app.example.com.evil.net",
    "https://App.example.com",
    "http://app.example.com",
    "https://app.example.co",
    "https://app.example.comm",
    "https://app-example.com",
    "https://appxexample.com",
    "https://example.com",
    "https://evilexample.com",
    "https://example.com.evil.net",
    "https://.example.com",
    "https://a..example.com",
    "https://*.example.com",
    "https://a.example.com:443",
    "https://a.example.com:",
    "https://a.example.com/",
    "https://A.example.com",
    "http://a.example.com",
    "https://-a.example.com",
    "https://a_b.example.com",
    "https://a.example.com%2f",
    "https://a.example.com%00",
];

/// `Origin` values no policy of the demo allows: [`LOOKALIKES`], invalid UTF-8, and 64 KiB
/// values.
fn hostile_origins() -> Vec<(String, Vec<u8>)> {
    let mut origins: Vec<(String, Vec<u8>)> = LOOKALIKES
        .iter()
        .map(|origin| ((*origin).to_owned(), origin.as_bytes().to_vec()))
        .collect();

    let raw: [(&str, Vec<u8>); 7] = [
        ("page origin + 0xFF", b"http://localhost:8080\xff".to_vec()),
        ("0xFF 0xFE", b"\xff\xfe".to_vec()),
        (
            "latin-1 e-acute subdomain",
            b"https://\xe9.example.com".to_vec(),
        ),
        (
            "lone UTF-8 lead byte subdomain",
            b"https://\xc3.example.com".to_vec(),
        ),
        (
            "UTF-8 e-acute subdomain",
            "https://é.example.com".as_bytes().to_vec(),
        ),
        ("localhost port 0xFF", b"http://localhost:\xff".to_vec()),
        (
            "app origin + overlong slash",
            b"https://app.example.com\xc0\xaf".to_vec(),
        ),
    ];
    origins.extend(
        raw.into_iter()
            .map(|(name, bytes)| (name.to_owned(), bytes)),
    );

    let big = 64 * 1024;
    let mut huge = |name: &str, bytes: Vec<u8>| origins.push((name.to_owned(), bytes));
    huge("64 KiB of x", vec![b'x'; big]);
    huge(
        "page origin + 64 KiB",
        [PAGE.as_bytes(), &vec![b'0'; big]].concat(),
    );
    huge(
        "64 KiB label under example.com",
        [b"https://".as_slice(), &vec![b'a'; big], b".example.com"].concat(),
    );
    huge(
        "64 KiB port on localhost",
        [b"http://localhost:".as_slice(), &vec![b'1'; big]].concat(),
    );
    huge(
        "page origin + 4096 commas",
        [PAGE.as_bytes(), &vec![b','; 4096]].concat(),
    );
    huge(
        "2000 page origins, comma-separated",
        vec![PAGE; 2000].join(",").into_bytes(),
    );
    huge("8192 commas", vec![b','; 8192]);
    huge("64 KiB of 0xFF", vec![0xff; big]);
    origins
}

/// Header lines of a request: name, raw value.
type Lines<'a> = Vec<(&'static str, &'a [u8])>;

/// Header lines of a request that owns their values.
type OwnedLines = Vec<(&'static str, Vec<u8>)>;

/// One hand-written request and what it may be granted.
struct Case {
    name: String,
    route: &'static api::Route,
    bytes: Vec<u8>,
    /// The one origin this request may be granted (besides a `*` policy's `*`).
    may_grant: Option<String>,
    /// The request must be granted (an actual request, or a valid preflight, from an
    /// allowed origin): proves the other cases are refused for their content, not because
    /// nothing is ever granted.
    must_grant: bool,
}

impl Target {
    /// The actual request with `headers`.
    fn actual(&self, headers: &[(&str, &[u8])]) -> Vec<u8> {
        request(self.route.method, &self.target(), headers, self.body)
    }

    /// An `OPTIONS` request with `headers`.
    fn preflight(&self, headers: &[(&str, &[u8])]) -> Vec<u8> {
        request("OPTIONS", &self.target(), headers, b"")
    }

    fn target(&self) -> String {
        format!("{}?hostile=1", self.path)
    }

    /// A case named after the route, refused whatever it holds.
    fn refused(&self, name: &str, bytes: Vec<u8>) -> Case {
        Case {
            name: format!("{} {}: {name}", self.route.method, self.route.path),
            route: self.route,
            bytes,
            may_grant: None,
            must_grant: false,
        }
    }

    /// The origin the policy grants and the requests' `Origin`: the page's for the route
    /// without a policy.
    fn origin(&self) -> &[u8] {
        self.allowed.as_deref().unwrap_or(PAGE).as_bytes()
    }
}

fn preflight_headers<'a>(route: &api::Route, origin: &'a [u8]) -> Lines<'a> {
    vec![
        ("Origin", origin),
        ("Access-Control-Request-Method", route.method.as_bytes()),
    ]
}

/// Hostile origins, alone on their line: never granted.
fn hostile_origin_cases(target: &Target, hostile: &[(String, Vec<u8>)]) -> Vec<Case> {
    let content_type: &[u8] = b"application/json";
    let mut cases = Vec::new();
    for (name, origin) in hostile {
        let name = format!("Origin {name:?}");
        let actual = target.actual(&[("Origin", origin), ("Content-Type", content_type)]);
        cases.push(target.refused(&name, actual));
        let preflight = target.preflight(&preflight_headers(target.route, origin));
        cases.push(target.refused(&format!("preflight, {name}"), preflight));
    }
    cases
}

/// Two `Origin` lines: never granted, whatever they hold.
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
        cases.push(target.refused(&name, actual));
        let mut headers = preflight_headers(target.route, first);
        headers.push(("Origin", second));
        cases.push(target.refused(&format!("preflight, {name}"), target.preflight(&headers)));
    }
    cases
}

/// Hostile `Access-Control-Request-*` lines, by name, for a route serving `method`.
fn hostile_request_lines(method: &[u8]) -> Vec<(&'static str, OwnedLines)> {
    const METHOD: &str = "Access-Control-Request-Method";
    const HEADERS: &str = "Access-Control-Request-Headers";
    let with_headers = |value: Vec<u8>| vec![(METHOD, method.to_vec()), (HEADERS, value)];
    let many_names = (0..6000).map(|i| format!("x-h{i}")).collect::<Vec<_>>();
    vec![
        (
            "two Access-Control-Request-Method lines, same method",
            vec![(METHOD, method.to_vec()), (METHOD, method.to_vec())],
        ),
        (
            "two Access-Control-Request-Method lines, then PATCH",
            vec![(METHOD, method.to_vec()), (METHOD, b"PATCH".to_vec())],
        ),
        (
            "two Access-Control-Request-Method lines, PATCH first",
            vec![(METHOD, b"PATCH".to_vec()), (METHOD, method.to_vec())],
        ),
        (
            "method list in one line",
            vec![(METHOD, [method, b", ", method].concat())],
        ),
        ("64 KiB method", vec![(METHOD, vec![b'G'; 64 * 1024])]),
        ("method with 0xFF", vec![(METHOD, b"GE\xffT".to_vec())]),
        ("empty method", vec![(METHOD, Vec::new())]),
        ("lower-case method", vec![(METHOD, b"get".to_vec())]),
        (
            "10,000 commas of request headers",
            with_headers(vec![b','; 10_000]),
        ),
        (
            "content-type and 3,000 commas",
            with_headers("content-type,".repeat(3000).into_bytes()),
        ),
        (
            "a 64 KiB header name",
            with_headers([b"x-".as_slice(), &vec![b'a'; 64 * 1024]].concat()),
        ),
        (
            "6,000 header names",
            with_headers(many_names.join(",").into_bytes()),
        ),
        (
            "header names with 0xFF",
            with_headers(b"content-type,x-\xff\xfe".to_vec()),
        ),
        (
            "header list over two lines",
            vec![
                (METHOD, method.to_vec()),
                (HEADERS, b"content-type".to_vec()),
                (HEADERS, b",,authorization,,".to_vec()),
            ],
        ),
        ("wildcard header name", with_headers(b"*".to_vec())),
        (
            "private network request",
            vec![
                (METHOD, method.to_vec()),
                ("Access-Control-Request-Private-Network", b"true".to_vec()),
            ],
        ),
    ]
}

/// An allowed origin with hostile `Access-Control-Request-*` lines: the origin may be
/// granted (it is allowed), nothing else may be.
fn request_line_cases(target: &Target) -> Vec<Case> {
    let route = target.route;
    let listed = target.allowed.clone().filter(|_| !is_public(route));
    let mut cases = Vec::new();
    for (name, extra) in hostile_request_lines(route.method.as_bytes()) {
        let mut headers: Lines = vec![("Origin", target.origin())];
        headers.extend(extra.iter().map(|(name, value)| (*name, value.as_slice())));
        cases.push(Case {
            name: format!("preflight {} {}: {name}", route.method, route.path),
            route,
            bytes: target.preflight(&headers),
            may_grant: listed.clone(),
            // Unknown request headers never break a preflight.
            must_grant: target.allowed.is_some() && name == "private network request",
        });
        cases.push(Case {
            name: format!("{} {}: {name}", route.method, route.path),
            route,
            bytes: target.actual(&headers),
            may_grant: listed.clone(),
            // An actual request: its Access-Control-Request-* lines mean nothing.
            must_grant: target.allowed.is_some(),
        });
    }
    cases
}

/// Requests the HTTP layer refuses before any route sees them: still answered, no 5xx.
fn raw_cases() -> Vec<Case> {
    let route = support::route("GET", "/api/items");
    let header_lines = |count: usize, value: &str| {
        (0..count)
            .map(|_| format!("Origin: {value}\r\n"))
            .collect::<String>()
    };
    let raw: Vec<(&str, Vec<u8>)> = vec![
        (
            "200 Origin lines",
            format!("GET /api/items HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{}\r\n", header_lines(200, PAGE)).into_bytes(),
        ),
        (
            "a 256 KiB Origin",
            format!("GET /api/items HTTP/1.1\r\nHost: x\r\nConnection: close\r\nOrigin: {}\r\n\r\n", "a".repeat(256 * 1024)).into_bytes(),
        ),
        (
            "a folded Origin line",
            format!("GET /api/items HTTP/1.1\r\nHost: x\r\nConnection: close\r\nOrigin: {PAGE}\r\n evil\r\n\r\n").into_bytes(),
        ),
        (
            "a header name with 0xFF",
            [b"GET /api/items HTTP/1.1\r\nHost: x\r\nConnection: close\r\nOri\xffgin: ".as_slice(), PAGE.as_bytes(), b"\r\n\r\n"].concat(),
        ),
        (
            "NUL in the Origin",
            [b"GET /api/items HTTP/1.1\r\nHost: x\r\nConnection: close\r\nOrigin: ".as_slice(), PAGE.as_bytes(), b"\0\r\n\r\n"].concat(),
        ),
        (
            "a bare LF line ending",
            format!("OPTIONS /api/items HTTP/1.1\nHost: x\nConnection: close\nOrigin: {PAGE}\nAccess-Control-Request-Method: GET\n\n").into_bytes(),
        ),
        (
            "a space before the colon",
            b"GET /api/items HTTP/1.1\r\nHost: x\r\nConnection: close\r\nOrigin : https://evil.net\r\n\r\n".to_vec(),
        ),
    ];
    raw.into_iter()
        .map(|(name, bytes)| Case {
            name: format!("raw: {name}"),
            route,
            bytes,
            // A bare-LF preflight from the page origin is a valid request some parsers take.
            may_grant: (name == "a bare LF line ending").then(|| PAGE.to_owned()),
            must_grant: false,
        })
        .collect()
}

fn cases(preflights: bool) -> Vec<Case> {
    let hostile = hostile_origins();
    let mut cases = Vec::new();
    for target in targets(preflights) {
        cases.extend(hostile_origin_cases(&target, &hostile));
        cases.extend(two_origin_cases(&target));
        cases.extend(request_line_cases(&target));
    }
    cases.extend(raw_cases());
    cases
}

/// What is wrong with `response` to `case`, if anything.
fn violations(case: &Case, response: &Response) -> Vec<String> {
    let mut wrong = Vec::new();
    let route = case.route;
    let is_preflight = case.bytes.starts_with(b"OPTIONS ");
    if response.status >= 500 {
        let handler_error = route.path == "/api/fail" && !is_preflight && response.status == 500;
        if !handler_error {
            wrong.push(format!("status {}", response.status));
        }
    }
    let grants = response.all("access-control-allow-origin");
    if grants.len() > 1 {
        wrong.push(format!(
            "{} Access-Control-Allow-Origin lines",
            grants.len()
        ));
    }
    let credentials = response.all("access-control-allow-credentials");
    if credentials.len() > 1 {
        wrong.push("several Access-Control-Allow-Credentials lines".into());
    }
    let access_control = response.access_control();
    match grants.first() {
        Some(granted) if is_public(route) => {
            if *granted != b"*" {
                wrong.push(format!(
                    "the * policy granted {:?}",
                    String::from_utf8_lossy(granted)
                ));
            }
            if !credentials.is_empty() {
                wrong.push("the * policy sent Access-Control-Allow-Credentials".into());
            }
        }
        Some(granted) => {
            if case.may_grant.as_deref().map(str::as_bytes) != Some(*granted) {
                wrong.push(format!(
                    "granted {:?}",
                    String::from_utf8_lossy(&granted[..granted.len().min(200)])
                ));
            }
            if !credentials.is_empty()
                && access_control
                    .iter()
                    .any(|(_, value)| value.split(',').any(|item| item.trim() == "*"))
            {
                wrong.push("a * value with credentials".into());
            }
        }
        None => {
            if !access_control.is_empty() {
                wrong.push(format!(
                    "Access-Control-* headers without a grant: {access_control:?}"
                ));
            }
        }
    }
    if case.must_grant && grants.is_empty() {
        wrong.push(format!("not granted (status {})", response.status));
    }
    let vary = response.vary();
    if vary.iter().filter(|item| *item == "origin").count() > 1 {
        wrong.push(format!("Origin twice in Vary: {vary:?}"));
    }
    wrong
}

#[test]
fn hostile_requests_are_answered_in_time_without_5xx_or_reflection() {
    let demo = Running::start();
    let setups = demo.setups();
    assert_eq!(setups.len(), 2, "both documented setups");
    for (preflights, api) in setups {
        hostile_requests_to(api, preflights);
    }
}

/// Every hostile case sent to the API at `api`, behind `Preflights` or not.
fn hostile_requests_to(api: std::net::SocketAddr, preflights: bool) {
    let cases = cases(preflights);
    let mut failures = Vec::new();
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    let mut granted = 0;
    let mut slowest = (Duration::ZERO, String::new());
    let mut bytes_sent = 0;

    for case in &cases {
        bytes_sent += case.bytes.len();
        match exchange(api, &case.bytes) {
            Ok(response) => {
                *statuses.entry(response.status).or_default() += 1;
                if !response.all("access-control-allow-origin").is_empty() {
                    granted += 1;
                }
                if response.elapsed > slowest.0 {
                    slowest = (response.elapsed, case.name.clone());
                }
                let wrong = violations(case, &response);
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
    .expect("the API stopped answering after the hostile requests");
    assert_eq!(after.status, 200);
    assert_eq!(
        after.one("access-control-allow-origin").as_deref(),
        Some(PAGE)
    );
    let panics = server_panics();

    println!(
        "preflights {preflights}: {} hostile requests ({:.1} MiB), statuses {statuses:?}, {granted} with a grant, \
         slowest {:?} ({})",
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
    assert!(cases.len() >= 1000, "only {} cases", cases.len());
}
