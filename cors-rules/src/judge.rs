//! Judging a preflight by a policy, on what the request sent: its `Origin` lines, its one
//! `Access-Control-Request-Method`, its `Access-Control-Request-Headers` lines. Free of any
//! web framework's types, so every framework's adapter judges alike; the adapter turns the
//! verdict into its response.

use crate::request_headers::first_refused;

/// The request headers a policy allows a page to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllowedHeaders {
    /// `*`: every name except `Authorization`, which must be listed (Fetch, CORS-safelisted
    /// request-header names: a wildcard never covers `Authorization`).
    pub any: bool,
    /// Listed names, lower case.
    pub names: &'static [&'static str],
}

impl AllowedHeaders {
    /// Whether a request header name (any case) is allowed.
    ///
    /// ```
    /// use cors_rules::judge::AllowedHeaders;
    ///
    /// let listed = AllowedHeaders { any: false, names: &["content-type"] };
    /// assert!(listed.allows(b"Content-Type"));
    /// assert!(!listed.allows(b"x-api-key"));
    /// let any = AllowedHeaders { any: true, names: &[] };
    /// assert!(any.allows(b"x-api-key"));
    /// assert!(!any.allows(b"Authorization"));
    /// ```
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

/// [`AllowedHeaders`] made ready for preflights: with the one `Access-Control-Request-Headers`
/// line a browser sends when a page asks for every allowed name (Fetch: the names lower
/// case, sorted, joined by `,`), which is granted without reading its names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadyHeaders {
    allowed: AllowedHeaders,
    /// That line, kept only if reading it grants it; `None` when no name is listed.
    every_name: Option<Box<[u8]>>,
}

impl ReadyHeaders {
    /// Makes `allowed` ready for preflights.
    pub fn new(allowed: AllowedHeaders) -> ReadyHeaders {
        let mut names: Vec<String> = (allowed.names.iter())
            .map(|name| name.to_ascii_lowercase())
            .collect();
        names.sort_unstable();
        names.dedup();
        let line = names.join(",").into_bytes();
        let granted = !line.is_empty()
            && first_refused([line.as_slice()].into_iter(), |name| allowed.allows(name)).is_none();
        ReadyHeaders {
            allowed,
            every_name: granted.then(|| line.into_boxed_slice()),
        }
    }

    /// The first name of the `requested` lines that is malformed or not allowed, if any.
    ///
    /// ```
    /// use cors_rules::judge::{AllowedHeaders, ReadyHeaders};
    ///
    /// let ready = ReadyHeaders::new(AllowedHeaders { any: false, names: &["x-api-key", "content-type"] });
    /// let requested: [&[u8]; 1] = [b"content-type,x-api-key"];
    /// assert_eq!(ready.first_refused(requested.into_iter()), None);
    /// let requested: [&[u8]; 2] = [b"content-type", b"x-secret"];
    /// assert_eq!(ready.first_refused(requested.into_iter()), Some(&b"x-secret"[..]));
    /// ```
    pub fn first_refused<'a>(
        &self,
        mut requested: impl Iterator<Item = &'a [u8]>,
    ) -> Option<&'a [u8]> {
        let allows = |name: &[u8]| self.allowed.allows(name);
        let first = requested.next()?;
        let Some(second) = requested.next() else {
            // The usual preflight: one line, often the one asking for every allowed name.
            if self.every_name.as_deref() == Some(first) {
                return None;
            }
            return first_refused(std::iter::once(first), allows);
        };
        first_refused([first, second].into_iter().chain(requested), allows)
    }
}

/// A header that must be sent exactly once, as the request sent it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent<'a, V> {
    /// Once: its value.
    Once(&'a V),
    /// Not at all, or this many times.
    Not(usize),
}

