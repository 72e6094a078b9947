//! The framework an attribute is written for: which keys it reads and which runtime crate its
//! expansion names. The policy's keys, their rules and the policy's tokens are the same for
//! both.

use proc_macro2::TokenStream;
use quote::quote;

/// The framework whose `#[cors]` is being expanded.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Framework {
    /// actix-web: the method and path come from the routing attribute below `#[cors]`.
    Actix,
    /// axum: `#[cors]` carries the method and path itself (`get, path = "/items"`).
    Axum,
}

impl Framework {
    /// The runtime crate the expansion names by absolute path.
    pub fn runtime(self) -> TokenStream {
        match self {
            Framework::Actix => quote!(::cors_runtime),
            Framework::Axum => quote!(::cors_axum),
        }
    }

    /// The runtime crate as users write it in prose (`cors_runtime::policy!`).
    pub fn runtime_name(self) -> &'static str {
        match self {
            Framework::Actix => "cors_runtime",
            Framework::Axum => "cors_axum",
        }
    }

    /// The `use` that gives the runtime's expansion items the short name `__cors`, which
    /// the policy's tokens (`expand::policy_tokens`) are written with.
    pub fn private_alias(self) -> TokenStream {
        let runtime = self.runtime();
        quote!(use #runtime::__private as __cors;)
    }

    /// The path of the framework's `#[cors]` attribute, re-applied by shared policies.
    pub fn attribute(self) -> TokenStream {
        let runtime = self.runtime();
        quote!(#runtime::cors)
    }
}
