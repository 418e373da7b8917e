//! Rebuilding state at the last tick of a long log, with and without
//! snapshots. Size from `TICKCASCADE_BENCH_REPLAY_EVENTS` (default 20000;
//! the figure uses 1000000).

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use tickcascade::replay::{Snapshots, replay};
use tickcascade::sim::Runner;
use tickcascade_cli::demos::trading::{Portfolio, Trading};

fn size() -> usize {
    std::env::var("TICKCASCADE_BENCH_REPLAY_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

fn state_at_last_tick(c: &mut Criterion) {
    let n = size();
    let mut runner = Runner::new(Trading::new(1, Default::default()));
    while runner.bus().log().len() < n {
        runner.run_for(100).expect("trading runs");
    }
    let log = runner.bus().log();
    let last = log.current_tick() - 1;
    let snaps = Snapshots::<Portfolio>::build(log, 1_000).expect("serializable");
    let mut g = c.benchmark_group("replay");
    g.sample_size(10);
    g.bench_function(BenchmarkId::new("full", log.len()), |b| {
        b.iter(|| replay::<Portfolio>(log, Some(last)).map(|r| r.stats.applied))
    });
    g.bench_function(
        BenchmarkId::new("from_snapshot_every_1000_ticks", log.len()),
        |b| b.iter(|| snaps.state_at(log, last).map(|r| r.stats.applied)),
    );
    g.finish();
}

criterion_group!(benches, state_at_last_tick);
criterion_main!(benches);
