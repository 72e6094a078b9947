#![doc = include_str!("../README.md")]
//!
//! Every check takes the user's text and returns either the normalised value or a
//! [`RuleError`], whose `Display` is the message shown to the user: lowercase, naming the
//! offending value, no trailing period.
#![warn(missing_docs)]

mod error;
mod headers;
pub mod judge;
mod list;
mod methods;
mod origin;
mod origins;
pub mod request_headers;
mod stored;
pub mod vary;

pub use error::RuleError;
pub use headers::{check_expose_header, check_request_header, is_tchar, is_token};
pub use list::{
    HeaderList, bound_list, expose_header_list, method_list, origin_list, request_header_list,
    split_list,
};
pub use methods::{check_max_age, check_method};
pub use origin::{OriginPattern, OriginRule, PortRule, Scheme, is_loopback, parse_origin};
pub use origins::{Match, OriginMatcher, Origins};
pub use stored::{List, Text};

/// The largest `max_age` browsers honour at all (Firefox caps at one day).
pub const MAX_AGE_LIMIT: u64 = 86_400;
