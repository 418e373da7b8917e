//! The analytics rules: sessions, consent, filters, isolated plugins,
//! storage, causality, and replay of identity from the log alone.

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;
use tickcascade::replay::replay;
use tickcascade::sim::Runner;
use tickcascade::{Event, EventBus, EventLog};
use tickcascade_analytics::{
    self as analytics, Analytics, AnalyticsConfig, ConsoleDestination, FileStore, IdSource,
    IdentityState, IdentityStore, MemoryStore, Plugin, install_plugins,
};
use tickcascade_cli::demos::adventure::{Adventure, GameState};

fn bus(seconds_per_tick: f64) -> EventBus<Analytics> {
    EventBus::with_state(EventLog::new(), Analytics::simulated(1, seconds_per_tick))
}

fn consent(flag: &str, value: bool) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(flag.into(), Value::Bool(value));
    m
}

#[test]
fn a_session_survives_exactly_the_timeout_and_rotates_just_past_it() {
    let mut b = bus(1800.0);
    let first = analytics::track(&mut b, "a", json!({})).unwrap().unwrap();
    b.advance_tick(); // 1800 s later: exactly the timeout
    let second = analytics::track(&mut b, "b", json!({})).unwrap().unwrap();
    b.advance_tick();
    b.advance_tick(); // 3600 s later: past it
    let third = analytics::track(&mut b, "c", json!({})).unwrap().unwrap();
    let session = |e: &Event| e.data_as::<Value>().unwrap()["session_id"].clone();
    assert_eq!(session(&first), session(&second));
    assert_ne!(session(&second), session(&third));
}

#[test]
fn revoked_consent_drops_and_counts_and_granting_resumes() {
    let mut b = bus(60.0);
    analytics::identify(&mut b, "user-1", json!({"plan": "pro"})).unwrap();
    analytics::set_consent(&mut b, consent("analytics", false)).unwrap();
    assert!(
        analytics::track(&mut b, "secret", json!({"x": 1}))
            .unwrap()
            .is_none()
    );
    assert!(
        analytics::identify(&mut b, "user-2", json!({"email": "a@b"}))
            .unwrap()
            .is_none()
    );
    analytics::flush_dropped(&mut b).unwrap();
    b.advance_tick();
    analytics::flush_dropped(&mut b).unwrap(); // nothing dropped this tick: no event
    analytics::set_consent(&mut b, consent("analytics", true)).unwrap();
    assert!(
        analytics::track(&mut b, "back", json!({}))
            .unwrap()
            .is_some()
    );
    let log = b.log();
    let types: Vec<&str> = log.events().iter().map(|e| e.event_type()).collect();
    assert_eq!(
        types,
        [
            "analytics.identify",
            "analytics.consent",
            "analytics.dropped",
            "analytics.consent",
            "analytics.track"
        ]
    );
    let dropped = log.events()[2].data_as::<Value>().unwrap();
    assert_eq!(
        dropped,
        json!({"tick": 0, "count": 2, "reasons": {"consent": 2}})
    );
    // Nothing the user refused was kept: no user-2, no email.
    let text = tickcascade::EventQuery::new(log)
        .by_data("type", "consent")
        .unwrap();
    assert_eq!(text.len(), 2);
    assert!(
        !log.events()
            .iter()
            .any(|e| e.data_json().contains("user-2") || e.data_json().contains("a@b"))
    );
    assert_eq!(b.state().state().user_id.as_deref(), Some("user-1"));
    assert_eq!(b.state().dropped().get("consent"), Some(&2));
}

struct Collect(Rc<RefCell<Vec<String>>>);
impl Plugin for Collect {
    fn name(&self) -> &str {
        "collect"
    }
    fn handle(&mut self, event: &Event, _m: &Value) -> Result<(), String> {
        self.0.borrow_mut().push(event.event_type().to_owned());
        Ok(())
    }
}

struct Explodes;
impl Plugin for Explodes {
    fn name(&self) -> &str {
        "explodes"
    }
    fn handle(&mut self, _e: &Event, _m: &Value) -> Result<(), String> {
        panic!("destination down");
    }
}

struct Refuses;
impl Plugin for Refuses {
    fn name(&self) -> &str {
        "refuses"
    }
    fn handle(&mut self, _e: &Event, _m: &Value) -> Result<(), String> {
        Err("quota exceeded".into())
    }
}

