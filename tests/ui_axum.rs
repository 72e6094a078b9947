//! Compile-time behaviour of axum's `#[cors]` and `routes!`: every mistake the macros
//! catch themselves is one precise error on the offending key, literal or handler
//! (`ui_axum/fail`), in the same words as actix-web's `#[cors]` where the rule is shared.
//!
//! The cases name the macros through `cors-macros` (`axum_cors as cors`, `axum_routes as
//! routes`) until `cors-axum` re-exports them; what needs the runtime (different paths or
//! one method twice in `routes!`, a handler registered without `routes!`, passing cases)
//! comes with it.
//!
//! Refresh the expected output with `TRYBUILD=overwrite cargo test --test ui_axum` and read
//! the diff of every `.stderr`.

#[test]
fn ui_axum() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui_axum/fail/*.rs");
}
