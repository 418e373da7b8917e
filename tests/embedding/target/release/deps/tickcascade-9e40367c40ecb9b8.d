/work/main/tests/embedding/target/release/deps/tickcascade-9e40367c40ecb9b8.d: /work/main/crates/tickcascade/src/lib.rs /work/main/crates/tickcascade/src/arena/mod.rs /work/main/crates/tickcascade/src/bus/mod.rs /work/main/crates/tickcascade/src/bus/context.rs /work/main/crates/tickcascade/src/bus/dispatch.rs /work/main/crates/tickcascade/src/bus/error.rs /work/main/crates/tickcascade/src/bus/subscriptions.rs /work/main/crates/tickcascade/src/canonical.rs /work/main/crates/tickcascade/src/event.rs /work/main/crates/tickcascade/src/event_set.rs /work/main/crates/tickcascade/src/id.rs /work/main/crates/tickcascade/src/journal.rs /work/main/crates/tickcascade/src/json/mod.rs /work/main/crates/tickcascade/src/json/de.rs /work/main/crates/tickcascade/src/json/escape.rs /work/main/crates/tickcascade/src/json/float.rs /work/main/crates/tickcascade/src/json/out.rs /work/main/crates/tickcascade/src/json/printable.rs /work/main/crates/tickcascade/src/json/pyfmt.rs /work/main/crates/tickcascade/src/json/scan.rs /work/main/crates/tickcascade/src/json/ser.rs /work/main/crates/tickcascade/src/json/text_out.rs /work/main/crates/tickcascade/src/json/tokens.rs /work/main/crates/tickcascade/src/json/top_keys.rs /work/main/crates/tickcascade/src/json/tree.rs /work/main/crates/tickcascade/src/jsonl/mod.rs /work/main/crates/tickcascade/src/jsonl/compression.rs /work/main/crates/tickcascade/src/jsonl/error.rs /work/main/crates/tickcascade/src/jsonl/line.rs /work/main/crates/tickcascade/src/jsonl/live_writer.rs /work/main/crates/tickcascade/src/jsonl/loader.rs /work/main/crates/tickcascade/src/jsonl/options.rs /work/main/crates/tickcascade/src/jsonl/save.rs /work/main/crates/tickcascade/src/jsonl/strict.rs /work/main/crates/tickcascade/src/log.rs /work/main/crates/tickcascade/src/parallel.rs /work/main/crates/tickcascade/src/query.rs /work/main/crates/tickcascade/src/replay.rs /work/main/crates/tickcascade/src/sim/mod.rs /work/main/crates/tickcascade/src/sim/rng.rs /work/main/crates/tickcascade/src/stable_hash.rs /work/main/crates/tickcascade/src/typed.rs /work/main/crates/tickcascade/src/view.rs

/work/main/tests/embedding/target/release/deps/libtickcascade-9e40367c40ecb9b8.rlib: /work/main/crates/tickcascade/src/lib.rs /work/main/crates/tickcascade/src/arena/mod.rs /work/main/crates/tickcascade/src/bus/mod.rs /work/main/crates/tickcascade/src/bus/context.rs /work/main/crates/tickcascade/src/bus/dispatch.rs /work/main/crates/tickcascade/src/bus/error.rs /work/main/crates/tickcascade/src/bus/subscriptions.rs /work/main/crates/tickcascade/src/canonical.rs /work/main/crates/tickcascade/src/event.rs /work/main/crates/tickcascade/src/event_set.rs /work/main/crates/tickcascade/src/id.rs /work/main/crates/tickcascade/src/journal.rs /work/main/crates/tickcascade/src/json/mod.rs /work/main/crates/tickcascade/src/json/de.rs /work/main/crates/tickcascade/src/json/escape.rs /work/main/crates/tickcascade/src/json/float.rs /work/main/crates/tickcascade/src/json/out.rs /work/main/crates/tickcascade/src/json/printable.rs /work/main/crates/tickcascade/src/json/pyfmt.rs /work/main/crates/tickcascade/src/json/scan.rs /work/main/crates/tickcascade/src/json/ser.rs /work/main/crates/tickcascade/src/json/text_out.rs /work/main/crates/tickcascade/src/json/tokens.rs /work/main/crates/tickcascade/src/json/top_keys.rs /work/main/crates/tickcascade/src/json/tree.rs /work/main/crates/tickcascade/src/jsonl/mod.rs /work/main/crates/tickcascade/src/jsonl/compression.rs /work/main/crates/tickcascade/src/jsonl/error.rs /work/main/crates/tickcascade/src/jsonl/line.rs /work/main/crates/tickcascade/src/jsonl/live_writer.rs /work/main/crates/tickcascade/src/jsonl/loader.rs /work/main/crates/tickcascade/src/jsonl/options.rs /work/main/crates/tickcascade/src/jsonl/save.rs /work/main/crates/tickcascade/src/jsonl/strict.rs /work/main/crates/tickcascade/src/log.rs /work/main/crates/tickcascade/src/parallel.rs /work/main/crates/tickcascade/src/query.rs /work/main/crates/tickcascade/src/replay.rs /work/main/crates/tickcascade/src/sim/mod.rs /work/main/crates/tickcascade/src/sim/rng.rs /work/main/crates/tickcascade/src/stable_hash.rs /work/main/crates/tickcascade/src/typed.rs /work/main/crates/tickcascade/src/view.rs

