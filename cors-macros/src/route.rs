//! Finding the actix-web routing attribute(s) below `#[cors]`, reading their paths and
//! methods, and adding our `wrap = "..."` to them.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, ExprLit, Lit, LitStr, MetaNameValue, Token};

/// The method attributes of actix-web and the method each serves.
const METHOD_ATTRIBUTES: &[(&str, &str)] = &[
    ("get", "GET"),
    ("post", "POST"),
    ("put", "PUT"),
    ("delete", "DELETE"),
    ("patch", "PATCH"),
    ("head", "HEAD"),
];

/// Routing attributes `#[cors]` cannot sit on, with the reason.
const REFUSED_ATTRIBUTES: &[&str] = &["options", "trace", "connect"];

/// What one routing attribute serves.
pub struct Route {
    /// Index of the attribute in the function's attribute list.
    pub attribute: usize,
    /// The path literal, as the user wrote it (after any `#[scope]` prefix).
    pub path: LitStr,
    /// Methods the route serves, upper case as HTTP sends them.
    pub methods: Vec<String>,
}

/// The routes found below `#[cors]`.
pub struct Routes {
    pub routes: Vec<Route>,
}

const PLACEMENT: &str = "`#[cors]` must be placed directly above an actix-web routing attribute: `#[get(\"/path\")]`, `#[post]`, `#[put]`, `#[delete]`, `#[patch]`, `#[head]`, `#[route]` or `#[routes]`";

fn last_segment(attr: &Attribute) -> String {
    attr.path().segments.last().map(|segment| segment.ident.to_string()).unwrap_or_default()
}

fn method_of(name: &str) -> Option<&'static str> {
    METHOD_ATTRIBUTES.iter().find(|(attr, _)| *attr == name).map(|(_, method)| *method)
}

/// Finds the routes of a handler from its attributes.
pub fn find(attrs: &[Attribute]) -> syn::Result<Routes> {
    if let Some(refused) = attrs.iter().find(|attr| REFUSED_ATTRIBUTES.contains(&last_segment(attr).as_str())) {
        return Err(syn::Error::new_spanned(
            refused.path(),
            format!(
                "`#[cors]` cannot be combined with `#[{}]`: it generates the `OPTIONS` preflight itself, and browsers never send CONNECT or TRACE",
                last_segment(refused)
            ),
        ));
    }
    let uses_routes = attrs.iter().any(|attr| last_segment(attr) == "routes");
    let mut routes = Vec::new();
    for (index, attr) in attrs.iter().enumerate() {
        let name = last_segment(attr);
        let route = match (name.as_str(), method_of(&name)) {
            (_, Some(method)) => read(index, attr, Some(method))?,
            ("route", None) if !uses_routes => read(index, attr, None)?,
            _ => continue,
        };
        routes.push(route);
    }
    if routes.is_empty() {
        return Err(syn::Error::new(
            Span::call_site(),
            format!("{PLACEMENT}; found none below it (if the routing attribute is above `#[cors]`, move `#[cors]` up)"),
        ));
    }
    if routes.len() > 1 && !uses_routes {
        return Err(syn::Error::new_spanned(
            attrs[routes[1].attribute].path(),
            "several routing attributes on one handler need `#[routes]` above them",
        ));
    }
    Ok(Routes { routes })
}

/// Reads one routing attribute. `method` is `None` for `#[route]`, whose methods are options.
fn read(index: usize, attr: &Attribute, method: Option<&str>) -> syn::Result<Route> {
    let (path, options) = attr.parse_args_with(|input: syn::parse::ParseStream<'_>| {
        let path: LitStr = input.parse()?;
        let options = if input.is_empty() {
            Punctuated::new()
        } else {
            input.parse::<Token![,]>()?;
            Punctuated::<MetaNameValue, Token![,]>::parse_terminated(input)?
        };
        Ok((path, options))
    })?;
    let mut methods: Vec<String> = method.map(str::to_owned).into_iter().collect();
    for option in options.iter().filter(|option| option.path.is_ident("method")) {
        if let Expr::Lit(ExprLit { lit: Lit::Str(lit), .. }) = &option.value {
            methods.push(lit.value());
        }
    }
    Ok(Route { attribute: index, path, methods })
}

impl Routes {
    /// Every method the handler serves, in order of appearance, without repeats.
    pub fn methods(&self) -> Vec<String> {
        let mut methods: Vec<String> = Vec::new();
        for method in self.routes.iter().flat_map(|route| &route.methods) {
            if !methods.contains(method) {
                methods.push(method.clone());
            }
        }
        methods
    }

    /// Adds `wrap = "<wrapper>"` to every routing attribute, after the user's own wrappers
    /// so ours is outermost and sees every response, theirs included.
    pub fn add_wrap(&self, attrs: &mut [Attribute], wrapper: &str) {
        for route in &self.routes {
            if let syn::Meta::List(list) = &mut attrs[route.attribute].meta {
                let tokens = &list.tokens;
                let ends_with_comma = matches!(
                    tokens.clone().into_iter().last(),
                    Some(proc_macro2::TokenTree::Punct(punct)) if punct.as_char() == ','
                );
                list.tokens = if ends_with_comma {
                    quote!(#tokens wrap = #wrapper)
                } else {
                    quote!(#tokens, wrap = #wrapper)
                };
            }
        }
    }
}

/// Tokens for the methods of one route, for the preflight guard.
pub fn served(route: &Route) -> TokenStream {
    let methods = &route.methods;
    quote!(&[#(#methods),*])
}
