//! A policy made ready for requests: its header values built once per worker.

use std::cell::OnceCell;

use actix_web::HttpRequest;
use actix_web::http::Method;
use actix_web::http::header::{HeaderMap, HeaderValue, ORIGIN};
use cors_rules::judge::ReadyHeaders;
use cors_rules::{Match, OriginMatcher, Origins, Text};

use super::{Policy, PolicyOrigins};
use crate::ConfiguredOrigins;
use crate::decide::{Answers, Decider};

/// A policy made ready to answer requests. Built once per worker when actix-web creates the
/// route's services, never per request: answering then validates no header value, copies
/// no bytes and allocates nothing, and finding an exact origin costs about the same for 1
/// or 10,000 of them.
pub(crate) struct Prepared {
    /// The policy, for what is read rarely (logs, methods, header names).
    pub(crate) policy: &'static Policy,
    /// Who may read the answers.
    origins: PreparedOrigins,
    /// `Access-Control-Expose-Headers`.
    pub(crate) expose_headers: Option<HeaderValue>,
    /// `Access-Control-Allow-Headers`.
    pub(crate) allow_headers: Option<HeaderValue>,
    /// `Access-Control-Max-Age`.
    pub(crate) max_age: Option<HeaderValue>,
    /// The request headers it allows, ready for preflights.
    pub(crate) headers: ReadyHeaders,
    /// Whether the answer depends on the request's `Origin` ([`Policy::varies_by_origin`]).
    pub(crate) varies_by_origin: bool,
    /// The route's last `Vary` merge.
    pub(crate) vary_memo: crate::vary::Memo,
    /// The policy's methods, as requests carry them.
    pub(crate) methods: Box<[Method]>,
}

/// A policy's origins, ready for requests.
enum PreparedOrigins {
    /// Written in the attribute: ready for good.
    Fixed(ReadyOrigins),
    /// Configured: the set in force is read on each request, so a reload is seen at once.
    Configured(&'static ConfiguredOrigins),
    /// The bound, ready for good, and the function that decides within it.
    Decided {
        bound: ReadyOrigins,
        decider: &'static Decider,
        /// Found on the first request: they depend on the application's store.
        answers: OnceCell<&'static Answers>,
    },
}

/// What a `*` policy answers every request with. A credentialed `*` is refused by the rules;
/// were it built anyway, browsers reject `*` with credentials, so it fails closed.
const STAR: HeaderValue = HeaderValue::from_static("*");

/// Origins ready for requests: the one lookup, and the exact origins as header values.
#[derive(Debug)]
struct ReadyOrigins {
    matcher: OriginMatcher,
    /// The exact origins as header values, in the order the matcher indexes them.
    exact_origins: Box<[HeaderValue]>,
}

impl ReadyOrigins {
    /// Indexes `origins` and builds their header values.
    fn new(origins: Origins) -> ReadyOrigins {
        let exact_origins = match &origins {
            Origins::Any => Box::default(),
            Origins::Listed { exact, .. } => exact
                .iter()
                .map(|origin| match origin {
                    Text::Static(origin) => HeaderValue::from_static(origin),
                    Text::Owned(origin) => {
                        HeaderValue::from_str(origin).expect("checked origins are visible ASCII")
                    }
                })
                .collect(),
        };
        ReadyOrigins {
            matcher: OriginMatcher::new(origins),
            exact_origins,
        }
    }

    /// The `Access-Control-Allow-Origin` value for a request with this one `Origin`, or
    /// `None` when the origin is not allowed.
    #[inline]
    fn allow_origin(&self, origin: &HeaderValue) -> Option<HeaderValue> {
        match self.matcher.find(origin.as_bytes())? {
            Match::Any => Some(STAR),
            Match::Exact(index) => Some(self.exact_origins[index].clone()),
            Match::Pattern => Some(origin.clone()),
        }
    }

