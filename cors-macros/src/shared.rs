//! Shared policies: `policy! { pub(crate) API { origins = "...", ... } }` checks the keys once
//! and defines a `macro_rules!` named `API`; `#[cors(policy = API, methods = "GET")]` on a
//! handler calls it, which puts `#[cors(<the policy's keys>, methods = "GET")]` back on the
//! handler. The handler's own checks (its routes, its methods) then run as usual, on the
//! user's own tokens and spans. axum's `policy!` and `#[cors]` work the same way, with
//! the method and path as the handler's own keys.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Ident, Visibility, braced};

use crate::args::{self, RawArgs};
use crate::axum_keys;
use crate::errors::Errors;
use crate::framework::Framework;
use crate::model;

/// `#[doc] vis NAME { key = value, ... }`
struct Definition {
    attrs: Vec<Attribute>,
    vis: Visibility,
    name: Ident,
    keys: TokenStream,
}

impl Parse for Definition {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        let name = input.parse()?;
        let content;
        braced!(content in input);
        let keys = content.parse()?;
        if !input.is_empty() {
            return Err(input.error(
                "one policy per `policy!`: `policy! { pub(crate) API { origins = \"...\" } }`",
            ));
        }
        Ok(Definition {
            attrs,
            vis,
            name,
            keys,
        })
    }
}

/// Expands `policy! { ... }` for `framework`, whose `#[cors]` the defined macro re-applies.
pub fn define(input: TokenStream, framework: Framework) -> TokenStream {
    let definition: Definition = match syn::parse2(input) {
        Ok(definition) => definition,
        Err(error) => return error.to_compile_error(),
    };
    let Definition {
        attrs,
        vis,
        name,
        keys,
    } = definition;
    let mut errors = Errors::default();
    let mut raw = args::parse(keys.clone(), framework, &mut errors);
    if let Some((_, span)) = raw.key_spans.iter().find(|(key, _)| *key == "policy") {
        errors.at(
            *span,
            "a shared policy cannot use another: list its keys here",
        );
    }
    let public = matches!(vis, Visibility::Public(_));
    if public {
        errors.push(syn::Error::new_spanned(
            &vis,
            "a shared policy is visible within its crate at most: write `pub(crate)`",
        ));
    }
    if framework == Framework::Axum {
        axum_keys::refuse_in_policy(&mut raw, &mut errors);
    }
    model::validate(&raw, None, &mut errors);
    let keys = without_trailing_comma(keys);
    let attribute = framework.attribute();
    let (body, allow_unused, error) = match errors.finish() {
        Ok(()) => (
            quote! {
                #[#attribute(#keys, $($handler)*)]
                $($item)*
            },
            TokenStream::new(),
            TokenStream::new(),
        ),
        // Handlers keep compiling without CORS, so the policy's errors are the only ones.
        Err(error) => (
            quote!($($item)*),
            quote!(#[allow(unused_macros)]),
            error.to_compile_error(),
        ),
    };
    // `pub` cannot re-export a `macro_rules!`; that is reported above, once.
    let export = (!public).then(|| quote!(#[allow(unused_imports)] #vis use #name;));
    quote! {
        #(#attrs)*
        #allow_unused
        macro_rules! #name {
            ([$($handler:tt)*] $($item:tt)*) => { #body };
        }
        #export
        #error
    }
}

fn without_trailing_comma(keys: TokenStream) -> TokenStream {
    let mut tokens: Vec<TokenTree> = keys.into_iter().collect();
    if matches!(tokens.last(), Some(TokenTree::Punct(punct)) if punct.as_char() == ',') {
        tokens.pop();
    }
    tokens.into_iter().collect()
}

/// Expands `#[cors(policy = NAME, methods = "...")]` (axum: `#[cors(get, path = "...",
/// policy = NAME)]`): a call of the policy's macro.
pub fn apply(
    policy: &syn::Path,
    raw: &RawArgs,
    item: TokenStream,
    mut errors: Errors,
    framework: Framework,
) -> syn::Result<TokenStream> {
    let name = crate::route::path_text(policy);
    // axum's refusals of `methods`, `header_guards` and `decide_origin` are reported already.
    let (own, may): (&[&str], &str) = match framework {
        Framework::Actix => (
            &["policy", "methods", "header_guards"],
            "narrow `methods` (and name its `header_guards`)",
        ),
        Framework::Axum => (
            &[
                "policy",
                "path",
                "methods",
                "header_guards",
                "decide_origin",
            ],
            "give its method and `path`",
        ),
    };
    for (key, span) in &raw.key_spans {
        if !own.contains(key) {
            errors.at(
                *span,
                format!("`{key}` comes from the shared policy `{name}`: a handler using a policy may only {may}"),
            );
        }
    }
    // The handler's own keys, put back beside the policy's.
    let methods = raw
        .methods
        .as_ref()
        .map(|methods| quote!(methods = #methods,));
    let header_guards = raw
        .header_guards
        .as_ref()
        .map(|guards| quote!(header_guards = #guards,));
    let method_keys = &raw.method_keys;
    let path = raw.path.as_ref().map(|path| quote!(path = #path,));
    let call_span = policy
        .segments
        .last()
        .map_or_else(Span::call_site, |segment| segment.ident.span());
    let bang = quote::quote_spanned!(call_span=> !);
    // Applied even when a key is refused, without that key, so the refusal is the only error.
    let call = quote!(#policy #bang { [#methods #header_guards #(#method_keys,)* #path] #item });
    Ok(match errors.finish() {
        Ok(()) => call,
        Err(error) => call.into_iter().chain(error.to_compile_error()).collect(),
    })
}
