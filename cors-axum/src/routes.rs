//! What `routes!` builds: one path's `MethodRouter`, each annotated handler wrapped in its
//! policy's answer, and the path's preflight in the `OPTIONS` slot.

use std::sync::Arc;

use std::convert::Infallible;

use axum::Router;
use axum::extract::Request;
use axum::handler::Handler;
use axum::http::Method;
use axum::response::IntoResponse;
use axum::routing::{MethodFilter, MethodRouter, Route as AxumRoute};
use tower_layer::Layer;
use tower_service::Service;

use crate::grant::{Call, GrantLayer, Granted, HandlerFuture, forget_type};
use crate::preflight::Preflight;
use crate::prepared::Prepared;
use crate::route::{Annotated, Route};

/// `one_path_N` for `routes!` with N handlers: each handler given as its unit struct (a
/// value, so that `routes!` names it by path) and its function. One generic call per path
/// keeps the caller's type checking small: the state's bounds are stated once, not once a
/// handler. Each function's type is forgotten here, so what axum compiles for a route is
/// compiled once for all annotated handlers, not once for each.
macro_rules! one_path_of {
    (
        $name:ident:
        $(($annotated:ident, $handler:ident, $args:ident, $function:ident)),+
    ) => {
        /// The routes of one path, each handler answering for itself, and the path's
        /// preflight.
        // A handler is two arguments (its unit struct and its function).
        #[allow(clippy::too_many_arguments)]
        pub fn $name<$($annotated, $handler, $args,)+ S>(
            $(_: $annotated, $function: $handler),+
        ) -> CorsRoutes<S>
        where
            $(
                $annotated: Annotated,
                $handler: Handler<$args, S, Future = HandlerFuture>,
                $args: 'static,
            )+
            S: Clone + Send + Sync + 'static,
        {
            one_path(&[$(($annotated::cors_route(), forget_type($function))),+])
        }
    };
}

/// `one_path_of!` for each count of handlers: the first name with the first handler, the
/// next with the first two, and so on.
macro_rules! one_paths {
    ([$($done:tt)*] [$name:ident $($names:ident)*] [$next:tt $($rest:tt)*]) => {
        one_path_of!($name: $($done,)* $next);
        one_paths!([$($done)* $next] [$($names)*] [$($rest)*]);
    };
    ([$($done:tt)*] [] []) => {};
}

// One a method axum's `#[cors]` serves (get, post, put, patch, delete): a path has at most
// five annotated handlers, and `routes!` refuses more.
one_paths!(
    []
    [one_path_1 one_path_2 one_path_3 one_path_4 one_path_5]
    [
        (A1, H1, T1, h1)
        (A2, H2, T2, h2)
        (A3, H3, T3, h3)
        (A4, H4, T4, h4)
        (A5, H5, T5, h5)
    ]
);

/// The method `route` serves, as axum's router filters it.
fn method_filter(route: &Route) -> MethodFilter {
    MethodFilter::try_from(route.method()).expect("`#[cors]` writes one of the methods axum routes")
}

/// The routes of one path: its handlers (each with its route, the first one's path),
/// each answering for itself, and the path's preflight. Generic only over the state, so one
/// copy serves every path.
fn one_path<S>(handlers: &[Annotation<S>]) -> CorsRoutes<S>
where
    S: Clone + Send + Sync + 'static,
{
    let path = handlers[0].0.path;
    let policies: Arc<[(Method, &'static Prepared)]> = handlers
        .iter()
        .map(|(route, _)| (route.method(), route.prepared()))
        .collect();
    let preflight = Preflight::new(
        path,
        handlers
            .iter()
            .zip(policies.iter())
            .map(|((route, _), (_, prepared))| (route.method, *prepared)),
    );
    CorsRoutes {
        path,
        handlers: handlers.into(),
        layered: None,
        grants: GrantLayer::new(policies),
        preflight,
    }
}

/// The routes of `handlers`: each answering for itself if `answering`, else leaving the
/// answer to the layer over them.
fn methods<S>(handlers: &[Annotation<S>], answering: bool) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    let mut methods = MethodRouter::new();
    for (route, function) in handlers {
        let prepared = answering.then(|| route.prepared());
        methods = methods.on(method_filter(route), Granted::new(prepared, *function));
    }
    methods
}

/// An annotated handler: its route, and its function.
type Annotation<S> = (&'static Route, &'static dyn Call<S>);

/// The annotated handlers of one path, as `routes!` gives them: merge them into a
/// [`Router`] (`Router::new().merge(routes!(list_items, create_item))`), or put an
/// authentication layer over the handlers first with [`CorsRoutes::authenticated`].
#[must_use = "merge the routes into a Router"]
pub struct CorsRoutes<S: 'static> {
    path: &'static str,
    /// The handlers, whose routes are built when they are merged: each answering for
    /// itself, unless a layer is over them.
    handlers: Box<[Annotation<S>]>,
    /// The handlers' routes under the layers [`CorsRoutes::authenticated`] put over them,
    /// leaving the answer to `grants`; `None` while there is no layer.
    layered: Option<MethodRouter<S>>,
    /// Each method's answer, over the layers: for every response, theirs too.
    grants: GrantLayer,
    /// The path's preflight, for its `OPTIONS` slot.
    preflight: Preflight,
}

impl<S> CorsRoutes<S>
where
    S: Clone + Send + Sync + 'static,
{
    /// The handlers behind `layer` (authentication, typically): every request but a
    /// preflight of this path goes through it, and its responses (a `401`) carry the
    /// policy's answer, so the page can read why it was refused. A preflight carries no
    /// credentials (Fetch), so it is answered by the policy without reaching `layer`.
    ///
    /// A layer put over the router with `Router::layer` sees the preflights too, and
    /// answers them as it answers any request without credentials.
    pub fn authenticated<L>(mut self, layer: L) -> Self
    where
        L: Layer<AxumRoute> + Clone + Send + Sync + 'static,
        L::Service: Service<Request> + Clone + Send + Sync + 'static,
        <L::Service as Service<Request>>::Response: IntoResponse + 'static,
        L::Service: Service<Request, Error = Infallible>,
        <L::Service as Service<Request>>::Future: Send + 'static,
    {
        // The grant goes over `layer` and answers every response, the handlers' too: they
        // do not answer for themselves, so no response is answered twice.
        let layered = (self.layered.take()).unwrap_or_else(|| methods(&self.handlers, false));
        self.layered = Some(layered.route_layer(layer));
        self
    }
}

impl<S> From<CorsRoutes<S>> for Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    fn from(routes: CorsRoutes<S>) -> Router<S> {
        let methods = match routes.layered {
            Some(layered) => layered.route_layer(routes.grants),
            None => methods(&routes.handlers, true),
        };
        let methods = methods.options_service(routes.preflight);
        Router::new().route(routes.path, methods)
    }
}

/// Whether two handlers' paths are the same, when the crate compiles.
pub const fn same_path(a: &str, b: &str) -> bool {
    same_bytes(a.as_bytes(), b.as_bytes())
}

/// Whether two handlers serve the same method, when the crate compiles.
pub const fn same_method(a: &str, b: &str) -> bool {
    same_bytes(a.as_bytes(), b.as_bytes())
}

const fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut index = 0;
    while index < a.len() {
        if a[index] != b[index] {
            return false;
        }
        index += 1;
    }
    true
}
