//! Whole comma-separated values: elements, duplicates, wildcards and cross-key rules.

use crate::{
    OriginRule, Origins, RuleError, check_expose_header, check_method, check_request_header,
    parse_origin,
};

/// Splits a comma-separated value into trimmed elements; empty elements are kept so they
/// can be reported.
pub fn split_list(value: &str) -> Vec<&str> {
    value.split(',').map(str::trim).collect()
}

/// Runs `check` on every element of `value`, collecting every problem: an empty list or
/// element, a bad element, a duplicate (compared after `normalise`).
fn checked_list<T>(
    key: &'static str,
    value: &str,
    normalise: fn(&str) -> String,
    mut check: impl FnMut(&str) -> Result<T, RuleError>,
) -> Result<Vec<(String, T)>, Vec<RuleError>> {
    if value.trim().is_empty() {
        return Err(vec![RuleError::EmptyList(key)]);
    }
    let mut errors = Vec::new();
    let mut items: Vec<(String, T)> = Vec::new();
    // A set, not a scan of `items`: a tenant list of 10,000 origins loads in milliseconds.
    let mut seen = std::collections::HashSet::new();
    for element in split_list(value) {
        if element.is_empty() {
            errors.push(RuleError::EmptyElement(key));
            continue;
        }
        let key_form = normalise(element);
        if !seen.insert(key_form.clone()) {
            errors.push(RuleError::Duplicate {
                key,
                value: element.to_owned(),
            });
            continue;
        }
        match check(element) {
            Ok(item) => items.push((key_form, item)),
            Err(message) => errors.push(message),
        }
    }
    if errors.is_empty() {
        Ok(items)
    } else {
        Err(errors)
    }
}

/// Checks `origins`. With `credentials`, also refuses what would hand cookies to strangers.
pub fn origin_list(value: &str, credentials: bool) -> Result<Origins, Vec<RuleError>> {
    checked_origins(value, credentials, false)
}

/// Checks `origins` as the bound of a function that decides each origin
/// (`decide_origin`): the same rules as [`origin_list`], and also `https://*` (every HTTPS
/// origin), but never `*`.
pub fn bound_list(value: &str, credentials: bool) -> Result<Origins, Vec<RuleError>> {
    checked_origins(value, credentials, true)
}

fn checked_origins(
    value: &str,
    credentials: bool,
    decided: bool,
) -> Result<Origins, Vec<RuleError>> {
    let rules: Vec<OriginRule> = checked_list("origins", value, str::to_owned, parse_origin)?
        .into_iter()
        .map(|(_, rule)| rule)
        .collect();
    let mut errors = Vec::new();
    if rules.contains(&OriginRule::Any) {
        if decided {
            errors.push(RuleError::WildcardBound);
        } else if rules.len() > 1 {
            errors.push(RuleError::WildcardMixed);
        }
        if credentials && !decided {
            errors.push(RuleError::WildcardOriginWithCredentials);
        }
    }
    for rule in &rules {
        let any_host = matches!(rule, OriginRule::Pattern(pattern) if pattern.is_any_host());
        if any_host && !decided {
            errors.push(RuleError::AnyHttpsWithoutDecision);
        } else if credentials && !any_host {
            errors.extend(credentialed_origin_problem(rule));
        }
    }
    if errors.is_empty() {
        Ok(Origins::from_rules(rules))
    } else {
        Err(errors)
    }
}

fn credentialed_origin_problem(rule: &OriginRule) -> Option<RuleError> {
    if rule.is_insecure() {
        return Some(RuleError::PlainHttpWithCredentials(rule.to_string()));
    }
    if let OriginRule::Pattern(pattern) = rule
        && pattern.subdomains
    {
        if is_public_suffix(&pattern.host) {
            return Some(RuleError::PublicSuffix {
                pattern: rule.to_string(),
                suffix: pattern.host.to_string(),
            });
        }
        if has_public_suffix_rules_below(&pattern.host) {
            return Some(RuleError::PublicSuffixesBelow {
                pattern: rule.to_string(),
                base: pattern.host.to_string(),
            });
        }
    }
    None
}

/// Whether anyone can register names directly under `host` (`com`, `co.uk`, `github.io`).
fn is_public_suffix(host: &str) -> bool {
    psl::suffix(host.as_bytes())
        .is_some_and(|suffix| suffix.is_known() && suffix.as_bytes() == host.as_bytes())
}

