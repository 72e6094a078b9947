//! The answer of an actual request, decided when the request comes and put on its response:
//! by each annotated handler itself ([`Granted`]), and by a layer over a path's handlers
//! ([`GrantLayer`]) where an authentication layer may answer before them.

use std::convert::Infallible;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::handler::Handler;
use axum::http::Method;
use axum::http::header::HeaderValue;
use axum::response::Response;
use tower_layer::Layer;
use tower_service::Service;

use crate::answer::apply;
use crate::decide::Verdict;
use crate::prepared::Prepared;
use crate::route::Annotated;

/// One request's answer: its policy, and the grant, maybe still being decided.
pub(crate) struct Answer {
    prepared: &'static Prepared,
    granting: Granting,
}

/// The grant of an actual request, now or once the application's function decided.
enum Granting {
    Now(Option<HeaderValue>),
    Later(Pin<Box<dyn Future<Output = Option<HeaderValue>> + Send>>),
}

impl Answer {
    /// The answer `prepared` gives `req`: asking the application's function where the
    /// policy has one. Not inlined: each handler's future calls it, and one copy serves all.
    #[inline(never)]
    pub(crate) fn begin(prepared: &'static Prepared, req: &Request) -> Answer {
        let allow_origin = prepared.allow_origin_for_request(req.headers());
        let granting = match (&allow_origin, prepared.decider()) {
            (Some(allow_origin), Some((decider, answers))) => {
                match decider.verdict(answers, allow_origin, req.extensions()) {
                    Verdict::Now(decided) => {
                        Granting::Now(decided.ok().and(Some(allow_origin.clone())))
                    }
                    Verdict::Later(lookup) => {
                        let allow_origin = allow_origin.clone();
                        Granting::Later(Box::pin(async move {
                            decider.finish(lookup).await.ok().map(|()| allow_origin)
                        }))
                    }
                }
            }
            _ => Granting::Now(allow_origin),
        };
        Answer { prepared, granting }
    }

    /// Whether the grant is decided, polling the application's function if it is not.
    /// Decided is the usual case: checked inline, the polling is not.
    #[inline]
    fn decided(&mut self, cx: &mut Context<'_>) -> bool {
        matches!(self.granting, Granting::Now(_)) || self.poll_later(cx)
    }

    /// Polls the application's function; whether it decided.
    #[inline(never)]
    fn poll_later(&mut self, cx: &mut Context<'_>) -> bool {
        if let Granting::Later(deciding) = &mut self.granting {
            let Poll::Ready(allow_origin) = deciding.as_mut().poll(cx) else {
                return false;
            };
            self.granting = Granting::Now(allow_origin);
        }
        true
    }

    /// Puts the decided answer on `response`.
    #[inline(never)]
    fn put_on(self, response: &mut Response) {
        let Granting::Now(allow_origin) = self.granting else {
            unreachable!("put on once decided")
        };
        apply(response.headers_mut(), self.prepared, allow_origin);
    }
}

/// An annotated handler, answering for itself: the grant is decided when the request comes
/// and put on whatever response the handler gives, its extractors' rejections included.
///
/// Zero-sized, as the handler function is: axum clones a handler's service for each
/// request, and a zero-sized clone allocates nothing.
pub(crate) struct Granted<A, H> {
    handler: H,
    /// The annotated handler's type, which finds its route.
    annotated: PhantomData<fn() -> A>,
}

impl<A, H> Granted<A, H> {
    /// `handler`, the function of the annotated handler `A`.
    pub(crate) fn new(handler: H) -> Granted<A, H> {
        Granted {
            handler,
            annotated: PhantomData,
        }
    }
}

impl<A, H: Clone> Clone for Granted<A, H> {
    fn clone(&self) -> Self {
        Granted {
            handler: self.handler.clone(),
            annotated: PhantomData,
        }
    }
}

impl<A, H, T, S> Handler<T, S> for Granted<A, H>
where
    A: Annotated,
    H: Handler<T, S>,
    T: 'static,
    S: Send + 'static,
{
    type Future = Answered<H::Future>;

    fn call(self, req: Request, state: S) -> Self::Future {
        let answer = Answer::begin(A::cors_route().policy.prepared(), &req);
        Answered::new(self.handler.call(req, state), Some(answer))
    }
}

/// Wraps the handlers of one path, each method answered by its handler's policy: over an
/// authentication layer, whose own responses (a `401`) carry the answer too.
#[derive(Clone)]
pub(crate) struct GrantLayer(Arc<[(Method, &'static Prepared)]>);

impl GrantLayer {
    /// A layer answering each of `methods` by its policy.
    pub(crate) fn new(methods: Arc<[(Method, &'static Prepared)]>) -> GrantLayer {
        GrantLayer(methods)
    }
}

impl<S> Layer<S> for GrantLayer {
    type Service = Grant<S>;

    fn layer(&self, inner: S) -> Grant<S> {
        Grant {
            inner,
            methods: Arc::clone(&self.0),
        }
    }
}

/// A path's handlers, with the policy of the method's handler answering each response.
#[derive(Clone)]
pub(crate) struct Grant<S> {
    inner: S,
    methods: Arc<[(Method, &'static Prepared)]>,
}

impl<S> Grant<S> {
    /// The policy of the handler serving `method` (`HEAD` goes to `GET`'s, as axum routes
    /// it): methods are part of the grant.
    fn policy_of(&self, method: &Method) -> Option<&&'static Prepared> {
        let method = if *method == Method::HEAD {
            &Method::GET
        } else {
            method
        };
        self.methods
            .iter()
            .find(|(served, _)| served == method)
            .map(|(_, prepared)| prepared)
    }
}

impl<S> Service<Request> for Grant<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Answered<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let answer = self
            .policy_of(req.method())
            .map(|prepared| Answer::begin(prepared, &req));
        Answered::new(self.inner.call(req), answer)
    }
}

/// A response, as a handler's future or a service's gives it.
pub(crate) trait Responds {
    fn response(self) -> Response;
    fn from_response(response: Response) -> Self;
}

impl Responds for Response {
    fn response(self) -> Response {
        self
    }
    fn from_response(response: Response) -> Self {
        response
    }
}

impl Responds for Result<Response, Infallible> {
    fn response(self) -> Response {
        let Ok(response) = self;
        response
    }
    fn from_response(response: Response) -> Self {
        Ok(response)
    }
}

pin_project_lite::pin_project! {
    /// The response, with the answer put on it once it is ready: however long the handler
    /// awaits, the answer decided when the request came is the one it gets.
    pub(crate) struct Answered<F> {
        #[pin]
        inner: F,
        answer: Option<Answer>,
        // The response, while the grant is still being decided.
        response: Option<Response>,
    }
}

impl<F> Answered<F> {
    fn new(inner: F, answer: Option<Answer>) -> Answered<F> {
        Answered {
            inner,
            answer,
            response: None,
        }
    }
}

impl<F> Future for Answered<F>
where
    F: Future,
    F::Output: Responds,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        // The handler and the application's function run side by side.
        let decided = match this.answer {
            Some(answer) => answer.decided(cx),
            None => true,
        };
        let mut response = match this.response.take() {
            Some(response) => response,
            None => std::task::ready!(this.inner.poll(cx)).response(),
        };
        if !decided {
            // Kept until the function decided (rare: its answers are kept).
            *this.response = Some(response);
            return Poll::Pending;
        }
        if let Some(answer) = this.answer.take() {
            answer.put_on(&mut response);
        }
        Poll::Ready(F::Output::from_response(response))
    }
}
