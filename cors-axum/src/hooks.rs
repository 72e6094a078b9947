//! The adapter's answers without a server, for the fuzz targets and their corpus replay
//! (`fuzz/checks.rs`): the same code requests run, given header maps. Not a public API.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, Method};
use axum::response::Response;

use crate::answer::apply;
use crate::policy::Policy;
use crate::preflight::{Answering, Preflight};

/// The answer to an actual request of `method` with `request` headers, applied to a
/// response's `headers` as a path's handlers get it (prepares `policy` on each call).
/// Origins a function decides are not asked: there is no application.
pub fn actual_response(
    policy: &'static Policy,
    method: &str,
    request: &HeaderMap,
    headers: &mut HeaderMap,
) {
    let prepared = policy.prepared();
    let served = policy.methods().contains(&method)
        || (method == "HEAD" && policy.methods().contains(&"GET"));
    let allow_origin = (served && prepared.decider().is_none())
        .then(|| prepared.allow_origin_for_request(request))
        .flatten();
    apply(headers, prepared, allow_origin);
}

/// The answer of the preflight of a path whose handlers serve `policy`'s methods with it,
/// to an `OPTIONS` request with `headers`.
///
/// # Panics
/// When the policy's origins are decided by a function (its answer would come later).
pub fn preflight_response(
    policy: &'static Policy,
    path: &'static str,
    headers: &HeaderMap,
) -> Response {
    let prepared = policy.prepared();
    let preflight = Preflight::new(
        path,
        policy.methods().iter().map(|method| (*method, prepared)),
    );
    let mut request = Request::new(Body::empty());
    *request.method_mut() = Method::OPTIONS;
    *request.headers_mut() = headers.clone();
    match preflight.answer(&request) {
        Answering::Now(ready) => ready.into_inner().unwrap_or_else(|never| match never {}),
        Answering::Later(_) => panic!("a decided policy's preflight answers later"),
    }
}
