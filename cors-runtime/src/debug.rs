//! Why was my preflight refused? Browsers do not say: the page only sees a bare `TypeError`
//! ("Failed to fetch" in Chromium, "NetworkError when attempting to fetch resource." in
//! Firefox).
//!
//! Every refused preflight is logged at `debug` level, target `cors`, with the request's
//! path, what failed and what the policy allows, for example with `RUST_LOG=cors=debug`
//! and a logger such as `env_logger`:
//!
//! ```text
//! preflight for /api/items/1 refused: method "PUT" is not allowed; the policy allows DELETE
//! ```
//!
//! During development, [`explain_refusals`] also puts that reason in an `X-Cors-Refused`
//! header of the `403`, where the browser's network panel shows it. It is off by default,
//! only the application's code can turn it on (no request can), and it never adds an
//! `Access-Control-*` header: a refused preflight stays refused. Values from the request
//! are quoted and escaped, so neither the log nor the header can be forged by them.
//!
//! ```standalone_crate
//! use actix_web::http::Method;
//! use actix_web::test::{self, TestRequest};
//! use actix_web::{delete, App};
//! use cors_runtime::{cors, debug};
//!
//! #[cors(origins = "http://localhost:8080")]
//! #[delete("/api/items/{id}")]
//! async fn delete_item() -> &'static str {
//!     ""
//! }
//!
//! // In development only, for example behind a flag of your own.
//! debug::explain_refusals(true);
//!
//! # actix_web::rt::System::new().block_on(async {
//! let app = test::init_service(App::new().service(delete_item)).await;
//! let preflight = TestRequest::default()
//!     .method(Method::OPTIONS)
//!     .uri("/api/items/1")
//!     .insert_header(("Origin", "http://localhost:3000"))
//!     .insert_header(("Access-Control-Request-Method", "DELETE"))
//!     .to_request();
//! let refused = test::call_service(&app, preflight).await;
//! assert_eq!(refused.status(), 403);
//! assert_eq!(
//!     refused.headers().get(debug::REFUSED_HEADER).unwrap(),
//!     "origin \"http://localhost:3000\" is not allowed; the policy allows http://localhost:8080"
//! );
//! assert!(refused.headers().get("access-control-allow-origin").is_none());
//! # });
//! ```

use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::http::header::HeaderName;

/// The header that carries the reason of a refusal when [`explain_refusals`] is on.
pub const REFUSED_HEADER: HeaderName = HeaderName::from_static("x-cors-refused");

static EXPLAIN_REFUSALS: AtomicBool = AtomicBool::new(false);

/// Puts the reason of every refused preflight in an `X-Cors-Refused` header of its `403`
/// (`true`), or stops doing so (`false`, the default). It applies to the whole process,
/// from the next preflight on, and logs a warning when turned on.
///
/// Meant for development only: the reason tells any caller what the policy allows. The
/// [module documentation](self) shows a refusal explained.
pub fn explain_refusals(on: bool) {
    EXPLAIN_REFUSALS.store(on, Ordering::Relaxed);
    if on {
        log::warn!(target: "cors", "refused preflights now explain themselves in `X-Cors-Refused`: for development only");
    }
}

/// Whether refusals are explained in the response.
pub(crate) fn explains_refusals() -> bool {
    EXPLAIN_REFUSALS.load(Ordering::Relaxed)
}
