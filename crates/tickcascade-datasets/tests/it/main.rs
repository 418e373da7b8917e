//! Integration tests of the datasets crate: one test binary, one module per
//! behaviour, each named as a sentence.

#[path = "../../../../tests/common/mod.rs"]
mod common;

mod exports_draw_cascades;
