//! Request headers that must appear exactly once.

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};

/// The value of a header that must appear exactly once (`Origin`,
/// `Access-Control-Request-Method`); `None` when it is missing or repeated.
pub fn single(headers: &HeaderMap, name: HeaderName) -> Option<&HeaderValue> {
    let mut values = headers.get_all(name);
    match (values.next(), values.next()) {
        (Some(value), None) => Some(value),
        _ => None,
    }
}
