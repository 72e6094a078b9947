//! `#[cors(...)]` on actix-web's `#[scope("/path")]` module: the policy is checked once,
//! then written above the routing attribute of every routed handler inside that has no
//! `#[cors]` of its own, where `#[cors]` checks and expands it as on any handler.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Attribute, Item, ItemMod};

use crate::args::RawArgs;
use crate::errors::Errors;
use crate::model;
use crate::route;

/// Keys that belong to one handler, not to every handler of a scope.
const HANDLER_KEYS: &[(&str, &str)] = &[
    (
        "methods",
        "a scope's policy grants each handler the methods its routing attribute serves; narrow them with the handler's own `#[cors]`",
    ),
    (
        "header_guards",
        "guards are each handler's; name them in the handler's own `#[cors]`",
    ),
];

/// Applies `#[cors(args)]` (parsed as `raw`) to the routed handlers of `module`.
pub fn apply(
    args: &TokenStream,
    raw: &RawArgs,
    mut module: ItemMod,
    mut errors: Errors,
) -> syn::Result<TokenStream> {
    let is_scope = module
        .attrs
        .iter()
        .any(|attr| route::last_segment(attr) == "scope");
    if !is_scope {
        errors.push(syn::Error::new_spanned(
            &module.ident,
            "`#[cors]` on a module goes directly above actix-web's `#[scope(\"/path\")]`: it gives the policy to every routed handler of the scope",
        ));
    }
    for (key, span) in &raw.key_spans {
        if let Some((_, why)) = HANDLER_KEYS.iter().find(|(refused, _)| refused == key) {
            errors.at(
                *span,
                format!("`{key}` cannot be given to a whole scope: {why}"),
            );
        }
    }
    // Checked once here, on the scope's own literals; each handler checks its routes.
    if raw.policy.is_none() && raw.methods.is_none() && raw.header_guards.is_none() {
        model::validate(raw, None, &mut errors);
    }
    let Some((_, items)) = &mut module.content else {
        errors.push(syn::Error::new_spanned(
            &module.ident,
            "`#[cors]` needs the scope's handlers written inside the module (`mod api { ... }`)",
        ));
        return Err(errors.finish().expect_err("an error was just recorded"));
    };
    let mut routed = 0;
    for item in items.iter_mut() {
        let Item::Fn(handler) = item else { continue };
        let Some(first_route) = handler.attrs.iter().position(route::is_routing) else {
            continue;
        };
        routed += 1;
        // A handler's own `#[cors]` replaces the scope's.
        if handler
            .attrs
            .iter()
            .any(|attr| route::last_segment(attr) == "cors")
        {
            continue;
        }
        let policy: Attribute = syn::parse_quote!(#[::cors_runtime::cors(#args)]);
        handler.attrs.insert(first_route, policy);
    }
    if routed == 0 {
        errors.at(
            module.ident.span(),
            "this scope has no routed handler for `#[cors]` to give its policy to: annotate a scope whose module holds functions with `#[get(\"/path\")]` or another routing attribute",
        );
    }
    errors.finish()?;
    Ok(quote!(#module))
}
