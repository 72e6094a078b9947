//! The wrapper around the handler's route: puts the policy's headers on every response it
//! produces (2xx, 3xx, the handler's `Err`, extractor failures) and merges `Vary`.

use std::any::Any;
use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, ready};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::error::InternalError;
use actix_web::http::Method;
use actix_web::http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS,
    HeaderMap, HeaderName, HeaderValue, VARY,
};
use actix_web::{Error, HttpRequest};

use crate::answer::{ACCESS_CONTROL, AnswerSlot, RouteAnswer};
use crate::decide::Verdict;
use crate::policy::{Policy, Prepared};
use crate::vary;

/// Middleware factory for one handler's route: `#[cors]`'s registration wraps each route it
/// builds in it, and a route left to actix-web's attribute gets it as its outermost
/// `wrap = "..."`.
pub struct Inject {
    policy: &'static Policy,
}

impl Inject {
    /// Wraps a route in `policy`.
    pub const fn new(policy: &'static Policy) -> Self {
        Inject { policy }
    }
}

impl<S, B> Transform<S, ServiceRequest> for Inject
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Transform = InjectService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        // Once per worker: the policy's header values and origin table, ready for requests.
        ready(Ok(InjectService {
            service,
            prepared: Rc::new(Prepared::new(self.policy)),
        }))
    }
}

/// The running middleware of [`Inject`].
pub struct InjectService<S> {
    service: S,
    prepared: Rc<Prepared>,
}

impl<S, B> Service<ServiceRequest> for InjectService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Future = InjectFuture<S::Future>;

    actix_web::dev::forward_ready!(service);

    #[inline]
    fn call(&self, req: ServiceRequest) -> Self::Future {
        // Judged on arrival, from the request as the browser sent it. Nothing of the request
        // is kept: an inner middleware may need it alone to change its headers or path
        // (`ServiceRequest::headers_mut` panics while a clone lives).
        let (allow_origin, deciding) = match decide(&self.prepared, req.method(), req.request()) {
            Granting::Now(allow_origin) => (allow_origin, None),
            // The application's function is asked while the handler runs.
            Granting::Later(grant) => (
                None,
                Some(Box::new(Deciding {
                    grant: Some(grant),
                    response: None,
                })),
            ),
        };
        InjectFuture {
            inner: self.service.call(req),
            prepared: Rc::clone(&self.prepared),
            allow_origin,
            deciding,
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`InjectService`]: small, so the route's boxed future stays
    /// as small as it can.
    pub struct InjectFuture<F> {
        #[pin]
        inner: F,
        prepared: Rc<Prepared>,
        allow_origin: Option<HeaderValue>,
        deciding: Option<Box<Deciding>>,
    }
}

/// A grant the application's function decides, and the route's response while it does.
pub struct Deciding {
    /// `None` once decided (into the future's `allow_origin`).
    grant: Option<LaterGrant>,
    response: Option<Result<ServiceResponse<BoxBody>, Error>>,
}

impl<F, B> Future for InjectFuture<F>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
    B: MessageBody + 'static,
{
    type Output = Result<ServiceResponse<BoxBody>, Error>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        // Taken only once the route has answered: a handler that awaits is polled again.
        let result = match this.deciding {
            None => ready!(this.inner.poll(cx)).map(into_boxed_body),
            Some(deciding) => {
                if let Some(grant) = &mut deciding.grant
                    && let Poll::Ready(allow_origin) = grant.as_mut().poll(cx)
                {
                    *this.allow_origin = allow_origin;
                    deciding.grant = None;
                }
                if deciding.response.is_none() {
                    deciding.response = Some(ready!(this.inner.poll(cx)).map(into_boxed_body));
                }
                if deciding.grant.is_some() {
                    return Poll::Pending;
                }
                deciding.response.take().expect("polled after completion")
            }
        };
        let allow_origin = this.allow_origin.take();
        Poll::Ready(match result {
            Ok(mut response) => {
                // For an application's `Preflights`, which keeps this answer.
                AnswerSlot::record(response.request(), || {
                    RouteAnswer::Actual(Rc::clone(this.prepared), allow_origin.clone())
                });
                apply(response.headers_mut(), this.prepared, allow_origin);
                Ok(response)
            }
            Err(error) => Err(with_answer(error, this.prepared, allow_origin)),
        })
    }
}

/// `response` with a boxed body. A route's body is already a `BoxBody` (unless the user's
/// own middleware changed it): then the response is taken as it is, without
/// `map_into_boxed_body`'s moves. The type test is decided at compile time.
fn into_boxed_body<B: MessageBody + 'static>(
    response: ServiceResponse<B>,
) -> ServiceResponse<BoxBody> {
    let mut response = Some(response);
    match (&mut response as &mut dyn Any).downcast_mut::<Option<ServiceResponse<BoxBody>>>() {
        Some(boxed) => boxed.take().expect("set just above"),
        None => response.expect("set just above").map_into_boxed_body(),
    }
}

/// Puts the policy's answer for one actual response into `headers`: exactly the policy's
/// `Access-Control-*` headers when `allow_origin` is granted, none otherwise.
#[inline]
pub(crate) fn apply(
    headers: &mut HeaderMap,
    prepared: &Prepared,
    allow_origin: Option<HeaderValue>,
) {
    // One pass over the few names the handler set, instead of a hash lookup for each name
    // that might be there.
    let mut handler_wrote_cors = false;
    let mut has_vary = false;
    for name in headers.keys() {
        if *name == VARY {
            has_vary = true;
        } else if name.as_str().starts_with(ACCESS_CONTROL) {
            handler_wrote_cors = true;
        }
    }
    if handler_wrote_cors {
        remove_access_control(headers);
    }
    if let Some(allow_origin) = allow_origin {
        insert_allow_origin(headers, prepared.policy, allow_origin);
        if let Some(expose) = &prepared.expose_headers {
            headers.insert(ACCESS_CONTROL_EXPOSE_HEADERS, expose.clone());
        }
    }
    if prepared.varies_by_origin {
        vary::add_known(headers, &vary::ORIGIN, has_vary, &prepared.vary_memo);
    }
}

