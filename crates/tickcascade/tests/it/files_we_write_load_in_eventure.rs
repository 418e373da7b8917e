//! The other direction: a log this crate writes is committed as
//! `tests/fixtures/ours/written.jsonl`; `make_fixtures.py` loads it with the
//! real Eventure, checks that Eventure re-saves it byte for byte, and records
//! Eventure's viewer of it, which must equal ours.
//!
//! After a deliberate change of output, regenerate with
//! `TICKCASCADE_BLESS=1 cargo test --test files_we_write_load_in_eventure`
//! and rerun `make_fixtures.py`.

use crate::common::{assert_same, fixture, read_fixture};
use serde::Serialize;
use serde_json::json;
use tickcascade::{Clock, EventBus, EventLog, EventQuery, ViewOptions, write_log};

#[derive(Serialize)]
struct Hit<'a> {
    attacker: &'a str,
    power: f64,
    crit: bool,
    tags: Vec<&'a str>,
    big: u64,
    note: Option<&'a str>,
}

fn build() -> EventLog {
    let clock = Clock::Steps {
        start_micros: 1_795_000_000_123_456,
        step_micros: 17,
    };
    let mut bus = EventBus::new(EventLog::with_clock(clock));
    bus.subscribe("combat.attack", |ctx, e| {
        let power = e.data_as::<serde_json::Value>().unwrap()["power"]
            .as_f64()
            .unwrap_or(0.0);
        ctx.publish(
            "combat.damage",
            &json!({"amount": power * 1.5, "ratio": power / 3e6}),
        )?;
        Ok(())
    });
    bus.subscribe("*.damage", |ctx, _| {
        ctx.publish(
            "player.hp",
            &json!({"hp": 85, "meta": {"src": "orc", "ok": true, "x": null}}),
        )?;
        Ok(())
    });
    let hit = Hit {
        attacker: "orc “Grim”",
        power: 10.0,
        crit: false,
        tags: vec!["it's", "a\"b", "😀"],
        big: u64::MAX,
        note: None,
    };
    bus.publish("combat.attack", &hit).unwrap();
    bus.publish("weather.rain", &json!({})).unwrap();
    bus.publish(
        "odd.data",
        &json!([1e16, 1e-5, 0.1, -0.0, 123456789012345678u64, "\u{7f}\t\n"]),
    )
    .unwrap();
    bus.publish("odd.data", &"just a string").unwrap();
    bus.publish("odd.data", &json!(null)).unwrap();
    bus.publish("ünïcode.type", &json!({"clé": "été", "\u{a0}": "\u{2028}"}))
        .unwrap();
    let first = bus.log().events()[0].id().clone();
    bus.advance_tick();
    bus.publish_with_parent("loot.drop", &json!({"item": "gold"}), Some(&first))
        .unwrap();
    bus.advance_tick();
    bus.advance_tick();
    bus.publish_with_parent("xp.gain", &json!({"xp": 10}), Some(&first))
        .unwrap();
    bus.publish("t5597545", &json!({"hash": "empty"})).unwrap();
    bus.into_parts().0
}

#[test]
fn what_we_write_is_the_committed_file_eventure_read_back() {
    let log = build();
    let mut out = Vec::new();
    write_log(&log, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    if std::env::var_os("TICKCASCADE_BLESS").is_some() {
        std::fs::write(fixture("ours/written.jsonl"), &text).unwrap();
    }
    assert_same("written.jsonl", &read_fixture("ours/written.jsonl"), &text);
    // Eventure loaded it and re-saved it unchanged (make_fixtures.py checks
    // that and would fail otherwise), and printed this:
    let mut view = Vec::new();
    EventQuery::new(&log)
        .print_event_cascade(&mut view, &ViewOptions::default())
        .unwrap();
    assert_same(
        "Eventure's viewer of written.jsonl",
        &read_fixture("ours/written.eventure_cascade.txt"),
        &String::from_utf8(view).unwrap(),
    );
}
