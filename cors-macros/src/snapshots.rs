//! What `#[cors]` generates, formatted, so a reviewer can read the expansion and see every
//! change to it in a diff. Refresh with `UPDATE_EXPECT=1 cargo test -p cors-macros`.

use expect_test::{Expect, expect};
use proc_macro2::TokenStream;
use quote::quote;

use crate::cors_impl;

/// Expands `#[cors(args)] item` and compares the formatted output with `expected`.
fn check(args: TokenStream, item: TokenStream, expected: Expect) {
    let expanded = cors_impl(args, item);
    // prettyplease formats syn 2 trees; the tokens are the same whichever syn reads them.
    let file: syn2::File = match syn2::parse2(expanded.clone()) {
        Ok(file) => file,
        Err(error) => panic!("the expansion is not a valid file: {error}\n{expanded}"),
    };
    expected.assert_eq(&prettyplease::unparse(&file));
}

#[test]
fn get_with_credentials() {
    check(
        quote!(
            origins = "https://app.example.com, http://localhost:8080",
            headers = "Content-Type, X-Api-Key",
            expose_headers = "X-Total-Count",
            credentials = true,
            max_age = 600
        ),
        quote! {
            /// Lists the items.
            #[get("/api/items")]
            async fn list_items() -> impl Responder {
                "[]"
            }
        },
        expect![[r#"
            /// Lists the items.
            #[allow(non_camel_case_types)]
            struct list_items;
            impl ::cors_runtime::__private::actix_web::dev::HttpServiceFactory for list_items {
                fn register(
                    self,
                    __cors_config: &mut ::cors_runtime::__private::actix_web::dev::AppService,
                ) {
                    static __CORS_POLICY: ::cors_runtime::Policy = ::cors_runtime::Policy::from_parts(::cors_runtime::__private::Parts {
                        origins: ::cors_runtime::__private::PolicyOrigins::Fixed(::cors_runtime::__private::Origins::Listed {
                            exact: ::std::borrow::Cow::Borrowed(
                                &[
                                    ::std::borrow::Cow::Borrowed("https://app.example.com"),
                                    ::std::borrow::Cow::Borrowed("http://localhost:8080"),
                                ],
                            ),
                            patterns: ::std::borrow::Cow::Borrowed(&[]),
                        }),
                        methods: &["GET"],
                        headers: ::cors_runtime::__private::AllowedHeaders {
                            any: false,
                            names: &["content-type", "x-api-key"],
                        },
                        allow_headers: ::core::option::Option::Some("content-type, x-api-key"),
                        expose_headers: ::core::option::Option::Some("x-total-count"),
                        max_age: ::core::option::Option::Some(600u64),
                        credentials: true,
                    });
                    #[cfg_attr(
                        any(target_os = "linux", target_os = "android"),
                        used,
                        unsafe(link_section = "linkme_ENTRIES")
                    )]
                    #[cfg_attr(
                        not(any(target_os = "linux", target_os = "android")),
                        ::cors_runtime::__private::linkme::distributed_slice(
                            ::cors_runtime::audit::ENTRIES
                        ),
                        linkme(crate = ::cors_runtime::__private::linkme)
                    )]
                    static __CORS_AUDIT: ::cors_runtime::audit::AuditEntry = ::cors_runtime::audit::AuditEntry::new(
                        "list_items",
                        ::core::module_path!(),
                        &["/api/items"],
                        &__CORS_POLICY,
                    );
                    /// Lists the items.
                    #[get(
                        "/api/items",
                        wrap = "::cors_runtime::__private::Inject::new(&__CORS_POLICY)"
                    )]
                    async fn list_items() -> impl Responder {
                        "[]"
                    }
                    ::cors_runtime::__private::actix_web::dev::HttpServiceFactory::register(
                        list_items,
                        __cors_config,
                    );
                    {
                        static __CORS_ROUTE: ::cors_runtime::__private::PreflightRoute = ::cors_runtime::__private::PreflightRoute {
                            path: "/api/items",
                            served: &["GET"],
                            methods: &["GET"],
                            allow_methods: "GET",
                            guards: ::cors_runtime::__private::no_guards,
                        };
                        ::cors_runtime::__private::register_preflight(
                            __cors_config,
                            &__CORS_ROUTE,
                            &__CORS_POLICY,
                        );
                    }
                }
            }
        "#]],
    );
}

