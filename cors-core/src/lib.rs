#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod answers;
pub mod configured;
mod policy;
pub mod reason;

pub use configured::ConfiguredOrigins;
pub use policy::{Named, Parts, PolicyOrigins};
