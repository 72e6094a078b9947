//! The fallback of an annotated path's method router, which axum calls for every method no
//! handler of the path serves, `OPTIONS` among them: recognising a preflight, judging it by
//! the policy of the handler that serves the requested method, and answering 204 or 403.
//! Anything else is answered as axum answers a method the path does not serve: `405`, its
//! `Allow` written by axum (so it lists the path's methods, and not `OPTIONS`, as it would
//! if the preflight took the `OPTIONS` slot).

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_MAX_AGE,
    ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, HeaderMap, HeaderValue, ORIGIN,
};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use cors_rules::judge::{Refusal, Sent, judge_preflight};
use tower_service::Service;

use crate::answer::insert_allow_origin;
use crate::prepared::{Prepared, single};
use crate::vary;

/// The preflight of one path.
#[derive(Clone)]
pub(crate) struct Preflight(Arc<Served>);

/// What the path serves, for its preflights.
struct Served {
    path: &'static str,
    /// One per annotated handler of the path.
    methods: Box<[ServedMethod]>,
}

struct ServedMethod {
    /// The method, as `Access-Control-Request-Method` names it (case-sensitive).
    method: &'static str,
    prepared: Arc<Prepared>,
    /// `Access-Control-Allow-Methods`.
    allow_methods: HeaderValue,
}

impl Preflight {
    /// The preflight of `path`, whose handlers serve `methods` with their policies.
    pub(crate) fn new(
        path: &'static str,
        methods: impl IntoIterator<Item = (&'static str, Arc<Prepared>)>,
    ) -> Preflight {
        let methods: Box<[ServedMethod]> = methods
            .into_iter()
            .map(|(method, prepared)| ServedMethod {
                method,
                allow_methods: HeaderValue::from_static(method),
                prepared,
            })
            .collect();
        Preflight(Arc::new(Served { path, methods }))
    }
}

impl Service<Request> for Preflight {
    type Response = Response;
    type Error = Infallible;
    type Future = Ready<Result<Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        if req.method() != Method::OPTIONS {
            return ready(Ok(not_allowed()));
        }
        ready(Ok(self.0.answer(req.headers())))
    }
}

impl Served {
    fn answer(&self, headers: &HeaderMap) -> Response {
        // A preflight asks for a method a handler of this path serves; anything else is not
        // ours to answer.
        let served = headers.contains_key(ORIGIN).then(|| {
            headers
                .get_all(ACCESS_CONTROL_REQUEST_METHOD)
                .iter()
                .find_map(|method| {
                    self.methods
                        .iter()
                        .find(|served| served.method.as_bytes() == method.as_bytes())
                })
        });
        let Some(Some(served)) = served else {
            return not_allowed();
        };
        let prepared = &served.prepared;
        let methods = [served.method];
        let origin = match single(headers) {
            Some(origin) => Sent::Once(origin),
            None => Sent::Not(headers.get_all(ORIGIN).iter().count()),
        };
        let mut requested_methods = headers.get_all(ACCESS_CONTROL_REQUEST_METHOD).iter();
        let method = match (requested_methods.next(), requested_methods.next()) {
            (Some(method), None) => Some(method.as_bytes()),
            _ => None,
        };
        let verdict = judge_preflight(
            origin,
            |origin| prepared.allow_origin(origin),
            method,
            &methods,
            headers
                .get_all(ACCESS_CONTROL_REQUEST_HEADERS)
                .iter()
                .map(HeaderValue::as_bytes),
            &prepared.policy.parts.headers,
        );
        let mut response = match verdict {
            Ok(allow_origin) => allowed(prepared, &served.allow_methods, allow_origin),
            Err(refusal) => self.refused(prepared, &methods, &refusal),
        };
        let vary_names = if prepared.varies_by_origin {
            &vary::PREFLIGHT
        } else {
            &vary::PREFLIGHT_ANY_ORIGIN
        };
        vary::add(response.headers_mut(), vary_names);
        response
    }

    fn refused(&self, prepared: &Prepared, methods: &[&str], refusal: &Refusal<'_>) -> Response {
        let reason = cors_core::reason::Reason {
            parts: &prepared.policy.parts,
            methods,
            refusal,
        };
        log::debug!(target: "cors", "preflight for {} refused: {reason}", self.path);
        status(StatusCode::FORBIDDEN)
    }
}

/// `405`, as axum answers a method the path does not serve; axum writes its `Allow` (the
/// methods of the path's router, the handlers merged beside ours included).
fn not_allowed() -> Response {
    status(StatusCode::METHOD_NOT_ALLOWED)
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
    response
}

fn status(status: StatusCode) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    response
}