#[test]
fn wildcard_on_route_with_two_methods() {
    check(
        quote!(
            origins = "*",
            methods = "GET, POST",
            headers = "X-Requested-With",
            max_age = 86400
        ),
        quote! {
            #[route("/hello", method = "GET", method = "POST")]
            async fn hello() -> &'static str {
                "Hello"
            }
        },
        expect![[r##"
            #[allow(non_camel_case_types)]
            struct hello;
            impl ::cors_runtime::__private::actix_web::dev::HttpServiceFactory for hello {
                fn register(
                    self,
                    __cors_config: &mut ::cors_runtime::__private::actix_web::dev::AppService,
                ) {
                    static __CORS_POLICY: ::cors_runtime::Policy = ::cors_runtime::Policy::from_parts(::cors_runtime::__private::Parts {
                        origins: ::cors_runtime::__private::PolicyOrigins::Fixed(
                            ::cors_runtime::__private::Origins::Any,
                        ),
                        methods: &["GET", "POST"],
                        headers: ::cors_runtime::__private::AllowedHeaders {
                            any: false,
                            names: &["x-requested-with"],
                        },
                        allow_headers: ::core::option::Option::Some("x-requested-with"),
                        expose_headers: ::core::option::Option::None,
                        max_age: ::core::option::Option::Some(86400u64),
                        credentials: false,
                    });
                    #[cfg_attr(
                        any(target_os = "linux", target_os = "android"),
                        used,
                        unsafe(link_section = "linkme_ENTRIES")
                    )]
                    #[cfg_attr(
                        not(any(target_os = "linux", target_os = "android")),
                        ::cors_runtime::__private::linkme::distributed_slice(
                            ::cors_runtime::audit::ENTRIES
                        ),
                        linkme(crate = ::cors_runtime::__private::linkme)
                    )]
                    static __CORS_AUDIT: ::cors_runtime::audit::AuditEntry = ::cors_runtime::audit::AuditEntry::new(
                        "hello",
                        ::core::module_path!(),
                        &["/hello"],
                        &__CORS_POLICY,
                    );
                    #[route(
                        "/hello",
                        method = "GET",
                        method = "POST",
                        wrap = "::cors_runtime::__private::Inject::new(&__CORS_POLICY)"
                    )]
                    async fn hello() -> &'static str {
                        "Hello"
                    }
                    ::cors_runtime::__private::actix_web::dev::HttpServiceFactory::register(
                        hello,
                        __cors_config,
                    );
                    {
                        static __CORS_ROUTE: ::cors_runtime::__private::PreflightRoute = ::cors_runtime::__private::PreflightRoute {
                            path: "/hello",
                            served: &["GET", "POST"],
                            methods: &["GET", "POST"],
                            allow_methods: "GET, POST",
                            guards: ::cors_runtime::__private::no_guards,
                        };
                        ::cors_runtime::__private::register_preflight(
                            __cors_config,
                            &__CORS_ROUTE,
                            &__CORS_POLICY,
                        );
                    }
                }
            }
        "##]],
    );
}