/work/main/tests/embedding/target/release/deps/libtickcascade-9e40367c40ecb9b8.rmeta: /work/main/crates/tickcascade/src/lib.rs /work/main/crates/tickcascade/src/arena/mod.rs /work/main/crates/tickcascade/src/bus/mod.rs /work/main/crates/tickcascade/src/bus/context.rs /work/main/crates/tickcascade/src/bus/dispatch.rs /work/main/crates/tickcascade/src/bus/error.rs /work/main/crates/tickcascade/src/bus/subscriptions.rs /work/main/crates/tickcascade/src/canonical.rs /work/main/crates/tickcascade/src/event.rs /work/main/crates/tickcascade/src/event_set.rs /work/main/crates/tickcascade/src/id.rs /work/main/crates/tickcascade/src/journal.rs /work/main/crates/tickcascade/src/json/mod.rs /work/main/crates/tickcascade/src/json/de.rs /work/main/crates/tickcascade/src/json/escape.rs /work/main/crates/tickcascade/src/json/float.rs /work/main/crates/tickcascade/src/json/out.rs /work/main/crates/tickcascade/src/json/printable.rs /work/main/crates/tickcascade/src/json/pyfmt.rs /work/main/crates/tickcascade/src/json/scan.rs /work/main/crates/tickcascade/src/json/ser.rs /work/main/crates/tickcascade/src/json/text_out.rs /work/main/crates/tickcascade/src/json/tokens.rs /work/main/crates/tickcascade/src/json/top_keys.rs /work/main/crates/tickcascade/src/json/tree.rs /work/main/crates/tickcascade/src/jsonl/mod.rs /work/main/crates/tickcascade/src/jsonl/compression.rs /work/main/crates/tickcascade/src/jsonl/error.rs /work/main/crates/tickcascade/src/jsonl/line.rs /work/main/crates/tickcascade/src/jsonl/live_writer.rs /work/main/crates/tickcascade/src/jsonl/loader.rs /work/main/crates/tickcascade/src/jsonl/options.rs /work/main/crates/tickcascade/src/jsonl/save.rs /work/main/crates/tickcascade/src/jsonl/strict.rs /work/main/crates/tickcascade/src/log.rs /work/main/crates/tickcascade/src/parallel.rs /work/main/crates/tickcascade/src/query.rs /work/main/crates/tickcascade/src/replay.rs /work/main/crates/tickcascade/src/sim/mod.rs /work/main/crates/tickcascade/src/sim/rng.rs /work/main/crates/tickcascade/src/stable_hash.rs /work/main/crates/tickcascade/src/typed.rs /work/main/crates/tickcascade/src/view.rs

/work/main/crates/tickcascade/src/lib.rs:
/work/main/crates/tickcascade/src/arena/mod.rs:
/work/main/crates/tickcascade/src/bus/mod.rs:
/work/main/crates/tickcascade/src/bus/context.rs:
/work/main/crates/tickcascade/src/bus/dispatch.rs:
/work/main/crates/tickcascade/src/bus/error.rs:
/work/main/crates/tickcascade/src/bus/subscriptions.rs:
/work/main/crates/tickcascade/src/canonical.rs:
/work/main/crates/tickcascade/src/event.rs:
/work/main/crates/tickcascade/src/event_set.rs:
/work/main/crates/tickcascade/src/id.rs:
/work/main/crates/tickcascade/src/journal.rs:
/work/main/crates/tickcascade/src/json/mod.rs:
/work/main/crates/tickcascade/src/json/de.rs:
/work/main/crates/tickcascade/src/json/escape.rs:
/work/main/crates/tickcascade/src/json/float.rs:
/work/main/crates/tickcascade/src/json/out.rs:
/work/main/crates/tickcascade/src/json/printable.rs:
/work/main/crates/tickcascade/src/json/pyfmt.rs:
/work/main/crates/tickcascade/src/json/scan.rs:
/work/main/crates/tickcascade/src/json/ser.rs:
/work/main/crates/tickcascade/src/json/text_out.rs:
/work/main/crates/tickcascade/src/json/tokens.rs:
/work/main/crates/tickcascade/src/json/top_keys.rs:
/work/main/crates/tickcascade/src/json/tree.rs:
/work/main/crates/tickcascade/src/jsonl/mod.rs:
/work/main/crates/tickcascade/src/jsonl/compression.rs:
/work/main/crates/tickcascade/src/jsonl/error.rs:
/work/main/crates/tickcascade/src/jsonl/line.rs:
/work/main/crates/tickcascade/src/jsonl/live_writer.rs:
/work/main/crates/tickcascade/src/jsonl/loader.rs:
/work/main/crates/tickcascade/src/jsonl/options.rs:
/work/main/crates/tickcascade/src/jsonl/save.rs:
/work/main/crates/tickcascade/src/jsonl/strict.rs:
/work/main/crates/tickcascade/src/log.rs:
/work/main/crates/tickcascade/src/parallel.rs:
/work/main/crates/tickcascade/src/query.rs:
/work/main/crates/tickcascade/src/replay.rs:
/work/main/crates/tickcascade/src/sim/mod.rs:
/work/main/crates/tickcascade/src/sim/rng.rs:
/work/main/crates/tickcascade/src/stable_hash.rs:
/work/main/crates/tickcascade/src/typed.rs:
/work/main/crates/tickcascade/src/view.rs:
