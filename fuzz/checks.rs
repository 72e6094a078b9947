//! The properties the fuzz targets check, shared with the corpus replay test
//! (`tests/fuzz_corpora.rs`) so every saved input is re-checked by `cargo test`.

use std::sync::LazyLock;

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use cors_runtime::__private::{
    AllowedHeaders, List, Match, OriginMatcher, OriginPattern, Origins, Parts, PolicyOrigins,
    PortRule, Scheme, Text,
};
use cors_runtime::Policy;

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

/// A policy with every kind of origin entry.
pub static POLICY: Policy = Policy::from_parts(Parts {
    origins: PolicyOrigins::Fixed(ORIGINS),
    methods: &["GET", "PUT"],
    headers: AllowedHeaders {
        any: false,
        names: &["content-type", "x-api-key"],
    },
    allow_headers: Some("content-type, x-api-key"),
    expose_headers: Some("x-total-count"),
    max_age: Some(600),
    credentials: true,
});

/// `POLICY` for the axum adapter: the same values.
pub static AXUM_POLICY: cors_axum::Policy =
    cors_axum::Policy::from_parts(cors_axum::__private::Parts {
        origins: cors_axum::__private::PolicyOrigins::Fixed(ORIGINS),
        methods: &["GET", "PUT"],
        headers: AllowedHeaders {
            any: false,
            names: &["content-type", "x-api-key"],
        },
        allow_headers: Some("content-type, x-api-key"),
        expose_headers: Some("x-total-count"),
        max_age: Some(600),
        credentials: true,
    });

/// Whether `POLICY` allows `origin`, by the lookup its requests use.
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

/// The header names `POLICY` allows, compared as its preflight compares them.
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
    check_response_headers(data, |request, response| {
        cors_runtime::__private::actual_response(&POLICY, "GET", request, response);
    });
}

/// [`response_headers`], answered by the axum adapter.
pub fn axum_response_headers(data: &[u8]) {
    check_response_headers_of(header_lines_http1, data, |request, response| {
        let mut answered = to_http1(response);
        cors_axum::__private::actual_response(
            &AXUM_POLICY,
            "GET",
            &to_http1(request),
            &mut answered,
        );
        *response = from_http1(&answered);
    });
}

/// The checks of [`response_headers`], whichever adapter `answer`s.
fn check_response_headers(data: &[u8], answer: impl FnOnce(&HeaderMap, &mut HeaderMap)) {
    check_response_headers_of(header_lines, data, answer);
}

/// The checks of [`response_headers`], with header lines read by `lines`.
fn check_response_headers_of(
    lines: fn(&[u8]) -> HeaderMap,
    data: &[u8],
    answer: impl FnOnce(&HeaderMap, &mut HeaderMap),
) {
    let split = data
        .windows(2)
        .position(|pair| pair == b"\n\n")
        .unwrap_or(data.len());
    let request = lines(&data[..split]);
    let written = lines(data.get(split + 2..).unwrap_or_default());
    let mut response = written.clone();
    answer(&request, &mut response);

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
pub fn preflight(data: &[u8]) {
    let headers = header_lines(data);
    let response = cors_runtime::__private::preflight_response(&POLICY, "/fuzz", &headers);
    check_preflight(&headers, response.status(), response.headers());
}

/// [`preflight`], answered by the axum adapter (a `405` when no served method is asked for:
/// what is not a preflight of the path is not its answer).
pub fn axum_preflight(data: &[u8]) {
    let headers = header_lines_http1(data);
    let response =
        cors_axum::__private::preflight_response(&AXUM_POLICY, "/fuzz", &to_http1(&headers));
    let status = StatusCode::from_u16(response.status().as_u16()).expect("a status");
    let answer = from_http1(response.headers());
    if status == StatusCode::METHOD_NOT_ALLOWED {
        let asked: Vec<&HeaderValue> = headers.get_all("access-control-request-method").collect();
        assert!(
            !headers.contains_key("origin")
                || !asked
                    .iter()
                    .any(|method| *method == "GET" || *method == "PUT"),
            "a preflight of a served method answered 405"
        );
        assert!(
            !answer
                .keys()
                .any(|name| name.as_str().starts_with("access-control-"))
        );
        return;
    }
    check_preflight(&headers, status, &answer);
}

/// The checks of [`preflight`], whichever adapter answered `status` with `answer`.
fn check_preflight(headers: &HeaderMap, status: StatusCode, answer: &HeaderMap) {
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
