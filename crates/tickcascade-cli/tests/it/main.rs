//! Integration tests of the command line and the demos: one test binary, one module per
//! behaviour, each named as a sentence.

#[path = "../../../../tests/common/mod.rs"]
mod common;

mod analytics_rules_hold_on_the_bus;
mod cli_prints_what_eventure_prints;
mod cli_reports_bad_input_with_file_line_and_exit_code;
mod compressed_logs_are_read_everywhere_and_survive_a_kill;
mod deliver_backfills_a_log_and_resumes_from_the_spool;
mod deliver_under_a_hostile_collector_loses_nothing_silently;
mod following_a_live_log_prints_what_the_finished_log_prints;
mod outputs_never_destroy_their_input_or_stay_half_written;
mod simulations_are_seeded_and_replay_rebuilds_their_state;
mod sweeps_write_datasets_engines_can_read;
