//! The audit of every `#[cors]` handler in the program: which routes can be called
//! cross-origin, from where, with cookies. Entries are collected at link time, so the list
//! is complete before the server starts.

use std::fmt::Write as _;

use crate::policy::Policy;

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
        self.policy.trusts_plain_http()
    }
}

inventory::collect!(AuditEntry);

/// Every annotated handler linked into the program, sorted by path then handler.
pub fn entries() -> Vec<&'static AuditEntry> {
    let mut entries: Vec<&'static AuditEntry> = inventory::iter::<AuditEntry>.into_iter().collect();
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
                policy.methods().join(", "),
                policy.origins().to_string(),
                policy.allow_headers().unwrap_or("-").to_owned(),
                policy.expose_headers().unwrap_or("-").to_owned(),
                if policy.credentials() { "yes" } else { "no" }.to_owned(),
                policy
                    .max_age()
                    .map_or_else(|| "-".to_owned(), |seconds| seconds.to_string()),
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
    use crate::policy::leaked_for_test;

    fn entry(origins: &str) -> AuditEntry {
        AuditEntry::new("handler", "module", &["/p"], leaked_for_test(origins))
    }

    #[test]
    fn plain_http_is_found_except_on_loopback() {
        assert!(entry("http://app.example.com").trusts_plain_http());
        assert!(entry("http://*.example.com").trusts_plain_http());
        for loopback in [
            "http://localhost:3000, http://[::1]:8080, https://a.example.com",
            "http://localhost:*",
        ] {
            assert!(!entry(loopback).trusts_plain_http(), "{loopback}");
        }
    }
}
