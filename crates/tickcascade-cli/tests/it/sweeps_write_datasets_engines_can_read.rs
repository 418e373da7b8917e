//! Sweeps and Parquet datasets: the export reads back as the log's events,
//! typed data columns appear only for single-typed scalar fields, sweeps
//! skip finished runs and redo unfinished ones, and shards split the seeds.

use crate::common::fixture;
use arrow_array::{Array, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::collections::BTreeSet;
use tickcascade::sim::Runner;
use tickcascade::{EventLog, LoadOptions, load_file};
use tickcascade_cli::demos::trading::Trading;
use tickcascade_datasets::sweep::{SweepPlan, run_sweep};
use tickcascade_datasets::write_parquet;

fn read(bytes: Vec<u8>) -> Vec<RecordBatch> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(bytes))
        .unwrap()
        .build()
        .unwrap();
    reader.map(|b| b.unwrap()).collect()
}

/// A column of the batch as its array type.
fn column<'b, A: 'static>(b: &'b RecordBatch, name: &str) -> &'b A {
    b.column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .as_any()
        .downcast_ref::<A>()
        .unwrap_or_else(|| panic!("column {name} has another type"))
}

fn strings(b: &RecordBatch, name: &str) -> Vec<Option<String>> {
    let a = column::<StringArray>(b, name);
    (0..a.len())
        .map(|i| (!a.is_null(i)).then(|| a.value(i).to_owned()))
        .collect()
}

#[test]
fn the_parquet_export_reads_back_as_the_logs_events() {
    for name in [
        "eventure/game",
        "eventure/values",
        "eventure/duplicates",
        "eventure/cycles",
        "eventure/orphans",
        "schema/inventory_upcast",
    ] {
        let log = load_file(&fixture(&format!("{name}.jsonl")), &LoadOptions::default())
            .unwrap()
            .0;
        let batches = read(write_parquet(&[&log], Vec::new()).unwrap());
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        assert_eq!(rows, log.len(), "{name}");
        if name.starts_with("schema/") {
            assert!(log.events().iter().any(|e| e.schema() == 3), "{name}");
        }
        let mut k = 0;
        for b in &batches {
            let ticks = column::<Int64Array>(b, "tick");
            let ts = column::<Float64Array>(b, "timestamp");
            let schema = column::<Int32Array>(b, "schema");
            let (types, ids, parents, data) = (
                strings(b, "type"),
                strings(b, "event_id"),
                strings(b, "parent_id"),
                strings(b, "data"),
            );
            for r in 0..b.num_rows() {
                let e = &log.events()[k];
                assert_eq!(ticks.value(r), e.tick());
                assert_eq!(ts.value(r).to_bits(), e.timestamp().as_f64().to_bits());
                assert_eq!(types[r].as_deref(), Some(e.event_type()));
                assert_eq!(ids[r], Some(e.id().to_string()));
                assert_eq!(parents[r], e.parent_id().map(|p| p.to_string()));
                assert_eq!(data[r].as_deref(), Some(e.data_json()));
                assert_eq!(schema.value(r), e.schema() as i32);
                k += 1;
            }
        }
    }
}

#[test]
fn typed_columns_and_cascade_columns_are_right() {
    let log = load_file(
        &fixture("eventure/spec_example.jsonl"),
        &LoadOptions::default(),
    )
    .unwrap()
    .0;
    let b = &read(write_parquet(&[&log], Vec::new()).unwrap())[0];
    let names: Vec<String> = b
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert!(names.contains(&"data_xp".to_owned()) && names.contains(&"data_item".to_owned()));
    assert!(
        !names.contains(&"data_tags".to_owned()),
        "lists get no typed column"
    );
    let xp = column::<Int64Array>(b, "data_xp");
    assert_eq!((xp.is_null(0), xp.value(5), xp.value(6)), (true, 10, 5));
    assert_eq!(strings(b, "root_id")[2].as_deref(), Some("0-ADFA-1"));
    let depth = column::<Int64Array>(b, "depth");
    assert_eq!(
        (0..7).map(|i| depth.value(i)).collect::<Vec<_>>(),
        [0, 1, 2, 0, 1, 1, 1]
    );
}

fn trading(seed: u64) -> Result<EventLog, String> {
    let mut r = Runner::new(Trading::new(seed, Default::default()));
    r.run_for(30).map_err(|e| e.to_string())?;
    Ok(r.into_parts().0)
}

#[test]
fn a_sweep_skips_finished_runs_and_redoes_unfinished_ones() {
    let out = std::env::temp_dir().join(format!("tickcascade-sweep-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let plan = SweepPlan::new(0..6, out.clone()).with_jobs(2);
    let first = run_sweep(&plan, &trading, &|_| {});
    assert_eq!((first.done, first.skipped), (6, 0));
    for seed in 0..6 {
        let dir = plan.run_dir(seed);
        for f in ["log.jsonl", "part-0.parquet", "_SUCCESS"] {
            assert!(dir.join(f).exists(), "{}", dir.join(f).display());
        }
        let saved = EventLog::load_from_file(dir.join("log.jsonl")).unwrap();
        assert_eq!(saved.events(), trading(seed).unwrap().events());
    }
    std::fs::remove_file(plan.run_dir(3).join("_SUCCESS")).unwrap(); // as if killed mid-run
    let second = run_sweep(&plan, &trading, &|_| {});
    assert_eq!((second.done, second.skipped), (1, 5));
}

#[test]
fn shards_split_the_seeds_without_overlap() {
    let all: BTreeSet<u64> = (10..47).collect();
    let mut seen = BTreeSet::new();
    for i in 1..=4 {
        let plan = SweepPlan::new(10..47, "x").with_shard(Some((i, 4)));
        for s in plan.seeds() {
            assert!(seen.insert(s), "seed {s} in two shards");
        }
    }
    assert_eq!(seen, all);
}
