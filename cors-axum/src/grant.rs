//! The wrapper of an annotated handler: the policy's answer on every response it gives.
//!
//! Without an authentication layer, each handler answers for itself ([`Granted`], one
//! handler inside the one boxed route axum makes of it); with one, the path's handlers and
//! the layer are wrapped together ([`GrantLayer`], a route of its own over them), so the
//! layer's own responses carry the answer too.

use std::convert::Infallible;
use std::future::Future;
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
        let answer = self
            .policy_of(req.method())
            .map(|prepared| answer(Arc::clone(prepared), &req));
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

/// The answer decided when `req` comes: the policy and the origin it grants, if any.
#[inline]
fn answer(prepared: Arc<Prepared>, req: &Request) -> (Arc<Prepared>, Option<HeaderValue>) {
    let allow_origin = prepared.allow_origin_for_request(req.headers());
    (prepared, allow_origin)
}

/// One annotated handler answering by its policy itself when no layer sits between it and
/// the grant (axum boxes it into one route, where [`GrantLayer`] would add a second), or
/// the handler alone, without a policy, under a [`GrantLayer`].
#[derive(Clone)]
pub(crate) struct Granted<H> {
    pub(crate) handler: H,
    pub(crate) prepared: Option<Arc<Prepared>>,
}

impl<H, T, S> Handler<T, S> for Granted<H>
where
    H: Handler<T, S>,
    S: Send + 'static,
{
    type Future = GrantedFuture<H::Future>;

    fn call(self, req: Request, state: S) -> Self::Future {
        // `self` is the route's copy for this request: its policy moves into the future.
        let answer = self.prepared.map(|prepared| answer(prepared, &req));
        GrantedFuture {
            inner: self.handler.call(req, state),
            answer,
        }
    }
}

pin_project_lite::pin_project! {
    /// [`GrantFuture`] for a handler's future, which gives a response without a `Result`.
    pub(crate) struct GrantedFuture<F> {
        #[pin]
        inner: F,
        answer: Option<(Arc<Prepared>, Option<HeaderValue>)>,
    }
}

impl<F> Future for GrantedFuture<F>
where
    F: Future<Output = Response>,
{
    type Output = Response;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        let this = self.project();
        let mut response = std::task::ready!(this.inner.poll(cx));
        if let Some((prepared, allow_origin)) = this.answer.take() {
            apply(response.headers_mut(), &prepared, allow_origin);
        }
        Poll::Ready(response)
    }
}
