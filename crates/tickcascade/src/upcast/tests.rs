use super::*;
use crate::{EventBus, EventLog, LoadMode, LoadOptions, read_log_from};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct MoveV1 {
    to: String,
}
impl TypedEvent for MoveV1 {
    const TYPE: &'static str = "player.move";
}

#[derive(Serialize, Deserialize)]
struct MoveV2 {
    room: String,
}
impl TypedEvent for MoveV2 {
    const TYPE: &'static str = "player.move";
    const SCHEMA: u32 = 2;
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct MovedV3 {
    room: String,
    steps: u32,
}
impl TypedEvent for MovedV3 {
    const TYPE: &'static str = "player.moved";
    const SCHEMA: u32 = 3;
}

fn chain() -> Upcasters {
    Upcasters::new()
        .with_typed(|v: MoveV1| MoveV2 { room: v.to })
        .with_typed(|v: MoveV2| MovedV3 {
            room: v.room,
            steps: 1,
        })
}

fn line(schema: Option<u32>, data: &str) -> String {
    let schema = schema
        .map(|v| format!(", \"schema\": {v}"))
        .unwrap_or_default();
    format!(
        "{{\"tick\": 0, \"timestamp\": 1.5, \"type\": \"player.move\", \"data\": {data}, \"event_id\": \"0-AAAA-1\", \"parent_id\": null{schema}}}\n"
    )
}

#[test]
fn chains_run_in_order_and_keep_the_event_identity() {
    let mut log = EventLog::new();
    let old = log
        .add_typed(&MoveV1 { to: "hall".into() }, None)
        .unwrap()
        .clone();
    let new = chain().upcast(&old).unwrap().unwrap();
    assert_eq!((new.event_type(), new.schema()), ("player.moved", 3));
    assert_eq!(new.data_json(), r#"{"room": "hall", "steps": 1}"#);
    assert_eq!(
        (new.id(), new.tick(), new.timestamp()),
        (old.id(), old.tick(), old.timestamp())
    );
    // From the middle of the chain, and at its end (unchanged).
    let mid = log
        .add_typed(
            &MoveV2 {
                room: "attic".into(),
            },
            None,
        )
        .unwrap()
        .clone();
    assert_eq!(mid.schema(), 2);
    assert_eq!(chain().upcast(&mid).unwrap().unwrap().schema(), 3);
    assert!(chain().upcast(&new).unwrap().is_none());
    // A type the steps do not know passes.
    let other = log.add_event("other", &1, None).unwrap().clone();
    assert!(chain().upcast(&other).unwrap().is_none());
}

#[test]
fn versions_newer_than_known_and_gaps_are_errors() {
    let mut log = EventLog::new();
    let e = log.add_event("player.moved", &(), None).unwrap().clone();
    let newer = chain().upcast(&e.clone().with_schema(4)).unwrap_err();
    assert_eq!(newer.kind(), &UpcastErrorKind::Newer { newest: 3 });
    // "player.moved" v1 has no step, though v3 is known.
    let gap = chain().upcast(&e).unwrap_err();
    assert_eq!(gap.kind(), &UpcastErrorKind::NoStep);
    // The renamed-away name knows no version past its last step.
    let old_name = log
        .add_event("player.move", &(), None)
        .unwrap()
        .clone()
        .with_schema(3);
    assert!(matches!(
        chain().upcast(&old_name).unwrap_err().kind(),
        UpcastErrorKind::Newer { newest: 2 }
    ));
}

#[test]
fn a_typed_step_that_cannot_decode_names_the_type_and_version() {
    let mut log = EventLog::new();
    let e = log
        .add_event("player.move", &serde_json::json!({"to": 5}), None)
        .unwrap()
        .clone();
    let err = chain().upcast(&e).unwrap_err();
    assert!(matches!(err.kind(), UpcastErrorKind::Decode(_)), "{err}");
    assert!(
        err.to_string()
            .starts_with("\"player.move\" schema 1 upcast: data does not decode into"),
        "{err}"
    );
}

#[test]
fn the_json_escape_hatch_refuses_data_it_would_change() {
    let up = Upcasters::new().with_json("n", 1, "n", |v| Ok(serde_json::json!({"v": v})));
    let mut log = EventLog::new();
    for text in [
        "123456789012345678901234567890",
        "-99999999999999999999",
        &format!("{}1{}", "[".repeat(200), "]".repeat(200)),
    ] {
        let e = log.add_event_json("n", text, None).unwrap().clone();
        let err = up.upcast(&e).unwrap_err();
        assert!(
            matches!(err.kind(), UpcastErrorKind::Unrepresentable(_)),
            "{text:.40}: {err}"
        );
    }
    for (text, want) in [
        ("18446744073709551615", r#"{"v": 18446744073709551615}"#),
        ("-9223372036854775808", r#"{"v": -9223372036854775808}"#),
        ("0.1", r#"{"v": 0.1}"#),
        ("-0.0", r#"{"v": -0.0}"#),
        (
            r#"{"b": 1, "a": "\u00e9"}"#,
            r#"{"v": {"b": 1, "a": "\u00e9"}}"#,
        ),
    ] {
        let e = log.add_event_json("n", text, None).unwrap().clone();
        assert_eq!(up.upcast(&e).unwrap().unwrap().data_json(), want);
    }
    let failing = Upcasters::new().with_json("n", 1, "n", |_| Err("no".into()));
    let e = log.add_event("n", &1, None).unwrap().clone();
    assert_eq!(
        failing.upcast(&e).unwrap_err().kind(),
        &UpcastErrorKind::Step("no".into())
    );
}

#[test]
fn loading_with_upcasters_names_the_line_or_skips_and_counts() {
    let text = [
        line(None, r#"{"to": "hall"}"#),
        line(Some(2), r#"{"room": "attic"}"#),
        line(Some(9), r#"{"room": "roof"}"#),
    ]
    .concat();
    let opts = LoadOptions::default().with_upcasters(chain());
    let err = read_log_from(text.as_bytes(), "old.jsonl", &opts).unwrap_err();
    assert_eq!(err.line, 3);
    assert!(
        err.to_string()
            .contains("schema 9 is newer than this code knows (2)"),
        "{err}"
    );

    let lenient = LoadOptions::default().with_upcasters(chain().with_lenient(true));
    let (log, report) = read_log_from(text.as_bytes(), "old.jsonl", &lenient).unwrap();
    assert_eq!((log.len(), report.upcast, report.upcast_skipped), (2, 2, 1));
    assert_eq!(report.skipped_lines, [3]);
    assert!(
        log.events()
            .iter()
            .all(|e| e.schema() == 3 && e.event_type() == "player.moved")
    );
    assert_eq!(log.events()[0].id().to_string(), "0-AAAA-1");

    // Without upcasters the log is as written: versions kept, bytes too.
    let (plain, _) = read_log_from(text.as_bytes(), "old.jsonl", &LoadOptions::default()).unwrap();
    let mut out = Vec::new();
    crate::write_log(&plain, &mut out).unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), text);
    // Validation reports the upcast problem with the others.
    let validating = LoadOptions::default()
        .with_mode(LoadMode::Strict)
        .with_upcasters(chain());
    assert!(read_log_from(text.as_bytes(), "old.jsonl", &validating).is_err());
}

#[test]
fn typed_handlers_read_old_versions_through_the_bus_upcasters() {
    use crate::BusConfig;
    let mut log = EventLog::new();
    let old = log
        .add_typed(&MoveV1 { to: "hall".into() }, None)
        .unwrap()
        .clone();
    let mut bus = EventBus::with_state(EventLog::new(), Vec::<String>::new());
    bus.set_config(BusConfig::default().with_upcasters(chain()));
    bus.on::<MovedV3>(|ctx, e, m| {
        ctx.state()
            .push(format!("{} {} {}", e.event_type(), m.room, m.steps));
        Ok(())
    });
    // dispatch brings the old event to its new name, where the handler is.
    bus.dispatch(&old).unwrap();
    assert_eq!(bus.state(), &["player.moved hall 1"]);
    // Without upcasters, an old version is a payload error, not a misread.
    let mut plain = EventBus::new(EventLog::new());
    plain.on::<MoveV2>(|_, _, _| Ok(()));
    let err = plain.dispatch(&old).unwrap_err();
    assert!(format!("{:?}", err).contains("schema version 1"), "{err:?}");
}

#[test]
fn emitted_typed_events_carry_their_version() {
    let mut bus = EventBus::new(EventLog::new());
    bus.on::<MoveV2>(|ctx, _, m| {
        ctx.emit(&MovedV3 {
            room: m.room,
            steps: 2,
        })?;
        Ok(())
    });
    bus.emit(&MoveV2 {
        room: "hall".into(),
    })
    .unwrap();
    let lines: Vec<String> = bus.log().events().iter().map(|e| e.to_json()).collect();
    assert!(
        lines[0].ends_with(", \"parent_id\": null, \"schema\": 2}"),
        "{}",
        lines[0]
    );
    assert!(lines[1].ends_with(", \"schema\": 3}"), "{}", lines[1]);
    // Queries by type see every version of a name.
    let mut log = EventLog::new();
    log.add_typed(&MoveV1 { to: "a".into() }, None).unwrap();
    log.add_typed(&MoveV2 { room: "b".into() }, None).unwrap();
    assert_eq!(
        crate::EventQuery::new(&log).by_type("player.move").count(),
        2
    );
    assert_eq!(log.events()[0].id().to_string(), "0-ECBC-1");
    assert_eq!(log.events()[1].id().to_string(), "0-ECBC-2");
}

#[test]
fn the_json_escape_hatch_passes_every_finite_float_unchanged() {
    // serde_json reads floats exactly only with its `float_roundtrip`
    // feature (the workspace enables it); without it some would be refused.
    let up = Upcasters::new().with_json("f", 1, "f", Ok);
    let mut rng = crate::sim::SimRng::new(11);
    let mut log = EventLog::new();
    let mut checked = 0;
    while checked < 20_000 {
        let v = f64::from_bits(rng.next_u64());
        if !v.is_finite() {
            continue;
        }
        let e = log.add_event("f", &v, None).unwrap().clone();
        let up_e = up.upcast(&e).unwrap().unwrap();
        assert_eq!(up_e.data_json(), e.data_json());
        checked += 1;
    }
}

#[test]
fn a_step_from_the_last_version_cannot_loop() {
    let up = Upcasters::new().with_json("x", u32::MAX, "x", Ok);
    let mut log = EventLog::new();
    let e = log
        .add_event("x", &1, None)
        .unwrap()
        .clone()
        .with_schema(u32::MAX);
    let err = up.upcast(&e).unwrap_err();
    assert_eq!(
        err.kind(),
        &UpcastErrorKind::Step("no version follows this one".into())
    );
}
