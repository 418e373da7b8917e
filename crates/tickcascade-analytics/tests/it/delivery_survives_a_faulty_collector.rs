//! Delivery over real sockets to a scripted collector on 127.0.0.1: the
//! retry contract, batching, per-endpoint backoff, drops by reason, the
//! deadline, and a crash-and-resume with the spool.

use crate::common::collector::{Collector, Reply};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::time::Duration;
use tickcascade_analytics::IdSource;
use tickcascade_analytics::delivery::{
    BufferedConfig, BufferedConsumer, Client, DeliveryClock, HttpTransport, ManualClock,
    SyncConsumer, seeded_jitter,
};

fn transport() -> HttpTransport {
    HttpTransport::new(Duration::from_millis(500))
}

fn buffered(
    url: &str,
    config: BufferedConfig,
) -> (BufferedConsumer<HttpTransport, ManualClock>, ManualClock) {
    let clock = ManualClock::new(1000.0);
    (
        BufferedConsumer::new(url, transport(), clock.clone(), seeded_jitter(1), config),
        clock,
    )
}

fn client() -> Client {
    Client::new("tok", IdSource::seeded(5))
}

/// Queues `n` track messages `{"i": 0..n}` for user "u".
fn send_tracked(consumer: &mut BufferedConsumer<HttpTransport, ManualClock>, n: i64) {
    let mut cl = client();
    for i in 0..n {
        let m = cl.track("u", "e", &json!({"i": i}));
        consumer.send(m.endpoint, m.key.as_deref(), m.body);
    }
}

fn no_auto(max_size: usize) -> BufferedConfig {
    BufferedConfig::default()
        .with_max_size(max_size)
        .with_auto_flush(false)
}

#[test]
fn messages_carry_the_default_properties_and_batches_are_json_arrays() {
    let c = Collector::start(vec![]);
    let (mut consumer, _) = buffered(&c.url, no_auto(50));
    let mut cl = client();
    for i in 0..3 {
        let m = cl.track("user-1", "clicked", &json!({"i": i, "token": "override"}));
        consumer.send(m.endpoint, m.key.as_deref(), m.body);
    }
    let a = cl.alias("new-id", "user-1");
    consumer.send(a.endpoint, None, a.body);
    let a2 = cl.alias("newer-id", "new-id");
    consumer.send(a2.endpoint, None, a2.body);
    assert!(consumer.flush());
    let reqs = c.requests();
    assert_eq!(reqs.len(), 3, "one batch for /track, alias one at a time");
    assert_eq!(reqs[0].path, "/track");
    let batch: Value = serde_json::from_str(&reqs[0].body).unwrap();
    assert_eq!(batch.as_array().unwrap().len(), 3);
    let p = &batch[0]["properties"];
    assert_eq!(
        p["token"], "override",
        "user properties override the defaults for direct calls"
    );
    for key in ["distinct_id", "time", "$insert_id", "$lib", "$lib_version"] {
        assert!(p.get(key).is_some(), "{key}");
    }
    assert_eq!(p["$lib"], "tickcascade");
    assert_eq!(reqs[1].path, "/alias");
    assert!(
        serde_json::from_str::<Value>(&reqs[1].body)
            .unwrap()
            .is_object(),
        "alias is a single object"
    );
    assert_eq!(consumer.stats().sent, 5);
}

#[test]
fn retry_after_is_honoured_and_plain_429_backs_off_exponentially() {
    let c = Collector::start(vec![
        Reply::Status(429, Some("7")),
        Reply::Status(429, None),
    ]);
    let (mut consumer, clock) = buffered(&c.url, no_auto(50));
    let m = client().track("u", "e", &json!({}));
    consumer.send(m.endpoint, m.key.as_deref(), m.body);
    assert!(!consumer.flush());
    assert_eq!(consumer.next_attempt_at(), Some(1007.0));
    clock.advance(6.9);
    assert!(!consumer.flush());
    assert_eq!(c.requests().len(), 1, "no request inside the window");
    clock.advance(0.1);
    assert!(!consumer.flush()); // the second 429: 2nd failure, 4 s ± 20%
    let wait = consumer.next_attempt_at().unwrap() - clock.now();
    assert!((3.2..=4.8).contains(&wait), "{wait}");
    clock.advance(wait);
    assert!(consumer.flush());
    assert_eq!(consumer.stats().retried, 2);
    assert_eq!(consumer.stats().sent, 1);
}

