//! Merging `Vary`: add what the CORS answer depends on, keep what the handler set, never
//! repeat a name.

use actix_web::http::header::{HeaderMap, HeaderValue, VARY};

/// The names a CORS answer adds to `Vary`, each as a ready header value, and the same names
/// joined as one, used as is when the response has no `Vary` yet. Neither case validates
/// or allocates anything.
pub struct Names {
    list: &'static [&'static HeaderValue],
    value: HeaderValue,
}

static ORIGIN_NAME: HeaderValue = HeaderValue::from_static("Origin");
static REQUEST_METHOD_NAME: HeaderValue = HeaderValue::from_static("Access-Control-Request-Method");
static REQUEST_HEADERS_NAME: HeaderValue =
    HeaderValue::from_static("Access-Control-Request-Headers");

/// An actual response whose answer depends on `Origin`.
pub static ORIGIN: Names = Names {
    list: &[&ORIGIN_NAME],
    value: HeaderValue::from_static("Origin"),
};
/// A preflight of a listed-origins policy.
pub static PREFLIGHT: Names = Names {
    list: &[&ORIGIN_NAME, &REQUEST_METHOD_NAME, &REQUEST_HEADERS_NAME],
    value: HeaderValue::from_static(
        "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
    ),
};
/// A preflight of a `*` policy: the answer does not depend on `Origin`.
pub static PREFLIGHT_ANY_ORIGIN: Names = Names {
    list: &[&REQUEST_METHOD_NAME, &REQUEST_HEADERS_NAME],
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

/// Adds `names` to the response's `Vary`, when the caller already knows whether the
/// response has a `Vary` header.
#[inline]
pub fn add_known(headers: &mut HeaderMap, names: &Names, present: bool) {
    if !present {
        headers.insert(VARY, names.value.clone());
        return;
    }
    merge(headers, names);
}

/// Appends each name the response's `Vary` lacks as one more `Vary` line, leaving the
/// handler's lines as they are: several `Vary` lines mean the same as one comma-joined line
/// (RFC 9110 §5.3). The names are static values, so nothing is allocated while the map
/// keeps a name's values inline (up to four `Vary` lines).
#[cold]
fn merge(headers: &mut HeaderMap, names: &Names) {
    for &name in names.list {
        if !lists(headers, name.as_bytes()) {
            headers.append(VARY, name.clone());
        }
    }
}

/// Whether the response's `Vary` already covers `name`: lists it (in any case) or `*`.
fn lists(headers: &HeaderMap, name: &[u8]) -> bool {
    headers.get_all(VARY).any(|value| {
        value
            .as_bytes()
            .split(|&byte| byte == b',')
            .map(<[u8]>::trim_ascii)
            .any(|token| token == b"*" || token.eq_ignore_ascii_case(name))
    })
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
    fn handler_vary_is_kept_and_missing_names_are_appended_as_lines() {
        assert_eq!(
            vary_after(&["Accept-Encoding"], &ORIGIN),
            ["Accept-Encoding", "Origin"]
        );
        assert_eq!(
            vary_after(&["Accept-Encoding", "Cookie"], &ORIGIN),
            ["Accept-Encoding", "Cookie", "Origin"]
        );
        assert_eq!(
            vary_after(&["Accept-Encoding"], &PREFLIGHT),
            [
                "Accept-Encoding",
                "Origin",
                "Access-Control-Request-Method",
                "Access-Control-Request-Headers"
            ]
        );
    }

    #[test]
    fn names_are_never_repeated() {
        assert_eq!(vary_after(&["origin"], &ORIGIN), ["origin"]);
        assert_eq!(vary_after(&["Cookie, ORIGIN"], &ORIGIN), ["Cookie, ORIGIN"]);
        assert_eq!(vary_after(&["*"], &ORIGIN), ["*"]);
        assert_eq!(
            vary_after(&["Accept-Encoding", "*"], &PREFLIGHT),
            ["Accept-Encoding", "*"]
        );
        assert_eq!(
            vary_after(&["Origin"], &PREFLIGHT),
            [
                "Origin",
                "Access-Control-Request-Method",
                "Access-Control-Request-Headers"
            ]
        );
        assert_eq!(
            vary_after(&["Cookie, access-control-request-method"], &PREFLIGHT),
            [
                "Cookie, access-control-request-method",
                "Origin",
                "Access-Control-Request-Headers"
            ]
        );
    }

    #[test]
    fn joined_value_is_the_list() {
        for names in [&ORIGIN, &PREFLIGHT, &PREFLIGHT_ANY_ORIGIN] {
            let list: Vec<&str> = names
                .list
                .iter()
                .map(|name| name.to_str().unwrap())
                .collect();
            assert_eq!(names.value.to_str().unwrap(), list.join(", "));
        }
    }
}
