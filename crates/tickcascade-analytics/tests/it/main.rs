//! Integration tests of the analytics crate: one test binary, one module per
//! behaviour, each named as a sentence.

#[path = "../../../../tests/common/mod.rs"]
mod common;

mod delivery_survives_a_faulty_collector;
