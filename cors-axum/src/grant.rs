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

/// One request's answer: its policy, and the grant, maybe still being decided.
pub(crate) struct Answer {
    prepared: &'static Prepared,
    granting: Granting,
}

/// The grant of an actual request, now or once the application's function decided.
enum Granting {
    Now(Option<HeaderValue>),
    /// Boxed, as it is rare: the answer, and so the handler's future, stays small.
    Later(Box<Deciding>),
}

/// The application's function deciding, and the response while it decides.
struct Deciding {
    grant: Pin<Box<dyn Future<Output = Option<HeaderValue>> + Send>>,
    response: Option<Response>,
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
                        Granting::Later(Box::new(Deciding {
                            grant: Box::pin(async move {
                                decider.finish(lookup).await.ok().map(|()| allow_origin)
                            }),
                            response: None,
                        }))
                    }
                }
            }
            _ => Granting::Now(allow_origin),
        };
        Answer { prepared, granting }
    }

    /// Puts the decided answer on `response`.
    #[inline(never)]
    fn put_on(&mut self, response: &mut Response) {
        let Granting::Now(allow_origin) = &mut self.granting else {
            unreachable!("put on once decided")
        };
        apply(response.headers_mut(), self.prepared, allow_origin.take());
    }
}

/// What an annotated handler's function gives axum: its response, boxed, as every function
/// handler's is.
pub(crate) type HandlerFuture = Pin<Box<dyn Future<Output = Response> + Send>>;

/// An annotated handler's function, its type forgotten: so axum's route machinery is
/// compiled once for [`Granted`], not once for each handler.
pub(crate) trait Call<S>: Send + Sync {
    /// Runs the function (its extractors, then its body) on `req`, answered by `prepared`
    /// if given (else by the layer over it).
    fn call(
        &self,
        prepared: Option<&'static Prepared>,
        req: Request,
        state: S,
    ) -> Answered<HandlerFuture>;
}

/// A handler function `H`, taking the extractors `T`.
struct Function<H, T>(H, PhantomData<fn() -> T>);

impl<H, T, S> Call<S> for Function<H, T>
where
    H: Handler<T, S, Future = HandlerFuture>,
    T: 'static,
{
    fn call(
        &self,
        prepared: Option<&'static Prepared>,
        req: Request,
        state: S,
    ) -> Answered<HandlerFuture> {
        let answer = prepared.map(|prepared| Answer::begin(prepared, &req));
        Answered::new(self.0.clone().call(req, state), answer)
    }
}

/// `handler`, its type forgotten. A function's type is zero-sized, so the box holds
/// nothing and leaking it leaks nothing.
pub(crate) fn forget_type<H, T, S>(handler: H) -> &'static dyn Call<S>
where
    H: Handler<T, S, Future = HandlerFuture>,
    T: 'static,
    S: 'static,
{
    Box::leak(Box::new(Function(handler, PhantomData)))
}

/// An annotated handler, answering for itself: the grant is decided when the request comes
/// and put on whatever response the handler gives, its extractors' rejections included.
///
/// One type for every handler, so axum's route code is compiled once, not once a handler.
/// The price: axum copies a route's service for each request, and this one is not
/// zero-sized, so the copy is one small allocation.
pub(crate) struct Granted<S: 'static> {
    /// `None` under a layer whose [`GrantLayer`] answers.
    prepared: Option<&'static Prepared>,
    function: &'static dyn Call<S>,
}

impl<S> Granted<S> {
    /// `function`, answered by `prepared`.
    pub(crate) fn new(
        prepared: Option<&'static Prepared>,
        function: &'static dyn Call<S>,
    ) -> Granted<S> {
        Granted { prepared, function }
    }
}

impl<S> Clone for Granted<S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S> Copy for Granted<S> {}

impl<S> Handler<(), S> for Granted<S>
where
    S: Send + 'static,
{
    type Future = Answered<HandlerFuture>;

    fn call(self, req: Request, state: S) -> Self::Future {
        self.function.call(self.prepared, req, state)
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
    fn response_mut(&mut self) -> &mut Response;
    fn from_response(response: Response) -> Self;
}

impl Responds for Response {
    fn response(self) -> Response {
        self
    }
    fn response_mut(&mut self) -> &mut Response {
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
    fn response_mut(&mut self) -> &mut Response {
        match self {
            Ok(response) => response,
            Err(never) => match *never {},
        }
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
    }
}

impl<F> Answered<F> {
    fn new(inner: F, answer: Option<Answer>) -> Answered<F> {
        Answered { inner, answer }
    }
}

impl<F> Future for Answered<F>
where
    F: Future,
    F::Output: Responds,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let Some(answer) = this.answer else {
            return this.inner.poll(cx);
        };
        let mut output = match &mut answer.granting {
            // The usual case: decided when the request came.
            Granting::Now(_) => std::task::ready!(this.inner.poll(cx)),
            Granting::Later(deciding) => {
                let (allow_origin, response) =
                    std::task::ready!(deciding.poll(this.inner.as_mut(), cx));
                answer.granting = Granting::Now(allow_origin);
                match response {
                    Some(response) => F::Output::from_response(response),
                    None => std::task::ready!(this.inner.poll(cx)),
                }
            }
        };
        answer.put_on(output.response_mut());
        Poll::Ready(output)
    }
}

impl Deciding {
    /// Polls the application's function and, side by side, the handler, keeping its
    /// response; ready once the function decided, with its grant and the response if the
    /// handler gave it.
    #[cold]
    fn poll<F>(
        &mut self,
        inner: Pin<&mut F>,
        cx: &mut Context<'_>,
    ) -> Poll<(Option<HeaderValue>, Option<Response>)>
    where
        F: Future,
        F::Output: Responds,
    {
        if self.response.is_none()
            && let Poll::Ready(output) = inner.poll(cx)
        {
            self.response = Some(output.response());
        }
        let allow_origin = std::task::ready!(self.grant.as_mut().poll(cx));
        Poll::Ready((allow_origin, self.response.take()))
    }
}
