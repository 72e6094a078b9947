//! The policy types: what `#[cors(...)]` compiles into, as `'static` data.

use std::fmt;

use actix_web::http::Method;
use actix_web::http::header::HeaderValue;

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
    /// Origins read from configuration at startup (`origins_from`); see [`crate::configured`].
    Configured(&'static crate::ConfiguredOrigins),
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
    /// The origins in force: for configured origins, those loaded at startup (nobody
    /// before).
    pub fn resolved(&self) -> &AllowedOrigins {
        match self {
            AllowedOrigins::Configured(slot) => slot.origins(),
            origins => origins,
        }
    }

    /// Whether `origin`, the bytes of one `Origin` header, is allowed.
    pub fn allows(&self, origin: &[u8]) -> bool {
        match self.resolved() {
            AllowedOrigins::Any => true,
            AllowedOrigins::Configured(_) => false,
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
        // Browsers send lower-case names, as the policy keeps them: equal bytes first.
        self.names.iter().any(|allowed| allowed.as_bytes() == name)
            || self
                .names
                .iter()
                .any(|allowed| allowed.as_bytes().eq_ignore_ascii_case(name))
            || (self.any && !name.eq_ignore_ascii_case(b"authorization"))
    }
}

/// A policy made ready to answer requests. Built once per worker when actix-web creates the
/// route's services, never per request: answering then validates no header value, copies
/// no bytes and allocates nothing, and finding an exact origin costs about the same for 1
/// or 1,000 of them.
pub(crate) struct Prepared {
    /// The policy, for what is read rarely (logs, methods, header names).
    pub(crate) policy: &'static Policy,
    origins: PreparedOrigins,
    /// `Access-Control-Expose-Headers`.
    pub(crate) expose_headers: Option<HeaderValue>,
    /// `Access-Control-Allow-Headers`.
    pub(crate) allow_headers: Option<HeaderValue>,
    /// `Access-Control-Max-Age`.
    pub(crate) max_age: Option<HeaderValue>,
    /// Whether the answer depends on the request's `Origin` ([`Policy::varies_by_origin`]).
    pub(crate) varies_by_origin: bool,
    /// The route's last `Vary` merge.
    pub(crate) vary_memo: crate::vary::Memo,
    /// The policy's methods, as requests carry them.
    pub(crate) methods: Box<[Method]>,
}

enum PreparedOrigins {
    /// `*` without credentials: every response says `*`.
    Star,
    /// `*` with credentials (the macro refuses it; a hand-built policy may say so): the
    /// request's origin is echoed.
    Echo,
    /// Exact origins and patterns.
    Listed {
        exact: ExactOrigins,
        patterns: &'static [OriginPattern],
    },
}

impl Prepared {
    /// Prepares `policy`.
    pub(crate) fn new(policy: &'static Policy) -> Prepared {
        let configured = match policy.origins {
            AllowedOrigins::Configured(slot) => slot.expect_loaded(),
            ref origins => origins,
        };
        let origins = match *configured {
            AllowedOrigins::Configured(_) => unreachable!("loaded origins are never `Configured`"),
            AllowedOrigins::Any if policy.credentials => PreparedOrigins::Echo,
            AllowedOrigins::Any => PreparedOrigins::Star,
            AllowedOrigins::Listed { exact, patterns } => PreparedOrigins::Listed {
                exact: ExactOrigins::new(exact),
                patterns,
            },
        };
        Prepared {
            policy,
            origins,
            expose_headers: policy.expose_headers.map(HeaderValue::from_static),
            allow_headers: policy.allow_headers.map(HeaderValue::from_static),
            max_age: policy.max_age.map(HeaderValue::from_static),
            varies_by_origin: policy.varies_by_origin(),
            vary_memo: crate::vary::Memo::default(),
            methods: policy
                .methods
                .iter()
                .filter_map(|method| Method::from_bytes(method.as_bytes()).ok())
                .collect(),
        }
    }

    /// Whether every response says `Access-Control-Allow-Origin: *`, whatever the request.
    pub(crate) fn answers_star(&self) -> bool {
        matches!(self.origins, PreparedOrigins::Star)
    }

    /// The `Access-Control-Allow-Origin` value for a request with this one `Origin`, or
    /// `None` when the origin is not allowed.
    #[inline]
    pub(crate) fn allow_origin(&self, origin: &HeaderValue) -> Option<HeaderValue> {
        match &self.origins {
            PreparedOrigins::Star => Some(const { HeaderValue::from_static("*") }),
            PreparedOrigins::Echo => Some(origin.clone()),
            PreparedOrigins::Listed { exact, patterns } => {
                let bytes = origin.as_bytes();
                match exact.find(bytes) {
                    Some(value) => Some(value.clone()),
                    None if patterns.iter().any(|pattern| pattern.matches(bytes)) => {
                        Some(origin.clone())
                    }
                    None => None,
                }
            }
        }
    }
}

/// A set of exact origins: compared one by one when there are few, else found through an
/// open-addressing hash table built once, whose longest probe sequence is fixed by the
/// policy (the request only chooses where to start), so no request can make it slow.
struct ExactOrigins {
    /// The origins as header values, ready to be sent.
    values: Box<[HeaderValue]>,
    /// `index + 1` into `values` in the low 32 bits (0 for an empty slot) and the low 32
    /// bits of the origin's hash in the high ones, so a probe compares bytes only when the
    /// hashes agree; empty when `values` is short.
    slots: Box<[u64]>,
    /// `64 - log2(slots.len())`: a hash's top bits choose its first slot.
    shift: u32,
    /// The longest origin: anything longer is no exact origin.
    longest: usize,
}

/// Up to this many exact origins are compared one by one.
const LINEAR_SCAN_MAX: usize = 4;

impl ExactOrigins {
    fn new(exact: &'static [&'static str]) -> ExactOrigins {
        let values: Box<[HeaderValue]> = exact
            .iter()
            .map(|origin| HeaderValue::from_static(origin))
            .collect();
        let longest = exact.iter().map(|origin| origin.len()).max().unwrap_or(0);
        if values.len() <= LINEAR_SCAN_MAX {
            return ExactOrigins {
                values,
                slots: Box::new([]),
                shift: 0,
                longest,
            };
        }
        // At most half full, so probe sequences stay short.
        let size = (values.len() * 2).next_power_of_two();
        let shift = 64 - size.trailing_zeros();
        let mut slots = vec![0u64; size].into_boxed_slice();
        for (index, origin) in exact.iter().enumerate() {
            let hash = origin_hash(origin.as_bytes());
            let mut slot = (hash >> shift) as usize;
            while slots[slot] != 0 {
                slot = (slot + 1) & (size - 1);
            }
            let index = u32::try_from(index + 1).expect("fewer than 2^32 origins");
            slots[slot] = u64::from(hash as u32) << 32 | u64::from(index);
        }
        ExactOrigins {
            values,
            slots,
            shift,
            longest,
        }
    }

    /// The header value of the exact origin equal to `origin`, if any.
    #[inline]
    fn find(&self, origin: &[u8]) -> Option<&HeaderValue> {
        if origin.len() > self.longest {
            return None;
        }
        if self.slots.is_empty() {
            return self.values.iter().find(|value| value.as_bytes() == origin);
        }
        let mask = self.slots.len() - 1;
        let hash = origin_hash(origin);
        let tag = hash as u32;
        let mut slot = (hash >> self.shift) as usize;
        loop {
            let entry = self.slots[slot];
            let index = entry as u32 as usize;
            if index == 0 {
                return None;
            }
            if (entry >> 32) as u32 == tag {
                let value = &self.values[index - 1];
                if value.as_bytes() == origin {
                    return Some(value);
                }
            }
            slot = (slot + 1) & mask;
        }
    }
}

