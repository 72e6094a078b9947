//! The generated `OPTIONS` route: recognising a preflight, judging it by the policy of the
//! handler that serves the requested method, and answering 204 or 403.

use std::future::{Ready, ready};

use actix_web::dev::{AppService, ResourceDef, ServiceRequest, ServiceResponse, fn_service};
use actix_web::guard::{Guard, GuardContext};
use actix_web::http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD,
    HeaderMap, HeaderValue, ORIGIN,
};
use actix_web::http::{Method, StatusCode};
use actix_web::{Error, HttpResponse};

use crate::policy::Policy;
use crate::{request_headers, vary};

/// Routes a request to this preflight route only when it is a preflight (`OPTIONS` with
/// `Origin` and `Access-Control-Request-Method`) for a method the handler serves; anything
/// else goes on to the other routes of the path.
struct PreflightFor {
    served: &'static [&'static str],
}

impl Guard for PreflightFor {
    fn check(&self, ctx: &GuardContext<'_>) -> bool {
        let head = ctx.head();
        head.method == Method::OPTIONS
            && head.headers().contains_key(ORIGIN)
            && head
                .headers()
                .get_all(ACCESS_CONTROL_REQUEST_METHOD)
                .any(|method| {
                    self.served
                        .iter()
                        .any(|served| served.as_bytes() == method.as_bytes())
                })
    }
}

/// Registers the preflight route for `path`, judged by `policy`, for requests asking for
/// one of the `served` methods.
pub fn register(
    config: &mut AppService,
    path: &str,
    served: &'static [&'static str],
    policy: &'static Policy,
) {
    // The same rule actix-web applies to its resources: a leading slash except for the
    // empty path of a nested scope.
    let rdef = if (config.is_root() || !path.is_empty()) && !path.starts_with('/') {
        ResourceDef::new(format!("/{path}"))
    } else {
        ResourceDef::new(path)
    };
    let guards: Vec<Box<dyn Guard>> = vec![Box::new(PreflightFor { served })];
    let service = fn_service(
        move |req: ServiceRequest| -> Ready<Result<ServiceResponse, Error>> {
            let response = respond(policy, req.path(), req.headers());
            ready(Ok(req.into_response(response)))
        },
    );
    config.register_service(rdef, Some(guards), service, None);
}

/// Why a preflight was refused, for the log.
enum Refusal<'a> {
    Origin(usize, Option<&'a HeaderValue>),
    Method(Option<&'a HeaderValue>),
    Header(&'a [u8]),
}

/// Answers a preflight: 204 with the policy's headers, or 403 with none of them.
pub fn respond(policy: &'static Policy, path: &str, headers: &HeaderMap) -> HttpResponse {
    let vary_names = if policy.varies_by_origin() {
        &vary::PREFLIGHT
    } else {
        &vary::PREFLIGHT_ANY_ORIGIN
    };
    let mut response = match judge(policy, headers) {
        Ok(allow_origin) => allowed(policy, allow_origin),
        Err(refusal) => {
            log_refusal(policy, path, &refusal);
            HttpResponse::new(StatusCode::FORBIDDEN)
        }
    };
    vary::add(response.headers_mut(), vary_names);
    response
}

fn judge<'a>(policy: &'static Policy, headers: &'a HeaderMap) -> Result<HeaderValue, Refusal<'a>> {
    let origins = headers.get_all(ORIGIN);
    let origin_count = origins.len();
    let origin = request_headers::single(headers, ORIGIN);
    let allow_origin = origin
        .and_then(|origin| policy.allow_origin(origin))
        .ok_or(Refusal::Origin(origin_count, origin))?;
    let method = request_headers::single(headers, ACCESS_CONTROL_REQUEST_METHOD);
    if !method.is_some_and(|method| {
        policy
            .methods
            .iter()
            .any(|allowed| allowed.as_bytes() == method.as_bytes())
    }) {
        return Err(Refusal::Method(method));
    }
    let requested = headers.get_all(ACCESS_CONTROL_REQUEST_HEADERS);
    if let Some(name) =
        request_headers::first_refused(requested, |name| policy.headers.allows(name))
    {
        return Err(Refusal::Header(name));
    }
    Ok(allow_origin)
}

fn allowed(policy: &'static Policy, allow_origin: HeaderValue) -> HttpResponse {
    let mut response = HttpResponse::new(StatusCode::NO_CONTENT);
    let headers = response.headers_mut();
    crate::inject::insert_allow_origin(headers, policy, allow_origin);
    headers.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(policy.allow_methods),
    );
    if let Some(allow_headers) = policy.allow_headers {
        headers.insert(
            ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(allow_headers),
        );
    }
    if let Some(max_age) = policy.max_age {
        headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static(max_age));
    }
    if policy.credentials {
        headers.insert(
            ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    }
    response
}

fn log_refusal(policy: &Policy, path: &str, refusal: &Refusal<'_>) {
    match refusal {
        Refusal::Origin(count, _) if *count != 1 => {
            log::debug!(target: "cors", "preflight for {path} refused: {count} `Origin` headers, expected exactly one");
        }
        Refusal::Origin(_, origin) => {
            log::debug!(
                target: "cors",
                "preflight for {path} refused: origin {} is not allowed; the policy allows {}",
                Shown(origin.map(HeaderValue::as_bytes)),
                policy.origins
            );
        }
        Refusal::Method(None) => {
            log::debug!(target: "cors", "preflight for {path} refused: `Access-Control-Request-Method` must be sent exactly once");
        }
        Refusal::Method(Some(method)) => {
            log::debug!(
                target: "cors",
                "preflight for {path} refused: method {} is not allowed; the policy allows {}",
                Shown(Some(method.as_bytes())),
                policy.allow_methods
            );
        }
        Refusal::Header(name) => {
            log::debug!(
                target: "cors",
                "preflight for {path} refused: request header {} is not allowed; the policy allows {}",
                Shown(Some(name)),
                policy.allow_headers.unwrap_or("no request headers")
            );
        }
    }
}

/// Request bytes in a log line: quoted, with anything unprintable escaped, so a hostile
/// value cannot forge log lines.
struct Shown<'a>(Option<&'a [u8]>);

impl std::fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Some(bytes) = self.0 else {
            return f.write_str("(none)");
        };
        write!(f, "\"{}\"", bytes.escape_ascii())
    }
}
