#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod answers;
pub mod audit;
pub mod configured;
/// Method lists `#[cors]` names instead of writing them out in each handler's `static`:
/// each list written there is one more allocation for the compiler to check. Not a public
/// API: the adapters' expansions name it.
#[doc(hidden)]
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
mod policy;
pub mod reason;

pub use configured::ConfiguredOrigins;
pub use policy::{Named, Parts, PolicyOrigins};
