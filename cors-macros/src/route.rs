//! Finding the actix-web routing attribute(s) below `#[cors]`, reading their paths and
//! methods, and adding our `wrap = "..."` to them.

use proc_macro2::Span;
use quote::ToTokens;
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
    ("query", "QUERY"),
];

/// Routing attributes `#[cors]` cannot sit on, with the reason.
const REFUSED_ATTRIBUTES: &[(&str, &str)] = &[
    (
        "options",
        "it generates the `OPTIONS` preflight route itself",
    ),
    ("trace", "browsers never send TRACE from `fetch()`"),
    ("connect", "browsers never send CONNECT from `fetch()`"),
];

/// Why `#[cors]` refuses the routing attribute or method `name` (`options`, `trace`,
/// `connect`), if it does.
pub fn refusal(name: &str) -> Option<&'static str> {
    REFUSED_ATTRIBUTES
        .iter()
        .find(|(refused, _)| *refused == name)
        .map(|(_, reason)| *reason)
}

/// What one routing attribute serves.
pub struct Route {
    /// Index of the attribute in the function's attribute list.
    pub attribute: usize,
    /// The path literal, as the user wrote it (after any `#[scope]` prefix).
    pub path: LitStr,
    /// Methods the route serves, upper case as HTTP sends them.
    pub methods: Vec<String>,
    /// The attribute's `guard = "..."` options: paths of functions of `&GuardContext`.
    pub guards: Vec<syn::Path>,
    /// The attribute's `name = "..."` option: the resource's name.
    pub name: Option<LitStr>,
    /// Whether `#[cors]` can build this route itself, as actix-web's attribute would: it
    /// has no `wrap = "..."` of its own and nothing actix-web would refuse.
    pub plain: bool,
    /// A `method = "OPTIONS"` option, which `#[cors]` refuses.
    serves_options: Option<LitStr>,
}

/// The routes found below `#[cors]`.
pub struct Routes {
    pub routes: Vec<Route>,
    /// Index of the `#[routes]` attribute, if the handler has one.
    pub group_attribute: Option<usize>,
}

const PLACEMENT: &str = "`#[cors]` must be placed directly above an actix-web routing attribute: `#[get(\"/path\")]`, `#[post]`, `#[put]`, `#[delete]`, `#[patch]`, `#[head]`, `#[route]` or `#[routes]`";

pub fn last_segment(attr: &Attribute) -> String {
    attr.path()
        .segments
        .last()
        .map(|segment| segment.ident.to_string())
        .unwrap_or_default()
}

/// Whether `attr` is an actix-web routing attribute that `#[cors]` goes above.
pub fn is_routing(attr: &Attribute) -> bool {
    let name = last_segment(attr);
    method_of(&name).is_some() || name == "route" || name == "routes"
}

fn method_of(name: &str) -> Option<&'static str> {
    METHOD_ATTRIBUTES
        .iter()
        .find(|(attr, _)| *attr == name)
        .map(|(_, method)| *method)
}

/// Why the routes of a handler could not be found.
pub struct RouteError {
    pub error: syn::Error,
    /// Attributes to drop from the item kept on error, so that what remains still expands
    /// without a second error: the surplus routing attributes of a handler without
    /// `#[routes]`, or a routing attribute that cannot be read.
    pub surplus: Vec<usize>,
}

impl From<syn::Error> for RouteError {
    fn from(error: syn::Error) -> Self {
        RouteError {
            error,
            surplus: Vec::new(),
        }
    }
}

/// Finds the routes of a handler from its attributes.
pub fn find(attrs: &[Attribute]) -> Result<Routes, RouteError> {
    if let Some(again) = attrs.iter().find(|attr| last_segment(attr) == "cors") {
        return Err(syn::Error::new_spanned(
            again,
            "`#[cors]` is given twice on one handler: a handler has one policy; merge the two attributes",
        )
        .into());
    }
    for attr in attrs {
        let name = last_segment(attr);
        if let Some((_, reason)) = REFUSED_ATTRIBUTES
            .iter()
            .find(|(refused, _)| *refused == name)
        {
            return Err(syn::Error::new_spanned(
                attr.path(),
                format!("`#[cors]` cannot be combined with `#[{name}]`: {reason}"),
            )
            .into());
        }
    }
    let group_attribute = attrs.iter().position(|attr| last_segment(attr) == "routes");
    let uses_routes = group_attribute.is_some();
    let mut routes = Vec::new();
    for (index, attr) in attrs.iter().enumerate() {
        let name = last_segment(attr);
        let route = match (name.as_str(), method_of(&name)) {
            (_, Some(method)) => read(index, attr, Some(method)),
            ("route", None) if !uses_routes => read(index, attr, None),
            _ => continue,
        };
        // A routing attribute we cannot read would fail again in actix-web: drop it from
        // the item kept on error.
        let route = route.map_err(|error| RouteError {
            error: syn::Error::new(error.span(), format!("cannot read `#[{name}]`: {error}")),
            surplus: vec![index],
        })?;
        if let Some(options) = &route.serves_options {
            return Err(syn::Error::new_spanned(
                options,
                "`#[cors]` cannot be combined with a route that serves `OPTIONS`: it generates the `OPTIONS` preflight route itself",
            )
            .into());
        }
        routes.push(route);
    }
    if routes.is_empty() {
        if let Some(index) = group_attribute {
            // An empty `#[routes]` would fail again in actix-web: drop it from the item.
            return Err(RouteError {
                error: syn::Error::new_spanned(
                    attrs[index].path(),
                    "`#[routes]` has no routing attribute below it: add the method attributes it groups, like `#[get(\"/path\")]`",
                ),
                surplus: vec![index],
            });
        }
        return Err(syn::Error::new(
            Span::call_site(),
            format!("{PLACEMENT}; found none below it (if the routing attribute is above `#[cors]`, move `#[cors]` up)"),
        )
        .into());
    }
    if routes.len() > 1 && !uses_routes {
        let second = &attrs[routes[1].attribute];
        return Err(RouteError {
            error: syn::Error::new_spanned(
                second.path(),
                format!(
                    "`#[{}]` is a second routing attribute: a handler with several routes needs `#[routes]` between `#[cors]` and its routing attributes",
                    last_segment(second)
                ),
            ),
            surplus: routes[1..].iter().map(|route| route.attribute).collect(),
        });
    }
    Ok(Routes {
        routes,
        group_attribute,
    })
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
    let mut guards = Vec::new();
    let mut name = None;
    let mut serves_options = None;
    let mut plain = true;
    for option in &options {
        let Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) = &option.value
        else {
            plain = false;
            continue;
        };
        if option.path.is_ident("method") {
            let value = lit.value();
            if value == "OPTIONS" {
                serves_options.get_or_insert_with(|| lit.clone());
            }
            // What actix-web accepts: methods in upper case, each once, on `#[route]` only.
            plain &= method.is_none()
                && !value.is_empty()
                && value.bytes().all(|byte| byte.is_ascii_uppercase())
                && !methods.contains(&value);
            methods.push(value);
        } else if option.path.is_ident("guard") {
            guards.push(lit.parse::<syn::Path>()?);
        } else if option.path.is_ident("name") {
            name = Some(lit.clone());
        } else {
            // `wrap = "..."`, or a key actix-web refuses: actix-web's attribute builds it.
            plain = false;
        }
    }
    if methods.is_empty() {
        return Err(syn::Error::new_spanned(
            attr.path(),
            "it has no `method = \"...\"` option; list the methods it serves, like `method = \"GET\"`",
        ));
    }
    Ok(Route {
        attribute: index,
        path,
        methods,
        guards,
        name,
        plain,
        serves_options,
    })
}

