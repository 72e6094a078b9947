#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

// `#[cors]`'s paths (`::cors_axum::...`) resolve here too.
extern crate self as cors_axum;

mod answer;
pub mod audit;
mod grant;
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
    pub use crate::policy::{Parts, Policy, PolicyOrigins};
    pub use crate::routes::{Handlers, Route, one_path, same_method, same_path, serve};
    pub use ::core::option::Option::{None, Some};
    pub use axum;
    pub use cors_core::ConfiguredOrigins;
    pub use cors_rules::judge::AllowedHeaders;
    pub use cors_rules::{
        List, Match, OriginMatcher, OriginPattern, Origins, PortRule, Scheme, Text,
    };
    pub use linkme;
    /// Lists `#[cors]` names instead of writing them out in each handler's `static`.
    pub mod lists {
        /// No entries.
        pub const NONE: &[&str] = &[];
        /// `GET` alone.
        pub const GET: &[&str] = &["GET"];
        /// `POST` alone.
        pub const POST: &[&str] = &["POST"];
        /// `PUT` alone.
        pub const PUT: &[&str] = &["PUT"];
        /// `PATCH` alone.
        pub const PATCH: &[&str] = &["PATCH"];
        /// `DELETE` alone.
        pub const DELETE: &[&str] = &["DELETE"];
        /// `HEAD` alone.
        pub const HEAD: &[&str] = &["HEAD"];
    }
}