/// Whether the public suffix list has a rule strictly below `host` (`amazonaws.com`, for
/// `s3.amazonaws.com`), so that some names under `host` are open to anyone.
///
/// The `psl` crate does not expose its rules, only [`psl::Psl::find`], which walks a trie of
/// them, pulling labels (rightmost first) from the iterator it is given. Its generated code
/// pulls the next label only at a node that has children, to pick one; a node without
/// rules below it returns at once. So `find` is fed `host`'s labels and asked whether it
/// pulled once more after they ran out: it did exactly when it reached `host`'s node and
/// that node has rules below it. A path that leaves the trie before the last label stops
/// without pulling. `probe_finds_public_suffix_rules_below_a_base` pins this to the crate's
/// behaviour. The probe cannot name the rule it detects: the trie only compares the labels
/// it is given, and nothing lists a node's children.
fn has_public_suffix_rules_below(host: &str) -> bool {
    struct Labels<'a> {
        labels: std::str::RSplit<'a, char>,
        pulled_past_end: bool,
    }
    impl<'a> Iterator for Labels<'a> {
        type Item = &'a [u8];

        fn next(&mut self) -> Option<&'a [u8]> {
            let label = self.labels.next();
            self.pulled_past_end |= label.is_none();
            label.map(str::as_bytes)
        }
    }
    let mut labels = Labels {
        labels: host.rsplit('.'),
        pulled_past_end: false,
    };
    psl::Psl::find(&psl::List, &mut labels);
    labels.pulled_past_end
}

/// Checks `methods`: tokens, no forbidden methods, no duplicates. Case-sensitive.
pub fn method_list(value: &str) -> Result<Vec<String>, Vec<RuleError>> {
    let methods = checked_list("methods", value, str::to_owned, check_method)?;
    Ok(methods.into_iter().map(|(method, ())| method).collect())
}

/// A checked `headers` or `expose_headers` value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderList {
    /// `*` was listed.
    pub any: bool,
    /// The other names, lower-cased, in the order given.
    pub names: Vec<String>,
}

/// Checks `headers`: request header names a page may send, `*` for any (but `Authorization`).
pub fn request_header_list(value: &str, credentials: bool) -> Result<HeaderList, Vec<RuleError>> {
    header_list("headers", value, credentials, check_request_header)
}

/// Checks `expose_headers`: response header names a page may read, `*` for any.
pub fn expose_header_list(value: &str, credentials: bool) -> Result<HeaderList, Vec<RuleError>> {
    header_list("expose_headers", value, credentials, check_expose_header)
}

