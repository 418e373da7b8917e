//! The incremental writer: each event is in the file once its tick ends, and
//! a file cut anywhere loads leniently with at most the last line dropped.

use tickcascade::{
    Clock, EventBus, EventLog, LiveWriter, LoadMode, LoadOptions, SyncPolicy, read_log, write_log,
};

#[test]
fn the_file_holds_every_event_of_every_finished_tick() {
    let dir = std::env::temp_dir().join(format!("tickcascade-live-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("live.jsonl");
    let clock = Clock::Steps {
        start_micros: 0,
        step_micros: 250,
    };
    let mut bus = EventBus::new(EventLog::with_clock(clock));
    bus.subscribe("combat.attack", |ctx, _| {
        ctx.publish("combat.damage", &serde_json::json!({"amount": 3}))?;
        Ok(())
    });
    bus.log_mut()
        .attach_writer(LiveWriter::create(&path, SyncPolicy::FsyncPerTick).unwrap());
    for tick in 0..5 {
        for i in 0..3 {
            bus.publish(
                if i % 2 == 0 {
                    "combat.attack"
                } else {
                    "player.move"
                },
                &serde_json::json!({"i": i}),
            )
            .unwrap();
        }
        bus.advance_tick();
        // After each tick, what is on disk is exactly the log so far.
        let on_disk = std::fs::read(&path).unwrap();
        let mut expected = Vec::new();
        write_log(bus.log(), &mut expected).unwrap();
        assert_eq!(on_disk, expected, "after tick {tick}");
    }
    assert!(bus.log_mut().detach_writer().unwrap().is_ok());

    let full = std::fs::read(&path).unwrap();
    let lenient = LoadOptions::default()
        .with_mode(LoadMode::Lenient)
        .with_allow_nan(false);
    for cut in 0..full.len() {
        let (log, report) =
            read_log(&full[..cut], "cut", &lenient).unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
        let whole_lines = full[..cut].iter().filter(|&&b| b == b'\n').count();
        assert!(
            log.len() == whole_lines || log.len() == whole_lines + 1,
            "cut at {cut}"
        );
        assert!(report.warnings.len() <= 1);
    }
}

#[test]
fn write_errors_are_reported_not_lost() {
    struct Broken;
    impl std::io::Write for Broken {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk on fire"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut log = EventLog::new();
    log.attach_writer(LiveWriter::to_stream(Box::new(Broken)));
    for _ in 0..10_000 {
        log.add_event("a", &serde_json::json!({"pad": "x".repeat(40)}), None)
            .unwrap();
    }
    log.advance_tick();
    let err = log.detach_writer().unwrap().unwrap_err();
    assert!(err.to_string().contains("disk on fire"));
}
