//! The policy: what `#[cors(...)]` compiles into, as `'static` data. Which origins,
//! methods and request headers it allows is decided here and in `cors-rules`, on bytes,
//! without actix-web types; `prepared` turns it into ready header values.

use std::fmt;

use actix_web::HttpRequest;
use actix_web::http::header::HeaderValue;
use cors_rules::Origins;
use cors_rules::judge::AllowedHeaders;

use crate::decide::Verdict;

mod prepared;

pub(crate) use prepared::{Prepared, ReadyOrigins};

/// One handler's CORS policy, built by `#[cors(...)]` when the crate compiles.
///
/// It is opaque: the attribute checked every value, and nothing else can build one. Read it
/// through [`audit`](crate::audit) to see what a program allows.
///
/// ```
/// use actix_web::{HttpResponse, get};
/// use cors_runtime::cors;
///
/// #[cors(origins = "https://app.example.com", credentials = true, max_age = 600)]
/// #[get("/api/me")]
/// async fn me() -> HttpResponse {
///     HttpResponse::Ok().finish()
/// }
///
/// let entry = cors_runtime::audit::entries()
///     .into_iter()
///     .find(|entry| entry.handler == "me")
///     .unwrap();
/// let policy = &entry.policy;
/// assert_eq!(policy.origins().to_string(), "https://app.example.com");
/// assert_eq!(policy.methods(), ["GET"]);
/// assert!(policy.credentials());
/// assert_eq!(policy.max_age(), Some(600));
/// ```
#[derive(Debug)]
pub struct Policy {
    pub(crate) parts: Parts,
}

/// A policy's values, as the macros write them. Not a public API.
#[doc(hidden)]
#[derive(Debug)]
pub struct Parts {
    pub origins: PolicyOrigins,
    /// Methods a preflight may ask for (case-sensitive).
    pub methods: &'static [&'static str],
    pub headers: AllowedHeaders,
    /// The `Access-Control-Allow-Headers` value, if any header is allowed.
    pub allow_headers: Option<&'static str>,
    /// The `Access-Control-Expose-Headers` value, if any.
    pub expose_headers: Option<&'static str>,
    pub max_age: Option<u64>,
    pub credentials: bool,
}

/// Where a policy's origins come from. Not a public API.
#[doc(hidden)]
#[derive(Debug)]
pub enum PolicyOrigins {
    /// Written in the attribute.
    Fixed(Origins),
    /// Read from configuration at startup (`origins_from`).
    Configured(&'static crate::ConfiguredOrigins),
    /// Decided by the application's function, within the literal origins (`decide_origin`).
    Decided {
        /// What the function may grant.
        bound: Origins,
        /// The function.
        decider: &'static crate::decide::Decider,
    },
}

impl Policy {
    /// The policy of `parts`, for the macros' expansions.
    #[doc(hidden)]
    pub const fn from_parts(parts: Parts) -> Policy {
        Policy { parts }
    }

    /// The origins it trusts, as written. Configured origins show their configuration name
    /// and which call loaded them, and a set of more than four is counted, not listed:
    /// `10,000 origins, 2 patterns (API_ORIGINS from load_with)`.
    pub fn origins(&self) -> impl fmt::Display + '_ {
        &self.parts.origins
    }

