//! A policy made ready for requests: its header values built once per worker.

use actix_web::http::Method;
use actix_web::http::header::HeaderValue;
use cors_rules::{Match, OriginMatcher, Origins};

use super::{Policy, PolicyOrigins};

/// A policy made ready to answer requests. Built once per worker when actix-web creates the
/// route's services, never per request: answering then validates no header value, copies
/// no bytes and allocates nothing, and finding an exact origin costs about the same for 1
/// or 1,000 of them.
pub(crate) struct Prepared {
    /// The policy, for what is read rarely (logs, methods, header names).
    pub(crate) policy: &'static Policy,
    /// The one origin lookup.
    origins: OriginMatcher<'static>,
    /// `*` without credentials: every response says `*`, whatever the request.
    answers_star: bool,
    /// The exact origins as header values, in the order the matcher indexes them.
    exact_origins: Box<[HeaderValue]>,
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

impl Prepared {
    /// Prepares `policy`.
    pub(crate) fn new(policy: &'static Policy) -> Prepared {
        let parts = &policy.parts;
        let origins: &'static Origins = match &parts.origins {
            PolicyOrigins::Fixed(origins) => origins,
            PolicyOrigins::Configured(slot) => slot.expect_loaded(),
        };
        let exact_origins = match origins {
            Origins::Any => Box::default(),
            Origins::Listed { exact, .. } => exact
                .iter()
                .map(|origin| match origin {
                    std::borrow::Cow::Borrowed(origin) => HeaderValue::from_static(origin),
                    std::borrow::Cow::Owned(origin) => {
                        HeaderValue::from_str(origin).expect("checked origins are visible ASCII")
                    }
                })
                .collect(),
        };
        Prepared {
            policy,
            origins: origins.matcher(),
            // A credentialed `*` is refused by the rules; were it built anyway, browsers
            // reject `*` with credentials, so it fails closed.
            answers_star: matches!(origins, Origins::Any),
            exact_origins,
            expose_headers: parts.expose_headers.map(HeaderValue::from_static),
            allow_headers: parts.allow_headers.map(HeaderValue::from_static),
            max_age: parts.max_age.map(HeaderValue::from),
            varies_by_origin: policy.varies_by_origin(),
            vary_memo: crate::vary::Memo::default(),
            methods: parts
                .methods
                .iter()
                .filter_map(|method| Method::from_bytes(method.as_bytes()).ok())
                .collect(),
        }
    }

    /// Whether every response says `Access-Control-Allow-Origin: *`, whatever the request.
    pub(crate) fn answers_star(&self) -> bool {
        self.answers_star
    }

    /// The `Access-Control-Allow-Origin` value for a request with this one `Origin`, or
    /// `None` when the origin is not allowed.
    #[inline]
    pub(crate) fn allow_origin(&self, origin: &HeaderValue) -> Option<HeaderValue> {
        if self.answers_star {
            return Some(const { HeaderValue::from_static("*") });
        }
        match self.origins.find(origin.as_bytes())? {
            Match::Exact(index) => Some(self.exact_origins[index].clone()),
            Match::Pattern | Match::Any => Some(origin.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::leaked_for_test as leaked_policy;

    #[test]
    fn exact_origins_are_answered_with_the_policys_own_value() {
        let list: Vec<String> = (0..10)
            .map(|n| format!("https://o{n}.example.com"))
            .collect();
        let prepared = Prepared::new(leaked_policy(&list.join(",")));
        for origin in &list {
            let value = HeaderValue::from_str(origin).unwrap();
            assert_eq!(prepared.allow_origin(&value), Some(value), "{origin}");
        }
        let stranger = HeaderValue::from_static("https://o10.example.com");
        assert_eq!(prepared.allow_origin(&stranger), None);
        assert_eq!(prepared.max_age, Some(HeaderValue::from_static("600")));
    }

    #[test]
    fn patterns_echo_the_request_and_star_answers_star() {
        let prepared = Prepared::new(leaked_policy("https://*.example.com"));
        let origin = HeaderValue::from_static("https://a.example.com");
        assert_eq!(prepared.allow_origin(&origin), Some(origin.clone()));
        assert!(!prepared.answers_star());
        let star = Prepared::new(leaked_policy("*"));
        assert!(star.answers_star());
        assert_eq!(
            star.allow_origin(&origin),
            Some(HeaderValue::from_static("*"))
        );
    }
}
