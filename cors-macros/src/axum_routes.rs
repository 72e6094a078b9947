//! axum's `routes!(list_items, create_item)`: the handlers of one path, each annotated with
//! `#[cors]`, as one `Router<S>` whose `OPTIONS` slot answers their preflights. It expands
//! where the router's state type is known. That the handlers share a path and serve
//! different methods is only known from their constants, so it is checked by `const`
//! assertions, each spanned on the handler that breaks it.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Path, Token};

use crate::axum_keys::METHODS;
use crate::errors::Errors;
use crate::framework::Framework;
use crate::route::path_text;

/// Expands `routes!(...)`.
pub fn routes(input: TokenStream) -> TokenStream {
    match try_expand(input) {
        Ok(expanded) => expanded,
        Err(error) => error.to_compile_error(),
    }
}

fn try_expand(input: TokenStream) -> syn::Result<TokenStream> {
    let handlers: Vec<Path> = Punctuated::<Path, Token![,]>::parse_terminated
        .parse2(input)?
        .into_iter()
        .collect();
    let mut errors = Errors::default();
    if handlers.is_empty() {
        errors.at(
            Span::call_site(),
            "`routes!` needs the handlers of one path, each annotated with `#[cors]`, like `routes!(list_items, create_item)`",
        );
    }
    let names: Vec<String> = handlers.iter().map(path_text).collect();
    for (index, handler) in handlers.iter().enumerate() {
        if names[..index].contains(&names[index]) {
            errors.push(syn::Error::new_spanned(
                handler,
                format!(
                    "`{}` is given twice in `routes!`: a handler serves one method on one path, give it once",
                    names[index]
                ),
            ));
        }
    }
    // A handler a method: more handlers than methods means two share one, and cors-axum
    // has a function for each count up to the number of methods.
    if let Some(extra) = handlers.get(METHODS.len()) {
        errors.push(syn::Error::new_spanned(
            extra,
            format!(
                "`routes!` takes at most {} handlers, one for each method axum's `#[cors]` serves ({})",
                METHODS.len(),
                METHODS
                    .iter()
                    .map(|(word, _)| format!("`{word}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    errors.finish()?;
    Ok(expand(&handlers, &names))
}

/// The router of `handlers`, whose names as written are `names`.
fn expand(handlers: &[Path], names: &[String]) -> TokenStream {
    let runtime = Framework::Axum.runtime();
    let private = quote!(#runtime::__private);
    let first = &handlers[0];
    let mut checks = Vec::new();
    for (later, handler) in handlers.iter().enumerate().skip(1) {
        let span = handler.span();
        let message = format!(
            "routes!: `{}` and `{}` have different paths: give each path its own `routes!`",
            names[later], names[0]
        );
        checks.push(quote_spanned! {span=>
            const _: () = ::core::assert!(
                #private::same_path(#first::CORS_PATH, #handler::CORS_PATH),
                #message
            );
        });
        for (earlier, other) in handlers[..later].iter().enumerate() {
            let message = format!(
                "routes!: `{}` and `{}` both serve the same method on one path",
                names[earlier], names[later]
            );
            checks.push(quote_spanned! {span=>
                const _: () = ::core::assert!(
                    !#private::same_method(#other::CORS_METHOD, #handler::CORS_METHOD),
                    #message
                );
            });
        }
    }
    let one_path = format_ident!("one_path_{}", handlers.len());
    quote! {
        {
            #(#checks)*
            #private::#one_path(#(#handlers::CORS_HANDLER, #handlers::cors_handler),*)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(input: TokenStream) -> Vec<String> {
        match try_expand(input) {
            Ok(_) => Vec::new(),
            Err(error) => error.into_iter().map(|error| error.to_string()).collect(),
        }
    }

    #[test]
    fn handlers_are_given_once_each() {
        assert_eq!(
            errors(quote!()),
            [
                "`routes!` needs the handlers of one path, each annotated with `#[cors]`, like `routes!(list_items, create_item)`"
            ]
        );
        assert_eq!(
            errors(quote!(a, api::b, a, api::b)),
            [
                "`a` is given twice in `routes!`: a handler serves one method on one path, give it once",
                "`api::b` is given twice in `routes!`: a handler serves one method on one path, give it once",
            ]
        );
        assert!(errors(quote!(a, api::b,)).is_empty());
    }

    #[test]
    fn at_most_one_handler_a_method() {
        assert!(errors(quote!(a, b, c, d, e)).is_empty());
        assert_eq!(
            errors(quote!(a, b, c, d, e, f, g)),
            [
                "`routes!` takes at most 5 handlers, one for each method axum's `#[cors]` serves (`get`, `post`, `put`, `patch`, `delete`)"
            ]
        );
    }
}
