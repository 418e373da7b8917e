//! The bus program of `make_fixtures.py::bus_program`, written again in
//! Rust: same subscriptions, same publishes. The handler calls and the log
//! (ids, parents, types, data, order) must equal what Eventure recorded.

use crate::common::{fixture, read_fixture};
use serde_json::{Value, json};
use tickcascade::{Context, Event, EventBus, EventLog, EventQuery, HandlerError};

type Calls = Vec<(String, String)>;

fn rec(name: &'static str) -> impl Fn(&mut Context<'_, Calls>, &Event) -> Result<(), HandlerError> {
    move |ctx, e| {
        let id = e.id().to_string();
        ctx.state().push((name.to_owned(), id));
        Ok(())
    }
}

fn data(e: &Event) -> Value {
    e.data_as().unwrap()
}

#[test]
fn the_bus_program_logs_and_dispatches_as_eventure_did() {
    let mut bus = EventBus::with_state(EventLog::new(), Calls::new());
    bus.subscribe("*", rec("global:*"));
    bus.subscribe("*.move", rec("suffix:*.move"));
    bus.subscribe("player.*", rec("prefix:player.* A"));
    bus.subscribe("player.move", rec("exact:player.move"));
    bus.subscribe("player.*", rec("prefix:player.* B"));
    bus.subscribe("*.move", rec("suffix:*.move 2"));
    bus.subscribe("combat.attack", |ctx, e| {
        ctx.state()
            .push(("exact:combat.attack".into(), e.id().to_string()));
        let power = data(e)["power"].as_i64().unwrap();
        ctx.publish("combat.damage", &json!({"amount": power * 2}))?;
        ctx.publish("combat.log", &json!({"text": "hit"}))?;
        Ok(())
    });
    bus.subscribe("*.damage", |ctx, e| {
        ctx.state()
            .push(("suffix:*.damage".into(), e.id().to_string()));
        let amount = data(e)["amount"].as_i64().unwrap();
        if amount > 10 {
            ctx.publish("player.hurt", &json!({"hp": 100 - amount}))?;
        }
        Ok(())
    });
    bus.subscribe("combat.*", rec("prefix:combat.*"));
    let removed = bus.subscribe("combat.log", rec("exact:combat.log (removed)"));
    bus.subscribe("a.b.*", rec("prefix:a.b.*"));
    bus.subscribe("a.*", rec("prefix:a.*"));
    bus.subscribe("*.b.c", rec("suffix:*.b.c"));
    bus.subscribe("*.c", rec("suffix:*.c"));
    bus.publish("player.move", &json!({"to": "hall"})).unwrap();
    bus.unsubscribe(removed);
    for power in [3, 7] {
        bus.publish("combat.attack", &json!({"power": power}))
            .unwrap();
    }
    bus.advance_tick();
    bus.publish("a.b.c", &json!({})).unwrap();
    bus.publish("player", &json!({})).unwrap();
    bus.publish("", &json!({})).unwrap();

    let (log, calls) = bus.into_parts();
    let want_calls: Vec<(String, String)> =
        serde_json::from_str(&read_fixture("eventure/bus_program.calls.json")).unwrap();
    assert_eq!(calls, want_calls);

    let want = EventLog::load_from_file(fixture("eventure/bus_program.jsonl")).unwrap();
    assert_eq!(log.len(), want.len());
    for (got, want) in log.events().iter().zip(want.events()) {
        assert_eq!(
            (
                got.tick(),
                got.event_type(),
                got.data_json(),
                got.id(),
                got.parent_id()
            ),
            (
                want.tick(),
                want.event_type(),
                want.data_json(),
                want.id(),
                want.parent_id()
            )
        );
    }
    // Timestamps differ (wall clock), but nothing that prints depends on
    // them here beyond order, which is publish order in both.
    let mut ours = Vec::new();
    EventQuery::new(&log)
        .print_event_cascade(&mut ours, &Default::default())
        .unwrap();
    assert_eq!(
        String::from_utf8(ours).unwrap(),
        read_fixture("eventure/bus_program.cascade.txt")
    );
}
