//! The demo simulations: reproducible from a seed, stable across releases,
//! printable by Eventure, and rebuildable from their logs at every tick.

use crate::common::{assert_same, fixture, read_fixture};
use proptest::prelude::*;
use std::cell::RefCell;
use std::process::Command;
use std::rc::Rc;
use tickcascade::replay::{Snapshots, first_difference, first_divergence, replay};
use tickcascade::sim::{Flow, Pacing, Runner};
use tickcascade::{Event, EventLog, EventQuery, ViewOptions, write_log};
use tickcascade_cli::demos::adventure::{Adventure, GameState};
use tickcascade_cli::demos::trading::{Portfolio, Trading};

fn adventure(seed: u64, ticks: i64) -> EventLog {
    let mut r = Runner::new(Adventure::new(seed, Default::default()));
    r.run_for(ticks).unwrap();
    r.into_parts().0
}

fn trading(seed: u64, ticks: i64) -> EventLog {
    let mut r = Runner::new(Trading::new(seed, Default::default()));
    r.run_for(ticks).unwrap();
    r.into_parts().0
}

fn bytes(log: &EventLog) -> Vec<u8> {
    let mut out = Vec::new();
    write_log(log, &mut out).unwrap();
    out
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_other_seeds_differ() {
    assert_eq!(bytes(&adventure(3, 100)), bytes(&adventure(3, 100)));
    assert_eq!(bytes(&trading(3, 100)), bytes(&trading(3, 100)));
    assert_ne!(bytes(&adventure(3, 100)), bytes(&adventure(4, 100)));
    assert_ne!(bytes(&trading(3, 100)), bytes(&trading(4, 100)));
}

#[test]
fn seed_7_still_writes_the_committed_logs() {
    // Stability across releases: these files were written by `demo --seed 7`.
    assert_same(
        "adventure_seed7.jsonl",
        &read_fixture("ours/adventure_seed7.jsonl"),
        &String::from_utf8(bytes(&adventure(7, 100))).unwrap(),
    );
    assert_same(
        "trading_seed7.jsonl",
        &read_fixture("ours/trading_seed7.jsonl"),
        &String::from_utf8(bytes(&trading(7, 100))).unwrap(),
    );
}

#[test]
fn eventure_prints_the_demo_logs_exactly_as_we_do() {
    for name in ["adventure_seed7", "trading_seed7"] {
        let log = EventLog::load_from_file(fixture(&format!("ours/{name}.jsonl"))).unwrap();
        let mut ours = Vec::new();
        EventQuery::new(&log)
            .print_event_cascade(&mut ours, &ViewOptions::default())
            .unwrap();
        assert_same(
            name,
            &read_fixture(&format!("ours/{name}.eventure_cascade.txt")),
            &String::from_utf8(ours).unwrap(),
        );
    }
}

#[test]
fn default_runs_are_rich_enough() {
    for log in [adventure(0, 100), trading(0, 100)] {
        let q = EventQuery::new(&log);
        assert!(log.len() >= 300, "{} events", log.len());
        assert!(log.current_tick() >= 20);
        assert!(q.max_depth() >= 3);
        let cross_tick = log.events().iter().any(|e| {
            e.parent_id()
                .and_then(|p| log.event_by_id(p))
                .is_some_and(|p| p.tick() < e.tick())
        });
        assert!(cross_tick);
        let first = log.events()[0].data_as::<serde_json::Value>().unwrap();
        for key in ["simulation", "seed", "params", "run_id"] {
            assert!(first.get(key).is_some(), "first event lacks {key}");
        }
    }
}

/// Runs with a hook that records the live state after every tick.
fn live_states<S, T: Clone + 'static>(sim: S, ticks: i64, state: fn(&S) -> T) -> (EventLog, Vec<T>)
where
    S: tickcascade::sim::Simulation,
{
    let seen = Rc::new(RefCell::new(Vec::new()));
    let mut r = Runner::new(sim);
    let sink = seen.clone();
    r.set_after_tick(move |bus, _| {
        sink.borrow_mut().push(state(bus.state()));
        Flow::Continue
    });
    r.run_for(ticks).unwrap();
    let states = seen.borrow().clone();
    (r.into_parts().0, states)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn replay_equals_the_live_state_at_every_tick(seed in any::<u64>()) {
        let (log, live) = live_states(Adventure::new(seed, Default::default()), 60, |g| g.state.clone());
        let snaps = Snapshots::<GameState>::build(&log, 7).unwrap();
        for (t, state) in live.iter().enumerate() {
            prop_assert_eq!(&replay::<GameState>(&log, Some(t as i64)).unwrap().state, state, "adventure seed {} tick {}", seed, t);
            prop_assert_eq!(&snaps.state_at(&log, t as i64).unwrap().state, state);
        }
        let (log, live) = live_states(Trading::new(seed, Default::default()), 60, |b| b.portfolio.clone());
        let snaps = Snapshots::<Portfolio>::build(&log, 5).unwrap();
        for (t, state) in live.iter().enumerate() {
            prop_assert_eq!(&replay::<Portfolio>(&log, Some(t as i64)).unwrap().state, state, "trading seed {} tick {}", seed, t);
            prop_assert_eq!(&snaps.state_at(&log, t as i64).unwrap().state, state);
        }
    }
}

/// A copy of `log` with the data of the first event at `tick` of type
/// `ty` replaced: a divergence injected on purpose.
fn tampered(log: &EventLog, tick: i64, ty: &str, data: serde_json::Value) -> EventLog {
    let mut out = EventLog::new();
    let mut done = false;
    for e in log.events() {
        if !done && e.tick() == tick && e.event_type() == ty {
            done = true;
            out.push(
                Event::new(
                    e.tick(),
                    e.timestamp().clone(),
                    ty,
                    &data,
                    e.id().clone(),
                    e.parent_id().cloned(),
                )
                .unwrap(),
            );
        } else {
            out.push(e.clone());
        }
    }
    assert!(done, "no {ty} at tick {tick}");
    out
}

#[test]
fn the_determinism_check_and_diff_name_an_injected_divergence() {
    let recorded = trading(11, 80);
    let rerun = trading(11, 80);
    assert!(
        first_divergence::<Portfolio>(&recorded, &rerun)
            .unwrap()
            .is_none()
    );
    assert!(first_difference(&recorded, &rerun, false).is_none());

    let bad = tampered(
        &rerun,
        37,
        "market.price_update",
        serde_json::json!({"symbol": "BTC/USD", "price": 1.0}),
    );
    let d = first_divergence::<Portfolio>(&recorded, &bad)
        .unwrap()
        .expect("a divergence");
    assert_eq!(d.tick, 37);
    assert_eq!(
        d.recorded.as_ref().map(|e| e.event_type()),
        Some("market.price_update")
    );
    assert_eq!(
        first_difference(&recorded, &bad, true).map(|d| d.tick),
        Some(37)
    );

    // The same through the command line.
    let dir = std::env::temp_dir().join(format!("tickcascade-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (a, b) = (dir.join("a.jsonl"), dir.join("b.jsonl"));
    recorded.save_to_file(&a).unwrap();
    bad.save_to_file(&b).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tickcascade"))
        .args(["diff", a.to_str().unwrap(), b.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("logs differ at tick 37\n"), "{text}");
    let out = Command::new(env!("CARGO_BIN_EXE_tickcascade"))
        .args(["diff", a.to_str().unwrap(), a.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn the_runner_pauses_resumes_and_paces() {
    let mut r = Runner::new(Adventure::new(1, Default::default()));
    r.set_after_tick(|_, tick| {
        if tick == 4 {
            Flow::Pause
        } else {
            Flow::Continue
        }
    });
    r.run_until(50).unwrap();
    assert!(r.is_paused());
    assert_eq!(r.bus().log().current_tick(), 5);
    r.resume();
    r.set_pacing(Pacing::TicksPerSecond(1000.0));
    r.run_for(3).unwrap();
    assert_eq!(r.bus().log().current_tick(), 8);
    assert_eq!(r.step().unwrap(), 8);
}

#[test]
fn demo_prints_what_cascade_prints_for_the_saved_log_and_replay_reads_it() {
    let dir = std::env::temp_dir().join(format!("tickcascade-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("adv.jsonl");
    let bin = env!("CARGO_BIN_EXE_tickcascade");
    let demo = Command::new(bin)
        .args([
            "demo",
            "adventure",
            "--seed",
            "5",
            "--ticks",
            "30",
            "--save",
            path.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(demo.status.success());
    assert!(String::from_utf8_lossy(&demo.stderr).contains("adventure seed 5"));
    let cascade = Command::new(bin)
        .args(["cascade", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(demo.stdout, cascade.stdout);
    let replayed = Command::new(bin)
        .args([
            "replay",
            "adventure",
            path.to_str().unwrap(),
            "--tick",
            "20",
            "--json",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&replayed.stdout).unwrap();
    let log = EventLog::load_from_file(&path).unwrap();
    let want = replay::<GameState>(&log, Some(20)).unwrap().state;
    assert_eq!(v["state"], serde_json::to_value(want).unwrap());
    assert_eq!(v["tick"], 20);
}

#[test]
fn step_mode_prints_a_tick_per_enter_and_q_still_saves() {
    use std::io::Write;
    let dir = std::env::temp_dir().join(format!("tickcascade-step-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("step.jsonl");
    let mut child = Command::new(env!("CARGO_BIN_EXE_tickcascade"))
        .args([
            "demo",
            "trading",
            "--step",
            "--save",
            path.to_str().unwrap(),
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"\n\nq\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("===== EVENT CASCADE VIEWER =====\n"));
    assert_eq!(text.matches("┌─── TICK").count(), 3, "{text}");
    let saved = EventLog::load_from_file(&path).unwrap();
    assert_eq!(saved.events().last().map(|e| e.tick()), Some(2));
}

fn resumed_equals_uninterrupted<S: tickcascade::sim::Simulation>(
    make: impl Fn(u64) -> S,
    name: &str,
) {
    let bytes = |log: &EventLog| {
        let mut out = Vec::new();
        tickcascade::write_log(log, &mut out).unwrap();
        out
    };
    let mut whole = Runner::new(make(7));
    whole.run_for(40).unwrap();

    let mut first = Runner::new(make(7));
    first.run_for(20).unwrap();
    let dir = std::env::temp_dir().join(format!("tc-resume-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("run.jsonl");
    first.bus().log().save_to_file(&path).unwrap();
    let loaded = EventLog::load_from_file(&path).unwrap();
    let _ = std::fs::remove_dir_all(&dir);

    let mut resumed = Runner::resume_from(make(7), loaded).unwrap();
    resumed.run_until(40).unwrap();
    assert_eq!(
        bytes(resumed.bus().log()),
        bytes(whole.bus().log()),
        "{name}: 20 ticks, saved, loaded and resumed for 20 differ from 40 ticks"
    );

    // Another seed cannot reproduce the saved events: an error, not a run.
    let mut again = Runner::new(make(7));
    again.run_for(20).unwrap();
    let saved = again.into_parts().0;
    let err = Runner::resume_from(make(8), saved).err().expect("diverges");
    assert!(err.to_string().contains("first differ at tick"), "{err}");
}

#[test]
fn a_run_resumed_from_its_saved_log_equals_a_run_that_never_stopped() {
    resumed_equals_uninterrupted(|seed| Trading::new(seed, Default::default()), "trading");
    resumed_equals_uninterrupted(|seed| Adventure::new(seed, Default::default()), "adventure");
}
