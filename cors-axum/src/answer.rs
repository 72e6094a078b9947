//! The answer of an actual request, put on the handler's response.

use axum::http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS,
    HeaderMap, HeaderName, HeaderValue,
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
    if headers
        .keys()
        .any(|name| name.as_str().starts_with(ACCESS_CONTROL))
    {
        remove_access_control(headers);
    }
    if let Some(allow_origin) = allow_origin {
        insert_allow_origin(headers, prepared, allow_origin);
        if let Some(expose) = &prepared.expose_headers {
            headers.insert(ACCESS_CONTROL_EXPOSE_HEADERS, expose.clone());
        }
    }
    if prepared.varies_by_origin {
        vary::add(headers, &vary::ORIGIN);
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
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin);
    if prepared.parts.credentials {
        headers.insert(ACCESS_CONTROL_ALLOW_CREDENTIALS, TRUE);
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
