//! Why was my preflight refused? Browsers do not say: the page only sees a bare `TypeError`
//! ("Failed to fetch" in Chromium, "NetworkError when attempting to fetch resource." in
//! Firefox).
//!
//! Every refused preflight is logged at `debug` level, target `cors`, with the request's
//! path, what failed and what the policy allows, for example with `RUST_LOG=cors=debug`
//! and a logger such as `env_logger`:
//!
//! ```text
//! preflight for /api/items/1 refused: origin "http://localhost:3000" is not allowed; the policy allows http://localhost:8080
//! ```
//!
//! During development, a router given the [`ExplainRefusals`] layer also puts that reason in
//! an `X-Cors-Refused` header of the `403`, where the browser's network panel shows it, in
//! the words the actix-web adapter uses for the same refusal. It is off by default and
//! belongs to the router it is layered on (with `Router::layer`, so over the routes merged
//! before it): another router in the same process is not affected, and no request can turn
//! it on. It never adds an `Access-Control-*` header: a refused preflight stays refused.
//! Values from the request are quoted and escaped, so neither the log nor the header can be
//! forged by them.
//!
//! ```
//! use axum::Router;
//! use axum::body::Body;
//! use axum::http::Request;
//! use cors_axum::debug::{self, ExplainRefusals};
//! use cors_axum::{cors, routes};
//! use tower_service::Service;
//!
//! #[cors(delete, path = "/api/items/{id}", origins = "http://localhost:8080")]
//! async fn delete_item() -> &'static str {
//!     ""
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let mut app = Router::new().merge(routes!(delete_item));
//! // In development builds only.
//! if cfg!(debug_assertions) {
//!     app = app.layer(ExplainRefusals);
//! }
//! let preflight = Request::options("/api/items/1")
//!     .header("Origin", "http://localhost:3000")
//!     .header("Access-Control-Request-Method", "DELETE")
//!     .body(Body::empty())
//!     .unwrap();
//! let refused = app.call(preflight).await.unwrap();
//! assert_eq!(refused.status(), 403);
//! assert_eq!(
//!     refused.headers()[debug::REFUSED_HEADER],
//!     "origin \"http://localhost:3000\" is not allowed; the policy allows http://localhost:8080"
//! );
//! assert!(refused.headers().get("access-control-allow-origin").is_none());
//! # });
//! ```

use std::task::{Context, Poll};

use axum::http::header::HeaderName;
use axum::http::{Extensions, Request};
use tower_layer::Layer;
use tower_service::Service;

/// The header that carries the reason of a refusal when [`ExplainRefusals`] is on.
pub const REFUSED_HEADER: HeaderName =
    HeaderName::from_static(cors_core::reason::EXPLANATION_HEADER);

/// A layer that makes the refused preflights of a router explain themselves in an
/// `X-Cors-Refused` header of their `403`: `Router::new().merge(...).layer(ExplainRefusals)`.
/// Without it, the default, they do not.
///
/// Meant for development only: the reason tells any caller what the policy allows. The
/// first explained refusal of the process logs a warning saying so. The
/// [module documentation](self) shows a refusal explained.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExplainRefusals;

impl<S> Layer<S> for ExplainRefusals {
    type Service = Explaining<S>;

    fn layer(&self, inner: S) -> Explaining<S> {
        Explaining { inner }
    }
}

/// The service [`ExplainRefusals`] puts over each route: it marks every request it passes
/// on, so that a refused preflight knows to explain itself.
#[derive(Debug, Clone)]
pub struct Explaining<S> {
    inner: S,
}

impl<S, B> Service<Request<B>> for Explaining<S>
where
    S: Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> S::Future {
        // An extension, not a header: no request can turn explanations on by itself.
        req.extensions_mut().insert(ExplainRefusals);
        self.inner.call(req)
    }
}

/// Whether the router that a request with `extensions` went through explains its refusals.
pub(crate) fn explains_refusals(extensions: &Extensions) -> bool {
    extensions.get::<ExplainRefusals>().is_some()
}
