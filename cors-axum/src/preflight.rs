//! The service in the `OPTIONS` slot of an annotated path: recognising a preflight,
//! judging it by the policy of the handler that serves the requested method, and answering
//! 204 or 403. Anything else sent with `OPTIONS` is answered as axum answers a method the
//! path does not serve.

use std::convert::Infallible;
use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_MAX_AGE,
    ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, ALLOW, HeaderMap, HeaderValue,
    ORIGIN,
};
use axum::response::Response;
use cors_core::answers::Decided;
use cors_core::reason::{DecidedRefusal, Reason, Refused};
use cors_rules::judge::{Sent, judge_preflight};
use tower_service::Service;

use crate::answer::insert_allow_origin;
use crate::debug::explains_refusals;
use crate::decide::{Decider, Verdict};
use crate::prepared::Prepared;
use crate::vary;

/// The preflight of one path.
#[derive(Clone)]
pub(crate) struct Preflight(Arc<Served>);

/// What the path serves, for its preflights.
struct Served {
    path: &'static str,
    /// One per annotated handler of the path.
    methods: Box<[ServedMethod]>,
    /// The path's methods, as axum's `405` lists them in `Allow`.
    allow: HeaderValue,
}

#[derive(Clone)]
struct ServedMethod {
    /// The method, as `Access-Control-Request-Method` names it (case-sensitive).
    method: &'static str,
    prepared: &'static Prepared,
    /// `Access-Control-Allow-Methods`.
    allow_methods: HeaderValue,
}

impl Preflight {
    /// The preflight of `path`, whose handlers serve `methods` with their policies.
    pub(crate) fn new(
        path: &'static str,
        methods: impl IntoIterator<Item = (&'static str, &'static Prepared)>,
    ) -> Preflight {
        let methods: Box<[ServedMethod]> = methods
            .into_iter()
            .map(|(method, prepared)| ServedMethod {
                method,
                allow_methods: HeaderValue::from_static(method),
                prepared,
            })
            .collect();
        let mut allow: Vec<&str> = Vec::new();
        for served in &methods {
            allow.push(served.method);
            if served.method == "GET" {
                allow.push("HEAD");
            }
        }
        let allow = HeaderValue::from_str(&allow.join(","))
            .expect("method names are tokens, valid in a header value");
        Preflight(Arc::new(Served {
            path,
            methods,
            allow,
        }))
    }
}

impl Service<Request> for Preflight {
    type Response = Response;
    type Error = Infallible;
    type Future = Answering;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Answering {
        self.0.answer(&req)
    }
}

/// A preflight's answer: at once, or once the application's function decided.
pub(crate) enum Answering {
    Now(Ready<Result<Response, Infallible>>),
    Later(Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>),
}

impl Future for Answering {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            Answering::Now(ready) => Pin::new(ready).poll(cx),
            Answering::Later(deciding) => deciding.as_mut().poll(cx),
        }
    }
}

impl Served {
    fn answer(&self, req: &Request) -> Answering {
        let headers = req.headers();
        let sent = Asked::of(headers);
        // A preflight asks for a method a handler of this path serves; anything else is not
        // ours to answer.
        let served = if sent.origins.count == 0 {
            None
        } else if sent.methods.count == 1 {
            sent.methods.first.and_then(|method| self.serving(method))
        } else {
            // Rare: any of several lines naming a served method makes it ours (to refuse).
            (headers.get_all(ACCESS_CONTROL_REQUEST_METHOD).iter())
                .find_map(|method| self.serving(method))
        };
        let Some(served) = served else {
            return Answering::Now(ready(Ok(self.not_allowed())));
        };
        let prepared = &served.prepared;
        let methods = [served.method];
        let origin = match sent.origins.only() {
            Some(origin) => Sent::Once(origin),
            None => Sent::Not(sent.origins.count),
        };
        let method = sent.methods.only().map(HeaderValue::as_bytes);
        // Several lines (rare) are read from the map.
        let one = sent.requested.only();
        let several = (sent.requested.count > 1)
            .then(|| headers.get_all(ACCESS_CONTROL_REQUEST_HEADERS))
            .into_iter()
            .flatten();
        let verdict = judge_preflight(
            origin,
            |origin| prepared.allow_origin(origin),
            method,
            &methods,
            one.into_iter().chain(several).map(HeaderValue::as_bytes),
            &prepared.headers,
        );
        let response = match verdict {
            Ok(allow_origin) => match prepared.decider() {
                None => allowed(prepared, &served.allow_methods, allow_origin),
                Some((decider, answers)) => {
                    match decider.verdict(answers, &allow_origin, req.extensions()) {
                        Verdict::Now(decided) => Served::decided_on(
                            self.path,
                            served,
                            decider.name,
                            decided,
                            allow_origin,
                            explains_refusals(req.extensions()),
                        ),
                        Verdict::Later(lookup) => {
                            // Read now: the decision comes after the request is gone.
                            let explain = explains_refusals(req.extensions());
                            let path = self.path;
                            let served = served.clone();
                            return Answering::Later(Box::pin(async move {
                                let decided = decider.finish(lookup).await;
                                Ok(Served::decided_on(
                                    path,
                                    &served,
                                    decider.name,
                                    decided,
                                    allow_origin,
                                    explain,
                                ))
                            }));
                        }
                    }
                }
            },
            Err(refusal) => {
                let reason = Refused::Judged(Reason {
                    parts: prepared.parts,
                    methods: &methods,
                    refusal: &refusal,
                });
                refused(
                    self.path,
                    prepared,
                    &reason,
                    explains_refusals(req.extensions()),
                )
            }
        };
        Answering::Now(ready(Ok(response)))
    }

