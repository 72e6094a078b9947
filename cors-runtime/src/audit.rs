//! The audit of every `#[cors]` handler in the program: which routes a page on another
//! origin may call, from where, with which headers, with cookies or not.
//!
//! Each annotated handler adds its entry when the program is linked, so the list is
//! complete before the server starts, whichever handlers are registered in which `App`.
//! Print [`table`] at start to review them, or hold every policy to a rule of your own in
//! a test with [`entries`]:
//!
//! ```standalone_crate
//! use actix_web::{get, post};
//! use cors_runtime::cors;
//!
//! #[cors(origins = "https://app.example.com", headers = "Content-Type", credentials = true, max_age = 600)]
//! #[get("/items")]
//! async fn list_items() -> &'static str {
//!     "[]"
//! }
//!
//! #[cors(origins = "https://app.example.com", methods = "POST", headers = "Content-Type")]
//! #[post("/items")]
//! async fn create_item() -> &'static str {
//!     "{}"
//! }
//!
//! #[cors(origins = "*", expose_headers = "X-Version")]
//! #[get("/status")]
//! async fn status() -> &'static str {
//!     "ok"
//! }
//!
//! let table = cors_runtime::audit::table();
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
//! for entry in cors_runtime::audit::entries() {
//!     if entry.policy.origins().to_string() == "*" {
//!         assert_eq!(entry.handler, "status", "{} is open to every origin", entry.handler);
//!     }
//! }
//! ```
//!
//! The table it prints:
//!
//! ```text
//! path     methods  origins                  headers       exposed    credentials  max-age                           handler
//! -------  -------  -----------------------  ------------  ---------  -----------  --------------------------------  -----------
//! /items   POST     https://app.example.com  content-type  -          no           - (browsers keep preflights 5 s)  create_item
//! /items   GET      https://app.example.com  content-type  -          yes          600                               list_items
//! /status  GET      *                        -             x-version  no           -                                 status
//! ```
//!
//! Paths are those of the routing attributes, with the prefix of an enclosing `#[scope]`
//! module; a prefix added at registration by `web::scope` is not known at link time and
//! does not appear.

use std::fmt;

use actix_web::guard::Guard;
use cors_core::audit::Audited;

use crate::ConfiguredOrigins;
use crate::decide::Decider;
use crate::policy::{Policy, PolicyOrigins};
use crate::preflight::PreflightRoute;

/// The configured slots of the annotated handlers, each with the first handler naming it:
/// where `configured`'s loads find them.
#[linkme::distributed_slice(cors_core::configured::SLOT_SOURCES)]
static CONFIGURED_SLOTS: fn() -> Vec<(&'static ConfiguredOrigins, &'static str)> = configured_slots;

fn configured_slots() -> Vec<(&'static ConfiguredOrigins, &'static str)> {
    entries()
        .iter()
        .filter_map(|entry| match entry.policy.parts.origins {
            PolicyOrigins::Configured(slot) => Some((slot, entry.handler)),
            _ => None,
        })
        .collect()
}

/// One routing attribute of a handler (`#[get("/path")]`, or one of `#[routes]`).
/// Built by `#[cors]`. Not a public API.
pub struct HandlerRoute {
    /// The path, as the routing attribute gives it.
    pub path: &'static str,
    /// The resource's name: the attribute's `name = "..."`, or the function's name.
    pub name: &'static str,
    /// The methods the route serves.
    pub methods: &'static [&'static str],
    /// The attribute's `guard = "..."` functions, made anew for each worker.
    pub guards: fn() -> Vec<Box<dyn Guard>>,
}

/// One annotated handler and its policy.
///
/// `#[cors]` writes each as one `static`: its policy, routes and preflight routes in one
/// place, which the compiler checks far faster than several statics.
pub struct AuditEntry {
    /// The handler function's name.
    pub handler: &'static str,
    /// The module it is defined in.
    pub module: &'static str,
    /// The policy.
    pub policy: Policy,
    /// Its routing attributes, which `#[cors]` registers (actix-web's attribute does for a
    /// route with its own `wrap`). Not a public API.
    #[doc(hidden)]
    pub routes: &'static [HandlerRoute],
    /// One preflight route per path (and guards) of `routes`. Not a public API.
    #[doc(hidden)]
    pub preflights: &'static [PreflightRoute],
}

impl AuditEntry {
    /// Its paths as the routing attributes give them (with any `#[scope]` prefix, without
    /// prefixes added at registration by `web::scope`), in the order written.
    pub fn paths(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.routes.iter().map(|route| route.path)
    }

    /// Whether the policy trusts a plain-`http` origin other than localhost or loopback:
    /// anyone on the network can impersonate such an origin. `#[cors]` refuses them with
    /// `credentials = true`; a test can refuse them everywhere.
    pub fn trusts_plain_http(&self) -> bool {
        self.policy.trusts_plain_http()
    }

    /// Whether a page's call needs a preflight: the policy lets it use a method other than
    /// `GET`, `HEAD` and `POST`, or send a request header. Each such call costs a second
    /// round trip whenever the browser holds no answer for it.
    pub fn preflighted(&self) -> bool {
        self.policy.parts.preflighted()
    }

    /// How long browsers keep this route's preflight answers, when that is worth a look: a
    /// preflighted route without `max_age` (5 seconds, the Fetch standard's default), or a
    /// `max_age` above Chromium's cap of 7200 seconds (Firefox keeps up to 86400).
    pub fn preflight_cache_note(&self) -> Option<&'static str> {
        self.policy.parts.preflight_cache_note()
    }

    /// The entry as the audit of every adapter describes it.
    fn audited(&self) -> Audited<'_, Decider> {
        Audited {
            paths: self.paths().collect(),
            handler: self.handler,
            module: self.module,
            parts: &self.policy.parts,
        }
    }
}