/// An inner middleware's error, rendered here so its response carries the policy's answer
/// too, and passed on as an error, as it came.
pub(crate) fn with_answer(
    error: Error,
    prepared: &Prepared,
    allow_origin: Option<HeaderValue>,
) -> Error {
    let mut response = error.error_response();
    apply(response.headers_mut(), prepared, allow_origin);
    InternalError::from_response(error, response).into()
}

/// Whether `headers` carry exactly the answer [`apply`] would give: the policy's
/// `Access-Control-*` headers for `allow_origin` (none without it), each once, and `Origin`
/// in `Vary` where the answer depends on it.
pub(crate) fn carries_answer(
    headers: &HeaderMap,
    prepared: &Prepared,
    allow_origin: Option<&HeaderValue>,
) -> bool {
    let mut found = 0;
    for (name, value) in headers.iter() {
        if !name.as_str().starts_with(ACCESS_CONTROL) {
            continue;
        }
        let Some(allow_origin) = allow_origin else {
            return false;
        };
        let expected = if *name == ACCESS_CONTROL_ALLOW_ORIGIN {
            Some(allow_origin)
        } else if *name == ACCESS_CONTROL_ALLOW_CREDENTIALS && prepared.policy.credentials() {
            Some(&TRUE)
        } else if *name == ACCESS_CONTROL_EXPOSE_HEADERS {
            prepared.expose_headers.as_ref()
        } else {
            None
        };
        if expected != Some(value) {
            return false;
        }
        found += 1;
    }
    let wanted = allow_origin.map_or(0, |_| {
        1 + usize::from(prepared.policy.credentials())
            + usize::from(prepared.expose_headers.is_some())
    });
    found == wanted && (!prepared.varies_by_origin || vary::lists(headers, b"Origin"))
}

/// `Access-Control-Allow-Credentials: true`.
const TRUE: HeaderValue = HeaderValue::from_static("true");

/// Removes every `Access-Control-*` header: the policy decides who may read, and how much;
/// a handler's or a middleware's own never widens it. Names are gathered a few at a time on
/// the stack (cloning a name allocates nothing), so this allocates nothing either.
#[cold]
pub(crate) fn remove_access_control(headers: &mut HeaderMap) {
    loop {
        let mut batch: [Option<HeaderName>; 8] = Default::default();
        let names = headers
            .keys()
            .filter(|name| name.as_str().starts_with(ACCESS_CONTROL));
        for (slot, name) in batch.iter_mut().zip(names) {
            *slot = Some(name.clone());
        }
        if batch[0].is_none() {
            return;
        }
        for name in batch.into_iter().flatten() {
            headers.remove(name);
        }
    }
}

/// The grant of an actual request, now or once the application's function decided.
pub(crate) enum Granting {
    Now(Option<HeaderValue>),
    Later(LaterGrant),
}

/// A grant the application's function decides.
pub(crate) type LaterGrant = Pin<Box<dyn Future<Output = Option<HeaderValue>>>>;

/// The `Access-Control-Allow-Origin` value an actual request `req` of `method` is granted,
/// asking the application's function where the policy has one.
#[inline]
pub(crate) fn decide(prepared: &Prepared, method: &Method, req: &HttpRequest) -> Granting {
    let allow_origin = grant(prepared, method, req.headers());
    match (allow_origin, prepared.decider(req)) {
        (Some(allow_origin), Some((decider, answers))) => {
            match decider.verdict(answers, &allow_origin, req) {
                Verdict::Now(decided) => Granting::Now(decided.ok().map(|()| allow_origin)),
                Verdict::Later(lookup) => Granting::Later(Box::pin(async move {
                    decider.finish(lookup).await.ok().map(|()| allow_origin)
                })),
            }
        }
        (allow_origin, _) => Granting::Now(allow_origin),
    }
}

/// The `Access-Control-Allow-Origin` value an actual request of `method` with `headers`
/// is granted, if any (for origins the application decides, if the bound covers it).
#[inline]
pub(crate) fn grant(
    prepared: &Prepared,
    method: &Method,
    headers: &HeaderMap,
) -> Option<HeaderValue> {
    prepared
        .allows_method(method)
        .then(|| prepared.allow_origin_for_request(headers))
        .flatten()
}

/// Inserts `Access-Control-Allow-Origin` (replacing any the handler set, so there is only
/// one) and, for a credentialed policy, `Access-Control-Allow-Credentials`.
#[inline]
pub(crate) fn insert_allow_origin(
    headers: &mut HeaderMap,
    policy: &Policy,
    allow_origin: HeaderValue,
) {
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin);
    if policy.credentials() {
        headers.insert(ACCESS_CONTROL_ALLOW_CREDENTIALS, TRUE);
    }
}

impl Prepared {
    /// Whether an actual request of `method` may be granted: methods are part of the grant,
    /// even those browsers never preflight.
    #[inline]
    fn allows_method(&self, method: &Method) -> bool {
        // Standard methods compare as enum values, without comparing bytes.
        self.methods.contains(method)
    }
}