    /// The `Access-Control-Allow-Origin` value for an actual request.
    #[inline]
    fn allow_origin_for_request(&self, headers: &HeaderMap) -> Option<HeaderValue> {
        for_request(&self.matcher, headers, |origin| self.allow_origin(origin))
    }
}

/// The `Access-Control-Allow-Origin` value for a configured set: the request's own `Origin`
/// when it is allowed (the set is replaced by reloads, so no values are built ahead).
#[inline]
fn configured_allow_origin(matcher: &OriginMatcher, origin: &HeaderValue) -> Option<HeaderValue> {
    match matcher.find(origin.as_bytes())? {
        Match::Any => Some(STAR),
        Match::Exact(_) | Match::Pattern => Some(origin.clone()),
    }
}

/// The `Access-Control-Allow-Origin` value for an actual request: a `*` policy answers
/// every request; otherwise there must be exactly one `Origin`, and `allow_origin` of it.
#[inline]
fn for_request(
    matcher: &OriginMatcher,
    headers: &HeaderMap,
    allow_origin: impl FnOnce(&HeaderValue) -> Option<HeaderValue>,
) -> Option<HeaderValue> {
    if matches!(matcher.origins(), Origins::Any) {
        return Some(STAR);
    }
    crate::request_headers::single(headers, ORIGIN).and_then(allow_origin)
}

impl Prepared {
    /// Prepares `policy`.
    ///
    /// # Panics
    /// When its origins are configured and were never loaded: a startup mistake, reported
    /// as each worker starts, before any request.
    pub(crate) fn new(policy: &'static Policy) -> Prepared {
        let parts = &policy.parts;
        let origins = match &parts.origins {
            PolicyOrigins::Fixed(origins) => {
                PreparedOrigins::Fixed(ReadyOrigins::new(origins.clone()))
            }
            PolicyOrigins::Configured(slot) => {
                slot.expect_loaded();
                PreparedOrigins::Configured(slot)
            }
            PolicyOrigins::Decided { bound, decider } => PreparedOrigins::Decided {
                bound: ReadyOrigins::new(bound.clone()),
                decider,
                answers: OnceCell::new(),
            },
        };
        Prepared {
            policy,
            origins,
            expose_headers: parts.expose_headers.map(HeaderValue::from_static),
            allow_headers: parts.allow_headers.map(HeaderValue::from_static),
            max_age: parts.max_age.map(HeaderValue::from),
            headers: ReadyHeaders::new(parts.headers),
            varies_by_origin: policy.varies_by_origin(),
            vary_memo: crate::vary::Memo::default(),
            methods: parts
                .methods
                .iter()
                .filter_map(|method| Method::from_bytes(method.as_bytes()).ok())
                .collect(),
        }
    }

    /// The function that decides within the origins, and its kept answers for the
    /// application of `req`, if any. A prepared policy serves one application's route on
    /// one worker, so the answers found on its first request are those of every request.
    #[inline]
    pub(crate) fn decider(
        &self,
        req: &HttpRequest,
    ) -> Option<(&'static Decider, &'static Answers)> {
        match &self.origins {
            PreparedOrigins::Decided {
                decider, answers, ..
            } => Some((decider, answers.get_or_init(|| decider.answers(req)))),
            _ => None,
        }
    }

    /// The `Access-Control-Allow-Origin` value for a preflight with this one `Origin`, or
    /// `None` when the origin is not allowed. For origins the application decides, when
    /// the bound covers it: the function is asked after.
    #[inline]
    pub(crate) fn allow_origin(&self, origin: &HeaderValue) -> Option<HeaderValue> {
        match &self.origins {
            PreparedOrigins::Fixed(ready) | PreparedOrigins::Decided { bound: ready, .. } => {
                ready.allow_origin(origin)
            }
            PreparedOrigins::Configured(slot) => {
                slot.in_force(|matcher| configured_allow_origin(matcher, origin))
            }
        }
    }

    /// The `Access-Control-Allow-Origin` value for an actual request with `headers`, if any
    /// (for origins the application decides, when the bound covers it).
    #[inline]
    pub(crate) fn allow_origin_for_request(&self, headers: &HeaderMap) -> Option<HeaderValue> {
        match &self.origins {
            PreparedOrigins::Fixed(ready) | PreparedOrigins::Decided { bound: ready, .. } => {
                ready.allow_origin_for_request(headers)
            }
            PreparedOrigins::Configured(slot) => slot.in_force(|matcher| {
                for_request(matcher, headers, |origin| {
                    configured_allow_origin(matcher, origin)
                })
            }),
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
        assert_eq!(prepared.allow_origin_for_request(&HeaderMap::new()), None);
        let star = Prepared::new(leaked_policy("*"));
        let star_value = Some(HeaderValue::from_static("*"));
        assert_eq!(star.allow_origin(&origin), star_value);
        assert_eq!(star.allow_origin_for_request(&HeaderMap::new()), star_value);
    }
}