impl fmt::Debug for AuditEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditEntry")
            .field("handler", &self.handler)
            .field("module", &self.module)
            .field("paths", &self.paths().collect::<Vec<_>>())
            .field("policy", &self.policy)
            .finish()
    }
}

/// Every annotated handler's entry: one static each, gathered into one slice by the linker,
/// so no code runs per handler at start-up.
#[doc(hidden)]
#[linkme::distributed_slice]
pub static ENTRIES: [AuditEntry];

/// Holds [`PLACED`] alone when `#[cors]`'s way of placing an entry into a slice (see
/// `cors-macros`) still reaches `linkme`'s slice; empty if `linkme` named its sections anew.
/// Only where `#[cors]` places entries itself: elsewhere `linkme`'s attribute does.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[doc(hidden)]
#[linkme::distributed_slice]
pub static PLACEMENT_CHECK: [u8];

#[cfg(any(target_os = "linux", target_os = "android"))]
#[cors_macros::__in_slice(::cors_runtime::audit::PLACEMENT_CHECK)]
static PLACED: u8 = 0;

/// Every annotated handler linked into the program, sorted by path then handler.
///
/// ```standalone_crate
/// use actix_web::get;
/// use cors_runtime::cors;
///
/// #[cors(origins = "https://app.example.com, http://localhost:3000", credentials = true)]
/// #[get("/me")]
/// async fn me() -> &'static str {
///     "{}"
/// }
///
/// let entries = cors_runtime::audit::entries();
/// assert_eq!(entries.len(), 1);
/// assert_eq!(entries[0].handler, "me");
/// assert!(entries[0].paths().eq(["/me"]));
/// assert_eq!(entries[0].policy.methods(), ["GET"]);
/// assert!(entries[0].policy.credentials());
/// // `localhost` may stay plain `http`, even with credentials.
/// assert!(!entries[0].trusts_plain_http());
/// ```
pub fn entries() -> Vec<&'static AuditEntry> {
    // Without this, a handler missing from the audit would go unnoticed, and so would its
    // configured origins in `configured::load_with`.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    assert!(
        PLACEMENT_CHECK.len() == 1 && std::ptr::eq(&PLACEMENT_CHECK[0], &PLACED),
        "cors-runtime: `#[cors]` no longer places audit entries where `linkme` gathers them; \
         pin `linkme` to the version this `cors-runtime` was released with (its Cargo.toml)"
    );
    let mut entries: Vec<&'static AuditEntry> = ENTRIES.iter().collect();
    entries.sort_by_cached_key(|entry| entry.audited().listing_key());
    entries
}

/// The audit as a plain-text table: path, methods, origins, headers, exposed headers,
/// credentials, max-age, handler. Header names are shown as they are sent, in lower case;
/// `-` is an empty cell. The max-age cell says in parentheses how long browsers keep the
/// route's preflights when that is worth a look ([`AuditEntry::preflight_cache_note`]). The
/// [module documentation](self) shows one; `cors_axum::audit::table` prints the same for the
/// same policies.
pub fn table() -> String {
    let audited: Vec<_> = entries().into_iter().map(AuditEntry::audited).collect();
    cors_core::audit::table(&audited)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy;

    fn entry(origins: &str) -> AuditEntry {
        AuditEntry {
            handler: "handler",
            module: "module",
            policy: policy::for_test(origins),
            routes: &[],
            preflights: &[],
        }
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[test]
    fn a_static_placed_as_cors_places_entries_reaches_its_slice() {
        assert_eq!(PLACEMENT_CHECK.len(), 1);
        assert!(std::ptr::eq(&PLACEMENT_CHECK[0], &PLACED));
        // No handler is annotated in this crate: the check passes and nothing is listed.
        assert!(entries().is_empty());
    }

    #[test]
    fn preflight_cache_notes() {
        let note = |methods: &'static [&'static str], headers: Option<&'static str>, max_age| {
            let mut entry = entry("https://app.example.com");
            entry.policy.parts.methods = methods;
            entry.policy.parts.allow_headers = headers;
            entry.policy.parts.max_age = max_age;
            entry.preflight_cache_note()
        };
        let short = Some("browsers keep preflights 5 s");
        let capped = Some("Chromium keeps 7200 s");
        // Simple calls are never preflighted: no note without max_age.
        assert_eq!(note(&["GET", "HEAD", "POST"], None, None), None);
        assert_eq!(note(&["GET"], Some("content-type"), None), short);
        assert_eq!(note(&["DELETE"], None, None), short);
        assert_eq!(note(&["DELETE"], None, Some(600)), None);
        assert_eq!(note(&["DELETE"], None, Some(7200)), None);
        assert_eq!(note(&["DELETE"], None, Some(7201)), capped);
        assert_eq!(note(&["GET"], None, Some(86400)), capped);
    }

    #[test]
    fn plain_http_is_found_except_on_loopback() {
        assert!(entry("http://app.example.com").trusts_plain_http());
        assert!(entry("http://*.example.com").trusts_plain_http());
        for loopback in [
            "http://localhost:3000, http://[::1]:8080, https://a.example.com",
            "http://localhost:*",
        ] {
            assert!(!entry(loopback).trusts_plain_http(), "{loopback}");
        }
    }
}
