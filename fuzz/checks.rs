//! The properties the fuzz targets check, shared with the corpus replay test
//! (`tests/fuzz_corpora.rs`) so every saved input is re-checked by `cargo test`.

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use cors_runtime::{AllowedHeaders, AllowedOrigins, OriginPattern, Policy, PortPattern};

/// A policy with every kind of origin entry.
pub static POLICY: Policy = Policy {
    origins: AllowedOrigins::Listed {
        exact: &["http://localhost:8080", "https://app.example.com"],
        patterns: &[
            OriginPattern {
                scheme: "https",
                host: "example.com",
                subdomains: true,
                port: PortPattern::Default,
            },
            OriginPattern {
                scheme: "http",
                host: "localhost",
                subdomains: false,
                port: PortPattern::Any,
            },
            OriginPattern {
                scheme: "http",
                host: "[::1]",
                subdomains: false,
                port: PortPattern::Any,
            },
            OriginPattern {
                scheme: "https",
                host: "example.org",
                subdomains: true,
                port: PortPattern::Exact("8443"),
            },
        ],
    },
    methods: &["GET", "PUT"],
    allow_methods: "GET, PUT",
    headers: AllowedHeaders {
        any: false,
        names: &["content-type", "x-api-key"],
    },
    allow_headers: Some("content-type, x-api-key"),
    expose_headers: Some("x-total-count"),
    max_age: Some("600"),
    credentials: true,
};

/// Every origin the matcher allows is a serialized origin by the compile-time rules too.
pub fn origin_matcher(data: &[u8]) {
    if POLICY.origins.allows(data) {
        let text = std::str::from_utf8(data).expect("an allowed origin is ASCII");
        let rule = cors_rules::parse_origin(text)
            .unwrap_or_else(|message| panic!("allowed {text:?}: {message}"));
        assert_eq!(
            rule,
            cors_rules::OriginRule::Exact(text.to_owned()),
            "allowed {text:?}"
        );
    }
}

/// Requested names are trimmed, non-empty and comma-free; refusals name one of them.
pub fn request_headers(data: &[u8]) {
    let Ok(value) = HeaderValue::from_bytes(data) else {
        return;
    };
    let values = [value];
    for name in cors_runtime::request_headers::requested_names(values.iter()) {
        assert!(!name.is_empty());
        assert_eq!(name, name.trim_ascii());
        assert!(!name.contains(&b','));
    }
    if let Some(refused) = cors_runtime::request_headers::first_refused(values.iter(), |name| {
        POLICY.headers.allows(name)
    }) {
        assert!(
            !POLICY.headers.allows(refused) || !refused.iter().all(|&b| cors_rules::is_tchar(b))
        );
    }
}

/// Raw header lines (`name: value`, one per line) judged as a preflight: 204 only with a
/// single allowed origin echoed byte for byte, 403 without any `Access-Control-*` header.
pub fn preflight(data: &[u8]) {
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
    let response = cors_runtime::__private::preflight_response(&POLICY, "/fuzz", &headers);
    let answer = response.headers();
    let cors: Vec<&HeaderName> = answer
        .keys()
        .filter(|name| name.as_str().starts_with("access-control-"))
        .collect();
    match response.status() {
        StatusCode::NO_CONTENT => {
            let origins: Vec<&HeaderValue> = headers.get_all("origin").collect();
            assert_eq!(origins.len(), 1);
            assert!(POLICY.origins.allows(origins[0].as_bytes()));
            assert_eq!(answer.get("access-control-allow-origin"), Some(origins[0]));
            assert_eq!(answer.get_all("access-control-allow-origin").count(), 1);
        }
        StatusCode::FORBIDDEN => assert!(cors.is_empty(), "refused with {cors:?}"),
        other => panic!("unexpected status {other}"),
    }
    assert_eq!(answer.get_all("vary").count(), 1);
}