#[test]
fn a_500_then_200_and_network_failures_are_retried() {
    let c = Collector::start(vec![
        Reply::Status(500, None),
        Reply::Reset,
        Reply::Hang(Duration::from_secs(2)),
    ]);
    let (mut consumer, clock) = buffered(&c.url, no_auto(50));
    let m = client().track("u", "e", &json!({}));
    consumer.send(m.endpoint, m.key.as_deref(), m.body);
    for _ in 0..3 {
        assert!(!consumer.flush());
        clock.advance(700.0);
    }
    assert!(consumer.flush());
    assert_eq!((consumer.stats().sent, consumer.stats().retried), (1, 3));
}

#[test]
fn connection_refused_is_retried_then_exhausted_by_the_sync_consumer() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let clock = ManualClock::new(0.0);
    let mut sync = SyncConsumer::new(&url, transport(), clock.clone(), seeded_jitter(2));
    let m = client().track("u", "e", &json!({}));
    let err = sync.send(m.endpoint, &m.body).unwrap_err();
    assert!(err.contains("connection error"), "{err}");
    assert_eq!(sync.stats().retried, 4);
    assert_eq!(sync.stats().dropped.get("retries_exhausted"), Some(&1));
    // 2 + 4 + 8 + 16 s, each ±20%.
    assert!((24.0..=36.0).contains(&clock.now()), "{}", clock.now());
}

#[test]
fn a_413_halves_the_batch_down_to_one_drops_the_oversize_and_grows_back() {
    let c = Collector::start(vec![]);
    c.script_path(
        "/track",
        vec![
            Reply::Status(413, None),
            Reply::Status(413, None),
            Reply::Status(413, None),
            Reply::Status(413, None),
        ],
    );
    let (mut consumer, _) = buffered(&c.url, no_auto(8));
    send_tracked(&mut consumer, 8);
    assert!(consumer.flush());
    let sizes: Vec<usize> = c
        .requests()
        .iter()
        .map(|r| {
            serde_json::from_str::<Value>(&r.body)
                .unwrap()
                .as_array()
                .unwrap()
                .len()
        })
        .collect();
    // 8 -> 4 -> 2 -> 1 (413: that single message dropped), then 1, 2, 4 as the size grows back.
    assert_eq!(sizes, [8, 4, 2, 1, 1, 2, 4]);
    assert_eq!(consumer.stats().dropped.get("oversize"), Some(&1));
    assert_eq!(consumer.stats().sent, 7);
}

#[test]
fn a_400_drops_the_batch_and_a_401_backs_off_the_maximum() {
    let c = Collector::start(vec![Reply::Status(400, None), Reply::Status(401, None)]);
    let (mut consumer, clock) = buffered(&c.url, no_auto(2));
    send_tracked(&mut consumer, 4);
    assert!(!consumer.flush());
    assert_eq!(consumer.stats().dropped.get("rejected"), Some(&2));
    assert_eq!(consumer.next_attempt_at(), Some(clock.now() + 600.0));
    assert_eq!(consumer.queued(), 2, "401 keeps the queue");
    clock.advance(600.0);
    assert!(consumer.flush());
    assert_eq!(consumer.stats().sent, 2);
}

#[test]
fn a_full_queue_drops_the_oldest() {
    let c = Collector::start(vec![]);
    let (mut consumer, _) = buffered(&c.url, no_auto(50).with_max_queue_size(3));
    send_tracked(&mut consumer, 5);
    assert!(consumer.flush());
    let got: Vec<i64> = c
        .messages()
        .iter()
        .map(|m| m["properties"]["i"].as_i64().unwrap())
        .collect();
    assert_eq!(got, [2, 3, 4]);
    assert_eq!(consumer.stats().dropped.get("queue_full"), Some(&2));
}

#[test]
fn two_endpoints_back_off_independently() {
    let c = Collector::start(vec![]);
    c.script_path("/engage", vec![Reply::Status(429, Some("300"))]);
    let (mut consumer, _) = buffered(&c.url, no_auto(50));
    let mut cl = client();
    let p = cl.people_set("u", &json!({"plan": "pro"}));
    consumer.send(p.endpoint, None, p.body);
    assert!(!consumer.flush());
    let t = cl.track("u", "e", &json!({}));
    consumer.send(t.endpoint, t.key.as_deref(), t.body);
    assert!(!consumer.flush());
    let paths: Vec<String> = c.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        paths,
        ["/engage", "/track"],
        "/track was not stalled by /engage's window"
    );
    assert_eq!(consumer.queued(), 1);
}

