#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

// `#[cors]`'s paths (`::cors_runtime::...`) resolve here too: `audit` uses its placement.
extern crate self as cors_runtime;

mod answer;
pub mod audit;
#[doc = include_str!("../docs/coming-from-actix-cors.md")]
pub mod coming_from_actix_cors {}
pub mod debug;
pub mod decide;
mod handler;
mod inject;
mod layer;
pub(crate) mod placement;
mod policy;
mod preflight;
mod request_headers;
mod vary;

// The crate's own modules name it `crate::ConfiguredOrigins`.
use cors_core::ConfiguredOrigins;
pub use cors_macros::{cors, policy};

/// Origins from configuration, live: `#[cors(origins_from = "NAME")]`.
///
/// Load every such list before the server binds, with [`load_from_env`](configured::load_from_env)
/// (the environment variable `NAME`) or [`load_with`](configured::load_with) (values your
/// application passes in), and replace them whenever you like, with the same calls or with
/// [`reload`](configured::reload) for one name. Every value is checked by the rules
/// `origins` follows when the crate compiles, and refused in the same words; a refused
/// value changes nothing.
///
/// ```standalone_crate
/// use actix_web::{get, App};
/// use cors_runtime::{configured, cors};
///
/// #[cors(origins_from = "API_ORIGINS", credentials = true, headers = "Content-Type")]
/// #[get("/me")]
/// async fn me() -> &'static str {
///     "{}"
/// }
///
/// // A value the application read from its own configuration.
/// let value = "https://app.example.com, https://*.staging.example.com";
/// configured::load_with(|name| (name == "API_ORIGINS").then(|| value.to_owned()))?;
///
/// let app = App::new().service(me);
/// # drop(app);
/// # Ok::<(), configured::ConfigError>(())
/// ```
pub mod configured {
    pub use cors_core::configured::{ConfigError, load_from_env, load_with, reload};
}
pub use layer::{Preflights, PreflightsFuture, PreflightsService};
pub use policy::Policy;

/// What `#[cors]` expansions name. Not a public API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use crate::audit::{AuditEntry, HandlerRoute};
    pub use crate::decide::{Decider, by as decide_by};
    pub use crate::handler::{register, register_preflights};
    pub use crate::inject::Inject;
    pub use crate::policy::Policy;
    pub use crate::policy::{Parts, PolicyOrigins};
    pub use crate::preflight::{PreflightRoute, no_guards};
    pub use ::core::option::Option::{None, Some};
    pub use actix_web;
    pub use cors_core::ConfiguredOrigins;
    pub use cors_core::lists;
    pub use cors_rules::judge::AllowedHeaders;
    pub use cors_rules::{List, OriginPattern, Origins, PortRule, Scheme, Text};
    pub use linkme;
}
