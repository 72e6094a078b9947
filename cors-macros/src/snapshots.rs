//! What `#[cors]` (actix-web's and axum's) and axum's `policy!` and `routes!` generate, formatted, so a reviewer can read the expansion and see every
//! change to it in a diff (each in `snapshots/`). Refresh with
//! `UPDATE_EXPECT=1 cargo test -p cors-macros`.

use expect_test::{ExpectFile, expect_file};
use proc_macro2::TokenStream;
use quote::quote;

use crate::cors_impl;

/// Expands `#[cors(args)] item` and compares the formatted output with `expected`.
fn check(args: TokenStream, item: TokenStream, expected: ExpectFile) {
    check_tokens(cors_impl(args, item), expected);
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
        expect_file!["snapshots/get_with_credentials.txt"],
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
        expect_file!["snapshots/wildcard_on_route_with_two_methods.txt"],
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
        expect_file!["snapshots/routes_with_two_paths.txt"],
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
        expect_file!["snapshots/subdomain_and_port_patterns.txt"],
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
        expect_file!["snapshots/errors_keep_the_item.txt"],
    );
}

#[test]
fn guarded_routes_share_their_guard_function_with_the_preflight() {
    check(
        quote!(origins = "https://app.example.com"),
        quote! {
            #[routes]
            #[get("/items", guard = "api_host")]
            #[post("/items", guard = "api_host")]
            async fn items() -> &'static str {
                "[]"
            }
        },
        expect_file!["snapshots/guarded_routes.txt"],
    );
}

#[test]
fn header_guards_are_left_out_of_the_preflights_guards() {
    check(
        quote!(
            origins = "https://app.example.com",
            header_guards = "is_json"
        ),
        quote! {
            #[post("/items", guard = "is_json", guard = "api_host")]
            async fn create_item() -> &'static str {
                "{}"
            }
        },
        expect_file!["snapshots/header_guards.txt"],
    );
}

#[test]
fn origins_the_application_decides() {
    check(
        quote!(
            origins = "https://*, http://localhost:8080",
            decide_origin = "tenants::is_tenant",
            credentials = true
        ),
        quote! {
            #[get("/api/me")]
            async fn me() -> &'static str {
                "{}"
            }
        },
        expect_file!["snapshots/origins_the_application_decides.txt"],
    );
}

/// Expands axum's `#[cors(args)] item` and compares the formatted output with `expected`.
fn check_axum(args: TokenStream, item: TokenStream, expected: ExpectFile) {
    check_tokens(crate::axum::attribute(args, item), expected);
}

/// Formats `expanded` and compares it with `expected`.
fn check_tokens(expanded: TokenStream, expected: ExpectFile) {
    // prettyplease formats syn 2 trees; the tokens are the same whichever syn reads them.
    let file: syn2::File = match syn2::parse2(expanded.clone()) {
        Ok(file) => file,
        Err(error) => panic!("the expansion is not a valid file: {error}\n{expanded}"),
    };
    expected.assert_eq(&prettyplease::unparse(&file));
}

#[test]
fn axum_handler_with_extractors() {
    check_axum(
        quote!(
            get,
            path = "/items/{id}",
            origins = "https://app.example.com, http://localhost:8080",
            headers = "Content-Type",
            expose_headers = "X-Total-Count",
            credentials = true,
            max_age = 600
        ),
        quote! {
            /// Shows one item.
            #[cfg(feature = "items")]
            #[tracing::instrument]
            pub async fn show_item(Path(id): Path<u32>, State(db): State<Db>) -> Json<Item> {
                Json(db.item(id))
            }
        },
        expect_file!["snapshots/axum_handler_with_extractors.txt"],
    );
}

#[test]
fn axum_handler_with_configured_origins() {
    check_axum(
        quote!(post, path = "/items", origins_from = "API_ORIGINS"),
        quote! {
            async fn create_item() -> StatusCode {
                StatusCode::CREATED
            }
        },
        expect_file!["snapshots/axum_handler_with_configured_origins.txt"],
    );
}

#[test]
fn axum_handler_with_a_shared_policy() {
    check_axum(
        quote!(delete, path = "/items/{id}", policy = crate::APP),
        quote! {
            async fn delete_item() {}
        },
        expect_file!["snapshots/axum_handler_with_a_shared_policy.txt"],
    );
}

#[test]
fn axum_shared_policy() {
    // A statement holds the `macro_rules!` for prettyplease.
    let expanded = crate::shared::define(
        quote!(pub(crate) APP { origins = "https://app.example.com", credentials = true, }),
        crate::framework::Framework::Axum,
    );
    check_tokens(expanded, expect_file!["snapshots/axum_shared_policy.txt"]);
}

#[test]
fn axum_routes_of_one_path() {
    let expanded = crate::axum_routes::routes(quote!(list_items, api::create_item, delete_items));
    // The expansion is an expression: a function around it for prettyplease.
    check_tokens(
        quote!(fn router() { #expanded }),
        expect_file!["snapshots/axum_routes_of_one_path.txt"],
    );
}
