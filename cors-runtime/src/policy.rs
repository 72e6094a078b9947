//! The policy types: what `#[cors(...)]` compiles into, as `'static` data.

use std::fmt;

/// One handler's CORS policy, built by `#[cors(...)]` at compile time.
///
/// Every header value the policy can send is precomputed, so answering a request only
/// compares bytes.
#[derive(Debug)]
pub struct Policy {
    /// Which origins may read responses.
    pub origins: AllowedOrigins,
    /// Methods a preflight may ask for (case-sensitive).
    pub methods: &'static [&'static str],
    /// The `Access-Control-Allow-Methods` value: `methods`, comma-separated.
    pub allow_methods: &'static str,
    /// Request headers a preflight may ask for.
    pub headers: AllowedHeaders,
    /// The `Access-Control-Allow-Headers` value, if any header is allowed.
    pub allow_headers: Option<&'static str>,
    /// The `Access-Control-Expose-Headers` value, if any.
    pub expose_headers: Option<&'static str>,
    /// The `Access-Control-Max-Age` value, if set.
    pub max_age: Option<&'static str>,
    /// Whether cookies and HTTP authentication may be sent.
    pub credentials: bool,
}

/// The origins a policy trusts.
#[derive(Debug)]
pub enum AllowedOrigins {
    /// `*`: every origin, `null` included, without credentials.
    Any,
    /// Exact origins and patterns.
    Listed {
        /// Serialized origins, sorted by bytes so lookup is a binary search.
        exact: &'static [&'static str],
        /// Subdomain and port patterns, tried in order after `exact`.
        patterns: &'static [OriginPattern],
    },
}

/// `https://*.example.com`, `http://localhost:*` or both at once.
#[derive(Debug)]
pub struct OriginPattern {
    /// `http` or `https`.
    pub scheme: &'static str,
    /// The fixed part of the host: after `*.` for subdomain patterns, else the whole host.
    pub host: &'static str,
    /// Whether one or more labels must stand in front of `host`.
    pub subdomains: bool,
    /// Which ports match.
    pub port: PortPattern,
}

/// The port part of an [`OriginPattern`].
#[derive(Debug)]
pub enum PortPattern {
    /// No explicit port.
    Default,
    /// Exactly this port, as written in the origin.
    Exact(&'static str),
    /// Any explicit port, and no port.
    Any,
}

/// The request headers a policy allows.
#[derive(Debug)]
pub struct AllowedHeaders {
    /// `*`: every name except `Authorization`, which must be listed (Fetch §2.2.2).
    pub any: bool,
    /// Listed names, lower case.
    pub names: &'static [&'static str],
}

impl AllowedOrigins {
    /// Whether `origin`, the bytes of one `Origin` header, is allowed.
    pub fn allows(&self, origin: &[u8]) -> bool {
        match self {
            AllowedOrigins::Any => true,
            AllowedOrigins::Listed { exact, patterns } => {
                exact
                    .binary_search_by(|probe| probe.as_bytes().cmp(origin))
                    .is_ok()
                    || patterns.iter().any(|pattern| pattern.matches(origin))
            }
        }
    }
}

impl OriginPattern {
    /// Whether `origin` is a serialized origin this pattern covers. Matching is on label
    /// boundaries only, and an origin browsers would never send (upper case, a default
    /// port, a leading zero) never matches.
    pub fn matches(&self, origin: &[u8]) -> bool {
        let Some(authority) = origin
            .strip_prefix(self.scheme.as_bytes())
            .and_then(|rest| rest.strip_prefix(b"://"))
        else {
            return false;
        };
        let (host, port) = split_host_port(authority);
        self.host_matches(host) && self.port_matches(port)
    }

    fn host_matches(&self, host: &[u8]) -> bool {
        if !self.subdomains {
            return host == self.host.as_bytes();
        }
        let Some(labels) = host
            .strip_suffix(self.host.as_bytes())
            .and_then(|front| front.strip_suffix(b"."))
        else {
            return false;
        };
        !labels.is_empty() && labels.split(|&byte| byte == b'.').all(is_host_label)
    }

