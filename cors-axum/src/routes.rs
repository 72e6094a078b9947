//! What `routes!` builds: one path's `MethodRouter`, each annotated handler wrapped in its
//! policy's answer, and the path's preflight in the `OPTIONS` slot.

use std::marker::PhantomData;
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

use crate::grant::{GrantLayer, Granted};
use crate::preflight::Preflight;
use crate::prepared::Prepared;
use crate::route::{Annotated, Route};

/// `handler`, the function of the annotated handler `A` (its unit struct, given as a value
/// so that `routes!` names it by path), serving its method and answering for itself.
pub fn serve<A, H, T, S>(_: A, handler: H) -> MethodRouter<S>
where
    A: Annotated,
    H: Handler<T, S>,
    T: 'static,
    S: Clone + Send + Sync + 'static,
{
    let filter = MethodFilter::try_from(A::cors_route().method())
        .expect("`#[cors]` writes one of the methods axum routes");
    let granted = Granted::<A, H> {
        handler,
        annotated: PhantomData,
    };
    axum::routing::on(filter, granted)
}

/// The routes of `path`: `methods` (the handlers `serve` made) answered by the policies of
/// `routes`, and the path's preflight.
pub fn one_path<S, const N: usize>(
    path: &'static str,
    routes: [&'static Route; N],
    methods: MethodRouter<S>,
) -> CorsRoutes<S>
where
    S: Clone + Send + Sync + 'static,
{
    let policies: Arc<[(Method, &'static Prepared)]> = routes
        .iter()
        .map(|route| (route.method(), route.prepared()))
        .collect();
    let preflight = Preflight::new(
        path,
        routes
            .iter()
            .zip(policies.iter())
            .map(|(route, (_, prepared))| (route.method, *prepared)),
    );
    CorsRoutes {
        path,
        methods,
        grants: GrantLayer::new(policies),
        authenticated: false,
        preflight,
    }
}

/// The annotated handlers of one path, as `routes!` gives them: merge them into a
/// [`Router`] (`Router::new().merge(routes!(list_items, create_item))`), or put an
/// authentication layer over the handlers first with [`CorsRoutes::authenticated`].
#[must_use = "merge the routes into a Router"]
pub struct CorsRoutes<S> {
    path: &'static str,
    /// The handlers.
    methods: MethodRouter<S>,
    /// Each method's answer, for the responses of the layers over the handlers (each
    /// handler answers for itself).
    grants: GrantLayer,
    /// Whether a layer is over the handlers, so the answer goes over it too.
    authenticated: bool,
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
        self.methods = self.methods.route_layer(layer);
        self.authenticated = true;
        self
    }
}

impl<S> From<CorsRoutes<S>> for Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    fn from(routes: CorsRoutes<S>) -> Router<S> {
        let mut methods = routes.methods;
        if routes.authenticated {
            methods = methods.route_layer(routes.grants);
        }
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
