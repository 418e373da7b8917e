//! Property tests: random logs built through the bus round-trip through
//! JSONL unchanged and keep the log's invariants; random bytes never make
//! the loader or the printers panic.

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use tickcascade::{
    Clock, EventBus, EventLog, EventQuery, LoadMode, LoadOptions, ViewOptions, read_log, write_log,
};

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|i| json!(i)),
        any::<u64>().prop_map(|u| json!(u)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        prop::sample::select(vec![1e-5, 1e16, 1e15, 0.1, -0.0, 5e-324, 123456.789])
            .prop_map(|f| json!(f)),
        "\\PC{0,12}".prop_map(Value::String),
        prop::sample::select(vec![
            "it's",
            "a\"b",
            "é",
            "😀",
            "\u{7f}\u{1}",
            "\u{a0}\u{200b}",
            "",
            "\\"
        ])
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(("\\PC{0,6}", inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<String, Value>>())),
        ]
    })
}

#[derive(Clone, Debug)]
enum Op {
    Publish { ty: usize, data: Value },
    Child { of: usize, ty: usize, data: Value },
    Advance,
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        4 => (0..6usize, json_value()).prop_map(|(ty, data)| Op::Publish { ty, data }),
        4 => (any::<usize>(), 0..6usize, json_value()).prop_map(|(of, ty, data)| Op::Child { of, ty, data }),
        1 => Just(Op::Advance),
    ];
    prop::collection::vec(op, 0..60)
}

const TYPES: [&str; 6] = [
    "player.move",
    "combat.attack",
    "t5597545",
    "é.type",
    "a.b.c",
    "",
];

fn build(ops: &[Op]) -> EventLog {
    let log = EventLog::with_clock(Clock::Steps {
        start_micros: 1_700_000_000_000_000,
        step_micros: 3,
    });
    let mut bus = EventBus::new(log);
    // A handler that publishes a child, so cascades have depth.
    bus.subscribe("combat.*", |ctx, e| {
        if ctx.depth() < 3 {
            ctx.publish("combat.damage", &json!({"from": e.id().to_string()}))?;
        }
        Ok(())
    });
    for op in ops {
        match op {
            Op::Publish { ty, data } => {
                // Versions 1 to 3 mixed within a type: the "schema" key
                // must round-trip like the rest.
                let schema = 1 + (bus.log().len() % 3) as u32;
                tickcascade::Publish::publish_at_schema(&mut bus, TYPES[*ty], schema, data)
                    .unwrap();
            }
            Op::Child { of, ty, data } => {
                let parent = match bus.log().events() {
                    [] => None,
                    events => Some(events[of % events.len()].id().clone()),
                };
                bus.publish_with_parent(TYPES[*ty], data, parent.as_ref())
                    .unwrap();
            }
            Op::Advance => bus.advance_tick(),
        }
    }
    bus.into_parts().0
}

