//! Merging `Vary`: add what the CORS answer depends on, keep what the handler set, never
//! repeat a name.

use actix_web::http::header::{HeaderMap, HeaderValue, VARY};

/// The names a CORS answer adds to `Vary`, and the same names joined as a ready header
/// value, used as is when the response has no `Vary` yet, so the common case validates and
/// allocates nothing.
pub struct Names {
    list: &'static [&'static str],
    value: HeaderValue,
}

/// An actual response whose answer depends on `Origin`.
pub static ORIGIN: Names = Names {
    list: &["Origin"],
    value: HeaderValue::from_static("Origin"),
};
/// A preflight of a listed-origins policy.
pub static PREFLIGHT: Names = Names {
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
pub static PREFLIGHT_ANY_ORIGIN: Names = Names {
    list: &[
        "Access-Control-Request-Method",
        "Access-Control-Request-Headers",
    ],
    value: HeaderValue::from_static(
        "Access-Control-Request-Method, Access-Control-Request-Headers",
    ),
};

/// Adds `names` to the response's `Vary`.
#[cfg(test)]
pub fn add(headers: &mut HeaderMap, names: &Names) {
    let present = headers.contains_key(VARY);
    add_known(headers, names, present);
}

/// [`add`], when the caller already knows whether the response has a `Vary` header.
#[inline]
pub fn add_known(headers: &mut HeaderMap, names: &Names, present: bool) {
    if !present {
        headers.insert(VARY, names.value.clone());
        return;
    }
    merge(headers, names);
}

/// Adds the names the response's `Vary` lacks to it, keeping its values in one line.
#[cold]
fn merge(headers: &mut HeaderMap, names: &Names) {
    let present = |name: &str| {
        headers.get_all(VARY).any(|value| {
            value
                .as_bytes()
                .split(|&byte| byte == b',')
                .map(<[u8]>::trim_ascii)
                .any(|token| token == b"*" || token.eq_ignore_ascii_case(name.as_bytes()))
        })
    };
    let missing: Vec<&str> = names
        .list
        .iter()
        .copied()
        .filter(|name| !present(name))
        .collect();
    if missing.is_empty() {
        return;
    }
    let mut merged: Vec<u8> = Vec::new();
    for value in headers.get_all(VARY) {
        let value = value.as_bytes().trim_ascii();
        if !value.is_empty() {
            merged.extend_from_slice(value);
            merged.extend_from_slice(b", ");
        }
    }
    merged.extend_from_slice(missing.join(", ").as_bytes());
    // Built from valid header values and ASCII names, so always valid; keep the
    // handler's header if that ever fails rather than lose it.
    if let Ok(value) = HeaderValue::from_bytes(&merged) {
        headers.insert(VARY, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vary_after(existing: &[&'static str], names: &Names) -> Vec<String> {
        let mut headers = HeaderMap::new();
        for value in existing {
            headers.append(VARY, HeaderValue::from_static(value));
        }
        add(&mut headers, names);
        headers
            .get_all(VARY)
            .map(|value| value.to_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn empty_vary_gets_the_static_value() {
        assert_eq!(vary_after(&[], &ORIGIN), ["Origin"]);
    }

    #[test]
    fn handler_vary_is_kept_and_extended() {
        assert_eq!(
            vary_after(&["Accept-Encoding"], &ORIGIN),
            ["Accept-Encoding, Origin"]
        );
        assert_eq!(
            vary_after(&["Accept-Encoding", "Cookie"], &ORIGIN),
            ["Accept-Encoding, Cookie, Origin"]
        );
    }

    #[test]
    fn names_are_never_repeated() {
        assert_eq!(vary_after(&["origin"], &ORIGIN), ["origin"]);
        assert_eq!(vary_after(&["*"], &ORIGIN), ["*"]);
        assert_eq!(
            vary_after(&["Origin"], &PREFLIGHT),
            ["Origin, Access-Control-Request-Method, Access-Control-Request-Headers"]
        );
    }
}
