//! The origin grammar, once: one entry of `origins` (an exact serialized origin, `*`, or a
//! pattern) is parsed here, and a request's `Origin` is matched against patterns by the same
//! host-label and port rules.

use std::fmt;

use crate::{RuleError, Text};

/// What one entry of `origins` allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OriginRule {
    /// `*`: every origin, `null` included.
    Any,
    /// One serialized origin, compared byte for byte.
    Exact(Text),
    /// `https://*.example.com`, `http://localhost:*` and their combination, and
    /// `https://*` (every HTTPS origin, only as the bound of a function that decides).
    Pattern(OriginPattern),
}

/// The two schemes whose pages make CORS requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `http`.
    Http,
    /// `https`.
    Https,
}

/// An origin pattern: a fixed scheme, a host (or every subdomain of it) and a port rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginPattern {
    /// The scheme.
    pub scheme: Scheme,
    /// The host after `*.` for subdomain patterns, else the whole host; empty for
    /// `https://*`.
    pub host: Text,
    /// `*.host`: one or more labels in front of `host`, never `host` itself. With an
    /// empty `host`, any host.
    pub subdomains: bool,
    /// Which ports the pattern accepts.
    pub port: PortRule,
}

/// The port part of a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortRule {
    /// No port in the origin (the scheme's default).
    Default,
    /// Exactly this explicit port.
    Exact(u16),
    /// `:*`: any explicit port, and no port.
    Any,
}

impl Scheme {
    /// The scheme as written in an origin.
    pub const fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }
}

impl OriginRule {
    /// Whether this entry trusts plain `http` on a host other than loopback.
    pub fn is_insecure(&self) -> bool {
        match self {
            OriginRule::Any => false,
            OriginRule::Exact(origin) => is_insecure_origin(origin),
            OriginRule::Pattern(pattern) => pattern.is_insecure(),
        }
    }
}

/// Whether a serialized origin is plain `http` on a host other than loopback.
pub(crate) fn is_insecure_origin(origin: &str) -> bool {
    origin
        .as_bytes()
        .strip_prefix(b"http://")
        .is_some_and(|authority| !is_loopback_bytes(split_host_port(authority).0))
}

impl OriginPattern {
    /// Whether this pattern trusts plain `http` on a host other than loopback.
    pub fn is_insecure(&self) -> bool {
        self.scheme == Scheme::Http && !is_loopback(&self.host)
    }

    /// Whether `origin`, the bytes of one `Origin` header, is a serialized origin this
    /// pattern covers. Matching is on label boundaries only, and an origin browsers would
    /// never send (upper case, a default port, a leading zero) never matches.
    pub fn matches(&self, origin: &[u8]) -> bool {
        let Some(authority) = origin
            .strip_prefix(self.scheme.as_str().as_bytes())
            .and_then(|rest| rest.strip_prefix(b"://"))
        else {
            return false;
        };
        if self.is_any_host() && self.port == PortRule::Default {
            return is_host_without_port(authority);
        }
        let (host, port) = split_host_port(authority);
        self.host_matches(host) && self.port_matches(port)
    }

    /// `https://*`: any host, on the scheme's default port.
    pub fn is_any_host(&self) -> bool {
        self.subdomains && self.host.is_empty()
    }

    fn host_matches(&self, host: &[u8]) -> bool {
        if self.is_any_host() {
            return host.len() <= MAX_HOST_LENGTH
                && host.split(|&byte| byte == b'.').all(is_host_label);
        }
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
        match (self.port, port) {
            (PortRule::Default | PortRule::Any, None) => true,
            (PortRule::Exact(expected), Some(port)) => {
                explicit_port(port, self.scheme) == Some(expected)
            }
            (PortRule::Any, Some(port)) => explicit_port(port, self.scheme).is_some(),
            _ => false,
        }
    }
}

impl fmt::Display for OriginPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let star = match (self.subdomains, self.host.is_empty()) {
            (true, true) => "*",
            (true, false) => "*.",
            (false, _) => "",
        };
        write!(f, "{}://{star}{}", self.scheme.as_str(), self.host)?;
        match self.port {
            PortRule::Default => Ok(()),
            PortRule::Exact(port) => write!(f, ":{port}"),
            PortRule::Any => f.write_str(":*"),
        }
    }
}