fn save(log: &EventLog) -> Vec<u8> {
    let mut out = Vec::new();
    write_log(log, &mut out).unwrap();
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// `by_data` uses the key offsets recorded when data is serialized or
    /// loaded, and scans the text otherwise: all three must answer alike.
    #[test]
    fn data_queries_agree_whatever_way_the_data_came(
        ops in ops(),
        pick in any::<prop::sample::Index>(),
        key in "\\PC{0,6}",
        value in json_value(),
    ) {
        let built = build(&ops);
        let mut bytes = Vec::new();
        write_log(&built, &mut bytes).unwrap();
        let (loaded, _) = read_log(&bytes, "p", &LoadOptions::default()).unwrap();
        let mut pushed = EventLog::new();
        for e in loaded.events() {
            pushed.push(e.clone());
        }
        let mut queries = vec![(key, value)];
        if !built.is_empty() {
            let e = &built.events()[pick.index(built.len())];
            if let Ok(Value::Object(members)) = e.data_as::<Value>() {
                queries.extend(members.into_iter().take(3));
            }
        }
        for (k, v) in &queries {
            let ids = |log: &EventLog| -> Vec<String> {
                EventQuery::new(log)
                    .by_data(k, v)
                    .unwrap()
                    .iter()
                    .map(|e| e.id().to_string())
                    .collect()
            };
            let scanned = ids(&pushed);
            prop_assert_eq!(&ids(&built), &scanned, "built, {} = {}", k, v);
            prop_assert_eq!(&ids(&loaded), &scanned, "loaded, {} = {}", k, v);
        }
    }

    #[test]
    fn save_load_save_is_the_identity(ops in ops()) {
        let log = build(&ops);
        let first = save(&log);
        let (loaded, _) = read_log(&first, "p", &LoadOptions::default()).unwrap();
        prop_assert_eq!(save(&loaded), first);
        prop_assert_eq!(loaded.events(), log.events());
    }

    #[test]
    fn generated_logs_pass_the_strict_checks(ops in ops()) {
        let log = build(&ops);
        let strict = LoadOptions::default().with_mode(LoadMode::Strict).with_allow_nan(false);
        // Strict: ids unique, ticks ordered, every parent on an earlier line.
        let r = read_log(&save(&log), "p", &strict);
        prop_assert!(r.is_ok(), "{}", r.err().map(|e| e.to_string()).unwrap_or_default());
        for e in log.events() {
            if let Some(p) = e.parent_id() {
                prop_assert!(log.event_by_id(p).is_some_and(|p| p.tick() <= e.tick()));
            }
        }
    }

    #[test]
    fn a_cascade_is_closed_under_children(ops in ops()) {
        let log = build(&ops);
        let q = EventQuery::new(&log);
        for root in q.roots(None) {
            let cascade = q.cascade(root);
            let ids: std::collections::HashSet<_> = cascade.iter().map(|e| e.id()).collect();
            prop_assert_eq!(ids.len(), cascade.len());
            for e in &cascade {
                for c in q.children(e) {
                    prop_assert!(ids.contains(c.id()));
                }
            }
        }
    }

    #[test]
    fn printing_never_panics(ops in ops()) {
        let log = build(&ops);
        let q = EventQuery::new(&log);
        for show_data in [true, false] {
            let opts = ViewOptions::default().with_show_data(show_data);
            q.print_event_cascade(std::io::sink(), &opts).unwrap();
            for e in log.events() {
                q.print_single_cascade(std::io::sink(), e, &opts).unwrap();
                q.print_event_details(std::io::sink(), e, &opts).unwrap();
            }
        }
    }

    #[test]
    fn random_bytes_never_panic_the_loader_or_printer(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        for mode in [LoadMode::Default, LoadMode::Strict, LoadMode::Lenient] {
            let opts = LoadOptions::default().with_mode(mode).with_allow_nan(true);
            if let Ok((log, _)) = read_log(&bytes, "fuzz", &opts) {
                EventQuery::new(&log).print_event_cascade(std::io::sink(), &ViewOptions::default()).unwrap();
            }
        }
    }

    #[test]
    fn mangled_event_lines_never_panic(
        ops in ops(),
        cut in any::<prop::sample::Index>(),
        junk in prop::sample::select(vec!["", "x", "\"", "{", "}", "]", ",", "NaN", "\\u", "\u{fffd}", "\r"]),
    ) {
        let mut bytes = save(&build(&ops));
        let at = cut.index(bytes.len() + 1);
        bytes.splice(at..at, junk.bytes());
        for mode in [LoadMode::Default, LoadMode::Strict, LoadMode::Lenient] {
            let opts = LoadOptions::default().with_mode(mode);
            if let Ok((log, _)) = read_log(&bytes, "fuzz", &opts) {
                let q = EventQuery::new(&log);
                q.print_event_cascade(std::io::sink(), &ViewOptions::default()).unwrap();
                for e in log.events() {
                    q.print_single_cascade(std::io::sink(), e, &ViewOptions::default()).unwrap();
                }
            }
        }
    }
}
