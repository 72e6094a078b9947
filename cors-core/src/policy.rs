//! A policy's values, as `#[cors(...)]` writes them into the program: which origins,
//! methods and request headers it allows, decided on bytes. Each adapter wraps them in its
//! own opaque `Policy` and prepares header values of its framework's type.

use std::fmt;

use cors_rules::Origins;
use cors_rules::judge::AllowedHeaders;

use crate::ConfiguredOrigins;

/// A policy's values, as the macros write them, with `D` the adapter's binding of a
/// function that decides origins. Not for users: they read a policy through their adapter.
#[derive(Debug)]
pub struct Parts<D: 'static> {
    /// Who may read the answers.
    pub origins: PolicyOrigins<D>,
    /// Methods a preflight may ask for (case-sensitive).
    pub methods: &'static [&'static str],
    /// The request headers a preflight may ask for.
    pub headers: AllowedHeaders,
    /// The `Access-Control-Allow-Headers` value, if any header is allowed.
    pub allow_headers: Option<&'static str>,
    /// The `Access-Control-Expose-Headers` value, if any.
    pub expose_headers: Option<&'static str>,
    /// The `Access-Control-Max-Age` value, if any.
    pub max_age: Option<u64>,
    /// Whether cookies and HTTP authentication may be sent.
    pub credentials: bool,
}

/// Where a policy's origins come from.
#[derive(Debug)]
pub enum PolicyOrigins<D: 'static> {
    /// Written in the attribute.
    Fixed(Origins),
    /// Read from configuration at startup (`origins_from`).
    Configured(&'static ConfiguredOrigins),
    /// Decided by the application's function, within the literal origins (`decide_origin`).
    Decided {
        /// What the function may grant.
        bound: Origins,
        /// The function, as the adapter binds it.
        decider: &'static D,
    },
}

/// What the audit calls a function that decides origins: its path as written.
pub trait Named {
    /// The function's path as written in the attribute.
    fn name(&self) -> &'static str;
}

impl<D> Parts<D> {
    /// Whether a request from `origin` (an `Origin` header's value, byte for byte) gets a
    /// grant, by the same matching the routes use. For configured origins, by the set in
    /// force; for origins the application decides, whether the bound lets the function
    /// grant it (the function itself is asked by the adapter, which knows the application).
    pub fn allows_origin(&self, origin: &str) -> bool {
        match &self.origins {
            PolicyOrigins::Fixed(origins) | PolicyOrigins::Decided { bound: origins, .. } => {
                origins.matcher().find(origin.as_bytes()).is_some()
            }
            PolicyOrigins::Configured(slot) => slot
                .in_force(|matcher| matcher.find(origin.as_bytes()).map(|_| ()))
                .is_some(),
        }
    }

    /// Whether a page may send the request header `name` (any case), as a preflight asks.
    pub fn allows_request_header(&self, name: &str) -> bool {
        self.headers.allows(name.as_bytes())
    }

    /// Whether it trusts a plain-`http` origin other than localhost or loopback.
    /// For configured origins, of the set in force.
    pub fn trusts_plain_http(&self) -> bool {
        match &self.origins {
            PolicyOrigins::Fixed(origins) | PolicyOrigins::Decided { bound: origins, .. } => {
                origins.trusts_plain_http()
            }
            PolicyOrigins::Configured(slot) => slot
                .get()
                .is_some_and(|loaded| loaded.origins().trusts_plain_http()),
        }
    }

    /// Whether a page's call needs a preflight: the policy lets it use a method other than
    /// `GET`, `HEAD` and `POST`, or send a request header. Each such call costs a second
    /// round trip whenever the browser holds no answer for it.
    pub fn preflighted(&self) -> bool {
        self.allow_headers.is_some()
            || (self.methods.iter()).any(|method| !matches!(*method, "GET" | "HEAD" | "POST"))
    }

    /// How long browsers keep this policy's preflight answers, when that is worth a look: a
    /// preflighted policy without `max_age` (5 seconds, the Fetch standard's default), or a
    /// `max_age` above Chromium's cap of 7200 seconds (Firefox keeps up to 86400).
    pub fn preflight_cache_note(&self) -> Option<&'static str> {
        match self.max_age {
            None if self.preflighted() => Some("browsers keep preflights 5 s"),
            Some(seconds) if seconds > CHROMIUM_MAX_AGE => Some("Chromium keeps 7200 s"),
            _ => None,
        }
    }

    /// Whether the answer depends on the request's `Origin`, so caches must key on it.
    /// Configured origins always do: a reload can turn `*` into a list.
    pub fn varies_by_origin(&self) -> bool {
        !matches!(self.origins, PolicyOrigins::Fixed(Origins::Any)) || self.credentials
    }
}

