//! Paired publish timing of two revisions (see run.sh): the workload's
//! 100x1000 publish through `a` and `b` alternately, paired ratios b/a.
//!
//! The workload is `examples/eventure_workload.rs`'s publish, repeated here
//! because this package links two copies of the crate and cannot use the
//! example; keep the two alike.

use serde::Serialize;
use std::time::Instant;

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

macro_rules! build {
    ($name:ident, $krate:ident) => {
        #[inline(never)]
        fn $name(ticks: u64, per_tick: u64) -> (f64, usize) {
            use $krate::{EventBus, EventLog};
            let t0 = Instant::now();
            let mut bus = EventBus::with_state(EventLog::new(), Counts::default());
            bus.subscribe("combat.attack", |ctx, e| {
                let i = e.data_get::<u64>("i").ok().flatten().unwrap_or(0);
                ctx.publish("combat.damage", &Damage { amount: i % 20 })
                    .expect("finite");
            });
            bus.subscribe("combat.*", |ctx, _| ctx.state().prefix += 1);
            bus.subscribe("*.damage", |ctx, _| ctx.state().suffix += 1);
            bus.subscribe("*", |ctx, _| ctx.state().all += 1);
            for t in 0..ticks {
                for i in 0..per_tick {
                    let data = Root {
                        i,
                        tick: t,
                        name: "hero",
                    };
                    bus.publish(TYPES[(i % 4) as usize], &data).expect("finite");
                }
                bus.advance_tick();
            }
            let (log, c) = bus.into_parts();
            let ms = t0.elapsed().as_secs_f64() * 1e3;
            // Eventure's counts: every fourth root is an attack with one
            // damage child.
            let roots = ticks * per_tick;
            assert_eq!(
                (c.all, c.prefix, c.suffix),
                (roots * 5 / 4, roots / 2, roots / 4)
            );
            let n = log.len();
            std::hint::black_box(&log);
            drop(log);
            (ms, n)
        }
    };
}
build!(build_a, a);
build!(build_b, b);

fn main() {
    let reps: usize = std::env::var("REPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    for r in 0..reps {
        let order = r % 2 == 0;
        for k in 0..2 {
            let use_a = (k == 0) == order;
            let (s, n) = if use_a {
                build_a(100, 1000)
            } else {
                build_b(100, 1000)
            };
            assert_eq!(n, 125_000);
            if use_a { ta.push(s) } else { tb.push(s) }
        }
    }
    let mut ratios: Vec<f64> = ta.iter().zip(&tb).map(|(a, b)| b / a).collect();
    ratios.sort_by(f64::total_cmp);
    ta.sort_by(f64::total_cmp);
    tb.sort_by(f64::total_cmp);
    let q = |v: &Vec<f64>, p: f64| v[((v.len() as f64 - 1.0) * p) as usize];
    println!(
        "a: p10 {:.3} med {:.3} | b: p10 {:.3} med {:.3} | b/a paired median {:.4} (p25 {:.4} p75 {:.4})",
        q(&ta, 0.1),
        q(&ta, 0.5),
        q(&tb, 0.1),
        q(&tb, 0.5),
        q(&ratios, 0.5),
        q(&ratios, 0.25),
        q(&ratios, 0.75)
    );
}