#[test]
fn routes_with_two_paths() {
    check(
        quote!(origins = "https://app.example.com"),
        quote! {
            #[routes]
            #[get("/items")]
            #[post("/api/items", wrap = "Logger::default()")]
            pub async fn items() -> &'static str {
                "[]"
            }
        },
        expect![[r##"
            #[allow(non_camel_case_types)]
            pub struct items;
            impl ::cors_runtime::__private::actix_web::dev::HttpServiceFactory for items {
                fn register(
                    self,
                    __cors_config: &mut ::cors_runtime::__private::actix_web::dev::AppService,
                ) {
                    static __CORS_POLICY: ::cors_runtime::Policy = ::cors_runtime::Policy::from_parts(::cors_runtime::__private::Parts {
                        origins: ::cors_runtime::__private::PolicyOrigins::Fixed(::cors_runtime::__private::Origins::Listed {
                            exact: ::std::borrow::Cow::Borrowed(
                                &[::std::borrow::Cow::Borrowed("https://app.example.com")],
                            ),
                            patterns: ::std::borrow::Cow::Borrowed(&[]),
                        }),
                        methods: &["GET", "POST"],
                        headers: ::cors_runtime::__private::AllowedHeaders {
                            any: false,
                            names: &[],
                        },
                        allow_headers: ::core::option::Option::None,
                        expose_headers: ::core::option::Option::None,
                        max_age: ::core::option::Option::None,
                        credentials: false,
                    });
                    #[cfg_attr(
                        any(target_os = "linux", target_os = "android"),
                        used,
                        unsafe(link_section = "linkme_ENTRIES")
                    )]
                    #[cfg_attr(
                        not(any(target_os = "linux", target_os = "android")),
                        ::cors_runtime::__private::linkme::distributed_slice(
                            ::cors_runtime::audit::ENTRIES
                        ),
                        linkme(crate = ::cors_runtime::__private::linkme)
                    )]
                    static __CORS_AUDIT: ::cors_runtime::audit::AuditEntry = ::cors_runtime::audit::AuditEntry::new(
                        "items",
                        ::core::module_path!(),
                        &["/items", "/api/items"],
                        &__CORS_POLICY,
                    );
                    #[routes]
                    #[get("/items", wrap = "::cors_runtime::__private::Inject::new(&__CORS_POLICY)")]
                    #[post(
                        "/api/items",
                        wrap = "Logger::default()",
                        wrap = "::cors_runtime::__private::Inject::new(&__CORS_POLICY)"
                    )]
                    pub async fn items() -> &'static str {
                        "[]"
                    }
                    ::cors_runtime::__private::actix_web::dev::HttpServiceFactory::register(
                        items,
                        __cors_config,
                    );
                    {
                        static __CORS_ROUTE: ::cors_runtime::__private::PreflightRoute = ::cors_runtime::__private::PreflightRoute {
                            path: "/items",
                            served: &["GET"],
                            methods: &["GET"],
                            allow_methods: "GET",
                            guards: ::cors_runtime::__private::no_guards,
                        };
                        ::cors_runtime::__private::register_preflight(
                            __cors_config,
                            &__CORS_ROUTE,
                            &__CORS_POLICY,
                        );
                    }
                    {
                        static __CORS_ROUTE: ::cors_runtime::__private::PreflightRoute = ::cors_runtime::__private::PreflightRoute {
                            path: "/api/items",
                            served: &["POST"],
                            methods: &["POST"],
                            allow_methods: "POST",
                            guards: ::cors_runtime::__private::no_guards,
                        };
                        ::cors_runtime::__private::register_preflight(
                            __cors_config,
                            &__CORS_ROUTE,
                            &__CORS_POLICY,
                        );
                    }
                }
            }
        "##]],
    );
}

