//! The `#[cors(...)]` attribute of [`cors-runtime`](https://docs.rs/cors-runtime). Depend on
//! `cors-runtime` and write `use cors_runtime::cors;`: this crate is its implementation.
//!
//! The attribute's tokens flow one way: [`args`] parses them, [`model`] validates them
//! against the rules and the routes, [`expand`] writes the handler, its policy and its
//! preflight route.
#![warn(missing_docs)]

mod args;
mod errors;
mod expand;
mod model;
mod route;

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::ToTokens;

/// Per-handler CORS for an actix-web handler; see the `cors-runtime` documentation.
#[proc_macro_attribute]
pub fn cors(args: TokenStream, item: TokenStream) -> TokenStream {
    cors_impl(args.into(), item.into()).into()
}

/// The whole macro on `proc_macro2` tokens, so tests can call it.
fn cors_impl(args: TokenStream2, item: TokenStream2) -> TokenStream2 {
    match try_expand(args, item.clone()) {
        Ok(expanded) => expanded,
        // Keep the item as written so its routing attribute still expands: the user sees
        // our errors and not a cascade of unresolved names.
        Err(error) => {
            let mut output = item;
            output.extend(error.to_compile_error());
            output
        }
    }
}

fn try_expand(args: TokenStream2, item: TokenStream2) -> syn::Result<TokenStream2> {
    let mut errors = errors::Errors::default();
    let raw = args::parse(args, &mut errors);
    let handler: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(handler) => handler,
        Err(_) => {
            errors.push(syn::Error::new_spanned(
                first_tokens(&item),
                "`#[cors]` goes on an actix-web handler function, above its routing attribute like `#[get(\"/path\")]`",
            ));
            return Err(errors.finish().expect_err("an error was just recorded"));
        }
    };
    let routes = match route::find(&handler.attrs) {
        Ok(routes) => routes,
        Err(error) => {
            errors.push(error);
            return Err(errors.finish().expect_err("an error was just recorded"));
        }
    };
    let spec = model::validate(&raw, &routes, &mut errors);
    errors.finish()?;
    let spec = spec.expect("validation succeeds when no error was recorded");
    Ok(expand::expand(&spec, &routes, handler).into_token_stream())
}

/// The item's first tokens up to its name, to point at `struct Foo` rather than its body.
fn first_tokens(item: &TokenStream2) -> TokenStream2 {
    item.clone()
        .into_iter()
        .take_while(|token| !matches!(token, proc_macro2::TokenTree::Group(_)))
        .collect()
}
