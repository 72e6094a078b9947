//! A policy's origins as one value, and the one lookup that requests use.

use std::fmt;

use crate::origin::is_insecure_origin;
use crate::{List, OriginPattern, OriginRule, Text};

/// The origins a policy trusts: what [`origin_list`](crate::origin_list) returns, what
/// `#[cors]` compiles into a `static`, and what the runtime matches requests against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origins {
    /// `*`: every origin, `null` included, without credentials.
    Any,
    /// Exact origins and patterns, in the order written.
    Listed {
        /// Serialized origins, compared byte for byte.
        exact: List<Text>,
        /// Subdomain and port patterns.
        patterns: List<OriginPattern>,
    },
}

impl Origins {
    /// Trusts nobody.
    pub const NOBODY: Origins = Origins::Listed {
        exact: List::EMPTY,
        patterns: List::EMPTY,
    };

    /// Groups checked rules; `*` among them stands for every origin.
    pub(crate) fn from_rules(rules: Vec<OriginRule>) -> Origins {
        let mut exact = Vec::new();
        let mut patterns = Vec::new();
        for rule in rules {
            match rule {
                OriginRule::Any => return Origins::Any,
                OriginRule::Exact(origin) => exact.push(origin),
                OriginRule::Pattern(pattern) => patterns.push(pattern),
            }
        }
        Origins::Listed {
            exact: exact.into(),
            patterns: patterns.into(),
        }
    }

    /// How many entries are listed (`*` counts as one).
    pub fn len(&self) -> usize {
        match self {
            Origins::Any => 1,
            Origins::Listed { exact, patterns } => exact.len() + patterns.len(),
        }
    }

    /// Whether nothing is listed: nobody is trusted.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether an entry trusts plain `http` on a host other than localhost or loopback.
    pub fn trusts_plain_http(&self) -> bool {
        match self {
            Origins::Any => false,
            Origins::Listed { exact, patterns } => {
                exact.iter().any(|origin| is_insecure_origin(origin))
                    || patterns.iter().any(OriginPattern::is_insecure)
            }
        }
    }

    /// The lookup for requests, built once (it indexes the exact origins). It keeps its own
    /// copy of the origins: free for a list written in the code, which it only borrows.
    pub fn matcher(&self) -> OriginMatcher {
        OriginMatcher::new(self.clone())
    }
}

impl fmt::Display for Origins {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (exact, patterns) = match self {
            Origins::Any => return f.write_str("*"),
            Origins::Listed { exact, patterns } => (exact, patterns),
        };
        let mut separator = "";
        for origin in exact.iter() {
            write!(f, "{separator}{origin}")?;
            separator = ", ";
        }
        for pattern in patterns.iter() {
            write!(f, "{separator}{pattern}")?;
            separator = ", ";
        }
        Ok(())
    }
}

/// Why an origin is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// The policy allows every origin.
    Any,
    /// It equals the exact origin at this index of [`Origins::Listed`]'s `exact`.
    Exact(usize),
    /// A pattern covers it.
    Pattern,
}

/// [`Origins`] made ready for requests: finding an exact origin costs about the same for 1
/// or 10,000 of them, and no request can make it slow. It owns what it matches against, so
/// a new set can replace it whole while requests run.
#[derive(Debug, Clone)]
pub struct OriginMatcher {
    origins: Origins,
    exact: ExactIndex,
    /// The one origin of a policy with one exact origin and no pattern (the usual policy):
    /// matched with one comparison, in the caller.
    only: Option<Text>,
}

impl OriginMatcher {
    /// Indexes `origins` for requests.
    pub fn new(origins: Origins) -> OriginMatcher {
        let exact = match &origins {
            Origins::Any => ExactIndex::new(&[]),
            Origins::Listed { exact, .. } => ExactIndex::new(exact),
        };
        let only = match &origins {
            Origins::Listed { exact, patterns } if exact.len() == 1 && patterns.is_empty() => {
                Some(exact[0].clone())
            }
            _ => None,
        };
        OriginMatcher {
            origins,
            exact,
            only,
        }
    }

    /// The origins it matches.
    pub fn origins(&self) -> &Origins {
        &self.origins
    }

    /// Why `origin`, the bytes of one `Origin` header, is allowed, or `None`.
    #[inline]
    pub fn find(&self, origin: &[u8]) -> Option<Match> {
        match &self.only {
            Some(only) => (only.as_bytes() == origin).then_some(Match::Exact(0)),
            None => self.find_listed(origin),
        }
    }

