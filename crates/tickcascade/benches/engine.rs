//! Criterion benchmarks of the core: publish (with 0, 4 and 100 wildcard
//! patterns subscribed), queries, cascades, save, load and print.
//!
//! Sizes come from `TICKCASCADE_BENCH_EVENTS` (comma-separated root-event
//! counts, default `10000`), so `cargo bench --no-run` and CI stay fast:
//! `TICKCASCADE_BENCH_EVENTS=10000,1000000 cargo bench --bench engine`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use serde::Serialize;
use std::hint::black_box;
use std::io::Write;
use tickcascade::{
    Clock, EventBus, EventLog, EventQuery, LoadOptions, ViewOptions, read_log, write_log,
};

const TYPES: [&str; 4] = [
    "player.move",
    "combat.attack",
    "market.update",
    "item.pickup",
];

#[derive(Serialize)]
struct Root {
    i: u64,
    tick: u64,
    name: &'static str,
}

fn sizes() -> Vec<u64> {
    std::env::var("TICKCASCADE_BENCH_EVENTS")
        .ok()
        .map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect())
        .filter(|v: &Vec<u64>| !v.is_empty())
        .unwrap_or_else(|| vec![10_000])
}

/// The reference workload: `roots` root events, 1000 per tick, attacks
/// answered with a damage child; `extra` more wildcard patterns subscribed.
fn workload(roots: u64, extra_patterns: usize) -> EventLog {
    let clock = Clock::Steps {
        start_micros: 1_795_000_000_000_000,
        step_micros: 1,
    };
    let mut bus = EventBus::with_state(EventLog::with_clock(clock), 0u64);
    bus.subscribe("combat.attack", |ctx, _| {
        ctx.publish("combat.damage", &serde_json::json!({"amount": 7}))
            .expect("finite");
        Ok(())
    });
    for p in 0..extra_patterns {
        let pattern = match p % 4 {
            0 => format!("zone{p}.*"),
            1 => format!("*.effect{p}"),
            2 => format!("exact.type{p}"),
            _ => "*".to_owned(),
        };
        bus.subscribe(&pattern, |ctx, _| {
            *ctx.state() += 1;
            Ok(())
        });
    }
    for i in 0..roots {
        if i > 0 && i % 1000 == 0 {
            bus.advance_tick();
        }
        let root = Root {
            i,
            tick: i / 1000,
            name: "hero",
        };
        bus.publish(TYPES[(i % 4) as usize], &root).expect("finite");
    }
    bus.into_parts().0
}

fn publish(c: &mut Criterion) {
    let mut g = c.benchmark_group("publish");
    g.sample_size(10);
    for n in sizes() {
        for patterns in [0usize, 4, 100] {
            g.throughput(Throughput::Elements(n));
            g.bench_with_input(
                BenchmarkId::new(format!("{patterns}_patterns"), n),
                &n,
                |b, &n| b.iter(|| black_box(workload(n, patterns)).len()),
            );
        }
    }
    g.finish();
}

fn queries(c: &mut Criterion) {
    let mut g = c.benchmark_group("query");
    g.sample_size(10);
    for n in sizes() {
        let log = workload(n, 0);
        let q = EventQuery::new(&log);
        g.throughput(Throughput::Elements(log.len() as u64));
        g.bench_function(BenchmarkId::new("count_by_type", n), |b| {
            b.iter(|| q.count_by_type().len())
        });
        g.bench_function(BenchmarkId::new("by_type", n), |b| {
            b.iter(|| q.by_type("combat.damage").count())
        });
        g.bench_function(BenchmarkId::new("by_data", n), |b| {
            b.iter(|| q.by_data("name", "hero").map(|v| v.len()))
        });
        g.bench_function(BenchmarkId::new("roots", n), |b| {
            b.iter(|| q.roots(None).len())
        });
        let attacks: Vec<_> = q.by_type("combat.attack").take(100).collect();
        g.bench_function(BenchmarkId::new("cascade_100", n), |b| {
            b.iter(|| attacks.iter().map(|r| q.cascade(r).len()).sum::<usize>())
        });
    }
    g.finish();
}

/// A writer that throws bytes away but makes the formatter produce them.
struct Sink(usize);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn files_and_printing(c: &mut Criterion) {
    let mut g = c.benchmark_group("io");
    g.sample_size(10);
    for n in sizes() {
        let log = workload(n, 0);
        let mut bytes = Vec::new();
        write_log(&log, &mut bytes).expect("in memory");
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(BenchmarkId::new("save", n), |b| {
            b.iter(|| {
                let mut out = Vec::with_capacity(bytes.len());
                write_log(&log, &mut out).expect("in memory");
                out.len()
            })
        });
        g.bench_function(BenchmarkId::new("load", n), |b| {
            b.iter(|| read_log(&bytes, "bench", &LoadOptions::default()).map(|(l, _)| l.len()))
        });
        let q = EventQuery::new(&log);
        g.bench_function(BenchmarkId::new("print_cascade", n), |b| {
            b.iter(|| {
                let mut sink = Sink(0);
                q.print_event_cascade(&mut sink, &ViewOptions::default())
                    .expect("sink");
                sink.0
            })
        });
    }
    g.finish();
}

criterion_group!(benches, publish, queries, files_and_printing);
criterion_main!(benches);
