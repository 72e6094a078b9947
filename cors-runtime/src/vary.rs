//! Merging `Vary`: add what the CORS answer depends on, keep what the handler set, never
//! repeat a name.

use std::cell::RefCell;

use actix_web::http::header::{HeaderMap, HeaderValue, VARY};
use actix_web::web::Bytes;

/// The names a CORS answer adds to `Vary`, each as a ready header value, and the same names
/// joined as one, used as is when the response has no `Vary` yet, so that case validates and
/// allocates nothing.
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

/// The last merge a route made, per worker: a handler sends the same `Vary` on every
/// response, so after the first one the merged value is a clone of a shared buffer and the
/// merge allocates nothing.
#[derive(Default)]
pub struct Memo(RefCell<Option<(HeaderValue, HeaderValue)>>);

/// Adds `names` to the response's `Vary`.
#[cfg(test)]
pub fn add(headers: &mut HeaderMap, names: &Names) {
    let present = headers.contains_key(VARY);
    add_known(headers, names, present, &Memo::default());
}

/// Adds `names` to the response's `Vary`, when the caller already knows whether the
/// response has a `Vary` header.
#[inline]
pub fn add_known(headers: &mut HeaderMap, names: &Names, present: bool, memo: &Memo) {
    if !present {
        headers.insert(VARY, names.value.clone());
        return;
    }
    merge(headers, names, memo);
}

/// Joins the names the response's `Vary` lacks to it, on one line. Several `Vary` lines
/// mean the same as one (RFC 9110 §5.3), but caches differ: Debian's nginx 1.22 keys on the
/// last line only, so a second line would silently drop the handler's own names.
#[cold]
fn merge(headers: &mut HeaderMap, names: &Names, memo: &Memo) {
    let mut lines = headers.get_all(VARY);
    let single = match (lines.next(), lines.next()) {
        (Some(line), None) => Some(line),
        _ => None,
    };
    if let (Some(line), Some((seen, merged))) = (single, &*memo.0.borrow())
        && line == seen
    {
        let merged = merged.clone();
        headers.insert(VARY, merged);
        return;
    }
    let lines = || headers.get_all(VARY).map(HeaderValue::as_bytes);
    let missing = names
        .list
        .iter()
        .map(|name| name.as_bytes())
        .filter(|name| !cors_rules::vary::lists(lines(), name));
    let joined = cors_rules::vary::joined(lines(), missing);
    if single.is_some_and(|line| line.as_bytes() == joined) {
        // Nothing was missing and there was one line: it stays as it is.
        return;
    }
    // Built from valid header values and ASCII names, so always valid; keep the handler's
    // header if that ever fails rather than lose it.
    let Ok(merged) = HeaderValue::from_maybe_shared(Bytes::from(joined)) else {
        return;
    };
    if let Some(line) = single {
        *memo.0.borrow_mut() = Some((line.clone(), merged.clone()));
    }
    headers.insert(VARY, merged);
}

/// Joins the response's `Vary` lines into one, names in order and as written: a middleware
/// outside the route (`Compress`) appends a line of its own, and a cache that keys on one
/// line only (Debian's nginx 1.22) would hand one origin's answer to another.
pub(crate) fn one_line(headers: &mut HeaderMap) {
    let mut lines = headers.get_all(VARY);
    if lines.next().is_none() || lines.next().is_none() {
        return;
    }
    let none: [&[u8]; 0] = [];
    let joined = cors_rules::vary::joined(headers.get_all(VARY).map(HeaderValue::as_bytes), none);
    // Made of parts of valid values, so valid; keep the lines as they are if not.
    if let Ok(value) = HeaderValue::from_maybe_shared(Bytes::from(joined)) {
        headers.insert(VARY, value);
    }
}

/// Whether the response's `Vary` already covers `name`: lists it (in any case) or `*`.
pub(crate) fn lists(headers: &HeaderMap, name: &[u8]) -> bool {
    cors_rules::vary::lists(headers.get_all(VARY).map(HeaderValue::as_bytes), name)
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
    fn handler_vary_is_kept_and_extended_on_one_line() {
        assert_eq!(
            vary_after(&["Accept-Encoding"], &ORIGIN),
            ["Accept-Encoding, Origin"]
        );
        assert_eq!(
            vary_after(&["Accept-Encoding", "Cookie"], &ORIGIN),
            ["Accept-Encoding, Cookie, Origin"]
        );
        assert_eq!(
            vary_after(&["Accept-Encoding"], &PREFLIGHT),
            [
                "Accept-Encoding, Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
            ]
        );
    }

    #[test]
    fn a_memo_answers_only_the_line_it_saw() {
        let memo = Memo::default();
        for line in ["Accept-Encoding", "Cookie", "Accept-Encoding", "origin"] {
            let mut headers = HeaderMap::new();
            headers.insert(VARY, HeaderValue::from_static(line));
            add_known(&mut headers, &ORIGIN, true, &memo);
            let expected = if line == "origin" {
                line.to_owned()
            } else {
                format!("{line}, Origin")
            };
            assert_eq!(headers.get(VARY).unwrap().to_str().unwrap(), expected);
        }
    }

    #[test]
    fn names_are_never_repeated() {
        assert_eq!(vary_after(&["origin"], &ORIGIN), ["origin"]);
        assert_eq!(vary_after(&["Cookie, ORIGIN"], &ORIGIN), ["Cookie, ORIGIN"]);
        assert_eq!(vary_after(&["*"], &ORIGIN), ["*"]);
        assert_eq!(
            vary_after(&["Accept-Encoding", "*"], &PREFLIGHT),
            ["Accept-Encoding, *"]
        );
        assert_eq!(
            vary_after(&["Origin"], &PREFLIGHT),
            ["Origin, Access-Control-Request-Method, Access-Control-Request-Headers"]
        );
        assert_eq!(
            vary_after(&["Cookie, access-control-request-method"], &PREFLIGHT),
            ["Cookie, access-control-request-method, Origin, Access-Control-Request-Headers"]
        );
    }

    #[test]
    fn several_lines_become_one() {
        let mut headers = HeaderMap::new();
        for line in [
            "Accept-Language, Origin",
            " ",
            "accept-encoding",
            "Cookie, *",
        ] {
            headers.append(VARY, HeaderValue::from_static(line));
        }
        one_line(&mut headers);
        let lines: Vec<_> = headers.get_all(VARY).collect();
        assert_eq!(
            lines,
            ["Accept-Language, Origin, accept-encoding, Cookie, *"]
        );
        // Lines that already name everything are joined too.
        assert_eq!(
            vary_after(&["Accept-Encoding", "Origin"], &ORIGIN),
            ["Accept-Encoding, Origin"]
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
