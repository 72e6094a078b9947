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
            (Arc::clone(prepared), allow_origin)
        });
        GrantFuture {
            inner: self.inner.call(req),
            answer,
        }
    }
}

pin_project_lite::pin_project! {
    /// The handler's response, with the answer put on it once it is ready: however long the
    /// handler awaits, the answer decided when the request came is the one it gets.
    pub(crate) struct GrantFuture<F> {
        #[pin]
        inner: F,
        // The policy of the request's method and the origin it granted, if any.
        answer: Option<(Arc<Prepared>, Option<HeaderValue>)>,
    }
}

impl<F> Future for GrantFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Ok(mut response) = std::task::ready!(this.inner.poll(cx));
        if let Some((prepared, allow_origin)) = this.answer.take() {
            apply(response.headers_mut(), &prepared, allow_origin);
        }
        Poll::Ready(Ok(response))
    }
}
