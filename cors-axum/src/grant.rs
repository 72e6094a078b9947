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

/// Wraps one handler's service in its policy's answer.
#[derive(Clone)]
pub(crate) struct GrantLayer {
    prepared: Arc<Prepared>,
    method: Method,
}

impl GrantLayer {
    pub(crate) fn new(prepared: Arc<Prepared>, method: Method) -> GrantLayer {
        GrantLayer { prepared, method }
    }
}

impl<S> Layer<S> for GrantLayer {
    type Service = Grant<S>;

    fn layer(&self, inner: S) -> Grant<S> {
        Grant {
            inner,
            prepared: Arc::clone(&self.prepared),
            method: self.method.clone(),
        }
    }
}

/// A handler's service with its policy's answer put on each response.
#[derive(Clone)]
pub(crate) struct Grant<S> {
    inner: S,
    prepared: Arc<Prepared>,
    /// The handler's method: methods are part of the grant (`HEAD` goes with `GET`).
    method: Method,
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
        let serves = *req.method() == self.method
            || (*req.method() == Method::HEAD && self.method == Method::GET);
        let allow_origin = serves
            .then(|| self.prepared.allow_origin_for_request(req.headers()))
            .flatten();
        GrantFuture {
            inner: self.inner.call(req),
            prepared: Arc::clone(&self.prepared),
            allow_origin,
        }
    }
}

pin_project_lite::pin_project! {
    /// The handler's response, with the answer put on it once it is ready: however long the
    /// handler awaits, the answer decided when the request came is the one it gets.
    pub(crate) struct GrantFuture<F> {
        #[pin]
        inner: F,
        prepared: Arc<Prepared>,
        allow_origin: Option<HeaderValue>,
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
        apply(
            response.headers_mut(),
            this.prepared,
            this.allow_origin.take(),
        );
        Poll::Ready(Ok(response))
    }
}
