//! Analytics as subscribers on the bus: a game event triggers tracking, the
//! analytics events land in the log as its children, a filter drops debug
//! noise, a console destination prints each message, consent is revoked and
//! granted, and the identity is rebuilt from the log.
//!
//! ```text
//! cargo run --example analytics_pipeline
//! ```

use serde_json::{Map, Value, json};
use tickcascade::replay::replay;
use tickcascade::{EventBus, EventLog, EventQuery, ViewOptions};
use tickcascade_analytics::{
    self as analytics, Analytics, ConsoleDestination, IdentityState, install_plugins,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut front = Analytics::simulated(42, 60.0);
    front.add_filter(
        "no_debug",
        Box::new(|m: &Value| (m["name"] == "debug").then(|| "debug noise".to_owned())),
    );
    front.add_plugin(Box::new(ConsoleDestination::stdout()));
    let mut bus = EventBus::with_state(EventLog::new(), front);
    install_plugins(&mut bus);

    bus.subscribe("player.level_up", |ctx, e| {
        let level = e
            .data_as::<Value>()
            .map(|d| d["level"].clone())
            .unwrap_or_default();
        analytics::track(ctx, "level_up", json!({"level": level})).expect("publish");
        Ok(())
    });

    analytics::page(&mut bus, "startup", json!({"version": "0.1.0"}))?;
    analytics::identify(&mut bus, "user-123", json!({"role": "admin"}))?;
    bus.publish("player.level_up", &json!({"level": 2}))?;
    analytics::track(&mut bus, "debug", json!({}))?; // filtered
    let mut off = Map::new();
    off.insert("analytics".into(), Value::Bool(false));
    analytics::set_consent(&mut bus, off)?;
    analytics::track(&mut bus, "not.logged", json!({}))?; // dropped: no consent
    analytics::flush_dropped(&mut bus)?;
    bus.advance_tick();

    println!();
    EventQuery::new(bus.log())
        .print_event_cascade(std::io::stdout().lock(), &ViewOptions::default())?;
    println!("\ndropped by reason: {:?}", bus.state().dropped());
    let rebuilt = replay::<IdentityState>(bus.log(), None)?.state;
    assert_eq!(&rebuilt, bus.state().state());
    println!(
        "identity rebuilt from the log: user {:?}, session {}",
        rebuilt.user_id, rebuilt.session_id
    );
    Ok(())
}