impl<D: Named> fmt::Display for PolicyOrigins<D> {
    /// The origins as written. Configured origins show their configuration name and which
    /// call loaded them, and a set of more than four is counted, not listed:
    /// `10,000 origins, 2 patterns (API_ORIGINS from load_with)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let slot = match self {
            PolicyOrigins::Fixed(origins) => return origins.fmt(f),
            PolicyOrigins::Decided { bound, decider } => {
                return write!(f, "decided by {} within {bound}", decider.name());
            }
            PolicyOrigins::Configured(slot) => slot,
        };
        let Some(loaded) = slot.get() else {
            return write!(f, "nobody yet (from {}, not loaded)", slot.name());
        };
        let origins = loaded.origins();
        match origins {
            Origins::Listed { exact, patterns } if origins.len() > LISTED_IN_FULL => {
                write!(f, "{} origin", Thousands(exact.len()))?;
                if exact.len() != 1 {
                    f.write_str("s")?;
                }
                if !patterns.is_empty() {
                    write!(f, ", {} pattern", Thousands(patterns.len()))?;
                    if patterns.len() != 1 {
                        f.write_str("s")?;
                    }
                }
            }
            _ => write!(f, "{origins}")?,
        }
        write!(f, " ({} from {})", slot.name(), loaded.source())
    }
}

/// The longest Chromium keeps a preflight answer, in seconds.
const CHROMIUM_MAX_AGE: u64 = 7200;

/// Configured sets up to this size are shown in full; larger ones (a tenant list) counted.
const LISTED_IN_FULL: usize = 4;

/// A count with thousands separators: `10,002`.
struct Thousands(usize);

impl fmt::Display for Thousands {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.0.to_string();
        for (index, digit) in digits.chars().enumerate() {
            if index > 0 && (digits.len() - index).is_multiple_of(3) {
                f.write_str(",")?;
            }
            write!(f, "{digit}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No adapter's binding: these policies never decide origins.
    enum Undecided {}

    fn parts(origins: PolicyOrigins<Undecided>) -> Parts<Undecided> {
        Parts {
            origins,
            methods: &["GET"],
            headers: AllowedHeaders {
                any: false,
                names: &[],
            },
            allow_headers: None,
            expose_headers: None,
            max_age: None,
            credentials: false,
        }
    }

    #[test]
    fn configured_origins_are_asked_by_the_set_in_force() {
        let slot: &'static ConfiguredOrigins =
            Box::leak(Box::new(ConfiguredOrigins::new("ALLOWS_TEST", false)));
        let policy = parts(PolicyOrigins::Configured(slot));
        assert!(
            !policy.allows_origin("https://a.example.com"),
            "nothing loaded"
        );
        slot.load_value("https://a.example.com, https://*.b.example.com")
            .unwrap();
        assert!(policy.allows_origin("https://a.example.com"));
        assert!(policy.allows_origin("https://x.b.example.com"));
        assert!(!policy.allows_origin("https://c.example.com"));
        slot.load_value("https://c.example.com").unwrap();
        assert!(!policy.allows_origin("https://a.example.com"));
        assert!(policy.allows_origin("https://c.example.com"));
    }

    #[test]
    fn literal_origins_match_on_label_boundaries() {
        let policy = parts(PolicyOrigins::Fixed(
            cors_rules::origin_list("https://*.example.com", false).unwrap(),
        ));
        assert!(policy.allows_origin("https://app.example.com"));
        assert!(!policy.allows_origin("https://example.com"));
        assert!(!policy.allows_origin("https://a..example.com"));
        assert!(policy.varies_by_origin());
        let star = parts(PolicyOrigins::Fixed(cors_rules::Origins::Any));
        assert!(!star.varies_by_origin());
    }

    #[test]
    fn counts_have_thousands_separators() {
        for (count, shown) in [(0, "0"), (999, "999"), (1000, "1,000"), (10_002, "10,002")] {
            assert_eq!(Thousands(count).to_string(), shown);
        }
        assert_eq!(Thousands(1_234_567).to_string(), "1,234,567");
    }
}