#[test]
fn pump_does_a_bounded_amount_of_work() {
    let c = Collector::start(vec![]);
    let (mut consumer, _) = buffered(&c.url, no_auto(1));
    send_tracked(&mut consumer, 5);
    let report = consumer.pump(2);
    assert_eq!(report.sent, 2);
    assert_eq!(c.requests().len(), 2);
    assert_eq!(consumer.pump(10).sent, 3);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn delivered_and_dropped_add_up_to_what_was_sent(
        faults in prop::collection::vec(prop::sample::select(vec![200u16, 200, 400, 401, 413, 429, 500, 503]), 0..12),
        n in 1usize..25,
    ) {
        let c = Collector::start(faults.iter().map(|&s| Reply::Status(s, None)).collect());
        let (mut consumer, clock) = buffered(&c.url, no_auto(4));
        let mut cl = client();
        let mut keys = Vec::new();
        for i in 0..n {
            let m = cl.track("u", "e", &json!({"i": i}));
            keys.push(m.key.clone().unwrap());
            consumer.send(m.endpoint, m.key.as_deref(), m.body);
        }
        for _ in 0..50 {
            if consumer.flush() { break; }
            clock.advance(601.0);
        }
        let received: Vec<String> = c.messages().iter().map(|m| m["properties"]["$insert_id"].as_str().unwrap().to_owned()).collect();
        let stats = consumer.stats();
        prop_assert_eq!(stats.sent + stats.dropped_total(), n as u64);
        prop_assert_eq!(consumer.queued(), 0);
        // 2xx-acknowledged messages arrived exactly once; nothing unknown arrived.
        let acked: HashSet<&String> = received.iter().collect();
        prop_assert!(acked.iter().all(|k| keys.contains(k)));
        prop_assert!(stats.sent as usize <= acked.len());
    }
}

#[test]
fn the_bus_subscriber_maps_analytics_and_pump_returns_its_report_without_logging_it() {
    use tickcascade::{EventBus, EventLog};
    use tickcascade_analytics::delivery::{EventMapper, MappedEvents, pump, subscribe};
    use tickcascade_analytics::{self as analytics, Analytics};
    let c = Collector::start(vec![]);
    let mut bus = EventBus::with_state(EventLog::new(), Analytics::simulated(1, 60.0));
    let outbox = subscribe(
        &mut bus,
        EventMapper::new("tok", "run-1", MappedEvents::Analytics),
    );
    let (mut consumer, _) = buffered(&c.url, no_auto(50));
    analytics::identify(&mut bus, "player-1", json!({"class": "mage"})).unwrap();
    analytics::track(
        &mut bus,
        "room_entered",
        json!({"room": "hall", "time": 1, "token": "x"}),
    )
    .unwrap();
    analytics::page(&mut bus, "area/hall", json!({})).unwrap();
    let logged_before = bus.log().len();
    let report = pump(&outbox, &mut consumer, 10);
    assert_eq!(report.sent, 3);
    assert_eq!(
        bus.log().len(),
        logged_before,
        "delivery never enters the log"
    );
    let msgs = c.messages();
    let track = msgs.iter().find(|m| m["event"] == "room_entered").unwrap();
    assert_eq!(
        track["properties"]["token"], "tok",
        "event data cannot override the token"
    );
    assert_eq!(track["properties"]["distinct_id"], "player-1");
    let logged = bus
        .log()
        .events()
        .iter()
        .find(|e| e.event_type() == "analytics.track")
        .unwrap();
    let ms = (logged.timestamp().as_f64() * 1000.0).floor() as i64;
    assert_eq!(
        track["properties"]["time"], ms,
        "time is the event's timestamp, not the data's"
    );
    assert!(
        msgs.iter()
            .any(|m| m["event"] == "$page" && m["properties"]["page"] == "area/hall")
    );
    assert!(msgs.iter().any(|m| m["$set"]["class"] == "mage"));
}

