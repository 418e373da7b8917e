//! Integration tests of the core crate: one test binary, one module per
//! behaviour, each named as a sentence.

#[path = "../../../../tests/common/mod.rs"]
mod common;

mod bus_dispatch_order_and_ids_match_eventure;
mod deep_and_cyclic_logs_print_without_overflowing;
mod files_we_write_load_in_eventure;
mod live_writer_leaves_at_most_a_torn_line;
mod logs_written_by_eventure_load_resave_and_print_byte_for_byte;
mod old_logs_replay_into_new_code_through_upcasters;
mod readme_example_runs;
mod round_trips_and_invariants_hold_for_random_logs;
