//! axum's `#[cors(get, path = "/items/{id}", origins = "...")]`. axum has no routing
//! attributes, so `#[cors]` carries the method and path itself; the policy's keys are read by
//! `args` and checked by `model` exactly as for actix-web, its method and path by `axum_keys`.
//! The handler becomes a unit struct holding its route (path, method, policy) and the function
//! as `cors_handler`, which only `routes!` registers.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{Attribute, Ident, ItemFn, LitStr};

use crate::args;
use crate::axum_keys::{self, method, method_meant, missing_method, missing_path, path};
use crate::errors::Errors;
use crate::expand;
use crate::framework::Framework;
use crate::model::{self, CorsSpec};
use crate::route::{self, Routes};
use crate::shared;

/// Expands axum's `#[cors(...)]` on `item`.
pub fn attribute(args: TokenStream, item: TokenStream) -> TokenStream {
    match try_expand(args, item.clone()) {
        Ok(expanded) => expanded,
        Err(error) => {
            let mut output = fallback(item);
            output.extend(error.to_compile_error());
            output
        }
    }
}

/// The item as written, so its body is still checked and IDEs keep working. A handler kept
/// as a function is not registered anywhere (`routes!` needs the expansion): it is allowed
/// to be unused, and a second `#[cors]` (reported) is dropped, so the user sees our error
/// alone.
fn fallback(item: TokenStream) -> TokenStream {
    match syn::parse2::<ItemFn>(item.clone()) {
        Ok(mut handler) => {
            handler
                .attrs
                .retain(|attr| route::last_segment(attr) != "cors");
            handler.attrs.push(syn::parse_quote!(#[allow(dead_code)]));
            quote!(#handler)
        }
        Err(_) => item,
    }
}

fn try_expand(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let mut raw = args::parse(args, Framework::Axum, &mut errors);
    axum_keys::refuse_unsupported(&mut raw, &mut errors);
    let handler: ItemFn = match syn::parse2(item.clone()) {
        Ok(handler) => handler,
        Err(_) => {
            errors.push(syn::Error::new_spanned(
                crate::first_tokens(&item),
                "`#[cors]` goes on an axum handler function, like `#[cors(get, path = \"/items\", ...)] async fn list_items() ...`",
            ));
            return Err(errors.finish().expect_err("an error was just recorded"));
        }
    };
    if let Some(again) = handler
        .attrs
        .iter()
        .find(|attr| route::last_segment(attr) == "cors")
    {
        errors.push(syn::Error::new_spanned(
            again,
            "`#[cors]` is given twice on one handler: a handler has one method, one path and one policy; merge the two attributes, or write a second handler and join both with `routes!`",
        ));
        return Err(errors.finish().expect_err("an error was just recorded"));
    }
    if let Some(policy) = &raw.policy {
        // The method and path are put back beside the policy's keys, where `#[cors]` checks
        // them on the user's tokens; their absence is reported here, where the attribute is.
        if raw.method_keys.is_empty() && !method_meant(&raw) {
            errors.at(Span::call_site(), missing_method());
        }
        if raw.path.is_none() && !raw.written.contains(&"path") {
            errors.at(Span::call_site(), missing_path());
        }
        if raw.method_keys.is_empty() || raw.path.is_none() {
            return Err(errors.finish().expect_err("an error was just recorded"));
        }
        return shared::apply(policy, &raw, item, errors, Framework::Axum);
    }
    let method = method(&raw, &mut errors);
    let path = path(&raw, &mut errors);
    let routes = match (method, &path) {
        (Some(method), Some(path)) => Some(Routes::single(path.clone(), method)),
        _ => None,
    };
    // Without a route the policy's keys are still checked, so every mistake shows at once.
    let spec = model::validate(&raw, routes.as_ref(), &mut errors);
    errors.finish()?;
    let (Some(spec), Some(method), Some(path)) = (spec, method, path) else {
        unreachable!("validation succeeds when no error was recorded");
    };
    Ok(expand(&spec, method, &path, handler))
}

/// The handler as a unit struct holding its route and the function.
fn expand(spec: &CorsSpec, method: &str, path: &LitStr, mut handler: ItemFn) -> TokenStream {
    let name = handler.sig.ident.clone();
    let vis = std::mem::replace(&mut handler.vis, syn::parse_quote!(pub));
    handler.sig.ident = Ident::new("cors_handler", name.span());
    // Docs describe the handler: they go on the struct users see. `cfg` applies to all that
    // is generated; the rest (lints, `#[instrument]`, `#[debug_handler]`) to the function.
    let (docs, rest): (Vec<Attribute>, Vec<Attribute>) = std::mem::take(&mut handler.attrs)
        .into_iter()
        .partition(|attr| attr.path().is_ident("doc"));
    let (cfgs, fn_attrs): (Vec<Attribute>, Vec<Attribute>) = rest
        .into_iter()
        .partition(|attr| attr.path().is_ident("cfg"));
    handler.attrs = fn_attrs;
    handler.attrs.insert(0, syn::parse_quote!(#[doc(hidden)]));
    let private_alias = Framework::Axum.private_alias();
    let runtime = Framework::Axum.runtime();
    let origin_statics = expand::origin_statics(spec);
    let policy = expand::policy_tokens(spec);
    let handler_name = name.to_string();
    let audit_placement = expand::in_slice(&syn::parse_quote!(::cors_axum::audit::AXUM_ROUTES));
    quote! {
        #(#docs)*
        #(#cfgs)*
        #[allow(non_camel_case_types)]
        #vis struct #name;

        #(#cfgs)*
        impl #name {
            #[doc(hidden)]
            pub const CORS_PATH: &'static str = #path;
            #[doc(hidden)]
            pub const CORS_METHOD: &'static str = #method;
            // The handler as a value of its type, for `routes!` (written as a path, so a
            // plain function given to `routes!` gets one error, not two).
            #[doc(hidden)]
            pub const CORS_HANDLER: Self = Self;
            #handler
        }

        #(#cfgs)*
        impl #runtime::__private::Annotated for #name {
            fn cors_route() -> &'static #runtime::__private::Route {
                // One short name for the paths below, as in the actix-web expansion.
                #private_alias
                #origin_statics
                static POLICY: __cors::Policy = #policy;
                #audit_placement
                static ROUTE: __cors::Route = __cors::Route {
                    path: #path,
                    method: #method,
                    handler: #handler_name,
                    module: ::core::module_path!(),
                    policy: &POLICY,
                };
                &ROUTE
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::axum_keys::HEAD_REFUSAL;

    /// The messages of `#[cors(args)] async fn h() {}`, in order.
    fn errors(args: TokenStream) -> Vec<String> {
        let item = quote!(
            async fn h() {}
        );
        match try_expand(args, item) {
            Ok(_) => Vec::new(),
            Err(error) => error.into_iter().map(|error| error.to_string()).collect(),
        }
    }

    #[test]
    fn one_method_and_a_path_are_required() {
        assert_eq!(
            errors(quote!(path = "/items", origins = "https://a.example")),
            [missing_method()]
        );
        assert_eq!(
            errors(quote!(get, origins = "https://a.example")),
            [missing_path()]
        );
        assert_eq!(
            errors(quote!(
                get,
                post,
                path = "/items",
                origins = "https://a.example"
            )),
            [
                "`post` is a second method beside `get`: a handler serves one method; give each method its own handler and join them with `routes!`"
            ]
        );
        assert_eq!(
            errors(quote!(
                get = "x",
                path = "/items",
                origins = "https://a.example"
            )),
            [
                "`get` is the method and takes no value: write it alone, like `#[cors(get, path = \"/items\", ...)]`",
            ]
        );
    }

    #[test]
    fn refused_methods_say_why_in_the_actix_words() {
        assert_eq!(
            errors(quote!(
                options,
                path = "/items",
                origins = "https://a.example"
            )),
            ["`#[cors]` cannot serve `options`: it generates the `OPTIONS` preflight route itself"]
        );
        assert_eq!(
            errors(quote!(
                trace,
                path = "/items",
                origins = "https://a.example"
            )),
            ["`#[cors]` cannot serve `trace`: browsers never send TRACE from `fetch()`"]
        );
        assert_eq!(
            errors(quote!(head, path = "/items", origins = "https://a.example")),
            [format!("`#[cors]` cannot serve `head`: {HEAD_REFUSAL}")]
        );
    }

    #[test]
    fn keys_without_meaning_for_axum_are_refused() {
        assert_eq!(
            errors(quote!(
                get,
                path = "/i",
                origins = "https://a.example",
                methods = "GET"
            )),
            [
                "`methods` is not used with axum: the method key (`get`, `post`, ...) gives the one method this handler serves"
            ]
        );
        assert_eq!(
            errors(quote!(
                get,
                path = "/i",
                origins = "https://a.example",
                header_guards = "j"
            )),
            ["`header_guards` has no meaning with axum: its routes have no guards"]
        );
    }

    #[test]
    fn a_handler_using_a_policy_gives_its_method_and_path() {
        assert_eq!(errors(quote!(get, policy = APP)), [missing_path()]);
        // The policy is applied all the same, without the refused key.
        let expanded = attribute(
            quote!(get, path = "/i", policy = APP, max_age = 5),
            quote!(
                async fn h() {}
            ),
        )
        .to_string();
        assert!(expanded.starts_with("APP ! { [get , path = \"/i\" ,] async fn h () { } }"));
        assert!(expanded.contains("`max_age` comes from the shared policy `APP`: a handler using a policy may only give its method and `path`"));
    }

    #[test]
    fn a_policy_leaves_the_method_and_path_to_each_handler() {
        let expanded = shared::define(
            quote!(pub(crate) APP { get, path = "/i", origins = "https://a.example" }),
            Framework::Axum,
        )
        .to_string();
        assert!(expanded.contains("`get` belongs to each handler, not to a shared policy"));
        assert!(expanded.contains("`path` belongs to each handler, not to a shared policy"));
    }

    #[test]
    fn one_cors_per_handler() {
        let twice = try_expand(
            quote!(get, path = "/i", origins = "https://a.example"),
            quote!(
                #[cors(post, path = "/i", origins = "https://a.example")]
                async fn h() {}
            ),
        );
        assert!(twice.is_err_and(|error| {
            error
                .to_string()
                .starts_with("`#[cors]` is given twice on one handler")
        }));
    }

    #[test]
    fn unknown_keys_offer_axum_keys() {
        assert_eq!(
            errors(quote!(get, paht = "/i", origins = "https://a.example")),
            ["unknown key `paht` in `#[cors]`: did you mean `path`?",]
        );
    }
}