fn header_list(
    key: &'static str,
    value: &str,
    credentials: bool,
    check: fn(&str) -> Result<(), RuleError>,
) -> Result<HeaderList, Vec<RuleError>> {
    let names = checked_list(key, value, str::to_ascii_lowercase, |name| {
        if name == "*" {
            return if credentials {
                Err(RuleError::WildcardHeadersWithCredentials(key))
            } else {
                Ok(())
            };
        }
        check(name)
    })?;
    let mut list = HeaderList::default();
    for (name, ()) in names {
        if name == "*" {
            list.any = true;
        } else {
            list.names.push(name);
        }
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin_errors(value: &str, credentials: bool) -> Vec<String> {
        messages(origin_list(value, credentials).unwrap_err())
    }

    fn messages(errors: Vec<RuleError>) -> Vec<String> {
        errors.iter().map(RuleError::to_string).collect()
    }

    #[test]
    fn every_https_origin_bounds_a_decision_and_nothing_else() {
        assert_eq!(
            origin_errors("https://*", false),
            [RuleError::AnyHttpsWithoutDecision.to_string()]
        );
        assert_eq!(
            origin_errors("http://*", false),
            [RuleError::AnyPlainHttp.to_string()]
        );
        assert_eq!(
            messages(bound_list("*", false).unwrap_err()),
            [RuleError::WildcardBound.to_string()]
        );
        assert_eq!(
            messages(bound_list("http://*", true).unwrap_err()),
            [RuleError::AnyPlainHttp.to_string()]
        );
        // Every other rule still holds for the bound.
        assert_eq!(
            messages(bound_list("https://*, http://app.example.com", true).unwrap_err()),
            [RuleError::PlainHttpWithCredentials("http://app.example.com".into()).to_string()]
        );
        assert!(bound_list("https://*.com", true).is_err());
        let bound = bound_list("https://*, http://localhost:8080", true).unwrap();
        assert_eq!(bound.to_string(), "http://localhost:8080, https://*");
        let matcher = bound.matcher();
        for allowed in [
            "https://tenant.example",
            "https://a.b.example.com",
            "https://10.0.0.1",
        ] {
            assert!(matcher.find(allowed.as_bytes()).is_some(), "{allowed}");
        }
        let long_host = format!("https://{}.example", ["a"; 130].join("."));
        for refused in [
            "http://tenant.example",
            "https://tenant.example:8443",
            "https://Tenant.example",
            "https://a..example",
            "https://tenant.example/",
            "https://",
            "null",
            "https://[::1]",
            long_host.as_str(),
        ] {
            assert!(matcher.find(refused.as_bytes()).is_none(), "{refused}");
        }
    }

    #[test]
    fn lists_allow_spaces_around_commas() {
        let rules = origin_list(" https://a.example.com ,http://localhost:3000", true).unwrap();
        assert_eq!(rules.len(), 2);
        assert!(matches!(
            origin_list("https://a.example.com/", false).unwrap_err()[..],
            [RuleError::NotAnOrigin {
                part: "a trailing slash",
                ..
            }]
        ));
        assert_eq!(method_list("GET , POST").unwrap(), ["GET", "POST"]);
    }

    #[test]
    fn every_problem_is_reported() {
        let errors = origin_errors(
            "https://a.example.com,,https://a.example.com, a.example.com",
            false,
        );
        assert_eq!(errors.len(), 3, "{errors:?}");
    }

    #[test]
    fn wildcard_rules() {
        assert!(origin_errors("*", true)[0].contains("`credentials = true` cannot be combined"));
        assert!(origin_errors("*, https://a.example.com", false)[0].contains("cannot be mixed"));
        assert!(
            request_header_list("*", true).unwrap_err()[0]
                .to_string()
                .contains("cannot be combined")
        );
        assert!(
            expose_header_list("*", true).unwrap_err()[0]
                .to_string()
                .contains("cannot be combined")
        );
        let any = request_header_list("*, Authorization", false).unwrap();
        assert!(any.any);
        assert_eq!(any.names, ["authorization"]);
    }

    #[test]
    fn credentials_need_secure_private_origins() {
        assert!(origin_errors("http://app.example.com", true)[0].contains("plain `http`"));
        assert!(origin_list("http://localhost:8080, http://127.0.0.1:3000", true).is_ok());
        for public in ["https://*.com", "https://*.co.uk", "https://*.github.io"] {
            assert!(
                origin_errors(public, true)[0].contains("public suffix"),
                "{public}"
            );
        }
        assert!(origin_list("https://*.example.com", true).is_ok());
        assert!(origin_list("https://*.com", false).is_ok());
    }

    #[test]
    fn probe_finds_public_suffix_rules_below_a_base() {
        for base in [
            "amazonaws.com",
            "on.aws",
            "core.windows.net",
            "com",
            "co.uk",
        ] {
            assert!(has_public_suffix_rules_below(base), "{base}");
        }
        // `github.io` is a public suffix with no rule below it: `is_public_suffix` refuses it.
        assert!(is_public_suffix("github.io"));
        for base in [
            "github.io",
            "example.com",
            "mycompany.co.uk",
            "localhost",
            "s3.amazonaws.com.example.org",
        ] {
            assert!(!has_public_suffix_rules_below(base), "{base}");
        }
    }

    #[test]
    fn credentials_refuse_patterns_over_public_suffix_rules() {
        assert_eq!(
            origin_errors("https://*.amazonaws.com", true),
            [
                "`https://*.amazonaws.com` covers public suffixes and cannot be trusted with `credentials = true`: the public suffix list has rules under `amazonaws.com`, so anyone can register sites below it; list your own domain"
            ]
        );
        for (pattern, base) in [
            ("https://*.on.aws", "on.aws"),
            ("https://*.core.windows.net", "core.windows.net"),
        ] {
            let errors = origin_errors(pattern, true);
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert!(
                errors[0].contains(&format!("has rules under `{base}`")),
                "{errors:?}"
            );
        }
        for own in ["https://*.example.com", "https://*.mycompany.co.uk"] {
            assert!(origin_list(own, true).is_ok(), "{own}");
        }
    }

    /// Deploy-time origins (`cors_runtime::ConfiguredOrigins`) are checked by `origin_list`
    /// too, so they refuse the same patterns.
    #[test]
    fn origin_list_refuses_rules_below_the_base_only_with_credentials() {
        assert!(origin_list("https://*.amazonaws.com", true).is_err());
        assert!(origin_list("https://*.amazonaws.com", false).is_ok());
    }

    #[test]
    fn duplicate_headers_compare_case_insensitively() {
        let errors = request_header_list("X-A, x-a", false).unwrap_err();
        assert!(errors[0].to_string().contains("listed twice"));
    }
}
