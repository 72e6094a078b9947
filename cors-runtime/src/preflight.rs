//! The generated `OPTIONS` route: recognising a preflight, judging it by the policy of the
//! handler that serves the requested method, and answering 204 or 403.

use std::cell::RefCell;
use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};

use actix_web::dev::{
    AppService, RequestHead, ResourceDef, ServiceRequest, ServiceResponse, fn_service,
};
use actix_web::guard::{Guard, GuardContext};
use actix_web::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_MAX_AGE,
    ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, HeaderMap, HeaderValue, ORIGIN,
};
use actix_web::http::{Method, StatusCode};
use actix_web::{Error, HttpResponse};

use cors_core::reason::{DecidedRefusal, Reason, Refused};
use cors_rules::judge::{Refusal as Judged, Sent, judge_preflight};

use crate::answer::AnswerSlot;
use crate::decide::{Decider, Verdict};
use crate::placement::Placement;
use crate::policy::{Policy, Prepared};
use crate::{request_headers, vary};

/// One path of an annotated handler, as its preflight answers for it. Built by `#[cors]`.
pub struct PreflightRoute {
    /// The path, as the routing attribute gives it.
    pub path: &'static str,
    /// The methods served on this path: preflights asking for another go on to the other
    /// routes of the path.
    pub served: &'static [&'static str],
    /// The served methods that the policy lists: the only ones its preflight grants.
    pub methods: &'static [&'static str],
    /// `methods`, comma-separated: this path's `Access-Control-Allow-Methods`.
    pub allow_methods: &'static str,
    /// The routing attribute's guards a preflight is asked about (all but those named in
    /// `header_guards`), made anew for each worker: a preflight is granted only where the
    /// actual request would reach the handler.
    pub guards: fn() -> Vec<Box<dyn Guard>>,
    /// All the routing attribute's guards, which ask an actual request.
    pub actual_guards: fn() -> Vec<Box<dyn Guard>>,
}

/// The guards of a route that has none.
pub fn no_guards() -> Vec<Box<dyn Guard>> {
    Vec::new()
}

impl PreflightRoute {
    /// Whether `method`, the bytes of an `Access-Control-Request-Method`, is served here.
    pub(crate) fn serves(&self, method: &[u8]) -> bool {
        self.served.iter().any(|served| served.as_bytes() == method)
    }
}

/// Routes a request to this preflight route only when it is a preflight (`OPTIONS` with
/// `Origin` and `Access-Control-Request-Method`) for a method served on this path; anything
/// else goes on to the other routes of the path.
struct PreflightFor(&'static PreflightRoute);

impl Guard for PreflightFor {
    fn check(&self, ctx: &GuardContext<'_>) -> bool {
        is_preflight_for(ctx.head(), self.0)
    }
}

/// Whether `head` is a preflight asking for a method `route` serves.
fn is_preflight_for(head: &RequestHead, route: &PreflightRoute) -> bool {
    head.method == Method::OPTIONS
        && head.headers().contains_key(ORIGIN)
        && head
            .headers()
            .get_all(ACCESS_CONTROL_REQUEST_METHOD)
            .any(|method| route.serves(method.as_bytes()))
}

/// Registers the preflight route of `route`, judged by `policy`.
pub fn register(config: &mut AppService, route: &'static PreflightRoute, policy: &'static Policy) {
    let path = route.path;
    // The same rule actix-web applies to its resources: a leading slash except for the
    // empty path of a nested scope.
    let rdef = if (config.is_root() || !path.is_empty()) && !path.starts_with('/') {
        ResourceDef::new(format!("/{path}"))
    } else {
        ResourceDef::new(path)
    };
    let mut guards = (route.guards)();
    guards.push(Box::new(PreflightFor(route)));
    // Once per worker: the policy's header values and origin table, ready for requests.
    // The marker is registered after the route, so preflights do not try it first.
    let (placement, marker) = Placement::new(&rdef);
    let judge = Rc::new(Judge::new(route, policy, placement));
    enlist(route, Rc::clone(&judge));
    let service = fn_service(move |req: ServiceRequest| {
        // The router brought the preflight here; the actual request must come here too.
        let routed_here =
            (judge.placement).is_first_for(req.resource_map(), req.match_info().as_str());
        match judge.respond(&req, routed_here) {
            Responding::Now(response) => {
                AnswerSlot::record_preflight(req.request(), response.headers());
                Answering::Now {
                    response: ready(Ok(req.into_response(response))),
                }
            }
            // The application's function is asked about the origin.
            Responding::Later(later) => Answering::Later {
                response: Box::pin(async move {
                    let response = later.await;
                    AnswerSlot::record_preflight(req.request(), response.headers());
                    Ok(req.into_response(response))
                }),
            },
        }
    });
    config.register_service(rdef, Some(guards), service, None);
    marker.register(config);
}

/// A preflight's response, now or once the application's function answered.
pub(crate) enum Responding {
    Now(HttpResponse),
    Later(Pin<Box<dyn Future<Output = HttpResponse>>>),
}

pin_project_lite::pin_project! {
    /// The response future of a preflight route.
    #[project = AnsweringProjection]
    enum Answering {
        Now { #[pin] response: Ready<Result<ServiceResponse, Error>> },
        Later { response: Pin<Box<dyn Future<Output = Result<ServiceResponse, Error>>>> },
    }
}

impl Future for Answering {
    type Output = Result<ServiceResponse, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            AnsweringProjection::Now { response } => response.poll(cx),
            AnsweringProjection::Later { response } => response.as_mut().poll(cx),
        }
    }
}

