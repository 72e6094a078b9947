//! One entry of `origins`: an exact serialized origin, `*`, or a pattern.

/// What one entry of `origins` allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OriginRule {
    /// `*`: every origin, `null` included.
    Any,
    /// One serialized origin, compared byte for byte.
    Exact(String),
    /// `https://*.example.com`, `http://localhost:*` and their combination.
    Pattern(OriginPattern),
}

/// An origin pattern: a fixed scheme, a host (or every subdomain of it) and a port rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginPattern {
    /// `http` or `https`.
    pub scheme: String,
    /// The host after `*.` for subdomain patterns, else the whole host.
    pub host: String,
    /// `*.host`: one or more labels in front of `host`, never `host` itself.
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

impl OriginRule {
    /// Whether this entry trusts plain `http` on a host other than loopback.
    pub fn is_insecure(&self) -> bool {
        let (scheme, host) = match self {
            OriginRule::Any => return false,
            OriginRule::Exact(origin) => match origin.split_once("://") {
                Some((scheme, authority)) => (scheme, split_host_port(authority).0),
                None => return false,
            },
            OriginRule::Pattern(pattern) => (pattern.scheme.as_str(), pattern.host.as_str()),
        };
        scheme == "http" && !is_loopback(host)
    }
}

/// Whether `host` always names this machine: `localhost`, `*.localhost`, 127.0.0.0/8, `[::1]`.
pub fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host.ends_with(".localhost")
        || host == "[::1]"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Splits `host[:port]`, minding the colons inside an IPv6 literal.
pub(crate) fn split_host_port(authority: &str) -> (&str, Option<&str>) {
    let host_end = if authority.starts_with('[') {
        authority.find(']').map_or(authority.len(), |end| end + 1)
    } else {
        authority.find(':').unwrap_or(authority.len())
    };
    let (host, rest) = authority.split_at(host_end);
    match rest.strip_prefix(':') {
        Some(port) => (host, Some(port)),
        None if rest.is_empty() => (host, None),
        // Text after `]` that is not a port: keep it in the host so the host check names it.
        None => (authority, None),
    }
}

const REGEX_SIGNS: &[char] = &['^', '$', '\\', '(', ')', '|', '+', '{', '}'];

/// Parses one trimmed, non-empty entry of `origins`.
pub fn parse_origin(entry: &str) -> Result<OriginRule, String> {
    if entry == "*" {
        return Ok(OriginRule::Any);
    }
    if entry.eq_ignore_ascii_case("null") {
        return Err(format!(
            "`{entry}` cannot be listed as an origin: sandboxed frames, `file:` pages and redirects all send `null`, so trusting it trusts anyone; use `*` if any page may call"
        ));
    }
    // `.*` is regex talk, but `*.*.` is a (malformed) wildcard pattern and gets its own message.
    if entry.contains(REGEX_SIGNS) || (entry.contains(".*") && !entry.contains("*.*")) {
        return Err(format!(
            "`{entry}` looks like a regular expression: origins are exact strings, `https://*.example.com` subdomain patterns or `http://localhost:*` port patterns"
        ));
    }
    if !entry.is_ascii() {
        return Err(format!(
            "`{entry}` has a non-ASCII host: browsers send the Punycode form, so write the host as `xn--...`"
        ));
    }
    if entry
        .chars()
        .any(|c| c.is_ascii_whitespace() || c.is_ascii_control())
    {
        return Err(format!(
            "`{entry}` contains whitespace: separate origins with commas"
        ));
    }
    let Some((scheme, authority)) = entry.split_once("://") else {
        return Err(no_scheme(entry));
    };
    check_scheme(entry, scheme)?;
    check_authority_shape(entry, authority)?;
    let (host, port) = split_host_port(authority);
    let (subdomains, host) = match host.strip_prefix("*.") {
        Some(base) => (true, base),
        None => (false, host),
    };
    check_host(entry, host)?;
    let port = parse_port(entry, scheme, port)?;
    if !subdomains && port != PortRule::Any {
        return Ok(OriginRule::Exact(entry.to_owned()));
    }
    Ok(OriginRule::Pattern(OriginPattern {
        scheme: scheme.to_owned(),
        host: host.to_owned(),
        subdomains,
        port,
    }))
}

fn no_scheme(entry: &str) -> String {
    match entry.split_once(':') {
        Some((scheme, _))
            if !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphabetic()) =>
        {
            format!(
                "`{entry}` has an opaque scheme: `{scheme}:` pages have the origin `null` and cannot be listed; origins look like `https://app.example.com`"
            )
        }
        _ => format!(
            "`{entry}` has no scheme: write the origin the browser sends, like `https://{entry}`"
        ),
    }
}

