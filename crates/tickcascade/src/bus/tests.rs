//! Unit tests of the bus: Eventure's dispatch order, depth-first publishing,
//! unsubscribing, the depth limit, deep nesting, failing and panicking
//! handlers, and a bus moved to another thread.

use super::*;

fn recorder(bus: &mut EventBus<Vec<String>>, pattern: &'static str) {
    bus.subscribe(pattern, move |ctx, e| {
        ctx.state().push(format!("{pattern}<-{}", e.event_type()));
        Ok(())
    });
}

fn calls(subscribed: &[&'static str], published: &str) -> Vec<String> {
    let mut bus = EventBus::with_state(EventLog::new(), Vec::new());
    for p in subscribed {
        recorder(&mut bus, p);
    }
    bus.publish(published, &()).unwrap();
    bus.into_parts()
        .1
        .into_iter()
        .map(|s| s.split("<-").next().unwrap_or("").to_owned())
        .collect()
}

#[test]
fn dispatch_order_matches_eventure() {
    assert_eq!(
        calls(&["a.*", "*.c", "*", "a.b.c", "a.b.*", "*.b.c"], "a.b.c"),
        ["a.b.c", "a.*", "a.b.*", "*.c", "*.b.c", "*"]
    );
    assert_eq!(calls(&["player.*", "*", "*.move"], "player"), ["*"]);
    assert_eq!(
        calls(&["player.", "player.*", "*.", "*"], "player."),
        ["player.", "player.*", "*.", "*"]
    );
    assert_eq!(calls(&["*"], "*"), ["*", "*"]);
    assert_eq!(
        calls(&["player.*", "*.*", "*"], "player.*"),
        ["player.*", "player.*", "*.*", "*"]
    );
    assert_eq!(calls(&["*.*", "*"], "*.x"), ["*.*", "*"]);
    assert_eq!(calls(&["*.*", "*"], "x.*"), ["*.*", "*"]);
    assert_eq!(calls(&["*", "x.*"], ""), ["*"]);
    assert_eq!(
        calls(&["a*", "*c", "player.*.fast"], "abc"),
        Vec::<String>::new()
    );
    assert_eq!(calls(&["a.b.*", "a.*"], "a.b.c"), ["a.b.*", "a.*"]);
}

#[test]
fn handlers_publish_depth_first() {
    let mut bus = EventBus::with_state(EventLog::new(), Vec::<String>::new());
    bus.subscribe("a", |ctx, _| {
        ctx.publish("b", &())?;
        ctx.publish("c", &())?;
        Ok(())
    });
    bus.subscribe("b", |ctx, _| {
        ctx.publish("d", &())?;
        Ok(())
    });
    bus.subscribe("*", |ctx, e| {
        ctx.state().push(e.event_type().to_owned());
        Ok(())
    });
    bus.publish("a", &()).unwrap();
    let logged: Vec<&str> = bus.log().events().iter().map(|e| e.event_type()).collect();
    assert_eq!(logged, ["a", "b", "d", "c"]);
    assert_eq!(bus.state(), &["d", "b", "c", "a"]);
}

#[test]
fn unsubscribe_keeps_the_pattern_slot() {
    let mut bus = EventBus::with_state(EventLog::new(), Vec::<&str>::new());
    let push = |name: &'static str| {
        move |ctx: &mut Context<'_, Vec<&str>>, _: &Event| {
            ctx.state().push(name);
            Ok(())
        }
    };
    let s = bus.subscribe("*.move", push("suffix"));
    bus.subscribe("player.*", push("prefix"));
    assert!(bus.unsubscribe(s));
    assert!(!bus.unsubscribe(s));
    bus.publish("player.move", &()).unwrap();
    bus.subscribe("*.move", push("suffix2"));
    bus.publish("player.move", &()).unwrap();
    assert_eq!(bus.state(), &["prefix", "prefix", "suffix2"]);
}

