#![doc = include_str!("../README.md")]
// The attribute's tokens flow one way: `args` parses them, `model` validates them
// against the rules and the routes, `expand` writes the handler, its policy and its
// preflight route.
#![warn(missing_docs)]

mod args;
mod axum;
mod axum_keys;
mod axum_routes;
mod errors;
mod expand;
mod framework;
mod model;
mod route;
mod scope;
mod shared;
#[cfg(test)]
mod snapshots;

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::ToTokens;

#[doc = include_str!("../docs/cors.md")]
#[proc_macro_attribute]
pub fn cors(args: TokenStream, item: TokenStream) -> TokenStream {
    cors_impl(args.into(), item.into()).into()
}

#[doc = include_str!("../docs/policy.md")]
#[proc_macro]
pub fn policy(input: TokenStream) -> TokenStream {
    shared::define(input.into(), framework::Framework::Actix).into()
}

/// axum's `#[cors]`, re-exported by `cors-axum` as `cors`: the handler's method, path and
/// policy, checked when the crate compiles.
///
/// ```text
/// #[cors(get, path = "/items/{id}", origins = "https://app.example.com")]
/// async fn show_item(Path(id): Path<u32>) -> Json<Item> { ... }
/// ```
///
/// Exactly one method comes first, alone: `get`, `post`, `put`, `patch` or `delete` (the
/// `OPTIONS` preflight is generated, and axum's `get` answers `HEAD`). `path` is the route's
/// path as axum 0.8 writes it, parameters as `{id}` and `{*rest}`. The policy's keys are
/// those of actix-web's `#[cors]` (`origins` or `origins_from`, `headers`,
/// `expose_headers`, `max_age`, `credentials`, or `policy` naming a shared policy), checked
/// by the same rules with the same messages. `methods` is not used (the method key gives
/// it), `header_guards` has no meaning (axum routes have no guards) and `decide_origin` is
/// not available yet.
///
/// The handler becomes a unit struct of the same name; its route is registered with
/// `routes!`, which passing it to `axum::routing::get` does not compile without.
#[proc_macro_attribute]
pub fn axum_cors(args: TokenStream, item: TokenStream) -> TokenStream {
    axum::attribute(args.into(), item.into()).into()
}

/// axum's `policy!`, re-exported by `cors-axum` as `policy`: a policy defined once, checked
/// once, for every handler that names it with `#[cors(get, path = "...", policy = NAME)]`.
/// The keys are the policy's alone; the method and path are each handler's.
#[proc_macro]
pub fn axum_policy(input: TokenStream) -> TokenStream {
    shared::define(input.into(), framework::Framework::Axum).into()
}

/// axum's `routes!`, re-exported by `cors-axum` as `routes`: the handlers of one path, each
/// annotated with `#[cors]`, as one `axum::Router<S>` to merge, with the `OPTIONS` preflight
/// that answers for all of them.
///
/// ```text
/// let app = Router::new()
///     .merge(routes!(list_items, create_item))
///     .merge(routes!(api::show_item));
/// ```
///
/// Handlers whose paths differ, or two serving one method, are compile errors; so are more
/// than five handlers, one for each method `#[cors]` serves with axum.
#[proc_macro]
pub fn axum_routes(input: TokenStream) -> TokenStream {
    axum_routes::routes(input.into()).into()
}

/// Puts the static below into the `cors-runtime` distributed slice named by the argument,
/// the way `#[cors]` puts each handler's audit entry there: for `cors-runtime`'s check
/// of that placement. Not a public API.
#[doc(hidden)]
#[proc_macro_attribute]
pub fn __in_slice(slice: TokenStream, item: TokenStream) -> TokenStream {
    let slice = match syn::parse::<syn::Path>(slice) {
        Ok(slice) => slice,
        Err(error) => return error.to_compile_error().into(),
    };
    let mut placed = expand::in_slice(&slice);
    placed.extend(TokenStream2::from(item));
    placed.into()
}

/// The whole macro on `proc_macro2` tokens, so tests can call it.
fn cors_impl(args: TokenStream2, item: TokenStream2) -> TokenStream2 {
    match try_expand(args, item.clone()) {
        Ok(expanded) => expanded,
        // Keep the item (as written, or trimmed where the rest would fail again) so its
        // routing attribute still expands: the user sees our errors and not a cascade of
        // unresolved names, and IDEs keep working.
        Err(Failure { error, kept }) => {
            let mut output = kept.unwrap_or(item);
            output.extend(error.to_compile_error());
            output
        }
    }
}

/// Every error of the attribute, and what to emit instead of the item as written, if anything.
struct Failure {
    error: syn::Error,
    kept: Option<TokenStream2>,
}

impl From<syn::Error> for Failure {
    fn from(error: syn::Error) -> Self {
        Failure { error, kept: None }
    }
}

fn try_expand(args: TokenStream2, item: TokenStream2) -> Result<TokenStream2, Failure> {
    let mut errors = errors::Errors::default();
    let raw = args::parse(args.clone(), framework::Framework::Actix, &mut errors);
    if let Ok(module) = syn::parse2::<syn::ItemMod>(item.clone()) {
        return scope::apply(&args, &raw, module, errors).map_err(Failure::from);
    }
    if let Some(policy) = &raw.policy {
        return shared::apply(policy, &raw, item, errors, framework::Framework::Actix)
            .map_err(Failure::from);
    }
    let handler: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(handler) => handler,
        Err(_) => {
            errors.push(syn::Error::new_spanned(
                first_tokens(&item),
                "`#[cors]` goes on an actix-web handler function, above its routing attribute like `#[get(\"/path\")]`",
            ));
            return Err(errors
                .finish()
                .expect_err("an error was just recorded")
                .into());
        }
    };
    let routes = match route::find(&handler.attrs) {
        Ok(routes) => routes,
        Err(route::RouteError { error, surplus }) => {
            errors.push(error);
            let error = errors.finish().expect_err("an error was just recorded");
            let kept = (!surplus.is_empty()).then(|| without_attributes(handler, &surplus));
            return Err(Failure { error, kept });
        }
    };
    let spec = model::validate(&raw, Some(&routes), &mut errors);
    errors.finish()?;
    let spec = spec.expect("validation succeeds when no error was recorded");
    Ok(expand::expand(&spec, &routes, handler).into_token_stream())
}

/// The handler without the attributes at `surplus`, their imports still used.
fn without_attributes(mut handler: syn::ItemFn, surplus: &[usize]) -> TokenStream2 {
    let removed = expand::remove_attributes(&mut handler, surplus, surplus);
    quote::quote! {
        #handler
        #(const _: () = {
            #[allow(unused_imports)]
            use #removed as _;
        };)*
    }
}

/// The item's head, to point at `struct Foo` or `mod api` rather than its attributes or body.
fn first_tokens(item: &TokenStream2) -> TokenStream2 {
    use proc_macro2::{Delimiter, TokenTree};
    let mut tokens = item.clone().into_iter();
    let mut head = TokenStream2::new();
    while let Some(token) = tokens.next() {
        match token {
            // An outer attribute: `#` and its brackets.
            TokenTree::Punct(punct) if punct.as_char() == '#' && head.is_empty() => {
                tokens.next();
            }
            TokenTree::Group(group) if group.delimiter() == Delimiter::Brace => break,
            TokenTree::Punct(punct) if punct.as_char() == ';' => break,
            other => head.extend([other]),
        }
    }
    if head.is_empty() { item.clone() } else { head }
}
