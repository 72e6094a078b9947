//! One annotated handler as `#[cors]` writes it: its route (path, method, policy), found
//! through the handler's unit struct.

use axum::http::Method;

use crate::policy::Policy;
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
    /// The module it is defined in.
    pub module: &'static str,
    /// Its policy.
    pub policy: &'static Policy,
}

impl Route {
    /// The route's policy.
    pub fn policy(&self) -> &'static Policy {
        self.policy
    }

    pub(crate) fn prepared(&self) -> &'static Prepared {
        self.policy.prepared()
    }

    pub(crate) fn method(&self) -> Method {
        Method::from_bytes(self.method.as_bytes()).expect("`#[cors]` writes a method name")
    }
}

/// An annotated handler's unit struct, which `#[cors]` writes: it finds the handler's route.
pub trait Annotated: 'static {
    /// The handler's route.
    fn cors_route() -> &'static Route;
}
