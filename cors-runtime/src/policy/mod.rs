//! The policy: what `#[cors(...)]` compiles into, as `'static` data. Which origins,
//! methods and request headers it allows is decided in `cors-core` and `cors-rules`, on
//! bytes, without actix-web types; `prepared` turns it into ready header values.

use std::fmt;

use actix_web::HttpRequest;
use actix_web::http::header::HeaderValue;

use crate::decide::{Decider, Verdict};

mod prepared;

pub(crate) use prepared::Prepared;

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
pub type Parts = cors_core::Parts<Decider>;

/// Where a policy's origins come from. Not a public API.
#[doc(hidden)]
pub type PolicyOrigins = cors_core::PolicyOrigins<Decider>;

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
        self.parts.allows_origin(origin)
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
        self.parts.allows_request_header(name)
    }

    /// Whether it trusts a plain-`http` origin other than localhost or loopback.
    /// For configured origins, of the set in force.
    pub fn trusts_plain_http(&self) -> bool {
        self.parts.trusts_plain_http()
    }

    /// Whether the answer depends on the request's `Origin`, so caches must key on it.
    /// Configured origins always do: a reload can turn `*` into a list.
    pub(crate) fn varies_by_origin(&self) -> bool {
        self.parts.varies_by_origin()
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
        headers: cors_rules::judge::AllowedHeaders {
            any: false,
            names: &[],
        },
        allow_headers: None,
        expose_headers: None,
        max_age: Some(600),
        credentials: false,
    })
}
