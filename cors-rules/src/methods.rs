//! One entry of `methods`, and `max_age`.

use crate::{RuleError, is_token};

/// Checks one trimmed, non-empty method name. Methods are case-sensitive, as in HTTP.
pub fn check_method(method: &str) -> Result<(), RuleError> {
    if !is_token(method) {
        return Err(RuleError::NotAMethod(method.to_owned()));
    }
    let upper = method.to_ascii_uppercase();
    if matches!(upper.as_str(), "CONNECT" | "TRACE" | "TRACK") {
        return Err(RuleError::ForbiddenMethod(method.to_owned()));
    }
    Ok(())
}

/// Checks `max_age`, given as its decimal digits: at most one day, the longest any browser
/// caches a preflight.
pub fn check_max_age(digits: &str) -> Result<u64, RuleError> {
    digits
        .parse::<u64>()
        .ok()
        .filter(|&seconds| seconds <= crate::MAX_AGE_LIMIT)
        .ok_or_else(|| RuleError::MaxAgeTooLong(digits.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_age_stops_at_one_day() {
        assert_eq!(check_max_age("86400"), Ok(86_400));
        for too_long in ["86401", "99999999999999999999999"] {
            assert_eq!(
                check_max_age(too_long),
                Err(RuleError::MaxAgeTooLong(too_long.to_owned()))
            );
        }
    }

    #[test]
    fn forbidden_and_malformed_methods_are_rejected() {
        assert!(check_method("PATCH").is_ok());
        assert!(check_method("PROPFIND").is_ok());
        assert!(
            check_method("TRACE")
                .unwrap_err()
                .to_string()
                .contains("forbidden")
        );
        assert!(
            check_method("connect")
                .unwrap_err()
                .to_string()
                .contains("forbidden")
        );
        assert!(
            check_method("GE T")
                .unwrap_err()
                .to_string()
                .contains("not an HTTP method")
        );
        assert!(
            check_method("GET;")
                .unwrap_err()
                .to_string()
                .contains("not an HTTP method")
        );
    }
}
