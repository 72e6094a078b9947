//! One entry of `methods`.

use crate::is_token;

/// Checks one trimmed, non-empty method name. Methods are case-sensitive, as in HTTP.
pub fn check_method(method: &str) -> Result<(), String> {
    if !is_token(method) {
        return Err(format!(
            "`{method}` is not an HTTP method: a method is a token like `GET`"
        ));
    }
    let upper = method.to_ascii_uppercase();
    if matches!(upper.as_str(), "CONNECT" | "TRACE" | "TRACK") {
        return Err(format!(
            "`{method}` is a forbidden method: browsers never send it from `fetch()`, so it cannot be allowed"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_and_malformed_methods_are_rejected() {
        assert!(check_method("PATCH").is_ok());
        assert!(check_method("PROPFIND").is_ok());
        assert!(check_method("TRACE").unwrap_err().contains("forbidden"));
        assert!(check_method("connect").unwrap_err().contains("forbidden"));
        assert!(
            check_method("GE T")
                .unwrap_err()
                .contains("not an HTTP method")
        );
        assert!(
            check_method("GET;")
                .unwrap_err()
                .contains("not an HTTP method")
        );
    }
}
