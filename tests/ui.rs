//! Compile-time behaviour of `#[cors]`: every policy it rejects is one precise error on
//! the offending key or literal (`ui/fail`), and accepted policies expand to code that
//! compiles cleanly under strict lints (`ui/pass`).
//!
//! Refresh the expected output with `TRYBUILD=overwrite cargo test --test ui` and read the
//! diff of every `.stderr`.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/fail/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