/// A fast multiplicative hash of an origin, eight bytes at a time; its top bits are used.
#[inline]
fn origin_hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut hash = (bytes.len() as u64).wrapping_mul(K);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().expect("chunks of eight"));
        hash = (hash.rotate_left(26) ^ word).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut word = [0u8; 8];
        word[..rest.len()].copy_from_slice(rest);
        hash = (hash.rotate_left(26) ^ u64::from_le_bytes(word)).wrapping_mul(K);
    }
    hash
}

impl fmt::Display for AllowedOrigins {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (exact, patterns) = match self {
            AllowedOrigins::Listed { exact, patterns } => (exact, patterns),
            AllowedOrigins::Configured(slot) => {
                return match slot.get() {
                    Some(origins) => write!(f, "{origins} (from {})", slot.name()),
                    None => write!(f, "nobody yet (from {}, not loaded)", slot.name()),
                };
            }
            AllowedOrigins::Any => return f.write_str("*"),
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

    /// Policies built once and kept: `Prepared` borrows them for `'static`.
    fn leaked_policy(exact: Vec<String>, patterns: &'static [OriginPattern]) -> &'static Policy {
        let mut exact: Vec<&'static str> =
            exact.into_iter().map(|origin| &*origin.leak()).collect();
        exact.sort_unstable();
        Box::leak(Box::new(Policy {
            origins: AllowedOrigins::Listed {
                exact: exact.leak(),
                patterns,
            },
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
        }))
    }

    #[test]
    fn prepared_lookup_agrees_with_the_policy_for_every_set_size() {
        for size in [0, 1, 2, LINEAR_SCAN_MAX, LINEAR_SCAN_MAX + 1, 7, 100, 1000] {
            let origins: Vec<String> = (0..size)
                .map(|index| format!("https://o{index}.example.com"))
                .collect();
            let policy = leaked_policy(origins.clone(), &[SUBDOMAINS]);
            let prepared = Prepared::new(policy);
            let mut probes: Vec<String> = origins.clone();
            probes.extend((0..size + 3).map(|index| format!("https://o{index}.example.co")));
            probes.extend((0..50).map(|index| format!("https://x{index}.example.com")));
            probes.extend(
                ["https://o1.example.com/", "", "null", "https://example.com"].map(String::from),
            );
            for probe in &probes {
                let value = HeaderValue::from_str(probe).unwrap();
                // An allowed origin is answered with itself, byte for byte.
                let expected = policy
                    .origins
                    .allows(probe.as_bytes())
                    .then(|| value.clone());
                assert_eq!(prepared.allow_origin(&value), expected, "{size}: {probe}");
            }
        }
    }

    #[test]
    fn prepared_wildcards_answer_star_or_echo() {
        let star: &'static Policy = Box::leak(Box::new(Policy {
            origins: AllowedOrigins::Any,
            methods: &["GET"],
            allow_methods: "GET",
            headers: AllowedHeaders {
                any: false,
                names: &[],
            },
            allow_headers: None,
            expose_headers: None,
            max_age: None,
            credentials: false,
        }));
        let origin = HeaderValue::from_static("https://a.example.com");
        assert_eq!(
            Prepared::new(star).allow_origin(&origin),
            Some(HeaderValue::from_static("*"))
        );
        assert!(Prepared::new(star).answers_star());
    }

    #[test]
    fn long_and_colliding_origins_are_refused_quickly() {
        let origins: Vec<String> = (0..1000)
            .map(|index| format!("https://{index}.a.io"))
            .collect();
        let prepared = Prepared::new(leaked_policy(origins, &[]));
        let huge = HeaderValue::from_bytes(&[b'a'; 16 * 1024]).unwrap();
        assert!(prepared.allow_origin(&huge).is_none());
        // Every slot a request can start from ends at an empty slot within the table.
        let PreparedOrigins::Listed { exact, .. } = &prepared.origins else {
            unreachable!()
        };
        assert!(exact.slots.contains(&0));
    }
}