    /// [`find`](Self::find) for any set.
    fn find_listed(&self, origin: &[u8]) -> Option<Match> {
        let (exact, patterns) = match &self.origins {
            Origins::Any => return Some(Match::Any),
            Origins::Listed { exact, patterns } => (exact, patterns),
        };
        if let Some(index) = self.exact.find(exact, origin) {
            return Some(Match::Exact(index));
        }
        patterns
            .iter()
            .any(|pattern| pattern.matches(origin))
            .then_some(Match::Pattern)
    }
}

/// The index of a list of exact origins: they are compared one by one when there are few,
/// else found through an open-addressing hash table whose longest probe sequence is fixed
/// by the policy (the request only chooses where to start).
#[derive(Debug, Clone)]
struct ExactIndex {
    /// `index + 1` into the origins in the low 32 bits (0 for an empty slot) and the low 32
    /// bits of the origin's hash in the high ones, so a probe compares bytes only when the
    /// hashes agree; empty when the list is short.
    slots: Box<[u64]>,
    /// `64 - log2(slots.len())`: a hash's top bits choose its first slot.
    shift: u32,
    /// The longest origin: anything longer is no exact origin.
    longest: usize,
}

/// Up to this many exact origins are compared one by one.
const LINEAR_SCAN_MAX: usize = 4;

impl ExactIndex {
    fn new(origins: &[Text]) -> ExactIndex {
        let longest = origins.iter().map(|origin| origin.len()).max().unwrap_or(0);
        if origins.len() <= LINEAR_SCAN_MAX {
            return ExactIndex {
                slots: Box::new([]),
                shift: 0,
                longest,
            };
        }
        // At most half full, so probe sequences stay short.
        let size = (origins.len() * 2).next_power_of_two();
        let shift = 64 - size.trailing_zeros();
        let mut slots = vec![0u64; size].into_boxed_slice();
        for (index, origin) in origins.iter().enumerate() {
            let hash = origin_hash(origin.as_bytes());
            let mut slot = (hash >> shift) as usize;
            while slots[slot] != 0 {
                slot = (slot + 1) & (size - 1);
            }
            let index = u32::try_from(index + 1).expect("fewer than 2^32 origins");
            slots[slot] = u64::from(hash as u32) << 32 | u64::from(index);
        }
        ExactIndex {
            slots,
            shift,
            longest,
        }
    }

