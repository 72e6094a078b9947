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
mod hooks;
mod policy;
mod preflight;
mod prepared;
mod routes;
mod vary;

pub use cors_core::{ConfiguredOrigins, configured};
pub use cors_macros::{axum_cors as cors, axum_policy as policy, axum_routes as routes};
pub use policy::Policy;
pub use routes::{CorsRoutes, Route};

/// What `#[cors]` and `routes!` expansions name. Not a public API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use crate::decide::{Decider, by as decide_by};
    pub use crate::hooks::{actual_response, preflight_response};
    pub use crate::policy::{Parts, Policy, PolicyOrigins};
    pub use crate::routes::{Annotated, Route, one_path, same_method, same_path, serve};
    pub use ::core::option::Option::{None, Some};
    pub use axum;
    pub use cors_core::ConfiguredOrigins;
    pub use cors_core::lists;
    pub use cors_rules::judge::AllowedHeaders;
    pub use cors_rules::{
        List, Match, OriginMatcher, OriginPattern, Origins, PortRule, Scheme, Text,
    };
    pub use linkme;
}