fn check_scheme(entry: &str, scheme: &str) -> Result<(), String> {
    match scheme {
        "http" | "https" => Ok(()),
        _ if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") => {
            Err(upper_case(entry))
        }
        "file" => Err(format!(
            "`{entry}` has an opaque scheme: `file:` pages have the origin `null` and cannot be listed"
        )),
        _ => Err(format!(
            "`{entry}` has the scheme `{scheme}`: only `http` and `https` pages make CORS requests"
        )),
    }
}

fn upper_case(entry: &str) -> String {
    format!(
        "`{entry}` has upper case letters: browsers send origins in lower case, so it would never match; write `{}`",
        entry.to_ascii_lowercase()
    )
}

/// Rejects what a serialized origin never has after the scheme: path, query, fragment, userinfo.
fn check_authority_shape(entry: &str, authority: &str) -> Result<(), String> {
    if let Some(at) = authority.find(['/', '?', '#']) {
        let (bare, rest) = authority.split_at(at);
        let what = if rest == "/" {
            "a trailing slash"
        } else if rest.starts_with('/') {
            "a path"
        } else if rest.starts_with('?') {
            "a query"
        } else {
            "a fragment"
        };
        let scheme = &entry[..entry.len() - authority.len() - 3];
        return Err(format!(
            "`{entry}` has {what}: an origin is only scheme, host and port, like `{scheme}://{bare}`"
        ));
    }
    if authority.contains('@') {
        return Err(format!(
            "`{entry}` has user info: browsers never send it in `Origin`; remove the part before `@`"
        ));
    }
    Ok(())
}

fn check_host(entry: &str, host: &str) -> Result<(), String> {
    if host.is_empty() {
        return Err(format!("`{entry}` has no host"));
    }
    if host.contains('*') {
        return Err(format!(
            "`{entry}` is a malformed pattern: `*` may only stand as the whole first label (`https://*.example.com`) or as the whole port (`http://localhost:*`)"
        ));
    }
    if host.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(upper_case(entry));
    }
    if let Some(inner) = host.strip_prefix('[') {
        let valid = inner
            .strip_suffix(']')
            .and_then(|ip| ip.parse::<std::net::Ipv6Addr>().ok())
            .is_some_and(|ip| format!("[{ip}]") == host);
        return if valid {
            Ok(())
        } else {
            Err(format!(
                "`{entry}` has a malformed IPv6 host: write it as browsers do, compressed and in brackets, like `http://[::1]:8080`"
            ))
        };
    }
    let labels_ok = host.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    });
    if !labels_ok {
        return Err(format!(
            "`{entry}` has a malformed host: labels are letters, digits and inner hyphens, separated by single dots"
        ));
    }
    Ok(())
}

fn parse_port(entry: &str, scheme: &str, port: Option<&str>) -> Result<PortRule, String> {
    let Some(port) = port else {
        return Ok(PortRule::Default);
    };
    if port == "*" {
        return Ok(PortRule::Any);
    }
    let number = match port.parse::<u16>() {
        Ok(number)
            if number > 0 && !port.starts_with('0') && port.bytes().all(|b| b.is_ascii_digit()) =>
        {
            number
        }
        _ if port.contains('*') => {
            return Err(format!(
                "`{entry}` is a malformed pattern: `*` may only stand as the whole first label (`https://*.example.com`) or as the whole port (`http://localhost:*`)"
            ));
        }
        _ => {
            return Err(format!(
                "`{entry}` has a bad port `{port}`: a port is a number from 1 to 65535 without leading zeros"
            ));
        }
    };
    let default = if scheme == "https" { 443 } else { 80 };
    if number == default {
        let bare = entry.strip_suffix(&format!(":{port}")).unwrap_or(entry);
        return Err(format!(
            "`{entry}` names the default port: browsers leave it out of `Origin`, so write `{bare}`"
        ));
    }
    Ok(PortRule::Exact(number))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(entry: &str) -> String {
        parse_origin(entry).unwrap_err()
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
                scheme: "https".into(),
                host: "example.com".into(),
                subdomains: true,
                port: PortRule::Default,
            }))
        );
        assert_eq!(
            parse_origin("http://localhost:*"),
            Ok(OriginRule::Pattern(OriginPattern {
                scheme: "http".into(),
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