#[test]
fn a_panicking_plugin_is_isolated_beside_a_healthy_one() {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let mut b = bus(60.0);
    b.state_mut().add_plugin(Box::new(Explodes));
    b.state_mut().add_plugin(Box::new(Collect(seen.clone())));
    b.state_mut().add_plugin(Box::new(Refuses));
    install_plugins(&mut b);
    for i in 0..3 {
        analytics::track(&mut b, "click", json!({"i": i})).unwrap();
    }
    assert_eq!(seen.borrow().len(), 3, "the healthy plugin saw everything");
    assert_eq!(b.log().len(), 3, "the log holds every event");
    let failures = b.state().plugin_failures();
    assert_eq!(
        (
            failures["explodes"],
            failures["refuses"],
            failures["collect"]
        ),
        (3, 3, 0)
    );
    let warnings = b.state().warnings();
    assert_eq!(
        warnings.len(),
        2,
        "each failing plugin reported once: {warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("explodes") && w.contains("destination down"))
    );
    analytics::track(&mut b, "after", json!({})).unwrap();
    assert_eq!(seen.borrow().len(), 4, "the bus stays usable");
}

#[test]
fn filters_drop_by_reason_and_destinations_honour_their_consent() {
    let out = Rc::new(RefCell::new(Vec::<u8>::new()));
    struct Shared(Rc<RefCell<Vec<u8>>>);
    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut b = bus(60.0);
    b.state_mut().add_filter(
        "no_debug",
        Box::new(|m: &Value| (m["name"] == "debug").then(|| "debug event".to_owned())),
    );
    b.state_mut()
        .add_plugin(Box::new(ConsoleDestination::new(Box::new(Shared(
            out.clone(),
        )))));
    install_plugins(&mut b);
    analytics::identify(&mut b, "user-123", json!({"role": "admin"})).unwrap();
    analytics::track(&mut b, "debug", json!({})).unwrap();
    analytics::track(
        &mut b,
        "job.enqueued",
        json!({"id": "abc", "priority": "high"}),
    )
    .unwrap();
    analytics::set_consent(&mut b, consent("console", false)).unwrap();
    analytics::track(&mut b, "hidden.from.console", json!({})).unwrap();
    assert_eq!(
        b.state().dropped().get("filter:no_debug:debug event"),
        Some(&1)
    );
    let text = String::from_utf8(out.borrow().clone()).unwrap();
    let session = &b.state().state().session_id;
    assert_eq!(
        text,
        format!(
            "[identify] identify props={{'role': 'admin'}} user=user-123 session={session}\n\
             [track] job.enqueued props={{'id': 'abc', 'priority': 'high'}} user=user-123 session={session}\n"
        )
    );
    assert_eq!(
        b.log().events().last().unwrap().data_as::<Value>().unwrap()["name"],
        "hidden.from.console"
    );
}

#[test]
fn calls_from_a_handler_are_children_of_the_event_handled() {
    let mut b = bus(60.0);
    b.subscribe("game.level_up", |ctx, e| {
        let level = e.data_as::<Value>().unwrap()["level"].clone();
        analytics::track(ctx, "level_up", json!({"level": level})).unwrap();
        Ok(())
    });
    let up = b
        .publish("game.level_up", &json!({"level": 2}))
        .unwrap()
        .id()
        .clone();
    let tracked = &b.log().events()[1];
    assert_eq!(tracked.event_type(), "analytics.track");
    assert_eq!(tracked.parent_id(), Some(&up));
}