/// Why a preflight is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal<'a> {
    /// Not exactly one `Origin` (how many), or one the policy does not allow (which).
    Origin {
        /// How many `Origin` lines the request sent.
        lines: usize,
        /// The one it sent, if one.
        origin: Option<&'a [u8]>,
    },
    /// No single `Access-Control-Request-Method`, or one the policy does not list.
    Method(Option<&'a [u8]>),
    /// The first requested header that is malformed or not allowed.
    Header(&'a [u8]),
}

/// Judges a preflight: its one `Origin` must be allowed (`allow_origin` gives the adapter's
/// answer for it, or `None`), its one `Access-Control-Request-Method` listed in `methods`
/// (case-sensitive), and every name of its `requested` header lines allowed by `headers`.
///
/// ```
/// use cors_rules::judge::{AllowedHeaders, ReadyHeaders, Refusal, Sent, judge_preflight};
///
/// let headers = ReadyHeaders::new(AllowedHeaders { any: false, names: &["content-type"] });
/// let origin = b"https://app.example.com".to_vec();
/// let allow = |sent: &Vec<u8>| (sent.as_slice() == b"https://app.example.com").then_some("granted");
/// let requested: [&[u8]; 1] = [b"Content-Type"];
/// let verdict =
///     judge_preflight(Sent::Once(&origin), allow, Some(b"POST"), &["POST"], requested.into_iter(), &headers);
/// assert_eq!(verdict, Ok("granted"));
///
/// let requested: [&[u8]; 1] = [b"x-secret"];
/// let verdict =
///     judge_preflight(Sent::Once(&origin), allow, Some(b"POST"), &["POST"], requested.into_iter(), &headers);
/// assert_eq!(verdict, Err(Refusal::Header(b"x-secret")));
/// ```
pub fn judge_preflight<'a, V: AsRef<[u8]>, T>(
    origin: Sent<'a, V>,
    allow_origin: impl FnOnce(&'a V) -> Option<T>,
    method: Option<&'a [u8]>,
    methods: &[&str],
    requested: impl Iterator<Item = &'a [u8]>,
    headers: &ReadyHeaders,
) -> Result<T, Refusal<'a>> {
    let answer = match origin {
        Sent::Once(sent) => allow_origin(sent).ok_or(Refusal::Origin {
            lines: 1,
            origin: Some(sent.as_ref()),
        })?,
        Sent::Not(lines) => {
            return Err(Refusal::Origin {
                lines,
                origin: None,
            });
        }
    };
    if !method.is_some_and(|method| methods.iter().any(|allowed| allowed.as_bytes() == method)) {
        return Err(Refusal::Method(method));
    }
    if let Some(name) = headers.first_refused(requested) {
        return Err(Refusal::Header(name));
    }
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADERS: AllowedHeaders = AllowedHeaders {
        any: false,
        names: &["content-type", "x-api-key"],
    };

    fn judge<'a>(
        origin: Sent<'a, &'a [u8]>,
        method: Option<&'a [u8]>,
        requested: &[&'a [u8]],
    ) -> Result<&'a [u8], Refusal<'a>> {
        let allow = |sent: &&'a [u8]| (*sent == b"https://app.example.com").then_some(*sent);
        judge_preflight(
            origin,
            allow,
            method,
            &["GET", "PUT"],
            requested.iter().copied(),
            &ReadyHeaders::new(HEADERS),
        )
    }

    #[test]
    fn each_check_refuses_in_order_and_names_what_failed() {
        let app: &[u8] = b"https://app.example.com";
        let evil: &[u8] = b"https://evil.example";
        assert_eq!(
            judge(
                Sent::Once(&app),
                Some(b"PUT"),
                &[b"X-Api-Key, content-type"]
            ),
            Ok(app)
        );
        assert_eq!(judge(Sent::Once(&app), Some(b"PUT"), &[]), Ok(app));
        assert_eq!(
            judge(Sent::Not(2), Some(b"PUT"), &[]),
            Err(Refusal::Origin {
                lines: 2,
                origin: None
            })
        );
        assert_eq!(
            judge(Sent::Once(&evil), Some(b"PUT"), &[]),
            Err(Refusal::Origin {
                lines: 1,
                origin: Some(evil)
            })
        );
        assert_eq!(
            judge(Sent::Once(&app), Some(b"put"), &[]),
            Err(Refusal::Method(Some(b"put")))
        );
        assert_eq!(
            judge(Sent::Once(&app), None, &[]),
            Err(Refusal::Method(None))
        );
        assert_eq!(
            judge(Sent::Once(&app), Some(b"GET"), &[b"content-type", b"x y"]),
            Err(Refusal::Header(b"x y"))
        );
    }

    #[test]
    fn the_line_for_every_name_is_the_browsers_and_judged_as_its_names_are() {
        let listed = |any, names| AllowedHeaders { any, names };
        let cases: &[(AllowedHeaders, Option<&[u8]>)] = &[
            (listed(false, &["content-type"]), Some(b"content-type")),
            (
                listed(false, &["x-api-key", "content-type"]),
                Some(b"content-type,x-api-key"),
            ),
            (listed(true, &["authorization"]), Some(b"authorization")),
            (listed(false, &[]), None),
            (listed(true, &[]), None),
        ];
        for (allowed, expected) in cases {
            let ready = ReadyHeaders::new(*allowed);
            assert_eq!(ready.every_name.as_deref(), *expected, "{allowed:?}");
            // Whatever the lines, the answer is the one reading every name gives.
            let mut lines: Vec<Vec<&[u8]>> = vec![
                vec![],
                vec![b""],
                vec![b"content-type"],
                vec![b"content-type", b"content-type"],
                vec![b"x-secret"],
                vec![b"content-type,x-secret"],
                vec![b"Content-Type,X-Api-Key"],
            ];
            if let Some(line) = expected {
                lines.extend([vec![*line], vec![*line, *line], vec![*line, b"x-secret"]]);
            }
            for requested in lines {
                assert_eq!(
                    ready.first_refused(requested.iter().copied()),
                    first_refused(requested.iter().copied(), |name| allowed.allows(name)),
                    "{allowed:?} {requested:?}"
                );
            }
        }
    }

    #[test]
    fn a_wildcard_never_covers_authorization() {
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
}
