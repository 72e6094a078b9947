#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

// `#[cors]`'s paths (`::cors_axum::...`) resolve here too.
extern crate self as cors_axum;

mod answer;
pub mod audit;
#[doc = include_str!("../docs/coming-from-tower-http.md")]
pub mod coming_from_tower_http {}
pub mod debug;
pub mod decide;
mod grant;
mod policy;
mod preflight;
mod prepared;
mod route;
mod routes;
mod vary;

// The crate's own modules name it `crate::ConfiguredOrigins`.
use cors_core::ConfiguredOrigins;
pub use cors_macros::{axum_cors as cors, axum_policy as policy, axum_routes as routes};

/// Origins from configuration, live: `#[cors(origins_from = "NAME")]`.
///
/// Load every such list before the routers are built, with
/// [`load_from_env`](configured::load_from_env) (the environment variable `NAME`) or
/// [`load_with`](configured::load_with) (values your application passes in), and replace
/// them whenever you like, with the same calls or with [`reload`](configured::reload) for
/// one name. Every value is checked by the rules `origins` follows when the crate compiles,
/// and refused in the same words; a refused value changes nothing.
///
/// ```standalone_crate
/// use axum::Router;
/// use cors_axum::{configured, cors, routes};
///
/// #[cors(get, path = "/me", origins_from = "API_ORIGINS", credentials = true)]
/// async fn me() -> &'static str {
///     "{}"
/// }
///
/// // A value the application read from its own configuration.
/// let value = "https://app.example.com, https://*.staging.example.com";
/// configured::load_with(|name| (name == "API_ORIGINS").then(|| value.to_owned()))?;
///
/// let app: Router = Router::new().merge(routes!(me));
/// # drop(app);
/// # Ok::<(), configured::ConfigError>(())
/// ```
pub mod configured {
    pub use cors_core::configured::{ConfigError, load_from_env, load_with, reload};
}
pub use policy::Policy;
pub use route::Route;
pub use routes::CorsRoutes;

/// What `#[cors]` and `routes!` expansions name. Not a public API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use crate::decide::{Decider, by as decide_by};
    pub use crate::policy::{Parts, Policy, PolicyOrigins};
    pub use crate::route::{Annotated, Route};
    pub use crate::routes::{
        one_path_1, one_path_2, one_path_3, one_path_4, one_path_5, same_method, same_path,
    };
    pub use ::core::option::Option::{None, Some};
    pub use axum;
    pub use cors_core::ConfiguredOrigins;
    pub use cors_core::lists;
    pub use cors_rules::judge::AllowedHeaders;
    pub use cors_rules::{List, OriginPattern, Origins, PortRule, Scheme, Text};
    pub use linkme;
}