    /// The methods a cross-origin page may use.
    pub fn methods(&self) -> &'static [&'static str] {
        self.parts.methods
    }

    /// The request headers a page may send, as `Access-Control-Allow-Headers` lists them.
    pub fn allow_headers(&self) -> Option<&'static str> {
        self.parts.allow_headers
    }

    /// The response headers a page may read, as `Access-Control-Expose-Headers` lists them.
    pub fn expose_headers(&self) -> Option<&'static str> {
        self.parts.expose_headers
    }

    /// How long, in seconds, a browser may cache a preflight's answer.
    pub fn max_age(&self) -> Option<u64> {
        self.parts.max_age
    }

    /// Whether cookies and HTTP authentication may be sent.
    pub fn credentials(&self) -> bool {
        self.parts.credentials
    }

    /// Whether a request from `origin` (an `Origin` header's value, byte for byte) gets a
    /// grant, by the same matching the routes use: exact serialized origins, `*`, and
    /// patterns on label boundaries. For configured origins, by the set in force; for
    /// origins the application decides, whether the bound lets the function grant it.
    ///
    /// ```
    /// use actix_web::get;
    /// use cors_runtime::cors;
    ///
    /// #[cors(origins = "https://*.example.com")]
    /// #[get("/status")]
    /// async fn status() -> &'static str {
    ///     "ok"
    /// }
    ///
    /// let entry = cors_runtime::audit::entries()
    ///     .into_iter()
    ///     .find(|entry| entry.handler == "status")
    ///     .unwrap();
    /// assert!(entry.policy.allows_origin("https://app.example.com"));
    /// assert!(!entry.policy.allows_origin("https://example.com"));
    /// assert!(!entry.policy.allows_origin("https://a..example.com"));
    /// assert!(!entry.policy.allows_origin("https://APP.example.com"));
    /// ```
    pub fn allows_origin(&self, origin: &str) -> bool {
        match &self.parts.origins {
            PolicyOrigins::Fixed(origins) => origins.matcher().find(origin.as_bytes()).is_some(),
            // The function is not asked here: that needs the request's application.
            PolicyOrigins::Decided { bound, .. } => {
                bound.matcher().find(origin.as_bytes()).is_some()
            }
            // The set in force, with the lookup its requests use.
            PolicyOrigins::Configured(slot) => slot
                .in_force(|ready| ready.covers(origin.as_bytes()).then_some(()))
                .is_some(),
        }
    }

    /// Whether a request from `origin` gets a grant in the application that serves `req`:
    /// [`Self::allows_origin`], and where the application decides origins, its function's
    /// answer, through the answers the routes keep (so it may wait for a lookup). For a
    /// page that shows what a policy grants, or an admin route checking a tenant.
    ///
    /// ```
    /// use actix_web::{get, test, web};
    /// use cors_runtime::cors;
    ///
    /// async fn is_tenant(origin: String, tenants: web::Data<Vec<String>>) -> bool {
    ///     tenants.contains(&origin)
    /// }
    ///
    /// #[cors(origins = "https://*", decide_origin = "is_tenant")]
    /// #[get("/catalog")]
    /// async fn catalog() -> &'static str {
    ///     "[]"
    /// }
    ///
    /// # actix_web::rt::System::new().block_on(async {
    /// let policy = &cors_runtime::audit::entries()
    ///     .into_iter()
    ///     .find(|entry| entry.handler == "catalog")
    ///     .unwrap()
    ///     .policy;
    /// let req = test::TestRequest::default()
    ///     .app_data(web::Data::new(vec!["https://shop.example".to_owned()]))
    ///     .to_http_request();
    /// assert!(policy.grants_origin("https://shop.example", &req).await);
    /// assert!(!policy.grants_origin("https://other.example", &req).await);
    /// assert!(!policy.grants_origin("http://shop.example", &req).await); // outside the bound
    /// # });
    /// ```
    pub async fn grants_origin(&self, origin: &str, req: &HttpRequest) -> bool {
        if !self.allows_origin(origin) {
            return false;
        }
        let PolicyOrigins::Decided { decider, .. } = &self.parts.origins else {
            return true;
        };
        let Ok(origin) = HeaderValue::from_str(origin) else {
            return false;
        };
        match decider.verdict(decider.answers(req), &origin, req) {
            Verdict::Now(decided) => decided.is_ok(),
            Verdict::Later(lookup) => decider.finish(lookup).await.is_ok(),
        }
    }

    /// Whether a page may send the request header `name` (any case), as a preflight asks.
    pub fn allows_request_header(&self, name: &str) -> bool {
        self.parts.headers.allows(name.as_bytes())
    }

    /// Whether it trusts a plain-`http` origin other than localhost or loopback.
    /// For configured origins, of the set in force.
    pub fn trusts_plain_http(&self) -> bool {
        match &self.parts.origins {
            PolicyOrigins::Fixed(origins) | PolicyOrigins::Decided { bound: origins, .. } => {
                origins.trusts_plain_http()
            }
            PolicyOrigins::Configured(slot) => slot
                .get()
                .is_some_and(|loaded| loaded.origins().trusts_plain_http()),
        }
    }

    /// Whether the answer depends on the request's `Origin`, so caches must key on it.
    /// Configured origins always do: a reload can turn `*` into a list.
    pub(crate) fn varies_by_origin(&self) -> bool {
        !matches!(self.parts.origins, PolicyOrigins::Fixed(Origins::Any)) || self.parts.credentials
    }
}

impl fmt::Display for PolicyOrigins {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let slot = match self {
            PolicyOrigins::Fixed(origins) => return origins.fmt(f),
            PolicyOrigins::Decided { bound, decider } => {
                return write!(f, "decided by {} within {bound}", decider.name);
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

/// A GET policy for `origins` with `max_age = 600`, kept for the rest of the test run.
#[cfg(test)]
pub(crate) fn leaked_for_test(origins: &str) -> &'static Policy {
    Box::leak(Box::new(for_test(origins)))
}

/// A GET policy for `origins` with `max_age = 600`.
#[cfg(test)]
pub(crate) fn for_test(origins: &str) -> Policy {
    Policy::from_parts(Parts {
        origins: PolicyOrigins::Fixed(cors_rules::origin_list(origins, false).unwrap()),
        methods: &["GET"],
        headers: AllowedHeaders {
            any: false,
            names: &[],
        },
        allow_headers: None,
        expose_headers: None,
        max_age: Some(600),
        credentials: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configured_origins_are_asked_by_the_set_in_force() {
        let slot: &'static crate::ConfiguredOrigins = Box::leak(Box::new(
            crate::ConfiguredOrigins::new("ALLOWS_TEST", false),
        ));
        let policy = Policy::from_parts(Parts {
            origins: PolicyOrigins::Configured(slot),
            ..for_test("*").parts
        });
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
    fn counts_have_thousands_separators() {
        for (count, shown) in [(0, "0"), (999, "999"), (1000, "1,000"), (10_002, "10,002")] {
            assert_eq!(Thousands(count).to_string(), shown);
        }
        assert_eq!(Thousands(1_234_567).to_string(), "1,234,567");
    }
}
