//! Development aid: say why a preflight was refused where the developer looks, the
//! browser's network panel. Off by default; only the application's code can turn it on.

use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::http::header::HeaderName;

/// The header that carries the reason of a refusal when [`explain_refusals`] is on.
pub const REFUSED_HEADER: HeaderName = HeaderName::from_static("x-cors-refused");

static EXPLAIN_REFUSALS: AtomicBool = AtomicBool::new(false);

/// Puts the reason of every refused preflight in an `X-Cors-Refused` header of its `403`.
/// Meant for development: the reason names what the policy allows.
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
