//! The README's library example, as written there, runs.

#[test]
fn the_readme_library_example_runs() -> Result<(), Box<dyn std::error::Error>> {
    let readme = include_str!("../../../../README.md");
    assert!(
        readme.contains("cargo test"),
        "README shows the test command"
    );
    let dir = std::env::temp_dir().join(format!("tickcascade-readme-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;

    use serde_json::json;
    use tickcascade::{EventBus, EventLog, EventQuery, ViewOptions};

    let mut bus = EventBus::with_state(EventLog::new(), 0u32);
    bus.subscribe("combat.attack", |ctx, _attack| {
        ctx.publish("combat.damage", &json!({"amount": 15}))?;
        Ok(())
    });
    bus.subscribe("*.damage", |ctx, _| {
        *ctx.state() += 1;
        Ok(())
    });
    bus.publish("combat.attack", &json!({"attacker": "orc"}))?;
    bus.log().save_to_file(dir.join("game.jsonl"))?;
    EventQuery::new(bus.log()).print_event_cascade(std::io::sink(), &ViewOptions::default())?;

    assert_eq!(*bus.state(), 1);
    assert_eq!(EventLog::load_from_file(dir.join("game.jsonl"))?.len(), 2);
    Ok(())
}