#[test]
fn subdomain_and_port_patterns() {
    check(
        quote!(
            origins = "https://*.example.com, http://localhost:*, https://*.example.org:8443, https://app.example.net"
        ),
        quote! {
            #[delete("/api/items/{id}")]
            async fn delete_item() -> &'static str {
                ""
            }
        },
        expect![[r##"
            #[allow(non_camel_case_types)]
            struct delete_item;
            impl ::cors_runtime::__private::actix_web::dev::HttpServiceFactory for delete_item {
                fn register(
                    self,
                    __cors_config: &mut ::cors_runtime::__private::actix_web::dev::AppService,
                ) {
                    static __CORS_POLICY: ::cors_runtime::Policy = ::cors_runtime::Policy::from_parts(::cors_runtime::__private::Parts {
                        origins: ::cors_runtime::__private::PolicyOrigins::Fixed(::cors_runtime::__private::Origins::Listed {
                            exact: ::std::borrow::Cow::Borrowed(
                                &[::std::borrow::Cow::Borrowed("https://app.example.net")],
                            ),
                            patterns: ::std::borrow::Cow::Borrowed(
                                &[
                                    ::cors_runtime::__private::OriginPattern {
                                        scheme: ::cors_runtime::__private::Scheme::Https,
                                        host: ::std::borrow::Cow::Borrowed("example.com"),
                                        subdomains: true,
                                        port: ::cors_runtime::__private::PortRule::Default,
                                    },
                                    ::cors_runtime::__private::OriginPattern {
                                        scheme: ::cors_runtime::__private::Scheme::Http,
                                        host: ::std::borrow::Cow::Borrowed("localhost"),
                                        subdomains: false,
                                        port: ::cors_runtime::__private::PortRule::Any,
                                    },
                                    ::cors_runtime::__private::OriginPattern {
                                        scheme: ::cors_runtime::__private::Scheme::Https,
                                        host: ::std::borrow::Cow::Borrowed("example.org"),
                                        subdomains: true,
                                        port: ::cors_runtime::__private::PortRule::Exact(8443u16),
                                    },
                                ],
                            ),
                        }),
                        methods: &["DELETE"],
                        headers: ::cors_runtime::__private::AllowedHeaders {
                            any: false,
                            names: &[],
                        },
                        allow_headers: ::core::option::Option::None,
                        expose_headers: ::core::option::Option::None,
                        max_age: ::core::option::Option::None,
                        credentials: false,
                    });
                    #[cfg_attr(
                        any(target_os = "linux", target_os = "android"),
                        used,
                        unsafe(link_section = "linkme_ENTRIES")
                    )]
                    #[cfg_attr(
                        not(any(target_os = "linux", target_os = "android")),
                        ::cors_runtime::__private::linkme::distributed_slice(
                            ::cors_runtime::audit::ENTRIES
                        ),
                        linkme(crate = ::cors_runtime::__private::linkme)
                    )]
                    static __CORS_AUDIT: ::cors_runtime::audit::AuditEntry = ::cors_runtime::audit::AuditEntry::new(
                        "delete_item",
                        ::core::module_path!(),
                        &["/api/items/{id}"],
                        &__CORS_POLICY,
                    );
                    #[delete(
                        "/api/items/{id}",
                        wrap = "::cors_runtime::__private::Inject::new(&__CORS_POLICY)"
                    )]
                    async fn delete_item() -> &'static str {
                        ""
                    }
                    ::cors_runtime::__private::actix_web::dev::HttpServiceFactory::register(
                        delete_item,
                        __cors_config,
                    );
                    {
                        static __CORS_ROUTE: ::cors_runtime::__private::PreflightRoute = ::cors_runtime::__private::PreflightRoute {
                            path: "/api/items/{id}",
                            served: &["DELETE"],
                            methods: &["DELETE"],
                            allow_methods: "DELETE",
                            guards: ::cors_runtime::__private::no_guards,
                        };
                        ::cors_runtime::__private::register_preflight(
                            __cors_config,
                            &__CORS_ROUTE,
                            &__CORS_POLICY,
                        );
                    }
                }
            }
        "##]],
    );
}

#[test]
fn errors_keep_the_item() {
    check(
        quote!(origins = "*", credentials = true, max_age = 90000),
        quote! {
            #[get("/items")]
            async fn list_items() -> &'static str {
                "[]"
            }
        },
        expect![[r##"
            #[get("/items")]
            async fn list_items() -> &'static str {
                "[]"
            }
            ::core::compile_error! {
                "`credentials = true` cannot be combined with `origins = \"*\"`: browsers reject a wildcard origin on credentialed requests; list the allowed origins"
            }
            ::core::compile_error! {
                "`max_age = 90000` is above 86400 (one day): browsers cap the preflight cache there, so a larger value only misleads"
            }
        "##]],
    );
}