impl fmt::Display for OriginRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OriginRule::Any => f.write_str("*"),
            OriginRule::Exact(origin) => f.write_str(origin),
            OriginRule::Pattern(pattern) => pattern.fmt(f),
        }
    }
}

/// Whether `host` always names this machine: `localhost`, `*.localhost`, 127.0.0.0/8, `[::1]`.
pub fn is_loopback(host: &str) -> bool {
    is_loopback_bytes(host.as_bytes())
}

fn is_loopback_bytes(host: &[u8]) -> bool {
    host == b"localhost"
        || host.ends_with(b".localhost")
        || host == b"[::1]"
        || std::str::from_utf8(host)
            .ok()
            .and_then(|host| host.parse::<std::net::Ipv4Addr>().ok())
            .is_some_and(|ip| ip.is_loopback())
}

/// Splits `host[:port]`, minding the colons inside an IPv6 literal.
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

/// The longest DNS name: a longer host is no host anyone can register.
const MAX_HOST_LENGTH: usize = 253;

/// Whether `authority` is a host of DNS labels as browsers serialize them (see
/// [`is_host_label`]) and nothing else, in one pass: the request's every byte is read once
/// when a bound covers every host (`https://*`).
fn is_host_without_port(authority: &[u8]) -> bool {
    if authority.len() > MAX_HOST_LENGTH {
        return false;
    }
    let mut label_length = 0;
    let mut previous = b'.';
    for &byte in authority {
        match byte {
            b'a'..=b'z' | b'0'..=b'9' => label_length += 1,
            b'-' if label_length > 0 => label_length += 1,
            b'.' if label_length > 0 && previous != b'-' => label_length = 0,
            _ => return false,
        }
        if label_length > 63 {
            return false;
        }
        previous = byte;
    }
    label_length > 0 && previous != b'-'
}

/// A DNS label as browsers serialize it: 1 to 63 lower-case letters, digits and inner
/// hyphens.
fn is_host_label(label: &[u8]) -> bool {
    (1..=63).contains(&label.len())
        && label
            .iter()
            .all(|&byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
        && label[0] != b'-'
        && label[label.len() - 1] != b'-'
}

/// A port as a serialized origin writes it (1 to 65535, no leading zero, not the scheme's
/// default), as a number.
fn explicit_port(port: &[u8], scheme: Scheme) -> Option<u16> {
    if port.is_empty() || port.len() > 5 || port[0] == b'0' || !port.iter().all(u8::is_ascii_digit)
    {
        return None;
    }
    let number = port
        .iter()
        .fold(0u32, |number, &digit| number * 10 + u32::from(digit - b'0'));
    u16::try_from(number)
        .ok()
        .filter(|&number| number != scheme.default_port())
}

const REGEX_SIGNS: &[char] = &['^', '$', '\\', '(', ')', '|', '+', '{', '}'];

/// Parses one trimmed, non-empty entry of `origins`.
pub fn parse_origin(entry: &str) -> Result<OriginRule, RuleError> {
    if entry == "*" {
        return Ok(OriginRule::Any);
    }
    if entry.eq_ignore_ascii_case("null") {
        return Err(RuleError::NullOrigin(entry.to_owned()));
    }
    // `.*` is regex talk, but `*.*.` is a (malformed) wildcard pattern and gets its own message.
    if entry.contains(REGEX_SIGNS) || (entry.contains(".*") && !entry.contains("*.*")) {
        return Err(RuleError::Regex(entry.to_owned()));
    }
    if !entry.is_ascii() {
        return Err(RuleError::NonAscii(entry.to_owned()));
    }
    if entry
        .chars()
        .any(|c| c.is_ascii_whitespace() || c.is_ascii_control())
    {
        return Err(RuleError::Whitespace(entry.to_owned()));
    }
    let Some((scheme, authority)) = entry.split_once("://") else {
        return Err(no_scheme(entry));
    };
    let scheme = parse_scheme(entry, scheme)?;
    check_authority_shape(entry, scheme, authority)?;
    let (host, port) = split_host_port(authority.as_bytes());
    let (host, port) = (as_text(host), port.map(as_text));
    if host == "*" && port.is_none() {
        return match scheme {
            Scheme::Https => Ok(OriginRule::Pattern(OriginPattern {
                scheme,
                host: "".into(),
                subdomains: true,
                port: PortRule::Default,
            })),
            Scheme::Http => Err(RuleError::AnyPlainHttp),
        };
    }
    let (subdomains, host) = match host.strip_prefix("*.") {
        Some(base) => (true, base),
        None => (false, host),
    };
    check_host(entry, host)?;
    let port = parse_port(entry, scheme, port)?;
    if !subdomains && port != PortRule::Any {
        return Ok(OriginRule::Exact(entry.into()));
    }
    Ok(OriginRule::Pattern(OriginPattern {
        scheme,
        host: host.into(),
        subdomains,
        port,
    }))
}

/// The ASCII text of a part split from an ASCII entry.
fn as_text(part: &[u8]) -> &str {
    std::str::from_utf8(part).expect("entries are checked to be ASCII")
}

fn no_scheme(entry: &str) -> RuleError {
    match entry.split_once(':') {
        Some((scheme, _))
            if !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphabetic()) =>
        {
            RuleError::OpaqueScheme {
                entry: entry.to_owned(),
                scheme: scheme.to_owned(),
            }
        }
        _ => RuleError::NoScheme(entry.to_owned()),
    }
}

