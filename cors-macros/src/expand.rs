//! Turning a validated [`CorsSpec`] and the handler into tokens: a unit struct named like
//! the handler whose `register` adds the actix route (wrapped in header injection) and one
//! preflight route per path.

use cors_rules::{HeaderList, Origins, PortRule, Scheme};
use proc_macro2::TokenStream;
use quote::quote;
use syn::ItemFn;

use crate::framework::Framework;
use crate::model::{CorsSpec, OriginSource};
use crate::route::{Route, Routes, path_text};

/// The generated static holding the handler's policy and routes (its audit entry), named
/// inside `register` only.
const ENTRY: &str = "__CORS";

/// The handler with `#[cors]` applied.
pub fn expand(spec: &CorsSpec, routes: &Routes, mut handler: ItemFn) -> TokenStream {
    // Built here, every route goes through one registration function that is not generic;
    // actix-web's attribute would compile its generic resource code per handler. A route
    // with its own `wrap = "..."` (or that actix-web refuses) keeps actix-web's attribute,
    // with our wrapper added.
    let builds_routes = routes.plain() && !matches!(handler.sig.output, syn::ReturnType::Default);
    // Every route is described either way: the audit lists its paths.
    // Routes with the same guards, and their preflight, name one guard function.
    let guard_owners = routes.guard_owners();
    let route_values: Vec<TokenStream> = routes
        .routes
        .iter()
        .zip(&guard_owners)
        .map(|(route, &owner)| route_tokens(route, owner, &handler.sig.ident))
        .collect();
    let guard_functions: Vec<TokenStream> = routes
        .routes
        .iter()
        .enumerate()
        .filter(|&(index, _)| guard_owners[index] == index)
        .map(|(index, route)| guards_function(index, route))
        .collect();
    let removed_attributes = if builds_routes {
        let (attributes, resolved) = routes.attributes();
        remove_attributes(&mut handler, &attributes, &resolved)
    } else {
        routes.add_wrap(
            &mut handler.attrs,
            &format!("::cors_runtime::__private::Inject::new(&{ENTRY}.policy)"),
        );
        Vec::new()
    };

    let name = &handler.sig.ident;
    let vis = &handler.vis;
    let docs = handler
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"));
    let entry = syn::Ident::new(ENTRY, proc_macro2::Span::call_site());
    let policy = policy_tokens(spec);
    let configured_origins = origin_statics(spec);
    let private_alias = Framework::Actix.private_alias();
    let audit_placement = in_slice(&syn::parse_quote!(::cors_runtime::audit::ENTRIES));
    let handler_name = name.to_string();
    // A preflight is not asked about the guards named in `header_guards`: the rest of the
    // group's guards get a function of their own.
    let mut preflight_guard_functions = Vec::new();
    let preflights: Vec<TokenStream> = routes
        .by_path()
        .into_iter()
        .enumerate()
        .map(|(index, group)| {
            // Each path's preflight grants the methods served there that the policy lists.
            let served = &group.methods;
            let methods: Vec<&str> = group
                .methods
                .iter()
                .copied()
                .filter(|method| spec.methods.iter().any(|listed| listed == method))
                .collect();
            let path = group.path;
            let allow_methods = methods.join(", ");
            let (served, methods) = (text_list(served), text_list(&methods));
            let asked: Vec<syn::Path> = group
                .guards
                .iter()
                .filter(|guard| !spec.header_guards.contains(&path_text(guard)))
                .cloned()
                .collect();
            let actual_guards = guards_name(guard_owners[group.first_route], group.guards);
            let guards = if asked.len() == group.guards.len() {
                actual_guards.clone()
            } else if asked.is_empty() {
                quote!(__cors::no_guards)
            } else {
                let name = quote::format_ident!("__cors_preflight_guards_{index}");
                preflight_guard_functions.push(guards_function_named(&name, &asked));
                quote!(#name)
            };
            quote! {
                __cors::PreflightRoute {
                    path: #path,
                    served: #served,
                    methods: #methods,
                    allow_methods: #allow_methods,
                    guards: #guards,
                    actual_guards: #actual_guards,
                }
            }
        })
        .collect();
    let registration = if builds_routes {
        quote! {
            fn __cors_endpoint() -> __cors::actix_web::Route {
                __cors::actix_web::Route::new().to(#name)
            }
            __cors::register(__cors_config, &#entry, __cors_endpoint);
        }
    } else {
        quote! {
            __cors::actix_web::dev::HttpServiceFactory::register(#name, __cors_config);
            __cors::register_preflights(__cors_config, &#entry);
        }
    };
    quote! {
        #(#docs)*
        #[allow(non_camel_case_types)]
        #vis struct #name;

        impl ::cors_runtime::__private::actix_web::dev::HttpServiceFactory for #name {
            fn register(self, __cors_config: &mut ::cors_runtime::__private::actix_web::dev::AppService) {
                // One short name for the paths below: fewer tokens to make and to parse.
                #private_alias
                #(
                    #[allow(unused_imports)]
                    use #removed_attributes as _;
                )*
                #configured_origins
                #audit_placement
                static #entry: __cors::AuditEntry = __cors::AuditEntry {
                    handler: #handler_name,
                    module: ::core::module_path!(),
                    policy: #policy,
                    routes: &[#(#route_values),*],
                    preflights: &[#(#preflights),*],
                };
                #(#guard_functions)*
                #(#preflight_guard_functions)*
                #handler
                #registration
            }
        }
    }
}

/// One route as `cors-runtime` builds it: what actix-web's attribute would have built.
/// `guard_owner` is the route whose guard function it names.
fn route_tokens(route: &Route, guard_owner: usize, handler: &syn::Ident) -> TokenStream {
    let path = &route.path;
    let name = match &route.name {
        Some(name) => name.value(),
        None => handler.to_string(),
    };
    let methods = text_list(&route.methods);
    let guards = guards_name(guard_owner, &route.guards);
    quote! {
        __cors::HandlerRoute {
            path: #path,
            name: #name,
            methods: #methods,
            guards: #guards,
        }
    }
}

/// The function making route `index`'s `guard = "..."` guards, anew for each worker: the
/// routes with the same guards and their preflight name it too.
fn guards_function(index: usize, route: &Route) -> TokenStream {
    if route.guards.is_empty() {
        return TokenStream::new();
    }
    let name = guards_name(index, &route.guards);
    guards_function_named(&name, &route.guards)
}

/// A function named `name` making `guards` anew for each worker.
fn guards_function_named(name: &impl quote::ToTokens, guards: &[syn::Path]) -> TokenStream {
    quote! {
        fn #name() -> ::std::vec::Vec<::std::boxed::Box<dyn __cors::actix_web::guard::Guard>> {
            ::std::vec![#(::std::boxed::Box::new(
                __cors::actix_web::guard::fn_guard(#guards)
            )),*]
        }
    }
}

/// The name of route `index`'s guard function. A route without guards names one shared
/// function rather than one of its own, which would be compiled once per handler.
fn guards_name(index: usize, guards: &[syn::Path]) -> TokenStream {
    if guards.is_empty() {
        return quote!(__cors::no_guards);
    }
    let name = quote::format_ident!("__cors_guards_{index}");
    quote!(#name)
}

/// Removes the attributes at `indices` from the handler, and returns the paths of those at
/// `resolved`: naming each (`use get as _;`) keeps its import used, not a warning.
pub fn remove_attributes(
    handler: &mut ItemFn,
    indices: &[usize],
    resolved: &[usize],
) -> Vec<syn::Path> {
    let mut removed = Vec::new();
    let mut kept = Vec::new();
    for (index, attr) in std::mem::take(&mut handler.attrs).into_iter().enumerate() {
        if resolved.contains(&index) {
            removed.push(attr.path().clone());
        }
        if !indices.contains(&index) {
            kept.push(attr);
        }
    }
    handler.attrs = kept;
    removed
}

/// The attributes that put a static into the `cors-runtime` distributed slice `slice`
/// (a `linkme` slice). On Linux and Android the static goes straight into the slice's
/// linker section, as `linkme`'s own attribute would put it but without the type check it
/// adds to each element (a function and two closures to compile per handler: about as
/// much compile time as the rest of the registration); `cors-runtime` checks at start-up
/// that this placement still reaches the slice (its `audit` names the same targets).
/// Elsewhere `linkme`'s attribute does it.
pub fn in_slice(slice: &syn::Path) -> TokenStream {
    let name = &slice
        .segments
        .last()
        .expect("a path has a last segment")
        .ident;
    // The slice's own crate (`::cors_runtime::audit::ENTRIES`) re-exports `linkme`.
    let runtime = &slice
        .segments
        .first()
        .expect("a path has a first segment")
        .ident;
    let section = format!("linkme_{name}");
    quote! {
        #[cfg_attr(
            any(target_os = "linux", target_os = "android"),
            used,
            unsafe(link_section = #section)
        )]
        #[cfg_attr(
            not(any(target_os = "linux", target_os = "android")),
            ::#runtime::__private::linkme::distributed_slice(#slice),
            linkme(crate = ::#runtime::__private::linkme)
        )]
    }
}

/// The statics the policy's origins name, if any: the origins configured at startup
/// (`__CORS_ORIGINS`) or the application's decider (`__CORS_DECIDER`). Written with
/// `__cors::` paths, beside [`policy_tokens`].
pub fn origin_statics(spec: &CorsSpec) -> TokenStream {
    match &spec.origins {
        OriginSource::Configured(config_name) => {
            let credentials = spec.credentials;
            quote! {
                static __CORS_ORIGINS: __cors::ConfiguredOrigins =
                    __cors::ConfiguredOrigins::new(#config_name, #credentials);
            }
        }
        OriginSource::Decided { function, .. } => {
            let name = path_text(function);
            quote! {
                static __CORS_DECIDER: __cors::Decider = __cors::Decider {
                    name: #name,
                    function: &__cors::decide_by(#function),
                };
            }
        }
        OriginSource::Literal(_) => TokenStream::new(),
    }
}

/// The policy as a constant expression, its paths written `__cors::...`: the caller puts
/// its framework's [`Framework::private_alias`] in scope, and [`origin_statics`] beside it.
pub fn policy_tokens(spec: &CorsSpec) -> TokenStream {
    let origins = match &spec.origins {
        OriginSource::Literal(origins) => {
            let origins = origins_tokens(origins);
            quote!(__cors::PolicyOrigins::Fixed(#origins))
        }
        OriginSource::Configured(_) => {
            quote!(__cors::PolicyOrigins::Configured(&__CORS_ORIGINS))
        }
        OriginSource::Decided { bound, .. } => {
            let bound = origins_tokens(bound);
            quote!(__cors::PolicyOrigins::Decided { bound: #bound, decider: &__CORS_DECIDER })
        }
    };
    let methods = text_list(&spec.methods);
    let headers_any = spec.headers.any;
    let header_names = text_list(&spec.headers.names);
    let allow_headers = option(header_value(&spec.headers));
    let expose_headers = option(header_value(&spec.expose_headers));
    let max_age = match spec.max_age {
        Some(seconds) => quote!(__cors::Some(#seconds)),
        None => quote!(__cors::None),
    };
    let credentials = spec.credentials;
    quote! {
        __cors::Policy::from_parts(__cors::Parts {
            origins: #origins,
            methods: #methods,
            headers: __cors::AllowedHeaders { any: #headers_any, names: #header_names },
            allow_headers: #allow_headers,
            expose_headers: #expose_headers,
            max_age: #max_age,
            credentials: #credentials,
        })
    }
}

/// The checked origins as a `static` value: the runtime matches requests against exactly
/// what the rules returned.
fn origins_tokens(origins: &Origins) -> TokenStream {
    let Origins::Listed { exact, patterns } = origins else {
        return quote!(__cors::Origins::Any);
    };
    let exact: Vec<TokenStream> = exact
        .iter()
        .map(|origin| {
            let origin: &str = origin;
            quote!(__cors::Text::Static(#origin))
        })
        .collect();
    let patterns: Vec<TokenStream> = patterns
        .iter()
        .map(|pattern| {
            let scheme = match pattern.scheme {
                Scheme::Http => quote!(Http),
                Scheme::Https => quote!(Https),
            };
            let host: &str = &pattern.host;
            let subdomains = pattern.subdomains;
            let port = match pattern.port {
                PortRule::Default => quote!(Default),
                PortRule::Exact(port) => quote!(Exact(#port)),
                PortRule::Any => quote!(Any),
            };
            quote! {
                __cors::OriginPattern {
                    scheme: __cors::Scheme::#scheme,
                    host: __cors::Text::Static(#host),
                    subdomains: #subdomains,
                    port: __cors::PortRule::#port,
                }
            }
        })
        .collect();
    let (exact, patterns) = (static_list(&exact), static_list(&patterns));

    quote! {
        __cors::Origins::Listed {
            exact: #exact,
            patterns: #patterns,
        }
    }
}

/// The header value listing `list`: `*` first when given, then the names.
fn header_value(list: &HeaderList) -> Option<String> {
    let star = list.any.then_some("*");
    let names: Vec<&str> = star
        .into_iter()
        .chain(list.names.iter().map(String::as_str))
        .collect();
    (!names.is_empty()).then(|| names.join(", "))
}

fn option(value: Option<String>) -> TokenStream {
    match value {
        Some(value) => quote!(__cors::Some(#value)),
        None => quote!(__cors::None),
    }
}

/// A `&'static [&'static str]` in the generated `static`. Each list written there is an
/// allocation the compiler checks on its own (about as long as the rest of a small policy),
/// so the lists most routes have, empty or one method, name constants of `cors-runtime`.
pub fn text_list<S: AsRef<str>>(items: &[S]) -> TokenStream {
    let items: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    match items[..] {
        [] => quote!(__cors::lists::NONE),
        [method] if SHARED_METHOD_LISTS.contains(&method) => {
            let name = syn::Ident::new(method, proc_macro2::Span::call_site());
            quote!(__cors::lists::#name)
        }
        _ => quote!(&[#(#items),*]),
    }
}

/// The methods with a one-method list among `cors-runtime`'s constants.
const SHARED_METHOD_LISTS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"];

/// A `cors_rules::List` in the generated `static`: the shared empty list when empty, for
/// the same reason as [`text_list`].
fn static_list(items: &[TokenStream]) -> TokenStream {
    if items.is_empty() {
        return quote!(__cors::List::EMPTY);
    }
    quote!(__cors::List::Static(&[#(#items),*]))
}
