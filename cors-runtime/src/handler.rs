//! Registering a `#[cors]` handler: one actix-web resource per routing attribute, as
//! actix-web's own attribute builds it, wrapped in [`Inject`]; then the preflight route of
//! each path. One function that is not generic does it for every handler, so an
//! application does not type-check and compile actix-web's generic resource code once per
//! handler: only the handler's own `Route::to` is compiled there.

use std::rc::Rc;

use actix_web::dev::{AppService, HttpServiceFactory};
use actix_web::guard::{self, Guard};
use actix_web::http::Method;
use actix_web::{Resource, Route};

use crate::audit::AuditEntry;
use crate::inject::Inject;
use crate::preflight;

/// Registers the handler of `entry`: its routes, each answering with `endpoint()` and
/// wrapped in its policy, then its preflight routes.
pub fn register(config: &mut AppService, entry: &'static AuditEntry, endpoint: fn() -> Route) {
    for route in entry.routes {
        let mut resource = Resource::new(route.path)
            .name(route.name)
            .guard(method_guard(route.methods));
        for guard in (route.guards)() {
            resource = resource.guard(Rc::<dyn Guard>::from(guard));
        }
        let resource = resource.route(endpoint()).wrap(Inject::new(&entry.policy));
        HttpServiceFactory::register(resource, config);
    }
    register_preflights(config, entry);
}

/// Registers the preflight routes of `entry` only: its routes are actix-web's attribute's,
/// which has them wrapped already.
pub fn register_preflights(config: &mut AppService, entry: &'static AuditEntry) {
    for route in entry.preflights {
        preflight::register(config, route, &entry.policy);
    }
}

/// The method guard actix-web's attribute gives a route: its own guards, which also
/// record the methods served for the `Allow` header of a 405 answer.
fn method_guard(methods: &'static [&'static str]) -> Rc<dyn Guard> {
    let mut guards = methods.iter().map(|method| {
        let method = Method::from_bytes(method.as_bytes()).expect("`#[cors]` checked the method");
        guard::Method(method)
    });
    let first = guards
        .next()
        .expect("`#[cors]` checked that a route serves a method");
    if methods.len() == 1 {
        return Rc::new(first);
    }
    Rc::new(guards.fold(guard::Any(first), |any, guard| any.or(guard)))
}