fn parse_scheme(entry: &str, scheme: &str) -> Result<Scheme, RuleError> {
    match scheme {
        "http" => Ok(Scheme::Http),
        "https" => Ok(Scheme::Https),
        _ if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") => {
            Err(RuleError::UpperCase(entry.to_owned()))
        }
        "file" => Err(RuleError::OpaqueScheme {
            entry: entry.to_owned(),
            scheme: scheme.to_owned(),
        }),
        _ => Err(RuleError::UnsupportedScheme {
            entry: entry.to_owned(),
            scheme: scheme.to_owned(),
        }),
    }
}

/// Rejects what a serialized origin never has after the scheme: path, query, fragment, userinfo.
fn check_authority_shape(entry: &str, scheme: Scheme, authority: &str) -> Result<(), RuleError> {
    if let Some(at) = authority.find(['/', '?', '#']) {
        let (bare, rest) = authority.split_at(at);
        let part = if rest == "/" {
            "a trailing slash"
        } else if rest.starts_with('/') {
            "a path"
        } else if rest.starts_with('?') {
            "a query"
        } else {
            "a fragment"
        };
        return Err(RuleError::NotAnOrigin {
            entry: entry.to_owned(),
            part,
            origin: format!("{}://{bare}", scheme.as_str()),
        });
    }
    if authority.contains('@') {
        return Err(RuleError::UserInfo(entry.to_owned()));
    }
    Ok(())
}

fn check_host(entry: &str, host: &str) -> Result<(), RuleError> {
    if host.is_empty() {
        return Err(RuleError::NoHost(entry.to_owned()));
    }
    if host.contains('*') {
        return Err(RuleError::MalformedPattern(entry.to_owned()));
    }
    if host.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(RuleError::UpperCase(entry.to_owned()));
    }
    if let Some(inner) = host.strip_prefix('[') {
        let valid = inner
            .strip_suffix(']')
            .and_then(|ip| ip.parse::<std::net::Ipv6Addr>().ok())
            .is_some_and(|ip| format!("[{ip}]") == host);
        return if valid {
            Ok(())
        } else {
            Err(RuleError::MalformedIpv6(entry.to_owned()))
        };
    }
    if host.split('.').all(|label| is_host_label(label.as_bytes())) {
        Ok(())
    } else {
        Err(RuleError::MalformedHost(entry.to_owned()))
    }
}