#[test]
fn depth_limit_is_an_error_not_a_crash() {
    let mut bus = EventBus::with_state(EventLog::new(), None::<String>);
    bus.set_config(BusConfig::default().with_max_depth(50));
    bus.subscribe("loop", |ctx, _| {
        if let Err(e) = ctx.publish("loop", &()) {
            *ctx.state() = Some(e.to_string());
        }
        Ok(())
    });
    bus.publish("loop", &()).unwrap();
    assert_eq!(bus.log().len(), 50);
    assert!(
        bus.state()
            .as_deref()
            .is_some_and(|e| e.contains("50 levels"))
    );
}

#[test]
fn a_hundred_thousand_nested_publishes_do_not_overflow() {
    let mut bus = EventBus::new(EventLog::new());
    bus.subscribe("chain", |ctx, _| {
        if ctx.depth() < 100_000 {
            ctx.publish("chain", &())?;
        }
        Ok(())
    });
    bus.publish("chain", &()).unwrap();
    assert_eq!(bus.log().len(), 100_000);
}

#[test]
fn an_error_three_levels_deep_comes_out_of_the_outer_publish_with_each_event() {
    let mut bus = EventBus::with_state(EventLog::new(), Vec::<&str>::new());
    bus.subscribe("order.placed", |ctx, _| {
        ctx.publish("stock.reserve", &1)?;
        ctx.state().push("not reached");
        Ok(())
    });
    bus.subscribe("stock.reserve", |ctx, _| {
        ctx.publish("stock.check", &1)?;
        Ok(())
    });
    bus.subscribe("stock.check", |_, _| Err("out of stock".into()));
    bus.subscribe("stock.check", |ctx, _| {
        ctx.state().push("after the failing handler");
        Ok(())
    });
    bus.subscribe("*", |ctx, e| {
        ctx.state().push(if e.event_type() == "order.placed" {
            "order"
        } else {
            "other"
        });
        Ok(())
    });
    let err = bus.publish("order.placed", &()).unwrap_err();
    // The outer event, then each nested one, then the handler's own error.
    let mut chain = vec![err.to_string()];
    let mut source = std::error::Error::source(&err);
    while let Some(s) = source {
        chain.push(s.to_string());
        source = s.source();
    }
    assert_eq!(chain.len(), 4, "{chain:?}");
    assert!(chain[0].contains("\"order.placed\" event 0-"), "{chain:?}");
    assert!(chain[1].contains("\"stock.reserve\""), "{chain:?}");
    assert!(chain[2].contains("\"stock.check\""), "{chain:?}");
    assert_eq!(chain[3], "out of stock");
    match &err {
        PublishError::Handler {
            event_id,
            event_type,
            ..
        } => {
            assert_eq!(event_type, "order.placed");
            assert_eq!(Some(event_id), bus.log().events().first().map(Event::id));
        }
        other => panic!("{other:?}"),
    }
    // All three stay logged; no handler after a failing one ran.
    assert_eq!(bus.log().len(), 3);
    assert!(bus.state().is_empty(), "{:?}", bus.state());
    // The bus is consistent and usable afterwards.
    bus.publish("other", &()).unwrap();
    assert_eq!(bus.state(), &["other"]);
}

#[test]
fn a_bus_with_handlers_moves_to_another_thread_and_publishes_there() {
    let mut bus = EventBus::with_state(EventLog::new(), 0u64);
    bus.subscribe("tick", |ctx, _| {
        *ctx.state() += 1;
        ctx.publish("tock", &())?;
        Ok(())
    });
    let bus = std::thread::spawn(move || {
        for _ in 0..10 {
            bus.publish("tick", &()).map(|_| ())?;
        }
        Ok::<_, PublishError>(bus)
    })
    .join()
    .expect("no panic")
    .expect("no error");
    assert_eq!((*bus.state(), bus.log().len()), (10, 20));
}

#[test]
fn a_panicking_handler_leaves_the_event_logged_and_the_bus_usable() {
    let mut bus = EventBus::with_state(EventLog::new(), 0);
    bus.subscribe("boom", |_, _| panic!("handler failed"));
    bus.subscribe("ok", |ctx, _| {
        *ctx.state() += 1;
        Ok(())
    });
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        bus.publish("boom", &()).map(|_| ())
    }));
    assert!(r.is_err());
    assert_eq!(bus.log().len(), 1);
    bus.publish("ok", &()).unwrap();
    assert_eq!((bus.log().len(), *bus.state()), (2, 1));
}