/// A policy prepared for the preflights of one path.
pub(crate) struct Judge {
    prepared: Prepared,
    methods: &'static [&'static str],
    allow_methods: HeaderValue,
    /// Where the path sits in its application's router.
    pub(crate) placement: Rc<Placement>,
}

impl Judge {
    pub(crate) fn new(
        route: &'static PreflightRoute,
        policy: &'static Policy,
        placement: Rc<Placement>,
    ) -> Judge {
        Judge {
            prepared: Prepared::new(policy),
            methods: route.methods,
            allow_methods: HeaderValue::from_static(route.allow_methods),
            placement,
        }
    }

    /// Answers a preflight: 204 with the policy's headers, or 403 with none of them (and
    /// the reason, when the request's application has [`crate::debug::ExplainRefusals`]).
    /// `routed_here` tells whether the router would bring the actual request to this path:
    /// when another resource comes first, the preflight is refused whatever the policy.
    /// Where the application's function decides the origin, maybe later.
    pub(crate) fn respond(self: &Rc<Self>, req: &ServiceRequest, routed_here: bool) -> Responding {
        let explain = || crate::debug::explains_refusals(req);
        let headers = req.headers();
        let verdict = if routed_here {
            judge(&self.prepared, self.methods, headers)
        } else {
            Err(Refusal::Route)
        };
        let decider = self.prepared.decider(req.request());
        let (Ok(allow_origin), Some((decider, answers))) = (&verdict, decider) else {
            return Responding::Now(self.answer(req.path(), verdict, explain));
        };
        let path = req.path();
        match decider.verdict(answers, allow_origin, req.request()) {
            Verdict::Now(decided) => {
                let verdict = decided
                    .map(|()| allow_origin.clone())
                    .map_err(|why| Refusal::Decided(decider, why));
                Responding::Now(self.answer(path, verdict, explain))
            }
            Verdict::Later(lookup) => {
                let judge = Rc::clone(self);
                let path = path.to_owned();
                let explain = explain();
                let allow_origin = allow_origin.clone();
                Responding::Later(Box::pin(async move {
                    let verdict = decider
                        .finish(lookup)
                        .await
                        .map(|()| allow_origin)
                        .map_err(|why| Refusal::Decided(decider, why));
                    judge.answer(&path, verdict, || explain)
                }))
            }
        }
    }

    /// The response to a judged preflight.
    fn answer(
        &self,
        path: &str,
        verdict: Result<HeaderValue, Refusal<'_>>,
        explain: impl FnOnce() -> bool,
    ) -> HttpResponse {
        answer_verdict(
            &self.prepared,
            self.methods,
            &self.allow_methods,
            path,
            verdict,
            explain,
        )
    }

    /// The prepared policy, for the actual requests the application's layer answers.
    pub(crate) fn prepared(&self) -> &Prepared {
        &self.prepared
    }
}

