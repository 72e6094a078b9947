//! The wrapper of an annotated handler: the policy's answer on every response it gives.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::http::Method;
use axum::http::header::HeaderValue;
use axum::response::Response;
use tower_layer::Layer;
use tower_service::Service;

use crate::answer::apply;
use crate::decide::Verdict;
use crate::prepared::Prepared;

/// Wraps the handlers of one path, each method answered by its handler's policy.
#[derive(Clone)]
pub(crate) struct GrantLayer(Arc<[(Method, Arc<Prepared>)]>);

impl GrantLayer {
    /// A layer answering each of `methods` by its policy.
    pub(crate) fn new(methods: Arc<[(Method, Arc<Prepared>)]>) -> GrantLayer {
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
    methods: Arc<[(Method, Arc<Prepared>)]>,
}

impl<S> Grant<S> {
    /// The policy of the handler serving `method` (`HEAD` goes to `GET`'s, as axum routes
    /// it): methods are part of the grant.
    fn policy_of(&self, method: &Method) -> Option<&Arc<Prepared>> {
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
    type Future = GrantFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let answer = self.policy_of(req.method()).map(|prepared| {
            let allow_origin = prepared.allow_origin_for_request(req.headers());
            let granting = decide(prepared, allow_origin, &req);
            (Arc::clone(prepared), granting)
        });
        GrantFuture {
            inner: self.inner.call(req),
            answer,
            response: None,
        }
    }
}

/// The grant of an actual request, now or once the application's function decided.
enum Granting {
    Now(Option<HeaderValue>),
    Later(Pin<Box<dyn Future<Output = Option<HeaderValue>> + Send>>),
}

/// The grant of `req`, whose origin the policy's origins cover with `allow_origin`: asking
/// the application's function where the policy has one.
#[inline]
fn decide(prepared: &Prepared, allow_origin: Option<HeaderValue>, req: &Request) -> Granting {
    let (Some(allow_origin), Some((decider, answers))) = (&allow_origin, prepared.decider()) else {
        return Granting::Now(allow_origin);
    };
    match decider.verdict(answers, allow_origin, req.extensions()) {
        Verdict::Now(decided) => Granting::Now(decided.ok().and(Some(allow_origin.clone()))),
        Verdict::Later(lookup) => {
            let allow_origin = allow_origin.clone();
            Granting::Later(Box::pin(async move {
                decider.finish(lookup).await.ok().map(|()| allow_origin)
            }))
        }
    }
}

pin_project_lite::pin_project! {
    /// The handler's response, with the answer put on it once it is ready: however long the
    /// handler awaits, the answer decided when the request came is the one it gets.
    pub(crate) struct GrantFuture<F> {
        #[pin]
        inner: F,
        // The policy of the request's method and its grant (maybe still being decided).
        answer: Option<(Arc<Prepared>, Granting)>,
        // The handler's response, while the grant is still being decided.
        response: Option<Response>,
    }
}

impl<F> Future for GrantFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        // The handler and the application's function run side by side.
        if let Some((_, granting)) = this.answer
            && let Granting::Later(deciding) = granting
            && let Poll::Ready(allow_origin) = deciding.as_mut().poll(cx)
        {
            *granting = Granting::Now(allow_origin);
        }
        if this.response.is_none() {
            let Ok(response) = std::task::ready!(this.inner.poll(cx));
            *this.response = Some(response);
        }
        if let Some((_, Granting::Later(_))) = this.answer {
            return Poll::Pending;
        }
        let mut response = this.response.take().expect("kept above");
        if let Some((prepared, Granting::Now(allow_origin))) = this.answer.take() {
            apply(response.headers_mut(), &prepared, allow_origin);
        }
        Poll::Ready(Ok(response))
    }
}