    fn port_matches(&self, port: Option<&[u8]>) -> bool {
        match (&self.port, port) {
            (PortPattern::Default, None) | (PortPattern::Any, None) => true,
            (PortPattern::Exact(expected), Some(port)) => port == expected.as_bytes(),
            (PortPattern::Any, Some(port)) => is_explicit_port(port, self.scheme),
            _ => false,
        }
    }
}

/// Splits `host[:port]`, minding the colons of an IPv6 literal.
fn split_host_port(authority: &[u8]) -> (&[u8], Option<&[u8]>) {
    let search_from = if authority.first() == Some(&b'[') {
        authority.iter().position(|&byte| byte == b']').unwrap_or(0)
    } else {
        0
    };
    match authority[search_from..]
        .iter()
        .position(|&byte| byte == b':')
    {
        Some(colon) => {
            let colon = search_from + colon;
            (&authority[..colon], Some(&authority[colon + 1..]))
        }
        None => (authority, None),
    }
}

fn is_host_label(label: &[u8]) -> bool {
    (1..=63).contains(&label.len())
        && label
            .iter()
            .all(|&byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
        && label[0] != b'-'
        && label[label.len() - 1] != b'-'
}

/// A port as a serialized origin writes it: 1..=65535, no leading zero, not the default.
fn is_explicit_port(port: &[u8], scheme: &str) -> bool {
    if port.is_empty() || port.len() > 5 || port[0] == b'0' || !port.iter().all(u8::is_ascii_digit)
    {
        return false;
    }
    let number = port
        .iter()
        .fold(0u32, |number, &digit| number * 10 + u32::from(digit - b'0'));
    let default = if scheme == "https" { 443 } else { 80 };
    number <= 65_535 && number != default
}

impl AllowedHeaders {
    /// Whether a request header name (any case) is allowed.
    pub fn allows(&self, name: &[u8]) -> bool {
        self.names
            .iter()
            .any(|allowed| allowed.as_bytes().eq_ignore_ascii_case(name))
            || (self.any && !name.eq_ignore_ascii_case(b"authorization"))
    }
}

impl fmt::Display for AllowedOrigins {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let AllowedOrigins::Listed { exact, patterns } = self else {
            return f.write_str("*");
        };
        let mut separator = "";
        for origin in *exact {
            write!(f, "{separator}{origin}")?;
            separator = ", ";
        }
        for pattern in *patterns {
            write!(f, "{separator}{pattern}")?;
            separator = ", ";
        }
        Ok(())
    }
}

