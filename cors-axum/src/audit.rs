//! The audit of every `#[cors]` handler of the program: which paths a page on another
//! origin may call, with which method, from where.
//!
//! Each annotated handler adds its route when the program is linked, so the list is
//! complete before the server starts, whichever routers the handlers are merged into:
//!
//! ```
//! use cors_axum::cors;
//!
//! #[cors(get, path = "/status", origins = "*")]
//! async fn status() -> &'static str {
//!     "ok"
//! }
//!
//! // A rule of this application: only `status` is open to every origin.
//! for route in cors_axum::audit::routes() {
//!     if route.policy.origins().to_string() == "*" {
//!         assert_eq!(route.handler, "status", "{} is open to every origin", route.handler);
//!     }
//! }
//! ```

use crate::ConfiguredOrigins;
use crate::policy::PolicyOrigins;
use crate::routes::Route;

/// Every annotated handler's route, placed by `#[cors]`. Not a public API: read
/// [`routes`].
#[doc(hidden)]
#[linkme::distributed_slice]
pub static AXUM_ROUTES: [Route];

/// Holds [`PLACED`] alone when `#[cors]`'s way of placing a route into a slice still
/// reaches `linkme`'s slice; empty if `linkme` named its sections anew.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[doc(hidden)]
#[linkme::distributed_slice]
pub static AXUM_PLACEMENT_CHECK: [u8];

#[cfg(any(target_os = "linux", target_os = "android"))]
#[cors_macros::__in_slice(::cors_axum::audit::AXUM_PLACEMENT_CHECK)]
static PLACED: u8 = 0;

/// Every annotated handler's route linked into the program, sorted by path, then method.
pub fn routes() -> Vec<&'static Route> {
    // Without this, a handler missing from the audit would go unnoticed, and so would its
    // configured origins in `configured::load_with`.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    assert!(
        AXUM_PLACEMENT_CHECK.len() == 1 && std::ptr::eq(&AXUM_PLACEMENT_CHECK[0], &PLACED),
        "cors-axum: `#[cors]` no longer places routes where `linkme` gathers them; \
         pin `linkme` to the version this `cors-axum` was released with (its Cargo.toml)"
    );
    let mut routes: Vec<&'static Route> = AXUM_ROUTES.iter().collect();
    routes.sort_by_key(|route| (route.path, route.method, route.handler));
    routes
}

/// The configured slots of the annotated handlers, for `configured`'s loads.
#[linkme::distributed_slice(cors_core::configured::SLOT_SOURCES)]
static CONFIGURED_SLOTS: fn() -> Vec<(&'static ConfiguredOrigins, &'static str)> = configured_slots;

fn configured_slots() -> Vec<(&'static ConfiguredOrigins, &'static str)> {
    routes()
        .into_iter()
        .filter_map(|route| match route.policy.parts.origins {
            PolicyOrigins::Configured(slot) => Some((slot, route.handler)),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[test]
    fn a_static_placed_as_cors_places_routes_reaches_its_slice() {
        assert_eq!(AXUM_PLACEMENT_CHECK.len(), 1);
        assert!(std::ptr::eq(&AXUM_PLACEMENT_CHECK[0], &PLACED));
        assert!(routes().is_empty());
    }
}