#[test]
fn storage_starts_fresh_on_missing_or_corrupt_files_and_rotates_after_a_gap() {
    let dir = std::env::temp_dir().join(format!("tickcascade-analytics-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("identity.json");
    let _ = std::fs::remove_file(&path);
    let config = AnalyticsConfig::simulated(3600.0);
    let front = Analytics::new(
        config.clone(),
        IdSource::seeded(1),
        Box::new(FileStore::new(&path)),
    );
    assert!(front.warnings().is_empty());
    let mut b = EventBus::with_state(EventLog::new(), front);
    analytics::identify(&mut b, "u", json!({})).unwrap();
    let saved = b.state().state().clone();
    assert!(path.exists());

    // A later process at a later tick: same identity, new session (gap > 30 min).
    let mut b2 = EventBus::with_state(
        EventLog::new(),
        Analytics::new(
            config.clone(),
            IdSource::seeded(2),
            Box::new(FileStore::new(&path)),
        ),
    );
    assert_eq!(b2.state().state().anonymous_id, saved.anonymous_id);
    b2.advance_tick();
    analytics::track(&mut b2, "back", json!({})).unwrap();
    assert_ne!(b2.state().state().session_id, saved.session_id);
    assert_eq!(b2.state().state().user_id.as_deref(), Some("u"));

    std::fs::write(&path, b"{not json").unwrap();
    let front = Analytics::new(config, IdSource::seeded(3), Box::new(FileStore::new(&path)));
    assert_eq!(front.warnings().len(), 1);
    assert!(
        front.warnings()[0].contains("corrupt"),
        "{:?}",
        front.warnings()
    );
    assert_ne!(front.state().anonymous_id, saved.anonymous_id);
}

#[test]
fn a_memory_store_round_trips() {
    let mut store = MemoryStore::default();
    let state = IdentityState {
        anonymous_id: "x".into(),
        ..Default::default()
    };
    store.save(&state).unwrap();
    assert_eq!(store.load(), Ok(Some(state)));
}

#[test]
fn an_unreadable_identity_file_keeps_consent_revoked_and_says_so() {
    let dir = std::env::temp_dir().join(format!("tc-consent-closed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("identity.json");
    let config = AnalyticsConfig::simulated(60.0);
    for damage in [&b"{not json"[..], b"", &[0xff, 0xfe, 0x00][..]] {
        std::fs::write(&path, damage).unwrap();
        let mut b = EventBus::with_state(
            EventLog::new(),
            Analytics::new(
                config.clone(),
                IdSource::seeded(3),
                Box::new(FileStore::new(&path)),
            ),
        );
        assert_eq!(b.state().warnings().len(), 1, "{damage:?}");
        assert!(b.state().warnings()[0].contains("consent revoked"));
        assert!(!b.state().state().consents("analytics"));
        analytics::track(&mut b, "after_damage", json!({})).unwrap();
        assert!(
            b.log().is_empty(),
            "nothing is logged until consent is granted again"
        );
    }
    // A directory where the file should be: unreadable too.
    let _ = std::fs::remove_file(&path);
    std::fs::create_dir_all(&path).unwrap();
    let front = Analytics::new(config, IdSource::seeded(3), Box::new(FileStore::new(&path)));
    assert!(!front.state().consents("analytics"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn what_the_identity_file_cannot_hold_is_refused_so_a_revoked_consent_survives_a_restart() {
    let dir = std::env::temp_dir().join(format!("tc-consent-deep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("identity.json");
    let _ = std::fs::remove_file(&path);
    let config = AnalyticsConfig::simulated(60.0);
    let front = || {
        Analytics::new(
            config.clone(),
            IdSource::seeded(4),
            Box::new(FileStore::new(&path)),
        )
    };
    let mut b = EventBus::with_state(EventLog::new(), front());
    analytics::identify(&mut b, "u-1", json!({"plan": "pro"})).unwrap();
    let mut deep = json!(1);
    for _ in 0..500 {
        deep = json!([deep]);
    }
    analytics::identify(&mut b, "u-1", json!({"nested": deep})).unwrap();
    assert_eq!(b.state().dropped().get("too_deep"), Some(&1));
    analytics::set_consent(&mut b, consent("analytics", false)).unwrap();
    let restarted = front();
    assert!(
        restarted.warnings().is_empty(),
        "{:?}",
        restarted.warnings()
    );
    assert_eq!(restarted.state().user_id.as_deref(), Some("u-1"));
    assert!(!restarted.state().consents("analytics"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_consent_flag_that_is_not_true_revokes() {
    for value in [
        json!(null),
        json!("false"),
        json!(0),
        json!("true"),
        json!({}),
    ] {
        let mut b = bus(700.0);
        let mut flags = Map::new();
        flags.insert("analytics".into(), value.clone());
        analytics::set_consent(&mut b, flags).unwrap();
        let before = b.log().len();
        analytics::track(&mut b, "t", json!({})).unwrap();
        assert_eq!(b.log().len(), before, "{value} must not grant");
    }
}

#[derive(Clone, Debug)]
enum Call {
    Track(u8),
    Page(u8),
    Identify(u8),
    Alias(u8),
    Consent(bool),
    Reset,
    Wait(u8),
}

fn calls() -> impl Strategy<Value = Vec<Call>> {
    prop::collection::vec(
        prop_oneof![
            any::<u8>().prop_map(Call::Track),
            any::<u8>().prop_map(Call::Page),
            any::<u8>().prop_map(Call::Identify),
            any::<u8>().prop_map(Call::Alias),
            any::<bool>().prop_map(Call::Consent),
            Just(Call::Reset),
            (0u8..4).prop_map(Call::Wait),
        ],
        0..40,
    )
}

proptest! {
    #[test]
    fn replaying_a_saved_log_rebuilds_identity_and_session(calls in calls()) {
        let mut b = bus(700.0);
        for c in &calls {
            match c {
                Call::Track(i) => { analytics::track(&mut b, &format!("t{i}"), json!({"i": i})).unwrap(); }
                Call::Page(i) => { analytics::page(&mut b, &format!("p{i}"), json!({})).unwrap(); }
                Call::Identify(i) => { analytics::identify(&mut b, &format!("u{i}"), json!({format!("k{i}"): i})).unwrap(); }
                Call::Alias(i) => { analytics::alias(&mut b, &format!("a{i}")).unwrap(); }
                Call::Consent(f) => { analytics::set_consent(&mut b, consent("analytics", *f)).unwrap(); }
                Call::Reset => { analytics::reset(&mut b).unwrap(); }
                Call::Wait(n) => for _ in 0..*n { analytics::flush_dropped(&mut b).unwrap(); b.advance_tick(); },
            }
        }
        let mut saved = Vec::new();
        tickcascade::write_log(b.log(), &mut saved).unwrap();
        let (loaded, _) = tickcascade::read_log(&saved, "a", &Default::default()).unwrap();
        let mut rebuilt = replay::<IdentityState>(&loaded, None).unwrap().state;
        let live = b.state().state().clone();
        if loaded.is_empty() || !loaded.events().iter().any(|e| e.data_json().contains("anonymous_id")) {
            // Nothing but consent was logged: only the consent is known.
            rebuilt.anonymous_id = live.anonymous_id.clone();
            rebuilt.session_id = live.session_id.clone();
            rebuilt.last_activity = live.last_activity;
        }
        if !loaded.events().iter().any(|e| e.event_type() == "analytics.consent") {
            rebuilt.consent = live.consent.clone();
        }
        prop_assert_eq!(rebuilt, live);
    }
}

#[test]
fn the_adventure_plays_the_same_without_consent() {
    let run = |consent: bool| {
        let mut r = Runner::new(Adventure::new(9, Default::default()).with_consent(consent));
        r.run_for(100).unwrap();
        r.into_parts()
    };
    let (with, game_with) = run(true);
    let (without, game_without) = run(false);
    let game_events = |log: &EventLog| -> Vec<(String, String)> {
        log.events()
            .iter()
            .filter(|e| !e.event_type().starts_with("analytics."))
            .map(|e| (e.event_type().to_owned(), e.data_json().to_owned()))
            .collect()
    };
    assert_eq!(game_events(&with), game_events(&without));
    assert_eq!(game_with.state, game_without.state);
    assert_eq!(
        replay::<GameState>(&with, None).unwrap().state,
        game_with.state
    );
    assert!(
        with.events()
            .iter()
            .filter(|e| e.event_type() == "analytics.track")
            .count()
            > 10
    );
    let dropped: u64 = without
        .events()
        .iter()
        .filter(|e| e.event_type() == "analytics.dropped")
        .map(|e| e.data_as::<Value>().unwrap()["count"].as_u64().unwrap())
        .sum();
    assert_eq!(
        dropped,
        game_without.analytics.dropped().values().sum::<u64>()
    );
    assert!(dropped > 10);
    // Analytics events are children of the game events that caused them.
    for e in with
        .events()
        .iter()
        .filter(|e| e.event_type() == "analytics.track")
    {
        let parent = e.parent_id().and_then(|p| with.event_by_id(p)).unwrap();
        assert!(!parent.event_type().starts_with("analytics."));
    }
}
