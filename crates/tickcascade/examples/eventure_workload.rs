//! The reference workload of `../shared/bench/eventure_workload.py`, written
//! as a user of this crate would write it, printing one JSON line with the
//! same keys so the two can be compared side by side.
//!
//! ```text
//! cargo run --release --example eventure_workload -- 100 1000 [--print]
//! ```

use serde::Serialize;
use std::time::Instant;
use tickcascade::{EventBus, EventLog, EventQuery, ViewOptions};

const TYPES: [&str; 4] = [
    "player.move",
    "combat.attack",
    "market.update",
    "item.pickup",
];

#[derive(Serialize)]
struct Root<'a> {
    i: u64,
    tick: u64,
    name: &'a str,
}

#[derive(Serialize)]
struct Damage {
    amount: u64,
}

#[derive(Default)]
struct Counts {
    prefix: u64,
    suffix: u64,
    all: u64,
}

fn build(ticks: u64, per_tick: u64) -> (EventLog, Counts) {
    let mut bus = EventBus::with_state(EventLog::new(), Counts::default());
    bus.subscribe("combat.attack", |ctx, e| {
        // Eventure's `e.data["i"]`: only that member is decoded.
        let i = e.data_get::<u64>("i").ok().flatten().unwrap_or(0);
        ctx.publish("combat.damage", &Damage { amount: i % 20 })?;
        Ok(())
    });
    bus.subscribe("combat.*", |ctx, _| {
        ctx.state().prefix += 1;
        Ok(())
    });
    bus.subscribe("*.damage", |ctx, _| {
        ctx.state().suffix += 1;
        Ok(())
    });
    bus.subscribe("*", |ctx, _| {
        ctx.state().all += 1;
        Ok(())
    });
    for t in 0..ticks {
        for i in 0..per_tick {
            let data = Root {
                i,
                tick: t,
                name: "hero",
            };
            bus.publish(TYPES[(i % 4) as usize], &data)
                .expect("finite data");
        }
        bus.advance_tick();
    }
    bus.into_parts()
}

fn timed<T>(f: impl FnOnce() -> T) -> (f64, T) {
    let t0 = Instant::now();
    let r = f();
    (t0.elapsed().as_secs_f64(), r)
}

fn peak_rss_bytes() -> u64 {
    // VmHWM in /proc/self/status (Linux); 0 elsewhere.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<u64>().ok())
            })
        })
        .map_or(0, |kb| kb * 1024)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `--load-threads N` also times a load allowed N threads (value after
    // the flag; the positional arguments are the ones not taken by a flag).
    let all: Vec<String> = std::env::args().skip(1).collect();
    let load_threads: Option<usize> = all
        .iter()
        .position(|a| a == "--load-threads")
        .and_then(|i| all.get(i + 1))
        .map(|n| n.parse())
        .transpose()?;
    let args: Vec<String> = all
        .iter()
        .enumerate()
        .filter(|(i, a)| !a.starts_with("--") && (*i == 0 || all[i - 1] != "--load-threads"))
        .map(|(_, a)| a.clone())
        .collect();
    let ticks = args.first().map_or(Ok(100), |a| a.parse())?;
    let per_tick = args.get(1).map_or(Ok(1000), |a| a.parse())?;
    let print = std::env::args().any(|a| a == "--print");

    let (publish_s, (log, counts)) = timed(|| build(ticks, per_tick));
    let q = EventQuery::new(&log);
    let (count_by_type_s, _) = timed(|| q.count_by_type());
    let (by_data_s, _) = timed(|| q.by_data("name", "hero"));
    let roots: Vec<_> = q.by_type("combat.attack").take(100).collect();
    let (cascade_100_s, _) = timed(|| roots.iter().map(|r| q.cascade(r).len()).sum::<usize>());
    let dir = std::env::temp_dir().join(format!("tickcascade-workload-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("log.jsonl");
    let (save_s, saved) = timed(|| log.save_to_file(&path));
    saved?;
    let file_bytes = std::fs::metadata(&path)?.len();
    let (load_s, loaded) = timed(|| EventLog::load_from_file(&path));
    assert_eq!(loaded?.len(), log.len());
    let load_threads_s = match load_threads {
        Some(n) => {
            let options = tickcascade::LoadOptions::default().with_threads(n);
            let (s, loaded) = timed(|| tickcascade::load_file(&path, &options));
            assert_eq!(loaded?.0.len(), log.len());
            Some(s)
        }
        None => None,
    };
    if let Ok(keep) = std::env::var("KEEP_LOG") {
        std::fs::copy(&path, keep)?;
    }
    std::fs::remove_dir_all(&dir)?;
    let mut out = serde_json::json!({
        "events": log.len(),
        "counts": {"prefix": counts.prefix, "suffix": counts.suffix, "all": counts.all},
        "publish_s": publish_s,
        "count_by_type_s": count_by_type_s,
        "by_data_s": by_data_s,
        "cascade_100_s": cascade_100_s,
        "save_s": save_s,
        "file_bytes": file_bytes,
        "load_s": load_s,
    });
    if let (Some(s), Some(n)) = (load_threads_s, load_threads) {
        out["load_threads_s"] = s.into();
        out["load_threads"] = n.into();
    }
    if print {
        let mut sink = std::io::sink();
        let (print_s, r) = timed(|| q.print_event_cascade(&mut sink, &ViewOptions::default()));
        r?;
        out["print_s"] = print_s.into();
    }
    out["peak_rss_bytes"] = peak_rss_bytes().into();
    println!("{out}");
    Ok(())
}