fn parse_port(entry: &str, scheme: Scheme, port: Option<&str>) -> Result<PortRule, RuleError> {
    let Some(port) = port else {
        return Ok(PortRule::Default);
    };
    if port == "*" {
        return Ok(PortRule::Any);
    }
    if let Some(number) = explicit_port(port.as_bytes(), scheme) {
        return Ok(PortRule::Exact(number));
    }
    if port.contains('*') {
        return Err(RuleError::MalformedPattern(entry.to_owned()));
    }
    let digits = port.bytes().all(|byte| byte.is_ascii_digit());
    if digits && !port.starts_with('0') && port.parse::<u16>().ok() == Some(scheme.default_port()) {
        let origin = entry.strip_suffix(&format!(":{port}")).unwrap_or(entry);
        return Err(RuleError::DefaultPort {
            entry: entry.to_owned(),
            origin: origin.to_owned(),
        });
    }
    Err(RuleError::BadPort {
        entry: entry.to_owned(),
        port: port.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-pass check of `https://*` agrees with the label-by-label check of the other
    /// patterns on every short authority over an alphabet of what matters.
    #[test]
    fn every_host_is_checked_as_the_labels_are() {
        let alphabet = b"a0-.:Z_";
        let mut authority = Vec::new();
        for length in 0..=6u32 {
            for mut number in 0..alphabet.len().pow(length) {
                authority.clear();
                for _ in 0..length {
                    authority.push(alphabet[number % alphabet.len()]);
                    number /= alphabet.len();
                }
                let by_labels = !authority.contains(&b':')
                    && authority.split(|&byte| byte == b'.').all(is_host_label);
                assert_eq!(
                    is_host_without_port(&authority),
                    by_labels,
                    "{:?}",
                    authority.escape_ascii().to_string()
                );
            }
        }
        let longest_label = "a".repeat(63);
        assert!(is_host_without_port(longest_label.as_bytes()));
        assert!(!is_host_without_port(
            format!("{longest_label}a").as_bytes()
        ));
    }

    fn err(entry: &str) -> String {
        parse_origin(entry).unwrap_err().to_string()
    }

    #[test]
    fn exact_origins_parse() {
        for entry in [
            "https://app.example.com",
            "http://localhost:3000",
            "http://127.0.0.1:8080",
            "http://[::1]:8080",
            "https://xn--bcher-kva.example",
        ] {
            assert_eq!(
                parse_origin(entry),
                Ok(OriginRule::Exact(entry.into())),
                "{entry}"
            );
        }
    }

    #[test]
    fn patterns_parse() {
        assert_eq!(
            parse_origin("https://*.example.com"),
            Ok(OriginRule::Pattern(OriginPattern {
                scheme: Scheme::Https,
                host: "example.com".into(),
                subdomains: true,
                port: PortRule::Default,
            }))
        );
        assert_eq!(
            parse_origin("http://localhost:*"),
            Ok(OriginRule::Pattern(OriginPattern {
                scheme: Scheme::Http,
                host: "localhost".into(),
                subdomains: false,
                port: PortRule::Any,
            }))
        );
    }

    #[test]
    fn each_malformed_origin_names_its_mistake() {
        let cases = [
            ("https://a.example.com/", "a trailing slash"),
            ("https://a.example.com/x", "a path"),
            ("https://a.example.com?q", "a query"),
            ("https://a.example.com#f", "a fragment"),
            ("https://u@a.example.com", "user info"),
            ("a.example.com", "no scheme"),
            ("HTTPS://a.example.com", "upper case"),
            ("https://A.example.com", "upper case"),
            ("https://a.example.com:443", "default port"),
            ("http://a.example.com:80", "default port"),
            ("https://a.example.com:99999", "bad port"),
            ("https://a.example.com:08", "bad port"),
            ("null", "cannot be listed"),
            ("file:///tmp/x", "opaque scheme"),
            ("data:text/plain", "opaque scheme"),
            ("ftp://a.example.com", "only `http` and `https`"),
            ("https://bücher.example", "Punycode"),
            ("https://a*.example.com", "malformed pattern"),
            ("https://*.*.example.com", "malformed pattern"),
            ("https://a.example.com:8*", "malformed pattern"),
            ("^https://.*\\.example\\.com$", "regular expression"),
            ("https://a..example.com", "malformed host"),
            ("http://[::0001]", "IPv6"),
        ];
        for (entry, expected) in cases {
            let message = err(entry);
            assert!(message.contains(expected), "{entry}: {message}");
        }
    }

    #[test]
    fn loopback_hosts_are_recognised() {
        assert!(is_loopback("localhost"));
        assert!(is_loopback("127.0.0.2"));
        assert!(is_loopback("[::1]"));
        assert!(!is_loopback("localhost.example.com"));
        assert!(!is_loopback("10.0.0.1"));
    }
}