/// Why a preflight was refused, for the log.
enum Refusal<'a> {
    /// The router would bring the actual request to another resource, registered before.
    Route,
    /// The policy's judgement of the origin, method and headers the request sent.
    Judged(Judged<'a>),
    /// The application's function refused the origin; with why, when it failed.
    Decided(&'static Decider, Option<Arc<str>>),
}

/// The response to a preflight judged `verdict`: 204 with the policy's headers, or 403
/// with none of them, with the `Vary` of every preflight.
fn answer_verdict(
    prepared: &Prepared,
    methods: &[&str],
    allow_methods: &HeaderValue,
    path: &str,
    verdict: Result<HeaderValue, Refusal<'_>>,
    explains_refusals: impl FnOnce() -> bool,
) -> HttpResponse {
    let vary_names = if prepared.varies_by_origin {
        &vary::PREFLIGHT
    } else {
        &vary::PREFLIGHT_ANY_ORIGIN
    };
    let mut response = match verdict {
        Ok(allow_origin) => allowed(prepared, allow_methods, allow_origin),
        Err(refusal) => {
            let worded = refusal.worded(prepared.policy, methods);
            worded.log(path);
            refused(&worded, explains_refusals())
        }
    };
    // A new response: it has no `Vary` yet.
    vary::add_known(
        response.headers_mut(),
        vary_names,
        false,
        &prepared.vary_memo,
    );
    response
}

/// The policy's verdict on a preflight: the `Access-Control-Allow-Origin` value, or why not.
fn judge<'a>(
    prepared: &Prepared,
    methods: &[&str],
    headers: &'a HeaderMap,
) -> Result<HeaderValue, Refusal<'a>> {
    let origin = match request_headers::single(headers, ORIGIN) {
        Some(origin) => Sent::Once(origin),
        None => Sent::Not(headers.get_all(ORIGIN).len()),
    };
    judge_preflight(
        origin,
        |origin| prepared.allow_origin(origin),
        request_headers::single(headers, ACCESS_CONTROL_REQUEST_METHOD).map(HeaderValue::as_bytes),
        methods,
        headers
            .get_all(ACCESS_CONTROL_REQUEST_HEADERS)
            .map(HeaderValue::as_bytes),
        &prepared.headers,
    )
    .map_err(Refusal::Judged)
}

fn allowed(
    prepared: &Prepared,
    allow_methods: &HeaderValue,
    allow_origin: HeaderValue,
) -> HttpResponse {
    let mut response = HttpResponse::new(StatusCode::NO_CONTENT);
    let headers = response.headers_mut();
    // Also `Access-Control-Allow-Credentials` for a credentialed policy.
    crate::inject::insert_allow_origin(headers, prepared.policy, allow_origin);
    headers.insert(ACCESS_CONTROL_ALLOW_METHODS, allow_methods.clone());
    if let Some(allow_headers) = &prepared.allow_headers {
        headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, allow_headers.clone());
    }
    if let Some(max_age) = &prepared.max_age {
        headers.insert(ACCESS_CONTROL_MAX_AGE, max_age.clone());
    }
    response
}

impl<'a> Refusal<'a> {
    /// The refusal in the words every adapter uses, for the log and [`crate::debug`].
    fn worded(&'a self, policy: &'a Policy, methods: &'a [&'a str]) -> Refused<'a, Decider> {
        match self {
            Refusal::Route => Refused::RoutedElsewhere,
            Refusal::Decided(decider, failure) => Refused::Decided(DecidedRefusal::of(
                decider.name,
                &policy.parts,
                failure.as_deref(),
            )),
            Refusal::Judged(judged) => Refused::Judged(Reason {
                parts: &policy.parts,
                methods,
                refusal: judged,
            }),
        }
    }
}

/// The 403 of a refused preflight: no `Access-Control-*` header, and the reason in
/// `X-Cors-Refused` only when the application turned [`crate::debug`] on (`explain`).
fn refused(refused: &Refused<'_, Decider>, explain: bool) -> HttpResponse {
    let mut response = HttpResponse::new(StatusCode::FORBIDDEN);
    if explain
        && let Some(value) = refused
            .explanation()
            .and_then(|words| HeaderValue::from_str(&words).ok())
    {
        response
            .headers_mut()
            .insert(crate::debug::REFUSED_HEADER, value);
    }
    response
}

thread_local! {
    /// The preflight routes registered on this thread whose application is still alive.
    static ENLISTED: RefCell<Vec<Enlisted>> = const { RefCell::new(Vec::new()) };
}

/// A preflight route as it registered, before its application is complete.
#[derive(Clone)]
pub(crate) struct Enlisted {
    pub(crate) route: &'static PreflightRoute,
    pub(crate) judge: Rc<Judge>,
}

/// Enlists a preflight route as it registers, for the [`crate::Preflights`] of its
/// application.
fn enlist(route: &'static PreflightRoute, judge: Rc<Judge>) {
    ENLISTED.with_borrow_mut(|enlisted| {
        enlisted.retain(|entry| entry.judge.placement.is_alive());
        enlisted.push(Enlisted { route, judge });
    });
}

/// The preflight routes registered on this thread whose application is still alive, maybe
/// of several applications.
pub(crate) fn registered_on_this_thread() -> Vec<Enlisted> {
    ENLISTED.with_borrow(|enlisted| {
        enlisted
            .iter()
            .filter(|entry| entry.judge.placement.is_alive())
            .cloned()
            .collect()
    })
}
