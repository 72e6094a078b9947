//! What the property tests of both adapters share (`tests/properties.rs` for actix-web,
//! `tests/axum_properties.rs` for axum): the origins generated policies list, the
//! `Origin` values requests send, and an oracle of which a policy allows, decided with the
//! `url` crate rather than the runtime's matcher.

#![allow(dead_code)] // each test crate uses part of this module

use cors_rules::{OriginPattern, Origins, PortRule, Scheme, Text};
use proptest::prelude::*;

/// Origins a policy may list, and the patterns it may use.
pub const EXACT_POOL: &[&str] = &[
    "https://app.example.com",
    "http://localhost:8080",
    "https://b.example.org",
    "http://127.0.0.1:3000",
    "https://a.io",
    "https://b.io",
    "https://c.io:8443",
    "http://[::1]:9000",
    "https://admin.example.net",
    "https://shop.example.co.uk",
];

pub const PATTERN_POOL: &[OriginPattern] = &[
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
        scheme: Scheme::Https,
        host: Text::Static("example.org"),
        subdomains: true,
        port: PortRule::Exact(8443),
    },
];

/// Origins requests send: allowed ones, look-alikes and garbage.
pub fn request_origin() -> impl Strategy<Value = Vec<u8>> {
    let known = prop::sample::select(vec![
        "https://app.example.com",
        "https://App.example.com",
        "https://app.example.com/",
        "https://app.example.com:443",
        "https://app.example.com.evil.net",
        "https://evilapp.example.com",
        "https://a.b.example.com",
        "https://example.com",
        "http://localhost",
        "http://localhost:8080",
        "http://localhost:0",
        "http://localhost:080",
        "http://localhost:80",
        "http://localhost.evil.net:8080",
        "https://x.example.org:8443",
        "https://x.example.org",
        "http://127.0.0.1:3000",
        "null",
        "",
        "https://app.example.com, http://localhost:8080",
        "https://a.io",
        "https://c.io:8443",
        "https://c.io",
        "http://[::1]:9000",
        "https://shop.example.co.uk",
        "https://d.io",
    ])
    .prop_map(|origin| origin.as_bytes().to_vec());
    let mutated = (
        prop::sample::select(EXACT_POOL.to_vec()),
        any::<prop::sample::Index>(),
        any::<u8>(),
    )
        .prop_map(|(origin, at, byte)| {
            let mut bytes = origin.as_bytes().to_vec();
            let at = at.index(bytes.len());
            bytes[at] = byte;
            bytes
        });
    let random = prop::collection::vec(any::<u8>(), 0..64);
    prop_oneof![4 => known, 2 => mutated, 1 => random].prop_filter("a header value", |bytes| {
        axum::http::HeaderValue::from_bytes(bytes).is_ok()
    })
}

/// What the policy should say about `origin`, decided independently of the runtime's
/// matcher: the `url` crate must agree it is a serialized origin, then the policy's entries
/// are compared on that parsed form.
pub fn oracle_allows(origins: &Origins, origin: &[u8]) -> bool {
    let Origins::Listed { exact, patterns } = origins else {
        return true;
    };
    let Ok(text) = std::str::from_utf8(origin) else {
        return false;
    };
    let Ok(url) = url::Url::parse(text) else {
        return false;
    };
    // Port 0 serializes fine but is on Fetch's "bad port" list: no page can have it.
    if url.origin().ascii_serialization() != text || url.port() == Some(0) {
        return false;
    }
    if exact.iter().any(|listed| **listed == *text) {
        return true;
    }
    let host = url.host_str().unwrap_or_default();
    patterns.iter().any(|pattern| {
        // A pattern covers DNS names only: the URL standard also accepts hosts such as
        // `&pp.example.com`, which no DNS name is; the runtime refuses them, on purpose.
        let host_ok = if pattern.subdomains {
            host.strip_suffix(&format!(".{}", pattern.host))
                .is_some_and(|front| !front.is_empty() && front.split('.').all(is_dns_label))
        } else {
            host == &*pattern.host
        };
        let port_ok = match pattern.port {
            PortRule::Default => url.port().is_none(),
            PortRule::Exact(port) => url.port() == Some(port),
            PortRule::Any => true,
        };
        url.scheme() == pattern.scheme.as_str() && host_ok && port_ok
    })
}

/// A DNS label (letters, digits, inner hyphens), lower case as URLs serialize it.
fn is_dns_label(label: &str) -> bool {
    (1..=63).contains(&label.len())
        && label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}