impl Routes {
    /// The one route of an axum handler, whose `#[cors]` gives its path and method.
    pub fn single(path: LitStr, method: &str) -> Routes {
        Routes {
            routes: vec![Route {
                attribute: 0,
                path,
                methods: vec![method.to_owned()],
                guards: Vec::new(),
                name: None,
                plain: true,
                serves_options: None,
            }],
            group_attribute: None,
        }
    }

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

    /// Every `guard = "..."` function of the routing attributes, written without spaces,
    /// each once.
    pub fn guard_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for guard in self.routes.iter().flat_map(|route| &route.guards) {
            let name = path_text(guard);
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }

    /// Whether `#[cors]` builds every route itself, without actix-web's attribute.
    pub fn plain(&self) -> bool {
        self.routes.iter().all(|route| route.plain)
    }

    /// Indices of the routing attributes (each route's, and `#[routes]`), and of those
    /// whose path the compiler resolves: `#[routes]` reads the method attributes below it
    /// by name, so only `#[routes]` itself then needs to be in scope.
    pub fn attributes(&self) -> (Vec<usize>, Vec<usize>) {
        let routes = self.routes.iter().map(|route| route.attribute);
        let all = routes.chain(self.group_attribute).collect();
        let resolved = match self.group_attribute {
            Some(group) => vec![group],
            None => self.routes.iter().map(|route| route.attribute).collect(),
        };
        (all, resolved)
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

/// The routes of one path that share their guards: one preflight route answers for them.
pub struct PathGroup<'a> {
    pub path: &'a LitStr,
    pub guards: &'a [syn::Path],
    /// Index of the group's first route: its guards are the group's.
    pub first_route: usize,
    /// The methods served there, in order of appearance, without repeats.
    pub methods: Vec<&'a str>,
}

impl Routes {
    /// The routes grouped by path and guards, in order of appearance.
    pub fn by_path(&self) -> Vec<PathGroup<'_>> {
        let mut groups: Vec<PathGroup<'_>> = Vec::new();
        for (index, route) in self.routes.iter().enumerate() {
            let same = |group: &&mut PathGroup<'_>| {
                group.path.value() == route.path.value()
                    && guard_names(group.guards) == guard_names(&route.guards)
            };
            let group = match groups.iter_mut().find(same) {
                Some(group) => group,
                None => {
                    groups.push(PathGroup {
                        path: &route.path,
                        guards: &route.guards,
                        first_route: index,
                        methods: Vec::new(),
                    });
                    groups.last_mut().expect("pushed just above")
                }
            };
            for method in &route.methods {
                if !group.methods.contains(&method.as_str()) {
                    group.methods.push(method);
                }
            }
        }
        groups
    }
}

impl Routes {
    /// For each route, the first route with the same guards: they share one guard function.
    pub fn guard_owners(&self) -> Vec<usize> {
        let guards: Vec<Vec<String>> = self
            .routes
            .iter()
            .map(|route| guard_names(&route.guards))
            .collect();
        guards
            .iter()
            .map(|own| {
                guards
                    .iter()
                    .position(|other| other == own)
                    .expect("a route has its own guards")
            })
            .collect()
    }
}

/// The guards as written, to compare two routes' guards.
fn guard_names(guards: &[syn::Path]) -> Vec<String> {
    guards.iter().map(path_text).collect()
}

/// A path as written (`a::b`), without the spaces tokens put between its parts.
pub fn path_text(path: &syn::Path) -> String {
    path.to_token_stream().to_string().replace(' ', "")
}
