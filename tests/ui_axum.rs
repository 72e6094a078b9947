//! Compile-time behaviour of axum's `#[cors]` and `routes!`: every mistake is one precise
//! error on the offending key, literal or handler (`ui_axum/fail`), in the same words as
//! actix-web's `#[cors]` where the rule is shared; what users write compiles under strict
//! lints (`ui_axum/pass`).
//!
//! Refresh the expected output with `TRYBUILD=overwrite cargo test --test ui_axum` and read
//! the diff of every `.stderr`.

#[test]
fn ui_axum() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui_axum/fail/*.rs");
    cases.pass("tests/ui_axum/pass/*.rs");
}
