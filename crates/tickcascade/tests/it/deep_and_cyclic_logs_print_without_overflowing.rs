//! Depth never reaches the stack: a million-event chain prints, queries and
//! round-trips, and a cycle Eventure cannot print at all prints once.

use crate::common::assert_same;
use std::io::Write;
use tickcascade::{
    Clock, Event, EventId, EventLog, EventQuery, Timestamp, ViewOptions, read_log, write_log,
};

/// Counts bytes and lines without keeping them.
#[derive(Default)]
struct Counter {
    bytes: usize,
    lines: usize,
}

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.bytes += buf.len();
        self.lines += buf.iter().filter(|&&b| b == b'\n').count();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_million_event_chain_prints_queries_and_round_trips() {
    let n = 1_000_000;
    let mut log = EventLog::with_clock(Clock::Steps {
        start_micros: 0,
        step_micros: 1,
    });
    let mut parent: Option<EventId> = None;
    for _ in 0..n {
        let id = log
            .add_event("chain.link", &(), parent.as_ref())
            .unwrap()
            .id()
            .clone();
        parent = Some(id);
        log.advance_tick();
    }
    let q = EventQuery::new(&log);
    let root = &log.events()[0];
    assert_eq!(q.cascade(root).len(), n);

    let mut sink = Counter::default();
    q.print_event_cascade(&mut sink, &ViewOptions::default())
        .unwrap();
    // Per tick: blank, header, marker bar, type, id, trigger (all but the last), footer.
    assert_eq!(sink.lines, 1 + n * 7 - 1);

    let mut bytes = Vec::new();
    write_log(&log, &mut bytes).unwrap();
    let (again, _) = read_log(&bytes, "chain", &Default::default()).unwrap();
    assert_eq!(again.len(), n);
    assert_eq!(
        again.events()[n - 1].parent_id(),
        log.events()[n - 2]
            .parent_id()
            .map(|_| log.events()[n - 2].id())
    );
}

#[test]
fn a_deep_same_tick_chain_prints_every_level() {
    let depth = 3_000;
    let mut log = EventLog::with_clock(Clock::Steps {
        start_micros: 0,
        step_micros: 1,
    });
    let mut parent: Option<EventId> = None;
    for _ in 0..depth {
        parent = Some(
            log.add_event("deep", &(), parent.as_ref())
                .unwrap()
                .id()
                .clone(),
        );
    }
    let mut sink = Counter::default();
    let q = EventQuery::new(&log);
    q.print_single_cascade(&mut sink, &log.events()[0], &ViewOptions::default())
        .unwrap();
    assert_eq!(sink.lines, depth * 3);
}

fn event(tick: i64, ts: f64, ty: &str, id: &str, parent: Option<&str>) -> Event {
    Event::new(
        tick,
        Timestamp::from_secs(ts),
        ty,
        &serde_json::json!({}),
        EventId::from(id),
        parent.map(EventId::from),
    )
    .unwrap()
}

#[test]
fn an_event_that_is_its_own_ancestor_prints_once_with_a_marker() {
    let mut log = EventLog::new();
    log.push(event(2, 1.0, "root", "R", None));
    log.push(event(2, 2.0, "mid", "M", Some("R")));
    log.push(event(2, 3.0, "loop", "N", Some("M")));
    log.push(event(2, 4.0, "back", "M", Some("N")));
    let mut out = Vec::new();
    EventQuery::new(&log)
        .print_event_cascade(&mut out, &ViewOptions::default())
        .unwrap();
    let expected = "\
===== EVENT CASCADE VIEWER =====

┌─── TICK 2 ───┐
│
  ● root
    ID: R
    │
    └─ mid
    │ ID: M
      │
      └─ loop
      │ ID: N
        │
        └─ back ↻ (cycle: M is its own ancestor; shown above)
└───────────────┘
";
    assert_same("cycle", expected, &String::from_utf8(out).unwrap());
}
