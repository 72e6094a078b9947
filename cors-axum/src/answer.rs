//! The answer of an actual request, put on the handler's response.

use axum::http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS,
    HeaderMap, HeaderName, HeaderValue, VARY,
};

use crate::prepared::Prepared;
use crate::vary;

/// How every CORS response header's name begins (header names are lower case).
pub(crate) const ACCESS_CONTROL: &str = "access-control-";

/// `Access-Control-Allow-Credentials: true`.
pub(crate) const TRUE: HeaderValue = HeaderValue::from_static("true");

/// Puts the policy's answer for one actual response into `headers`: exactly the policy's
/// `Access-Control-*` headers when `allow_origin` is granted, none otherwise (a handler's
/// own never widens it), and `Origin` in `Vary` where the answer depends on it.
#[inline]
pub(crate) fn apply(
    headers: &mut HeaderMap,
    prepared: &Prepared,
    allow_origin: Option<HeaderValue>,
) {
    // One walk over the handler's few header names finds what two look-ups would: its own
    // `Access-Control-*` headers, and whether it set `Vary` (usually not: a plain insert).
    let (mut access_control, mut has_vary) = (false, false);
    for name in headers.keys() {
        if name == VARY {
            has_vary = true;
        } else if name.as_str().starts_with(ACCESS_CONTROL) {
            access_control = true;
        }
    }
    if access_control {
        remove_access_control(headers);
    }
    if let Some(allow_origin) = allow_origin {
        insert_allow_origin(headers, prepared, allow_origin);
        if let Some(expose) = &prepared.expose_headers {
            headers.append(ACCESS_CONTROL_EXPOSE_HEADERS, expose.clone());
        }
    }
    if prepared.varies_by_origin {
        if has_vary {
            vary::merge(headers, &vary::ORIGIN);
        } else {
            vary::set(headers, &vary::ORIGIN);
        }
    }
}

/// Inserts `Access-Control-Allow-Origin` and, for a credentialed policy,
/// `Access-Control-Allow-Credentials`.
#[inline]
pub(crate) fn insert_allow_origin(
    headers: &mut HeaderMap,
    prepared: &Prepared,
    allow_origin: HeaderValue,
) {
    headers.append(ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin);
    if prepared.parts.credentials {
        headers.append(ACCESS_CONTROL_ALLOW_CREDENTIALS, TRUE);
    }
}

/// Removes every `Access-Control-*` header.
#[cold]
fn remove_access_control(headers: &mut HeaderMap) {
    let names: Vec<HeaderName> = headers
        .keys()
        .filter(|name| name.as_str().starts_with(ACCESS_CONTROL))
        .cloned()
        .collect();
    for name in names {
        headers.remove(name);
    }
}

#[cfg(test)]
mod tests {
    use cors_core::PolicyOrigins;
    use cors_rules::judge::AllowedHeaders;

    use super::*;

    const ORIGIN: &str = "https://app.example.com";

    fn prepared() -> Prepared {
        let parts = Box::leak(Box::new(cors_core::Parts {
            origins: PolicyOrigins::Fixed(cors_rules::origin_list(ORIGIN, true).unwrap()),
            methods: &["GET"],
            headers: AllowedHeaders {
                any: false,
                names: &[],
            },
            allow_headers: None,
            expose_headers: Some("x-total"),
            max_age: None,
            credentials: true,
        }));
        Prepared::new(parts)
    }

    fn lines(headers: &HeaderMap) -> Vec<(String, String)> {
        let mut lines: Vec<_> = (headers.iter())
            .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
            .collect();
        lines.sort();
        lines
    }

    /// Whatever the handler set, the answer's headers are there once each, its own
    /// `Access-Control-*` gone, its `Vary` kept on one line with `Origin`.
    #[test]
    fn the_answer_replaces_the_handlers_own_and_merges_its_vary() {
        let prepared = prepared();
        let granted = || Some(HeaderValue::from_static(ORIGIN));
        let answer = |vary: &str| {
            let mut expected = [
                ("access-control-allow-credentials", "true"),
                ("access-control-allow-origin", ORIGIN),
                ("access-control-expose-headers", "x-total"),
                ("content-type", "text/plain"),
                ("vary", vary),
            ];
            expected.sort();
            (expected.iter())
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect::<Vec<_>>()
        };
        // What the handler set, and the `Vary` of the answer.
        let cases: [(&[(&str, &str)], &str); 4] = [
            (&[], "Origin"),
            (
                &[
                    ("access-control-allow-origin", "*"),
                    ("access-control-allow-credentials", "false"),
                    ("access-control-expose-headers", "x-secret"),
                    ("access-control-allow-origin", "https://evil.example"),
                    ("access-control-x-own", "1"),
                ],
                "Origin",
            ),
            (
                &[("vary", "Accept-Encoding"), ("vary", "origin")],
                "Accept-Encoding, origin",
            ),
            (
                &[
                    ("vary", "Accept-Encoding"),
                    ("access-control-allow-origin", "*"),
                ],
                "Accept-Encoding, Origin",
            ),
        ];
        for (own, vary) in cases {
            let mut headers = HeaderMap::new();
            headers.insert("content-type", HeaderValue::from_static("text/plain"));
            for (name, value) in own {
                headers.append(*name, HeaderValue::from_static(value));
            }
            apply(&mut headers, &prepared, granted());
            assert_eq!(lines(&headers), answer(vary), "{own:?}");
        }
        // Refused: no `Access-Control-*` at all, `Origin` in `Vary` all the same.
        let mut headers = HeaderMap::new();
        headers.append("access-control-allow-origin", HeaderValue::from_static("*"));
        apply(&mut headers, &prepared, None);
        assert_eq!(lines(&headers), [("vary".to_owned(), "Origin".to_owned())]);
    }
}
