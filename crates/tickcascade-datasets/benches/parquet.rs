//! Writing a log as Parquet. Size from `TICKCASCADE_BENCH_EVENTS` (the
//! first of its comma-separated counts; default 10000).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use serde_json::json;
use tickcascade::{Clock, EventLog};
use tickcascade_datasets::write_parquet;

fn size() -> u64 {
    std::env::var("TICKCASCADE_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.split(',').next().and_then(|s| s.trim().parse().ok()))
        .unwrap_or(10_000)
}

fn export_parquet(c: &mut Criterion) {
    let n = size();
    let mut log = EventLog::with_clock(Clock::Steps {
        start_micros: 0,
        step_micros: 1,
    });
    for i in 0..n {
        if i % 1000 == 0 {
            log.advance_tick();
        }
        let data = json!({"i": i, "name": "hero", "hp": (i % 100) as f64 / 4.0});
        if log.add_event("combat.attack", &data, None).is_err() {
            return;
        }
    }
    let mut g = c.benchmark_group("datasets");
    g.sample_size(10);
    g.throughput(Throughput::Elements(n));
    g.bench_function(BenchmarkId::new("export_parquet", n), |b| {
        b.iter(|| write_parquet(&[&log], Vec::new()).map(|v| v.len()))
    });
    g.finish();
}

criterion_group!(benches, export_parquet);
criterion_main!(benches);
