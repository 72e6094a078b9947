//! The demo application of SPEC §4, shared by `examples/demo.rs` and the browser tests.