impl fmt::Display for OriginPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let star = if self.subdomains { "*." } else { "" };
        write!(f, "{}://{star}{}", self.scheme, self.host)?;
        match self.port {
            PortPattern::Default => Ok(()),
            PortPattern::Exact(port) => write!(f, ":{port}"),
            PortPattern::Any => f.write_str(":*"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LISTED: AllowedOrigins = AllowedOrigins::Listed {
        exact: &["http://localhost:8080", "https://app.example.com"],
        patterns: &[],
    };
    const SUBDOMAINS: OriginPattern = OriginPattern {
        scheme: "https",
        host: "example.com",
        subdomains: true,
        port: PortPattern::Default,
    };
    const ANY_PORT: OriginPattern = OriginPattern {
        scheme: "http",
        host: "localhost",
        subdomains: false,
        port: PortPattern::Any,
    };

    #[test]
    fn exact_origins_match_byte_for_byte() {
        assert!(LISTED.allows(b"https://app.example.com"));
        assert!(LISTED.allows(b"http://localhost:8080"));
        for lookalike in [
            &b"https://App.example.com"[..],
            b"https://app.example.com/",
            b"https://app.example.com:443",
            b"https://app.example.com.evil.net",
            b"https://evilapp.example.com",
            b"http://app.example.com",
            b"https://app.example.co",
            b"null",
            b"",
            b"https://app.example.com, http://localhost:8080",
            b"https://app.example.com\0",
            b"https://app.exampl\xc3\xa9.com",
        ] {
            assert!(
                !LISTED.allows(lookalike),
                "{}",
                String::from_utf8_lossy(lookalike)
            );
        }
    }

    #[test]
    fn subdomain_patterns_match_on_label_boundaries() {
        for origin in [
            "https://a.example.com",
            "https://a.b.example.com",
            "https://x-1.example.com",
        ] {
            assert!(SUBDOMAINS.matches(origin.as_bytes()), "{origin}");
        }
        for origin in [
            "https://example.com",
            "https://.example.com",
            "https://evilexample.com",
            "https://a.example.com.evil.net",
            "https://a..example.com",
            "https://A.example.com",
            "https://-a.example.com",
            "https://a.example.com:443",
            "https://a.example.com:8443",
            "http://a.example.com",
            "https://a.example.com/",
            "https://a@b.example.com",
        ] {
            assert!(!SUBDOMAINS.matches(origin.as_bytes()), "{origin}");
        }
    }

    #[test]
    fn port_patterns_accept_any_explicit_port_and_none() {
        for origin in [
            "http://localhost",
            "http://localhost:1",
            "http://localhost:3000",
            "http://localhost:65535",
        ] {
            assert!(ANY_PORT.matches(origin.as_bytes()), "{origin}");
        }
        for origin in [
            "http://localhost:",
            "http://localhost:0",
            "http://localhost:080",
            "http://localhost:80",
            "http://localhost:65536",
            "http://localhost:99999999999",
            "http://localhost:3000/",
            "http://localhost:3o00",
            "http://localhost.evil.net:3000",
            "http://localhostx:3000",
            "https://localhost:3000",
        ] {
            assert!(!ANY_PORT.matches(origin.as_bytes()), "{origin}");
        }
    }

    #[test]
    fn ipv6_hosts_keep_their_colons() {
        let pattern = OriginPattern {
            scheme: "http",
            host: "[::1]",
            subdomains: false,
            port: PortPattern::Any,
        };
        assert!(pattern.matches(b"http://[::1]:8080"));
        assert!(pattern.matches(b"http://[::1]"));
        assert!(!pattern.matches(b"http://[::2]:8080"));
    }

    #[test]
    fn hostile_origins_are_refused_without_panic() {
        let huge = [b'a'; 16 * 1024];
        let mut colons = b"http://localhost".to_vec();
        colons.extend(std::iter::repeat_n(b':', 10_000));
        let mut brackets = b"http://[".to_vec();
        brackets.extend(std::iter::repeat_n(b'[', 10_000));
        for hostile in [
            &huge[..],
            &colons,
            &brackets,
            b"\xff\xfe",
            b"https://",
            b"http://:",
            b"http://[:",
        ] {
            assert!(!LISTED.allows(hostile));
            assert!(!SUBDOMAINS.matches(hostile));
            assert!(!ANY_PORT.matches(hostile));
        }
    }

    #[test]
    fn wildcard_headers_never_cover_authorization() {
        let any = AllowedHeaders {
            any: true,
            names: &[],
        };
        assert!(any.allows(b"X-Anything"));
        assert!(!any.allows(b"Authorization"));
        let listed = AllowedHeaders {
            any: true,
            names: &["authorization"],
        };
        assert!(listed.allows(b"AUTHORIZATION"));
    }

    #[test]
    fn origins_display_as_written() {
        let patterns: &'static [OriginPattern] = &[SUBDOMAINS, ANY_PORT];
        let origins = AllowedOrigins::Listed {
            exact: &["https://a.example.com"],
            patterns,
        };
        assert_eq!(
            origins.to_string(),
            "https://a.example.com, https://*.example.com, http://localhost:*"
        );
    }
}
