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

pub use cors_core::{ConfiguredOrigins, configured};
pub use cors_macros::{cors, policy};
pub use layer::{Preflights, PreflightsFuture, PreflightsService};
pub use policy::Policy;

/// What `#[cors]` expansions name. Not a public API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use crate::audit::{AuditEntry, HandlerRoute};
    pub use crate::decide::{Decider, by as decide_by};
    pub use crate::handler::{register, register_preflights};
    pub use crate::inject::{Inject, actual_response};
    pub use crate::policy::Policy;
    pub use crate::policy::{Parts, PolicyOrigins};
    pub use crate::preflight::register as register_preflight;
    pub use crate::preflight::respond as preflight_response;
    pub use crate::preflight::{PreflightRoute, no_guards};
    pub use ::core::option::Option::{None, Some};
    pub use cors_core::ConfiguredOrigins;
    pub use cors_core::lists;
    pub use cors_rules::judge::AllowedHeaders;
    pub use cors_rules::{
        List, Match, OriginMatcher, OriginPattern, Origins, PortRule, Scheme, Text,
    };
    /// `Vary` merging, for the allocation test of `cors-bench`.
    pub mod vary {
        pub use crate::vary::{Memo, ORIGIN, PREFLIGHT, add_known};
    }
    pub use actix_web;
    pub use cors_rules;
    pub use linkme;
}
