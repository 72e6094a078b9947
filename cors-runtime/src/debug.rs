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
//! During development, an application given [`ExplainRefusals`] as app data also puts that
//! reason in an `X-Cors-Refused` header of the `403`, where the browser's network panel
//! shows it. It is off by default and belongs to the application (or scope) that has the
//! data: another `App` in the same process is not affected, and no request can turn it on.
//! It never adds an `Access-Control-*` header: a refused preflight stays refused. Values
//! from the request are quoted and escaped, so neither the log nor the header can be forged
//! by them.
//!
//! ```standalone_crate
//! use actix_web::http::Method;
//! use actix_web::test::{self, TestRequest};
//! use actix_web::{delete, App};
//! use cors_runtime::{cors, debug::{self, ExplainRefusals}};
//!
//! #[cors(origins = "http://localhost:8080")]
//! #[delete("/api/items/{id}")]
//! async fn delete_item() -> &'static str {
//!     ""
//! }
//!
//! # actix_web::rt::System::new().block_on(async {
//! let mut app = App::new().service(delete_item);
//! // In development builds only.
//! if cfg!(debug_assertions) {
//!     app = app.app_data(ExplainRefusals);
//! }
//! let app = test::init_service(app).await;
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

use actix_web::dev::ServiceRequest;
use actix_web::http::header::HeaderName;

/// The header that carries the reason of a refusal when [`ExplainRefusals`] is on.
pub const REFUSED_HEADER: HeaderName =
    HeaderName::from_static(cors_core::reason::EXPLANATION_HEADER);

/// App data that makes the refused preflights of an application (or of a scope) explain
/// themselves in an `X-Cors-Refused` header of their `403`:
/// `App::new().app_data(ExplainRefusals)`. Without it, the default, they do not.
///
/// Meant for development only: the reason tells any caller what the policy allows. The
/// first explained refusal of the process logs a warning saying so. The
/// [module documentation](self) shows a refusal explained.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExplainRefusals;

/// Whether the application that `req` reached explains its refusals. Asked only when a
/// preflight is refused, so granted ones never pay for the look-up. (The first explanation
/// warns that explanations are on: `cors_core::reason::Refused::explanation`.)
pub(crate) fn explains_refusals(req: &ServiceRequest) -> bool {
    req.app_data::<ExplainRefusals>().is_some()
}