    /// Where `origin` is in `origins`, the list this index was built from.
    #[inline]
    fn find(&self, origins: &[Text], origin: &[u8]) -> Option<usize> {
        if origin.len() > self.longest {
            return None;
        }
        if self.slots.is_empty() {
            return origins.iter().position(|exact| exact.as_bytes() == origin);
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
            if (entry >> 32) as u32 == tag && origins[index - 1].as_bytes() == origin {
                return Some(index - 1);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PortRule, Scheme, origin_list};

    fn listed(exact: &[&str], patterns: &[OriginPattern]) -> Origins {
        Origins::Listed {
            exact: exact
                .iter()
                .map(|origin| Text::Owned(origin.to_string().into()))
                .collect(),
            patterns: patterns.to_vec().into(),
        }
    }

    const SUBDOMAINS: OriginPattern = OriginPattern {
        scheme: Scheme::Https,
        host: Text::Static("example.com"),
        subdomains: true,
        port: PortRule::Default,
    };
    const ANY_PORT: OriginPattern = OriginPattern {
        scheme: Scheme::Http,
        host: Text::Static("localhost"),
        subdomains: false,
        port: PortRule::Any,
    };

    #[test]
    fn exact_origins_match_byte_for_byte() {
        let origins = listed(&["http://localhost:8080", "https://app.example.com"], &[]);
        let matcher = origins.matcher();
        assert_eq!(
            matcher.find(b"https://app.example.com"),
            Some(Match::Exact(1))
        );
        assert_eq!(
            matcher.find(b"http://localhost:8080"),
            Some(Match::Exact(0))
        );
        // One origin and no pattern is matched by one comparison: the same answers.
        let only = listed(&["https://app.example.com"], &[]).matcher();
        assert!(only.only.is_some());
        assert_eq!(only.find(b"https://app.example.com"), Some(Match::Exact(0)));
        assert_eq!(only.find(b"http://localhost:8080"), None);
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
            for matcher in [&matcher, &only] {
                assert_eq!(
                    matcher.find(lookalike),
                    None,
                    "{}",
                    String::from_utf8_lossy(lookalike)
                );
            }
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
    fn exact_port_patterns_compare_the_number_as_written() {
        let Ok(OriginRule::Pattern(pattern)) = crate::parse_origin("https://*.example.org:8443")
        else {
            panic!("a pattern")
        };
        assert!(pattern.matches(b"https://a.example.org:8443"));
        for origin in [
            "https://a.example.org:08443",
            "https://a.example.org:8444",
            "https://a.example.org",
        ] {
            assert!(!pattern.matches(origin.as_bytes()), "{origin}");
        }
    }

    #[test]
    fn ipv6_hosts_keep_their_colons() {
        let pattern = OriginPattern {
            scheme: Scheme::Http,
            host: Text::Static("[::1]"),
            subdomains: false,
            port: PortRule::Any,
        };
        assert!(pattern.matches(b"http://[::1]:8080"));
        assert!(pattern.matches(b"http://[::1]"));
        assert!(!pattern.matches(b"http://[::2]:8080"));
    }

    #[test]
    fn hostile_origins_are_refused_without_panic() {
        let origins = listed(&["http://localhost:8080"], &[SUBDOMAINS, ANY_PORT]);
        let long: Vec<String> = (0..50).map(|n| format!("https://{n}.a.io")).collect();
        let long: Vec<&str> = long.iter().map(String::as_str).collect();
        let many = listed(&long, &[]);
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
            assert_eq!(origins.matcher().find(hostile), None);
            assert_eq!(many.matcher().find(hostile), None);
        }
    }

    #[test]
    fn the_lookup_agrees_with_a_scan_for_every_set_size() {
        for size in [0, 1, 2, LINEAR_SCAN_MAX, LINEAR_SCAN_MAX + 1, 7, 100, 1000] {
            let exact: Vec<String> = (0..size)
                .map(|index| format!("https://o{index}.example.com"))
                .collect();
            let exact: Vec<&str> = exact.iter().map(String::as_str).collect();
            let origins = listed(&exact, &[SUBDOMAINS]);
            let matcher = origins.matcher();
            let mut probes: Vec<String> = exact.iter().map(|origin| origin.to_string()).collect();
            probes.extend((0..size + 3).map(|index| format!("https://o{index}.example.co")));
            probes.extend((0..50).map(|index| format!("https://x{index}.example.com")));
            probes.extend(
                ["https://o1.example.com/", "", "null", "https://example.com"].map(String::from),
            );
            for probe in &probes {
                let expected = match exact.iter().position(|origin| origin == probe) {
                    Some(index) => Some(Match::Exact(index)),
                    None => SUBDOMAINS
                        .matches(probe.as_bytes())
                        .then_some(Match::Pattern),
                };
                assert_eq!(matcher.find(probe.as_bytes()), expected, "{size}: {probe}");
            }
        }
    }

    #[test]
    fn every_hash_probe_ends_at_an_empty_slot() {
        let exact: Vec<String> = (0..1000).map(|n| format!("https://{n}.a.io")).collect();
        let exact: Vec<&str> = exact.iter().map(String::as_str).collect();
        let origins = listed(&exact, &[]);
        let matcher = origins.matcher();
        assert!(matcher.exact.slots.contains(&0));
        assert_eq!(matcher.find(&[b'a'; 16 * 1024]), None);
    }

    #[test]
    fn origins_display_as_written() {
        let origins = origin_list(
            "https://a.example.com, https://*.example.com, http://localhost:*",
            false,
        )
        .unwrap();
        assert_eq!(
            origins.to_string(),
            "https://a.example.com, https://*.example.com, http://localhost:*"
        );
        assert_eq!(Origins::Any.to_string(), "*");
        assert_eq!(Origins::NOBODY.to_string(), "");
    }

    #[test]
    fn plain_http_is_found_except_on_loopback() {
        for (value, insecure) in [
            ("http://app.example.com", true),
            (
                "http://localhost:3000, http://[::1]:8080, https://a.example.com",
                false,
            ),
            ("http://*.example.com", true),
            ("http://localhost:*", false),
            ("http://127.0.0.1:3000", false),
        ] {
            let origins = origin_list(value, false).unwrap();
            assert_eq!(origins.trusts_plain_http(), insecure, "{value}");
        }
    }
}