    /// The handler serving the method an `Access-Control-Request-Method` line names, if any.
    #[inline]
    fn serving(&self, method: &HeaderValue) -> Option<&ServedMethod> {
        (self.methods.iter()).find(|served| served.method.as_bytes() == method.as_bytes())
    }

    /// The answer once the application's function decided about the origin; `explain`
    /// tells whether a refusal gives its reason.
    fn decided_on(
        path: &str,
        served: &ServedMethod,
        name: &str,
        decided: Decided,
        allow_origin: HeaderValue,
        explain: bool,
    ) -> Response {
        let prepared = &served.prepared;
        match decided {
            Ok(()) => allowed(prepared, &served.allow_methods, allow_origin),
            Err(failure) => {
                let reason =
                    Refused::Decided(DecidedRefusal::of(name, prepared.parts, failure.as_deref()));
                refused(path, prepared, &reason, explain)
            }
        }
    }

    /// `405`, as axum answers a method the path does not serve, with its `Allow`.
    fn not_allowed(&self) -> Response {
        let mut response = status(StatusCode::METHOD_NOT_ALLOWED);
        response.headers_mut().insert(ALLOW, self.allow.clone());
        response
    }
}

/// What a request sent of the three headers a preflight reads, found in one pass over its
/// headers rather than one map look-up each.
#[derive(Default)]
struct Asked<'a> {
    origins: Lines<'a>,
    methods: Lines<'a>,
    requested: Lines<'a>,
}

/// The lines of one header: how many, and the first.
#[derive(Default)]
struct Lines<'a> {
    first: Option<&'a HeaderValue>,
    count: usize,
}

impl<'a> Asked<'a> {
    #[inline]
    fn of(headers: &'a HeaderMap) -> Asked<'a> {
        let mut asked = Asked::default();
        for (name, value) in headers {
            let lines = if name == ORIGIN {
                &mut asked.origins
            } else if name == ACCESS_CONTROL_REQUEST_METHOD {
                &mut asked.methods
            } else if name == ACCESS_CONTROL_REQUEST_HEADERS {
                &mut asked.requested
            } else {
                continue;
            };
            lines.first.get_or_insert(value);
            lines.count += 1;
        }
        asked
    }
}

impl<'a> Lines<'a> {
    /// The one line, if the request sent exactly one.
    #[inline]
    fn only(&self) -> Option<&'a HeaderValue> {
        self.first.filter(|_| self.count == 1)
    }
}

/// The 403 of a refused preflight: no `Access-Control-*` header; the reason is logged, and
/// put in `X-Cors-Refused` when the router turned [`crate::debug`] on (`explain`).
fn refused(
    path: &str,
    prepared: &Prepared,
    reason: &Refused<'_, Decider>,
    explain: bool,
) -> Response {
    reason.log(path);
    let mut response = status(StatusCode::FORBIDDEN);
    if explain
        && let Some(value) = reason
            .explanation()
            .and_then(|words| HeaderValue::from_str(&words).ok())
    {
        response
            .headers_mut()
            .insert(crate::debug::REFUSED_HEADER, value);
    }
    with_vary(prepared, response)
}

/// `response`, built here (so without `Vary`), with the `Vary` of every preflight of
/// `prepared`'s policy.
fn with_vary(prepared: &Prepared, mut response: Response) -> Response {
    let vary_names = if prepared.varies_by_origin {
        &vary::PREFLIGHT
    } else {
        &vary::PREFLIGHT_ANY_ORIGIN
    };
    vary::set(response.headers_mut(), vary_names);
    response
}

fn allowed(
    prepared: &Prepared,
    allow_methods: &HeaderValue,
    allow_origin: HeaderValue,
) -> Response {
    let mut response = status(StatusCode::NO_CONTENT);
    let headers = response.headers_mut();
    insert_allow_origin(headers, prepared, allow_origin);
    headers.insert(ACCESS_CONTROL_ALLOW_METHODS, allow_methods.clone());
    if let Some(allow_headers) = &prepared.allow_headers {
        headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, allow_headers.clone());
    }
    if let Some(max_age) = &prepared.max_age {
        headers.insert(ACCESS_CONTROL_MAX_AGE, max_age.clone());
    }
    with_vary(prepared, response)
}

fn status(status: StatusCode) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_pass_finds_what_each_look_up_finds() {
        let names = [
            ORIGIN,
            ACCESS_CONTROL_REQUEST_METHOD,
            ACCESS_CONTROL_REQUEST_HEADERS,
        ];
        let sent: &[&[(usize, &str)]] = &[
            &[],
            &[(0, "https://a.example"), (1, "GET"), (2, "content-type")],
            &[(0, "https://a.example"), (0, "https://b.example")],
            &[(1, "PATCH"), (2, "x-a"), (1, "GET"), (2, "x-b"), (2, "x-c")],
            &[(2, ""), (0, "null")],
        ];
        for lines in sent {
            let mut headers = HeaderMap::new();
            headers.append("x-other", HeaderValue::from_static("1"));
            for (name, value) in *lines {
                headers.append(&names[*name], HeaderValue::from_static(value));
            }
            let asked = Asked::of(&headers);
            for (found, name) in [asked.origins, asked.methods, asked.requested]
                .iter()
                .zip(&names)
            {
                let all = headers.get_all(name);
                assert_eq!(found.count, all.iter().count(), "{name} in {lines:?}");
                assert_eq!(found.first, all.iter().next(), "{name} in {lines:?}");
            }
        }
    }
}