#[test]
fn the_background_thread_delivers_and_reports_only_through_pump() {
    use tickcascade::{EventBus, EventLog};
    use tickcascade_analytics::delivery::{Background, EventMapper, MappedEvents, subscribe};
    use tickcascade_analytics::{self as analytics, Analytics};
    let c = Collector::start(vec![Reply::Status(500, None)]);
    let mut bus = EventBus::with_state(EventLog::new(), Analytics::simulated(1, 60.0));
    let outbox = subscribe(
        &mut bus,
        EventMapper::new("tok", "run-bg", MappedEvents::Analytics),
    );
    let bg = Background::spawn(&c.url, BufferedConfig::default(), Duration::from_secs(2))
        .expect("a thread");
    for i in 0..10 {
        analytics::track(&mut bus, "tick", json!({"i": i})).unwrap();
    }
    bg.pump(&outbox);
    let before = bus.log().len();
    let stats = bg.finish(10.0);
    assert_eq!(bus.log().len(), before, "the thread never touches the bus");
    assert_eq!(stats.sent, 10);
    assert_eq!(stats.dropped_total(), 0);
    assert!(stats.retried >= 1);
    let ids: HashSet<String> = c
        .messages()
        .iter()
        .map(|m| m["properties"]["$insert_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 10);
}

#[test]
fn the_same_seed_gives_the_same_log_whether_the_collector_fails_or_not() {
    use tickcascade::sim::{Flow, Runner, Schedule, Simulation};
    use tickcascade::{EventBus, PublishError};
    use tickcascade_analytics::delivery::{EventMapper, MappedEvents, pump, subscribe};
    use tickcascade_analytics::{self as analytics, Analytics, AnalyticsHost};

    struct Game {
        analytics: Analytics,
        schedule: Schedule,
    }
    impl AnalyticsHost for Game {
        fn analytics(&mut self) -> &mut Analytics {
            &mut self.analytics
        }
    }
    impl Simulation for Game {
        fn subscribe(bus: &mut EventBus<Self>) {
            bus.subscribe("game.tick", |ctx, e| {
                let tick: i64 = e.data_as()?;
                analytics::track(ctx, "tick_seen", json!({"tick": tick}))?;
                Ok(())
            });
        }
        fn tick(bus: &mut EventBus<Self>) -> Result<(), PublishError> {
            let tick = bus.log().current_tick();
            bus.publish("game.tick", &tick).map(|_| ())
        }
        fn schedule(&mut self) -> &mut Schedule {
            &mut self.schedule
        }
    }

    fn run(url: &str) -> (Vec<u8>, u64) {
        let mut runner = Runner::new(Game {
            analytics: Analytics::simulated(9, 1.0),
            schedule: Schedule::default(),
        });
        let outbox = subscribe(
            runner.bus_mut(),
            EventMapper::new("tok", "run-det", MappedEvents::Analytics),
        );
        let (mut consumer, clock) = buffered(url, no_auto(5));
        let sent = std::rc::Rc::new(std::cell::Cell::new(0));
        let counted = sent.clone();
        // Pumping from the after-tick hook: the hook only reads the bus.
        runner.set_after_tick(move |_bus, _tick| {
            clock.advance(601.0);
            counted.set(counted.get() + pump(&outbox, &mut consumer, 4).sent);
            Flow::Continue
        });
        runner.run_for(20).unwrap();
        let mut bytes = Vec::new();
        tickcascade::write_log(runner.bus().log(), &mut bytes).unwrap();
        (bytes, sent.get())
    }
    let failing = Collector::start(vec![Reply::Status(500, None); 200]);
    let working = Collector::start(vec![]);
    let (with_failures, sent_failing) = run(&failing.url);
    let (with_success, sent_working) = run(&working.url);
    assert_eq!(sent_failing, 0, "every request failed");
    assert!(sent_working >= 20, "{sent_working}");
    assert!(!with_success.is_empty());
    assert_eq!(
        with_failures, with_success,
        "the network never changes the log"
    );
}

#[test]
fn delivery_wired_into_a_runner_in_one_call_delivers_every_tracked_event() {
    use tickcascade::sim::{Runner, Schedule, Simulation};
    use tickcascade::{EventBus, PublishError};
    use tickcascade_analytics::delivery::{DeliverAnalytics, RunnerDelivery};
    use tickcascade_analytics::{self as analytics, Analytics, AnalyticsHost};

    struct Ticker {
        analytics: Analytics,
        schedule: Schedule,
    }
    impl AnalyticsHost for Ticker {
        fn analytics(&mut self) -> &mut Analytics {
            &mut self.analytics
        }
    }
    impl Simulation for Ticker {
        fn subscribe(_bus: &mut EventBus<Self>) {}
        fn tick(bus: &mut EventBus<Self>) -> Result<(), PublishError> {
            let tick = bus.log().current_tick();
            analytics::track(bus, "tick", json!({"tick": tick})).map(|_| ())
        }
        fn schedule(&mut self) -> &mut Schedule {
            &mut self.schedule
        }
    }
    // The first two requests fail: the retries happen within finish's deadline.
    let c = Collector::start(vec![Reply::Status(503, Some("0")), Reply::Reset]);
    let mut runner = Runner::new(Ticker {
        analytics: Analytics::simulated(3, 1.0),
        schedule: Schedule::default(),
    });
    let delivery = runner.deliver_analytics(
        RunnerDelivery::new(&c.url, "tok")
            .run_id("one-call")
            .requests_per_tick(1),
    );
    runner.run_for(10).unwrap();
    let totals = delivery.finish(30.0);
    assert_eq!(totals.sent, 10, "{totals:?}");
    assert_eq!(totals.dropped_total(), 0, "{totals:?}");
    let ids: HashSet<String> = c
        .messages()
        .iter()
        .map(|m| m["properties"]["$insert_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 10);
    assert!(
        runner
            .bus()
            .log()
            .events()
            .iter()
            .all(|e| e.event_type() == "analytics.track"),
        "nothing but the simulation's events in the log"
    );
}
