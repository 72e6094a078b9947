//! The audit of every `#[cors]` handler of the program: which paths a page on another
//! origin may call, with which method, from where.
//!
//! Each annotated handler adds its route when the program is linked, so the list is
//! complete before the server starts, whichever routers the handlers are merged into.
//! Print [`table`] at start to review them, or hold every policy to a rule of your own in
//! a test with [`routes`]:
//!
//! ```standalone_crate
//! use cors_axum::cors;
//!
//! #[cors(get, path = "/items", origins = "https://app.example.com", headers = "Content-Type", credentials = true, max_age = 600)]
//! async fn list_items() -> &'static str {
//!     "[]"
//! }
//!
//! #[cors(post, path = "/items", origins = "https://app.example.com", headers = "Content-Type")]
//! async fn create_item() -> &'static str {
//!     "{}"
//! }
//!
//! #[cors(get, path = "/status", origins = "*", expose_headers = "X-Version")]
//! async fn status() -> &'static str {
//!     "ok"
//! }
//!
//! let table = cors_axum::audit::table();
//! print!("{table}");
//! # assert_eq!(table, concat!(
//! #     "path     methods  origins                  headers       exposed    credentials  max-age                           handler\n",
//! #     "-------  -------  -----------------------  ------------  ---------  -----------  --------------------------------  -----------\n",
//! #     "/items   POST     https://app.example.com  content-type  -          no           - (browsers keep preflights 5 s)  create_item\n",
//! #     "/items   GET      https://app.example.com  content-type  -          yes          600                               list_items\n",
//! #     "/status  GET      *                        -             x-version  no           -                                 status\n",
//! # ));
//!
//! // A rule of this application: only `status` is open to every origin.
//! for route in cors_axum::audit::routes() {
//!     if route.policy.origins().to_string() == "*" {
//!         assert_eq!(route.handler, "status", "{} is open to every origin", route.handler);
//!     }
//! }
//! ```
//!
//! The table it prints, the same as the actix-web adapter's for the same policies:
//!
//! ```text
//! path     methods  origins                  headers       exposed    credentials  max-age                           handler
//! -------  -------  -----------------------  ------------  ---------  -----------  --------------------------------  -----------
//! /items   POST     https://app.example.com  content-type  -          no           - (browsers keep preflights 5 s)  create_item
//! /items   GET      https://app.example.com  content-type  -          yes          600                               list_items
//! /status  GET      *                        -             x-version  no           -                                 status
//! ```
//!
//! Paths are those of the attributes; a prefix added by `Router::nest` is not known at link
//! time and does not appear.

use cors_core::audit::Audited;

use crate::ConfiguredOrigins;
use crate::decide::Decider;
use crate::policy::PolicyOrigins;
use crate::route::Route;

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

/// Every annotated handler's route linked into the program, sorted by path, then handler
/// (then module), as the actix-web adapter sorts its entries.
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
    routes.sort_by_cached_key(|route| audited(route).listing_key());
    routes
}

/// The audit as a plain-text table: path, methods, origins, headers, exposed headers,
/// credentials, max-age, handler. Header names are shown as they are sent, in lower case;
/// `-` is an empty cell. The max-age cell says in parentheses how long browsers keep the
/// route's preflights when that is worth a look: a preflighted route without `max_age` (5
/// seconds, the Fetch standard's default), or a `max_age` above Chromium's cap of 7200
/// seconds. The [module documentation](self) shows one.
pub fn table() -> String {
    let audited: Vec<_> = routes().into_iter().map(audited).collect();
    cors_core::audit::table(&audited)
}

/// `route` as the audit of every adapter describes it.
fn audited(route: &Route) -> Audited<'_, Decider> {
    Audited {
        paths: vec![route.path],
        handler: route.handler,
        module: route.module,
        parts: &route.policy.parts,
    }
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
