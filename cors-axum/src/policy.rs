//! The policy: what `#[cors(...)]` compiles into, as `'static` data, judged in `cors-core`
//! and `cors-rules` on bytes; `prepared` turns it into axum's header values.

use std::fmt;
use std::sync::OnceLock;

use axum::http::{Extensions, HeaderValue};

use crate::decide::{Decider, Verdict};
use crate::prepared::Prepared;

/// One handler's CORS policy, built by `#[cors(...)]` when the crate compiles.
///
/// It is opaque: the attribute checked every value, and nothing else can build one. A
/// route's policy is read through [`Route::policy`](crate::Route::policy).
pub struct Policy {
    pub(crate) parts: Parts,
    /// Its header values, built by the first router that serves it and shared by all.
    prepared: OnceLock<Prepared>,
}

impl fmt::Debug for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Policy")
            .field("parts", &self.parts)
            .finish_non_exhaustive()
    }
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
        Policy {
            parts,
            prepared: OnceLock::new(),
        }
    }

    /// The policy made ready for requests, built once.
    ///
    /// # Panics
    /// When its origins are configured and were never loaded (see [`Prepared::new`]).
    pub(crate) fn prepared(&'static self) -> &'static Prepared {
        self.prepared.get_or_init(|| Prepared::new(&self.parts))
    }

    /// The origins it trusts, as written (configured origins show their configuration
    /// name and which call loaded them).
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
    /// grant, by the same matching the routes use.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.parts.allows_origin(origin)
    }

    /// Whether a request from `origin` gets a grant in the application whose requests carry
    /// `extensions`: [`Self::allows_origin`], and where the application decides origins, its
    /// function's answer, through the answers the routes keep (so it may wait for a lookup).
    /// For a page that shows what a policy grants, or an admin route checking a tenant.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// use axum::Extension;
    /// use axum::http::Extensions;
    /// use cors_axum::cors;
    ///
    /// async fn is_tenant(origin: String, Extension(tenants): Extension<Arc<Vec<String>>>) -> bool {
    ///     tenants.contains(&origin)
    /// }
    ///
    /// #[cors(get, path = "/catalog", origins = "https://*", decide_origin = "is_tenant")]
    /// async fn catalog() -> &'static str {
    ///     "[]"
    /// }
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let policy = cors_axum::audit::routes()
    ///     .into_iter()
    ///     .find(|route| route.handler == "catalog")
    ///     .unwrap()
    ///     .policy();
    /// // What `Router::layer(Extension(...))` puts in every request.
    /// let mut extensions = Extensions::new();
    /// extensions.insert(Arc::new(vec!["https://shop.example".to_owned()]));
    /// assert!(policy.grants_origin("https://shop.example", &extensions).await);
    /// assert!(!policy.grants_origin("https://other.example", &extensions).await);
    /// assert!(!policy.grants_origin("http://shop.example", &extensions).await); // outside the bound
    /// # });
    /// ```
    pub async fn grants_origin(&self, origin: &str, extensions: &Extensions) -> bool {
        if !self.allows_origin(origin) {
            return false;
        }
        let PolicyOrigins::Decided { decider, .. } = &self.parts.origins else {
            return true;
        };
        let Ok(origin) = HeaderValue::from_str(origin) else {
            return false;
        };
        match decider.verdict(decider.answers(), &origin, extensions) {
            Verdict::Now(decided) => decided.is_ok(),
            Verdict::Later(lookup) => decider.finish(lookup).await.is_ok(),
        }
    }

    /// Whether a page may send the request header `name` (any case), as a preflight asks.
    pub fn allows_request_header(&self, name: &str) -> bool {
        self.parts.allows_request_header(name)
    }

    /// Whether it trusts a plain-`http` origin other than localhost or loopback.
    pub fn trusts_plain_http(&self) -> bool {
        self.parts.trusts_plain_http()
    }
}
