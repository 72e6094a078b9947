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

use crate::grant::{GrantLayer, Granted};
use crate::policy::Policy;
use crate::preflight::Preflight;
use crate::prepared::Prepared;

/// One annotated handler: its path, its method and its policy, written by `#[cors]`.
#[derive(Debug)]
pub struct Route {
    /// The path, as the attribute gives it (axum's syntax: `/items/{id}`).
    pub path: &'static str,
    /// The method it serves, upper case.
    pub method: &'static str,
    /// The handler function's name.
    pub handler: &'static str,
    /// Its policy.
    pub policy: &'static Policy,
}

impl Route {
    /// The route's policy.
    pub fn policy(&self) -> &'static Policy {
        self.policy
    }

    fn prepared(&self) -> Arc<Prepared> {
        Arc::new(Prepared::new(self.policy))
    }

    fn method(&self) -> Method {
        Method::from_bytes(self.method.as_bytes()).expect("`#[cors]` writes a method name")
    }
}

/// Each method's policy, prepared once for the path's grants and its preflight.
type Policies = Arc<[(Method, Arc<Prepared>)]>;

/// The handlers of one path as `routes!` gathers them, routed once [`CorsRoutes`] knows
/// whether a layer goes over them: given the path's policies, each handler answers by its
/// own ([`Granted`]); given none, they are plain, for a [`GrantLayer`] over them and the
/// layer. Not a public API.
#[doc(hidden)]
pub struct Handlers<S>(RouteHandlers<S>);

/// Routes a path's handlers, granting in each of them when given the policies.
type RouteHandlers<S> = Box<dyn FnOnce(Option<&Policies>) -> MethodRouter<S> + Send + Sync>;

impl<S> Handlers<S>
where
    S: Clone + Send + Sync + 'static,
{
    /// These handlers and `other`'s, on one path.
    pub fn merge(self, other: Handlers<S>) -> Handlers<S> {
        Handlers(Box::new(move |policies| {
            (self.0)(policies).merge((other.0)(policies))
        }))
    }
}

/// `handler`, serving `route`'s method. `routes!` gathers the path's handlers together.
pub fn serve<H, T, S>(route: &'static Route, handler: H) -> Handlers<S>
where
    H: Handler<T, S>,
    T: 'static,
    S: Clone + Send + Sync + 'static,
{
    Handlers(Box::new(move |policies: Option<&Policies>| {
        let method = route.method();
        let filter = MethodFilter::try_from(method.clone())
            .expect("`#[cors]` writes one of the methods axum routes");
        let prepared = policies.and_then(|policies| {
            policies
                .iter()
                .find(|(served, _)| *served == method)
                .map(|(_, prepared)| Arc::clone(prepared))
        });
        // One wrapper either way: each handler's routing code is generated once.
        axum::routing::on(filter, Granted { handler, prepared })
    }))
}

/// The routes of `path`: `methods` (the handlers `serve` made) answered by the policies of
/// `routes`, and the path's preflight.
pub fn one_path<S, const N: usize>(
    path: &'static str,
    routes: [&'static Route; N],
    methods: Handlers<S>,
) -> CorsRoutes<S>
where
    S: Clone + Send + Sync + 'static,
{
    let policies: Policies = routes
        .iter()
        .map(|route| (route.method(), route.prepared()))
        .collect();
    let preflight = Preflight::new(
        path,
        routes
            .iter()
            .zip(policies.iter())
            .map(|(route, (_, prepared))| (route.method, Arc::clone(prepared))),
    );
    CorsRoutes {
        path,
        methods,
        layers: None,
        policies,
        preflight,
    }
}

/// The layers put over a path's handlers by [`CorsRoutes::authenticated`].
type Layers<S> = Box<dyn FnOnce(MethodRouter<S>) -> MethodRouter<S> + Send + Sync>;

/// The annotated handlers of one path, as `routes!` gives them: merge them into a
/// [`Router`] (`Router::new().merge(routes!(list_items, create_item))`), or put an
/// authentication layer over the handlers first with [`CorsRoutes::authenticated`].
#[must_use = "merge the routes into a Router"]
pub struct CorsRoutes<S> {
    path: &'static str,
    /// The handlers.
    methods: Handlers<S>,
    /// The layers `authenticated` put over the handlers, innermost first.
    layers: Option<Layers<S>>,
    /// Each method's answer, put on every response the handlers and the layers over them give.
    policies: Policies,
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
        let inner = self.layers.take();
        self.layers = Some(Box::new(move |methods| {
            let methods = match inner {
                Some(inner) => inner(methods),
                None => methods,
            };
            methods.route_layer(layer)
        }));
        self
    }
}

impl<S> From<CorsRoutes<S>> for Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    fn from(routes: CorsRoutes<S>) -> Router<S> {
        let methods = match routes.layers {
            // Each handler answers for itself: one boxed route per method, as plain axum.
            None => (routes.methods.0)(Some(&routes.policies)),
            // The answer goes over the layers too, so their responses (a `401`) carry it.
            Some(layers) => {
                layers((routes.methods.0)(None)).route_layer(GrantLayer::new(routes.policies))
            }
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
