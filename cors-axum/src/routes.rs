//! What `routes!` builds: one path's `MethodRouter`, each annotated handler wrapped in its
//! policy's answer, and the path's preflight in the `OPTIONS` slot.

use std::sync::Arc;

use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodFilter, MethodRouter};

use crate::grant::GrantLayer;
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

/// `handler`, serving `route`'s method with its policy's answer on every response.
pub fn serve<H, T, S>(route: &'static Route, handler: H) -> MethodRouter<S>
where
    H: Handler<T, S>,
    T: 'static,
    S: Clone + Send + Sync + 'static,
{
    let method = route.method();
    let filter = MethodFilter::try_from(method.clone())
        .expect("`#[cors]` writes one of the methods axum routes");
    axum::routing::on(
        filter,
        handler.layer(GrantLayer::new(route.prepared(), method)),
    )
}

/// A router of `path` alone: `methods` (the handlers `serve` wrapped) and, in the
/// `OPTIONS` slot, the preflight of `routes`.
pub fn one_path<S, const N: usize>(
    path: &'static str,
    routes: [&'static Route; N],
    methods: MethodRouter<S>,
) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let preflight = Preflight::new(
        path,
        routes.iter().map(|route| (route.method, route.prepared())),
    );
    Router::new().route(path, methods.options_service(preflight))
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
