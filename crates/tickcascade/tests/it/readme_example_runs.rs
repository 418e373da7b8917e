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

    use serde::{Deserialize, Serialize};
    use tickcascade::{EventBus, EventLog, EventQuery, TypedEvent, ViewOptions};

    #[derive(Serialize, Deserialize)]
    struct Attack {
        attacker: String,
    }
    impl TypedEvent for Attack {
        const TYPE: &'static str = "combat.attack";
    }
    #[derive(Serialize, Deserialize)]
    struct Damage {
        amount: u32,
    }
    impl TypedEvent for Damage {
        const TYPE: &'static str = "combat.damage";
    }

    let mut bus = EventBus::with_state(EventLog::new(), 0u32);
    bus.on::<Attack>(|ctx, _event, _attack| {
        ctx.emit(&Damage { amount: 15 })?;
        Ok(())
    });
    bus.subscribe("*.damage", |ctx, _| {
        *ctx.state() += 1;
        Ok(())
    });
    bus.emit(&Attack {
        attacker: "orc".into(),
    })?;
    bus.log().save_to_file(dir.join("game.jsonl"))?;
    EventQuery::new(bus.log()).print_event_cascade(std::io::sink(), &ViewOptions::default())?;
    assert!(
        readme.contains("bus.on::<Attack>"),
        "the README shows this example"
    );

    assert_eq!(*bus.state(), 1);
    assert_eq!(EventLog::load_from_file(dir.join("game.jsonl"))?.len(), 2);
    Ok(())
}
