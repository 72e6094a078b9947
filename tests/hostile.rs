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

mod hostile_cases;
mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use cors_suite::api;
use hostile_cases::{BARE_LF, Expect, Lines, hostile_origins, hostile_request_lines, raw_requests};
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
    raw_requests("/api/items", PAGE)
        .into_iter()
        .map(|(name, bytes)| Case {
            name: format!("raw: {name}"),
            route,
            bytes,
            // A bare-LF preflight from the page origin is a valid request some parsers take.
            may_grant: (name == BARE_LF).then(|| PAGE.to_owned()),
            must_grant: false,
        })
        .collect()
}

fn cases(preflights: bool) -> Vec<Case> {
    let hostile = hostile_origins(PAGE);
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
    let is_preflight = case.bytes.starts_with(b"OPTIONS ");
    hostile_cases::violations(
        &Expect {
            public: is_public(case.route),
            may_grant: case.may_grant.as_deref(),
            must_grant: case.must_grant,
            // `GET /api/fail`'s own `500`.
            server_error_ok: case.route.path == "/api/fail" && !is_preflight,
        },
        response,
    )
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
