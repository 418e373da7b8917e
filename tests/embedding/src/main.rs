//! The engine as a guest in its host process: publishes, saves, loads and
//! queries 200,000 events with default options, and after each step reads
//! the process's thread count from `/proc/self/status` (Linux). Prints one
//! line per step and exits 1 if any step saw more than one thread.
//!
//! ```text
//! cargo run --release --manifest-path tests/embedding/Cargo.toml --target-dir target
//! ```

use serde::Serialize;
use tickcascade::{EventBus, EventLog, EventQuery, LoadOptions, ViewOptions};

#[derive(Serialize)]
struct Attack<'a> {
    i: u64,
    attacker: &'a str,
}

#[derive(Serialize)]
struct Damage {
    amount: u64,
}

/// `Threads:` of this process, or `None` where `/proc` is not there.
fn threads() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    const EVENTS: u64 = 200_000;
    let mut worst = 0;
    let mut step = |name: &str| {
        let n = threads();
        println!(
            "{name:<8} Threads: {}",
            n.map_or("unknown".into(), |n| n.to_string())
        );
        worst = worst.max(n.unwrap_or(1));
    };

    let mut bus = EventBus::new(EventLog::new());
    bus.subscribe("combat.attack", |ctx, attack| {
        let i = attack.data_get::<u64>("i").ok().flatten().unwrap_or(0);
        ctx.publish("combat.damage", &Damage { amount: i % 20 })
            .map(|_| ())
            .unwrap_or_else(|e| eprintln!("publish failed: {e}"));
        Ok(())
    });
    for i in 0..EVENTS / 2 {
        if i % 1000 == 0 {
            bus.advance_tick();
        }
        let attacker = if i % 3 == 0 { "orc" } else { "goblin" };
        bus.publish("combat.attack", &Attack { i, attacker })?;
    }
    step("publish");

    let path = std::env::temp_dir().join(format!(
        "tickcascade-one-thread-{}.jsonl",
        std::process::id()
    ));
    bus.log().save_to_file(&path)?;
    step("save");

    let (log, _) = tickcascade::load_file(&path, &LoadOptions::default())?;
    std::fs::remove_file(&path)?;
    step("load");

    let q = EventQuery::new(&log);
    let orcs = q.by_data("attacker", "orc")?.len();
    let damage = q.by_type("combat.damage").count();
    let roots = q.root_count();
    let mut printed = std::io::sink();
    q.print_event_cascade(&mut printed, &ViewOptions::default())?;
    step("query");

    // Without the `gzip` feature (this program does not ask for it), a
    // compressed name or input is an error that names the feature.
    let gz = path.with_extension("jsonl.gz");
    match log.save_to_file(&gz) {
        Err(e) if e.to_string().contains("`gzip`") => {}
        other => return Err(format!("saving .gz without the feature: {other:?}").into()),
    }
    let gz_bytes: &[u8] = &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255, 3, 0];
    match tickcascade::read_log(gz_bytes, "in.gz", &LoadOptions::default()) {
        Err(e) if e.to_string().contains("`gzip` feature") => {}
        other => return Err(format!("reading gzip without the feature: {:?}", other.map(|(l, _)| l.len())).into()),
    }

    println!(
        "{} events, {orcs} by orcs, {damage} damage, {roots} roots; most threads seen: {worst}",
        log.len()
    );
    if worst > 1 {
        return Err(
            format!("the engine ran {worst} threads; it should run none of its own").into(),
        );
    }
    Ok(())
}
