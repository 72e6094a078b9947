//! A policy made ready for requests: its header values built once, when the router is.

use axum::http::header::{GetAll, HeaderMap, HeaderValue, ORIGIN};
use cors_rules::judge::ReadyHeaders;
use cors_rules::{Match, OriginMatcher, Origins, Text};

use cors_core::answers::Answers;

use crate::decide::Decider;

type Parts = cors_core::Parts<Decider>;
type PolicyOrigins = cors_core::PolicyOrigins<Decider>;

/// A policy made ready to answer requests: answering validates no header value and copies
/// no bytes, and finding an exact origin costs about the same for 1 or 10,000 of them.
pub(crate) struct Prepared {
    /// The policy's values.
    pub(crate) parts: &'static Parts,
    origins: PreparedOrigins,
    pub(crate) expose_headers: Option<HeaderValue>,
    pub(crate) allow_headers: Option<HeaderValue>,
    pub(crate) max_age: Option<HeaderValue>,
    /// The request headers it allows, ready for preflights.
    pub(crate) headers: ReadyHeaders,
    /// Whether the answer depends on the request's `Origin`.
    pub(crate) varies_by_origin: bool,
}

enum PreparedOrigins {
    /// Written in the attribute: ready for good.
    Fixed(ReadyOrigins),
    /// Configured: the set in force is read on each request, so a reload is seen at once.
    Configured(&'static cors_core::ConfiguredOrigins),
    /// The bound, ready for good, and the function that decides within it.
    Decided {
        bound: ReadyOrigins,
        decider: &'static Decider,
        answers: &'static Answers,
    },
}

/// Literal origins, ready for requests.
struct ReadyOrigins {
    matcher: OriginMatcher,
    /// The exact origins as header values, in the order the matcher indexes them.
    exact_origins: Box<[HeaderValue]>,
}

impl ReadyOrigins {
    fn new(origins: &Origins) -> ReadyOrigins {
        ReadyOrigins {
            exact_origins: exact_values(origins),
            matcher: OriginMatcher::new(origins.clone()),
        }
    }

    #[inline]
    fn allow_origin(&self, origin: &HeaderValue) -> Option<HeaderValue> {
        match self.matcher.find(origin.as_bytes())? {
            Match::Any => Some(STAR),
            Match::Exact(index) => Some(self.exact_origins[index].clone()),
            Match::Pattern => Some(origin.clone()),
        }
    }
}

/// What a `*` policy answers every request with.
const STAR: HeaderValue = HeaderValue::from_static("*");

impl Prepared {
    /// Prepares the policy of `parts`.
    ///
    /// # Panics
    /// When its origins are configured and were never loaded: a startup mistake, reported
    /// as the router is built, before any request.
    pub(crate) fn new(parts: &'static Parts) -> Prepared {
        let origins = match &parts.origins {
            PolicyOrigins::Fixed(origins) => PreparedOrigins::Fixed(ReadyOrigins::new(origins)),
            PolicyOrigins::Configured(slot) => {
                slot.expect_loaded();
                PreparedOrigins::Configured(slot)
            }
            PolicyOrigins::Decided { bound, decider } => PreparedOrigins::Decided {
                bound: ReadyOrigins::new(bound),
                decider,
                answers: decider.answers(),
            },
        };
        Prepared {
            parts,
            origins,
            expose_headers: parts.expose_headers.map(HeaderValue::from_static),
            allow_headers: parts.allow_headers.map(HeaderValue::from_static),
            max_age: parts.max_age.map(HeaderValue::from),
            headers: ReadyHeaders::new(parts.headers),
            varies_by_origin: parts.varies_by_origin(),
        }
    }

    /// The `Access-Control-Allow-Origin` value for a request with this one `Origin`, or
    /// `None` when the origin is not allowed.
    #[inline]
    pub(crate) fn allow_origin(&self, origin: &HeaderValue) -> Option<HeaderValue> {
        match &self.origins {
            PreparedOrigins::Fixed(ready) | PreparedOrigins::Decided { bound: ready, .. } => {
                ready.allow_origin(origin)
            }
            // The set is replaced by reloads: the request's own value is the answer.
            PreparedOrigins::Configured(slot) => {
                slot.in_force(|matcher| match matcher.find(origin.as_bytes())? {
                    Match::Any => Some(STAR),
                    Match::Exact(_) | Match::Pattern => Some(origin.clone()),
                })
            }
        }
    }

    /// The `Access-Control-Allow-Origin` value for an actual request with `headers`: a `*`
    /// policy answers every request; otherwise there must be exactly one allowed `Origin`.
    #[inline]
    pub(crate) fn allow_origin_for_request(&self, headers: &HeaderMap) -> Option<HeaderValue> {
        match &self.origins {
            // Ready for good: matched once, without asking `allow_origin` to match again.
            PreparedOrigins::Fixed(ready) | PreparedOrigins::Decided { bound: ready, .. } => {
                if matches!(ready.matcher.origins(), Origins::Any) {
                    return Some(STAR);
                }
                ready.allow_origin(only_origin(headers)?)
            }
            PreparedOrigins::Configured(slot) => {
                if slot.in_force(|matcher| Some(matches!(matcher.origins(), Origins::Any)))? {
                    return Some(STAR);
                }
                only_origin(headers).and_then(|origin| self.allow_origin(origin))
            }
        }
    }
}

impl Prepared {
    /// The function that decides within the origins, and its kept answers, if any.
    #[inline]
    pub(crate) fn decider(&self) -> Option<(&'static Decider, &'static Answers)> {
        match self.origins {
            PreparedOrigins::Decided {
                decider, answers, ..
            } => Some((decider, answers)),
            _ => None,
        }
    }
}

/// The request's `Origin`, if it sent exactly one line of it.
#[inline]
fn only_origin(headers: &HeaderMap) -> Option<&HeaderValue> {
    // As many values as names: no header sent twice (the usual request), so one plain
    // look-up finds the only line, without walking the header's lines.
    if headers.len() == headers.keys_len() {
        return headers.get(ORIGIN);
    }
    only_line(&headers.get_all(ORIGIN))
}

/// The one line of a header, if the request sent exactly one.
#[inline]
fn only_line<'a>(lines: &GetAll<'a, HeaderValue>) -> Option<&'a HeaderValue> {
    let mut lines = lines.iter();
    match (lines.next(), lines.next()) {
        (Some(line), None) => Some(line),
        _ => None,
    }
}

/// The exact origins of `origins` as header values.
fn exact_values(origins: &Origins) -> Box<[HeaderValue]> {
    match origins {
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_one_origin_line_is_read() {
        let headers = |lines: &[(&'static str, &'static str)]| {
            let mut headers = HeaderMap::new();
            for (name, value) in lines {
                headers.append(*name, HeaderValue::from_static(value));
            }
            headers
        };
        const A: &str = "https://a.example";
        type Lines = &'static [(&'static str, &'static str)];
        let cases: &[(Lines, Option<&str>)] = &[
            (&[], None),
            (&[("host", "x")], None),
            (&[("origin", A)], Some(A)),
            (&[("host", "x"), ("origin", A)], Some(A)),
            // Another header sent twice: the one Origin line still counts.
            (&[("accept", "x"), ("accept", "y"), ("origin", A)], Some(A)),
            (&[("origin", A), ("origin", A)], None),
            (&[("origin", A), ("accept", "x"), ("origin", "null")], None),
        ];
        for (lines, expected) in cases {
            let headers = headers(lines);
            let found = only_origin(&headers).map(|origin| origin.to_str().unwrap());
            assert_eq!(found, *expected, "{lines:?}");
        }
    }
}
