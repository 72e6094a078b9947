//! The audit of every `#[cors]` handler in the program: which routes can be called
//! cross-origin, from where, with cookies. Entries are collected at link time, so the list
//! is complete before the server starts.

use std::fmt::Write as _;

use crate::policy::{AllowedOrigins, Policy};

/// One annotated handler and its policy.
#[derive(Debug)]
pub struct AuditEntry {
    /// The handler function's name.
    pub handler: &'static str,
    /// The module it is defined in.
    pub module: &'static str,
    /// Its paths as the routing attributes give them (with any `#[scope]` prefix, without
    /// prefixes added at registration by `web::scope`).
    pub paths: &'static [&'static str],
    /// The policy.
    pub policy: &'static Policy,
}

impl AuditEntry {
    #[doc(hidden)]
    pub const fn new(
        handler: &'static str,
        module: &'static str,
        paths: &'static [&'static str],
        policy: &'static Policy,
    ) -> Self {
        AuditEntry {
            handler,
            module,
            paths,
            policy,
        }
    }

    /// Whether the policy trusts a plain-`http` origin other than localhost or loopback.
    pub fn trusts_plain_http(&self) -> bool {
        let AllowedOrigins::Listed { exact, patterns } = self.policy.origins.resolved() else {
            return false;
        };
        // The rule of `cors-rules`, on the policy's entries written back as text.
        let insecure =
            |origin: &str| cors_rules::parse_origin(origin).is_ok_and(|rule| rule.is_insecure());
        exact.iter().any(|origin| insecure(origin))
            || patterns
                .iter()
                .any(|pattern| insecure(&pattern.to_string()))
    }
}

/// Every annotated handler's entry: one static each, gathered into one slice by the linker,
/// so no code runs per handler at start-up.
#[doc(hidden)]
#[linkme::distributed_slice]
pub static ENTRIES: [AuditEntry];

/// Holds [`PLACED`] alone when `#[cors]`'s way of placing an entry into a slice (see
/// `cors-macros`) still reaches `linkme`'s slice; empty if `linkme` named its sections anew.
/// Only where `#[cors]` places entries itself: elsewhere `linkme`'s attribute does.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[doc(hidden)]
#[linkme::distributed_slice]
pub static PLACEMENT_CHECK: [u8];

#[cfg(any(target_os = "linux", target_os = "android"))]
#[cors_macros::__in_slice(::cors_runtime::audit::PLACEMENT_CHECK)]
static PLACED: u8 = 0;

/// Every annotated handler linked into the program, sorted by path then handler.
pub fn entries() -> Vec<&'static AuditEntry> {
    // Without this, a handler missing from the audit would go unnoticed, and so would its
    // configured origins in `configured::load_with`.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    assert!(
        PLACEMENT_CHECK.len() == 1 && std::ptr::eq(&PLACEMENT_CHECK[0], &PLACED),
        "cors-runtime: `#[cors]` no longer places audit entries where `linkme` gathers them; \
         pin `linkme` to the version this `cors-runtime` was released with (its Cargo.toml)"
    );
    let mut entries: Vec<&'static AuditEntry> = ENTRIES.iter().collect();
    entries.sort_by_key(|entry| {
        (
            entry.paths.first().copied().unwrap_or(""),
            entry.handler,
            entry.module,
        )
    });
    entries
}

/// The audit as a plain-text table: path, methods, origins, headers, exposed headers,
/// credentials, max-age, handler.
pub fn table() -> String {
    let rows: Vec<[String; 8]> = entries()
        .into_iter()
        .map(|entry| {
            let policy = entry.policy;
            [
                entry.paths.join(" "),
                policy.allow_methods.to_owned(),
                policy.origins.to_string(),
                policy.allow_headers.unwrap_or("-").to_owned(),
                policy.expose_headers.unwrap_or("-").to_owned(),
                if policy.credentials { "yes" } else { "no" }.to_owned(),
                policy.max_age.unwrap_or("-").to_owned(),
                entry.handler.to_owned(),
            ]
        })
        .collect();
    let header = [
        "path",
        "methods",
        "origins",
        "headers",
        "exposed",
        "credentials",
        "max-age",
        "handler",
    ];
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[&str]| {
        let mut text = String::new();
        for (cell, width) in cells.iter().zip(widths) {
            let _ = write!(text, "{cell:<width$}  ");
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&header);
    let rule: Vec<String> = widths.iter().map(|width| "-".repeat(*width)).collect();
    line(&rule.iter().map(String::as_str).collect::<Vec<_>>());
    for row in &rows {
        line(&row.iter().map(String::as_str).collect::<Vec<_>>());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AllowedHeaders, OriginPattern, PortPattern};

    fn entry(exact: &'static [&'static str], patterns: &'static [OriginPattern]) -> AuditEntry {
        let policy = Box::leak(Box::new(Policy {
            origins: AllowedOrigins::Listed { exact, patterns },
            methods: &["GET"],
            allow_methods: "GET",
            headers: AllowedHeaders {
                any: false,
                names: &[],
            },
            allow_headers: None,
            expose_headers: None,
            max_age: None,
            credentials: true,
        }));
        AuditEntry::new("handler", "module", &["/p"], policy)
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[test]
    fn a_static_placed_as_cors_places_entries_reaches_its_slice() {
        assert_eq!(PLACEMENT_CHECK.len(), 1);
        assert!(std::ptr::eq(&PLACEMENT_CHECK[0], &PLACED));
        // No handler is annotated in this crate: the check passes and nothing is listed.
        assert!(entries().is_empty());
    }

    #[test]
    fn plain_http_is_found_except_on_loopback() {
        assert!(entry(&["http://app.example.com"], &[]).trusts_plain_http());
        assert!(
            !entry(
                &[
                    "http://localhost:3000",
                    "http://[::1]:8080",
                    "https://a.example.com"
                ],
                &[]
            )
            .trusts_plain_http()
        );
        const ANY_SUBDOMAIN: &[OriginPattern] = &[OriginPattern {
            scheme: "http",
            host: "example.com",
            subdomains: true,
            port: PortPattern::Default,
        }];
        assert!(entry(&[], ANY_SUBDOMAIN).trusts_plain_http());
        const LOCAL_PORTS: &[OriginPattern] = &[OriginPattern {
            scheme: "http",
            host: "localhost",
            subdomains: false,
            port: PortPattern::Any,
        }];
        assert!(!entry(&[], LOCAL_PORTS).trusts_plain_http());
    }
}
