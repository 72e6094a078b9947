//! Merging `Vary`: add what the CORS answer depends on, keep what the handler set, never
//! repeat a name, on one line. The merge itself is `cors_rules::vary`, on bytes.

use axum::http::header::{HeaderMap, HeaderValue, VARY};

/// The names a CORS answer adds to `Vary`, and the same names joined as one value, used as
/// is when the response has no `Vary` yet.
pub(crate) struct Names {
    list: &'static [&'static str],
    value: HeaderValue,
}

/// An actual response whose answer depends on `Origin`.
pub(crate) const ORIGIN: Names = Names {
    list: &["Origin"],
    value: HeaderValue::from_static("Origin"),
};
/// A preflight of a listed-origins policy.
pub(crate) const PREFLIGHT: Names = Names {
    list: &[
        "Origin",
        "Access-Control-Request-Method",
        "Access-Control-Request-Headers",
    ],
    value: HeaderValue::from_static(
        "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
    ),
};
/// A preflight of a `*` policy: the answer does not depend on `Origin`.
pub(crate) const PREFLIGHT_ANY_ORIGIN: Names = Names {
    list: &[
        "Access-Control-Request-Method",
        "Access-Control-Request-Headers",
    ],
    value: HeaderValue::from_static(
        "Access-Control-Request-Method, Access-Control-Request-Headers",
    ),
};

/// Sets `names` as the `Vary` of a response which has none (one the adapter built, or a
/// handler's without it): one insert.
#[inline]
pub(crate) fn set(headers: &mut HeaderMap, names: &Names) {
    headers.append(VARY, names.value.clone());
}

/// Adds `names` to the `Vary` a response has, one line whatever it had.
#[cold]
pub(crate) fn merge(headers: &mut HeaderMap, names: &Names) {
    // Rare (the handler set `Vary` itself), so its lines are gathered for the merge.
    let lines: Vec<&[u8]> = headers
        .get_all(VARY)
        .iter()
        .map(HeaderValue::as_bytes)
        .collect();
    let missing = names
        .list
        .iter()
        .map(|name| name.as_bytes())
        .filter(|name| !cors_rules::vary::lists(lines.iter().copied(), name));
    let joined = cors_rules::vary::joined(lines.iter().copied(), missing);
    // Made of valid values and ASCII names, so valid; keep the handler's lines if not.
    if let Ok(merged) = HeaderValue::from_bytes(&joined) {
        headers.insert(VARY, merged);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_join_the_handlers_on_one_line_once() {
        let mut headers = HeaderMap::new();
        set(&mut headers, &ORIGIN);
        assert_eq!(headers[VARY], "Origin");
        let mut headers = HeaderMap::new();
        headers.append(VARY, HeaderValue::from_static("Accept-Encoding"));
        headers.append(VARY, HeaderValue::from_static("origin"));
        merge(&mut headers, &PREFLIGHT);
        let lines: Vec<_> = headers.get_all(VARY).iter().collect();
        assert_eq!(
            lines,
            [
                "Accept-Encoding, origin, Access-Control-Request-Method, Access-Control-Request-Headers"
            ]
        );
    }
}
