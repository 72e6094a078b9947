//! One entry of `headers` or `expose_headers`.

use crate::RuleError;

/// Whether `name` is an HTTP token (RFC 9110 §5.6.2): what header names and methods are made of.
pub fn is_token(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(is_tchar)
}

/// Whether `byte` may appear in a token.
pub fn is_tchar(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// Request headers a page can never set (Fetch, "forbidden request-header").
const FORBIDDEN_REQUEST: &[&str] = &[
    "accept-charset",
    "accept-encoding",
    "access-control-request-headers",
    "access-control-request-method",
    "connection",
    "content-length",
    "cookie",
    "cookie2",
    "date",
    "dnt",
    "expect",
    "host",
    "keep-alive",
    "origin",
    "referer",
    "set-cookie",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "via",
];

/// Headers that only ever travel in requests, so a script never finds them on a response.
const REQUEST_ONLY: &[&str] = &[
    "accept",
    "accept-charset",
    "accept-encoding",
    "accept-language",
    "access-control-request-headers",
    "access-control-request-method",
    "authorization",
    "cookie",
    "host",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-unmodified-since",
    "origin",
    "proxy-authorization",
    "referer",
    "user-agent",
];

/// Checks one trimmed, non-empty entry of `headers` (other than `*`).
pub fn check_request_header(name: &str) -> Result<(), RuleError> {
    if !is_token(name) {
        return Err(RuleError::NotAHeaderName {
            name: name.to_owned(),
            example: "X-Api-Key",
        });
    }
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("access-control-") && !FORBIDDEN_REQUEST.contains(&lower.as_str()) {
        return Err(RuleError::ResponseHeaderRequested(name.to_owned()));
    }
    if FORBIDDEN_REQUEST.contains(&lower.as_str())
        || lower.starts_with("sec-")
        || lower.starts_with("proxy-")
    {
        return Err(RuleError::ForbiddenRequestHeader(name.to_owned()));
    }
    Ok(())
}

/// Checks one trimmed, non-empty entry of `expose_headers` (other than `*`).
pub fn check_expose_header(name: &str) -> Result<(), RuleError> {
    if !is_token(name) {
        return Err(RuleError::NotAHeaderName {
            name: name.to_owned(),
            example: "X-Total-Count",
        });
    }
    let lower = name.to_ascii_lowercase();
    if lower == "set-cookie" || lower == "set-cookie2" {
        return Err(RuleError::CookieExposed(name.to_owned()));
    }
    if REQUEST_ONLY.contains(&lower.as_str()) || lower.starts_with("sec-") {
        return Err(RuleError::RequestHeaderExposed(name.to_owned()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        assert!(is_token("X-Api-Key"));
        assert!(is_token("*"));
        assert!(!is_token(""));
        assert!(!is_token("x y"));
        assert!(!is_token("x:y"));
        assert!(!is_token("é"));
    }

    #[test]
    fn request_headers() {
        assert!(check_request_header("Content-Type").is_ok());
        assert!(check_request_header("Authorization").is_ok());
        for name in [
            "Cookie",
            "host",
            "Origin",
            "Content-Length",
            "Sec-Fetch-Mode",
            "Proxy-Foo",
        ] {
            assert!(
                check_request_header(name)
                    .unwrap_err()
                    .to_string()
                    .contains("forbidden"),
                "{name}"
            );
        }
        assert!(
            check_request_header("Access-Control-Allow-Origin")
                .unwrap_err()
                .to_string()
                .contains("response header")
        );
        assert!(
            check_request_header("X Y")
                .unwrap_err()
                .to_string()
                .contains("not a header name")
        );
    }

    #[test]
    fn expose_headers() {
        assert!(check_expose_header("X-Total-Count").is_ok());
        assert!(
            check_expose_header("Set-Cookie")
                .unwrap_err()
                .to_string()
                .contains("never be exposed")
        );
        assert!(
            check_expose_header("Authorization")
                .unwrap_err()
                .to_string()
                .contains("request header")
        );
    }
}
