//! A log written by version 1 of a simulation (committed as
//! `tests/fixtures/schema/inventory_v1.jsonl`) replays into version 2's
//! projection, whose events changed shape, through upcasters; the state
//! equals what the version 1 code computes from the same log.

use crate::common::{assert_same, fixture, read_fixture};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tickcascade::replay::{Projection, Snapshots, replay};
use tickcascade::{
    BusConfig, Clock, Event, EventBus, EventLog, EventQuery, HandlerError, LoadOptions, TypedEvent,
    Upcasters, ViewOptions, read_log_from,
};

/// What both versions compute, in one unit, to compare.
#[derive(Debug, PartialEq)]
struct Summary {
    items: BTreeMap<String, u32>,
    carried_grams: u64,
    gold: u64,
}

/// Version 1: the simulation as it was when the fixture was written.
mod v1 {
    use super::*;
    use tickcascade::sim::SimRng;

    #[derive(Serialize, Deserialize)]
    pub struct RoomEntered {
        pub room: String,
    }
    impl TypedEvent for RoomEntered {
        const TYPE: &'static str = "room.entered";
    }

    #[derive(Serialize, Deserialize)]
    pub struct ItemPicked {
        pub item: String,
        pub weight_kg: u32,
    }
    impl TypedEvent for ItemPicked {
        const TYPE: &'static str = "item.picked";
    }

    #[derive(Serialize, Deserialize)]
    pub struct ItemDropped {
        pub item: String,
        pub weight_kg: u32,
    }
    impl TypedEvent for ItemDropped {
        const TYPE: &'static str = "item.dropped";
    }

    #[derive(Serialize, Deserialize)]
    pub struct GoldFound {
        pub amount: u32,
    }
    impl TypedEvent for GoldFound {
        const TYPE: &'static str = "gold.found";
    }

    /// Forty ticks of rooms, pickups, drops and gold, seeded.
    pub fn run(seed: u64) -> EventLog {
        let log = EventLog::with_clock(Clock::Ticks {
            start_micros: 1_700_000_000_000_000,
            tick_micros: 1_000_000,
            step_micros: 1_000,
        });
        let mut bus = EventBus::with_state(log, (SimRng::new(seed), Vec::<(String, u32)>::new()));
        bus.on::<RoomEntered>(|ctx, _, _| {
            let (rng, carried) = ctx.state();
            let roll = rng.below(10);
            let item = (*rng.pick(&["rope", "lamp", "sword", "bread"])).to_owned();
            let weight_kg = 1 + rng.below(9) as u32;
            let drop = (roll < 3 && !carried.is_empty()).then(|| carried.remove(0));
            if roll >= 6 {
                carried.push((item.clone(), weight_kg));
            }
            let gold = (roll % 2 == 0).then(|| rng.below(50) as u32);
            if let Some((item, weight_kg)) = drop {
                ctx.emit(&ItemDropped { item, weight_kg })?;
            }
            if roll >= 6 {
                ctx.emit(&ItemPicked { item, weight_kg })?;
            }
            if let Some(amount) = gold {
                ctx.emit(&GoldFound { amount })?;
            }
            Ok(())
        });
        for tick in 0..40 {
            let room = format!("room-{}", tick % 7);
            bus.emit(&RoomEntered { room })
                .expect("the v1 simulation runs");
            bus.advance_tick();
        }
        bus.into_parts().0
    }

    #[derive(Default)]
    pub struct Inventory {
        items: BTreeMap<String, u32>,
        carried_kg: u32,
        gold: u32,
    }

    impl Projection for Inventory {
        fn apply(&mut self, e: &Event) -> Result<bool, HandlerError> {
            if let Some(p) = e.payload::<ItemPicked>() {
                let p = p?;
                *self.items.entry(p.item).or_default() += 1;
                self.carried_kg += p.weight_kg;
            } else if let Some(d) = e.payload::<ItemDropped>() {
                let d = d?;
                *self.items.entry(d.item).or_default() -= 1;
                self.carried_kg -= d.weight_kg;
            } else if let Some(g) = e.payload::<GoldFound>() {
                self.gold += g?.amount;
            } else {
                return Ok(false);
            }
            Ok(true)
        }
    }

    impl Inventory {
        pub fn summary(&self) -> Summary {
            Summary {
                items: self.items.clone(),
                carried_grams: u64::from(self.carried_kg) * 1000,
                gold: u64::from(self.gold),
            }
        }
    }
}

/// Version 2: pickups weigh in grams and come in quantities (schema 2);
/// gold became "treasure.found" with a kind (schema 3, through a schema 2
/// that only widened the amount); drops did not change.
mod v2 {
    use super::*;

    #[derive(Serialize, Deserialize)]
    pub struct ItemPicked {
        pub item: String,
        pub weight_g: u64,
        pub quantity: u32,
    }
    impl TypedEvent for ItemPicked {
        const TYPE: &'static str = "item.picked";
        const SCHEMA: u32 = 2;
    }

    #[derive(Serialize, Deserialize)]
    pub struct GoldFound {
        pub coins: u64,
    }
    impl TypedEvent for GoldFound {
        const TYPE: &'static str = "gold.found";
        const SCHEMA: u32 = 2;
    }

    #[derive(Serialize, Deserialize, Default)]
    pub struct TreasureFound {
        pub coins: u64,
        pub kind: String,
    }
    impl TypedEvent for TreasureFound {
        const TYPE: &'static str = "treasure.found";
        const SCHEMA: u32 = 3;
    }

    pub fn upcasters() -> Upcasters {
        Upcasters::new()
            .with_typed(|old: v1::ItemPicked| ItemPicked {
                item: old.item,
                weight_g: u64::from(old.weight_kg) * 1000,
                quantity: 1,
            })
            .with_typed(|old: v1::GoldFound| GoldFound {
                coins: u64::from(old.amount),
            })
            // The untyped escape hatch, for a step that only renames and adds.
            .with_json("gold.found", 2, "treasure.found", |mut data| {
                let object = data.as_object_mut().ok_or("gold data is not an object")?;
                object.insert("kind".into(), "gold".into());
                Ok(data)
            })
            .with_current::<v1::ItemDropped>()
    }

    #[derive(Default, Serialize, Deserialize, Debug, PartialEq)]
    pub struct Inventory {
        items: BTreeMap<String, u32>,
        carried_g: u64,
        coins: u64,
    }

    impl Projection for Inventory {
        fn apply(&mut self, e: &Event) -> Result<bool, HandlerError> {
            if let Some(p) = e.payload::<ItemPicked>() {
                let p = p?;
                *self.items.entry(p.item).or_default() += p.quantity;
                self.carried_g += p.weight_g * u64::from(p.quantity);
            } else if let Some(d) = e.payload::<v1::ItemDropped>() {
                let d = d?;
                *self.items.entry(d.item).or_default() -= 1;
                self.carried_g -= u64::from(d.weight_kg) * 1000;
            } else if let Some(t) = e.payload::<TreasureFound>() {
                self.coins += t?.coins;
            } else {
                return Ok(false);
            }
            Ok(true)
        }

        fn upcasters(&self) -> Option<Upcasters> {
            Some(upcasters())
        }
    }

    impl Inventory {
        pub fn summary(&self) -> Summary {
            Summary {
                items: self.items.clone(),
                carried_grams: self.carried_g,
                gold: self.coins,
            }
        }
    }
}

fn old_log() -> (String, EventLog) {
    let text = std::fs::read_to_string(fixture("schema/inventory_v1.jsonl"))
        .expect("the v1 fixture is committed");
    let (log, _) = read_log_from(
        text.as_bytes(),
        "inventory_v1.jsonl",
        &LoadOptions::default(),
    )
    .expect("the v1 fixture loads");
    (text, log)
}

#[test]
fn the_committed_v1_log_is_what_the_v1_simulation_writes() {
    let (text, _) = old_log();
    let mut written = Vec::new();
    tickcascade::write_log(&v1::run(7), &mut written).unwrap();
    assert_eq!(String::from_utf8(written).unwrap(), text);
    assert!(
        !text.contains("\"schema\""),
        "version 1 events carry no schema key"
    );
}

#[test]
fn the_v2_projection_replays_the_v1_log_to_the_state_the_v1_code_computed() {
    let (_, log) = old_log();
    let before = replay::<v1::Inventory>(&log, None).unwrap();
    let after = replay::<v2::Inventory>(&log, None).unwrap();
    assert_eq!(after.state.summary(), before.state.summary());
    assert!(after.stats.upcast > 10, "{:?}", after.stats);
    assert_eq!(after.stats.applied, before.stats.applied);
    // Mid-run too, and through snapshots.
    let snaps = Snapshots::<v2::Inventory>::build(&log, 5).unwrap();
    for tick in [0, 9, 17, 39] {
        let v1_state = replay::<v1::Inventory>(&log, Some(tick))
            .unwrap()
            .state
            .summary();
        assert_eq!(
            snaps.state_at(&log, tick).unwrap().state.summary(),
            v1_state,
            "tick {tick}"
        );
    }
    // Without its upcasters, v2 code refuses the old data instead of misreading it.
    let plain: Vec<_> = log
        .events()
        .iter()
        .filter_map(|e| e.payload::<v2::ItemPicked>())
        .collect();
    assert!(!plain.is_empty() && plain.iter().all(|p| p.is_err()));
}

#[test]
fn an_upcast_copy_saved_once_replays_without_upcasters() {
    let (text, _) = old_log();
    let options = LoadOptions::default().with_upcasters(v2::upcasters());
    let (upcast, report) = read_log_from(text.as_bytes(), "inventory_v1.jsonl", &options).unwrap();
    assert!(report.upcast > 10);
    let mut saved = Vec::new();
    tickcascade::write_log(&upcast, &mut saved).unwrap();
    let saved = String::from_utf8(saved).unwrap();
    assert!(
        saved.contains(r#""type": "treasure.found", "data": {"coins": "#),
        "{saved:.400}"
    );
    assert!(saved.contains(r#", "schema": 3}"#));
    // Reloaded plainly, the copy is already at the newest versions.
    let (copy, _) = read_log_from(saved.as_bytes(), "copy.jsonl", &LoadOptions::default()).unwrap();
    struct NoUpcast(v2::Inventory);
    impl Projection for NoUpcast {
        fn apply(&mut self, e: &Event) -> Result<bool, HandlerError> {
            self.0.apply(e)
        }
    }
    let plain =
        tickcascade::replay::replay_from(NoUpcast(v2::Inventory::default()), &copy, None).unwrap();
    let (_, log) = old_log();
    let v1_state = replay::<v1::Inventory>(&log, None).unwrap().state.summary();
    assert_eq!(plain.state.0.summary(), v1_state);
    assert_eq!(plain.stats.upcast, 0);
    // Ids, ticks and parents are the old log's.
    for (a, b) in copy.events().iter().zip(log.events()) {
        assert_eq!(
            (a.id(), a.tick(), a.parent_id()),
            (b.id(), b.tick(), b.parent_id())
        );
    }
}

#[test]
fn a_v2_bus_dispatching_old_events_reaches_the_handlers_of_the_new_types() {
    let (_, log) = old_log();
    let mut bus = EventBus::with_state(EventLog::new(), 0u64);
    bus.set_config(BusConfig::default().with_upcasters(v2::upcasters()));
    bus.on::<v2::TreasureFound>(|ctx, _, t| {
        *ctx.state() += t.coins;
        Ok(())
    });
    for e in log.events() {
        bus.dispatch(e).unwrap();
    }
    let v1_state = replay::<v1::Inventory>(&log, None).unwrap().state.summary();
    assert_eq!(*bus.state(), v1_state.gold);
}

#[test]
fn eventure_loads_and_prints_the_upcast_copy_and_resaves_it_as_version_1() {
    let (text, _) = old_log();
    let options = LoadOptions::default().with_upcasters(v2::upcasters());
    let (upcast, _) = read_log_from(text.as_bytes(), "inventory_v1.jsonl", &options).unwrap();
    let mut saved = Vec::new();
    tickcascade::write_log(&upcast, &mut saved).unwrap();
    let saved = String::from_utf8(saved).unwrap();
    if std::env::var_os("TICKCASCADE_BLESS").is_some() {
        std::fs::write(fixture("schema/inventory_upcast.jsonl"), &saved).unwrap();
    }
    assert_same(
        "inventory_upcast.jsonl",
        &read_fixture("schema/inventory_upcast.jsonl"),
        &saved,
    );
    // make_fixtures.py's schema_files() had the real Eventure load it:
    // it prints what we print (the key is not shown) ...
    let mut view = Vec::new();
    EventQuery::new(&upcast)
        .print_event_cascade(&mut view, &ViewOptions::default())
        .unwrap();
    assert_same(
        "Eventure's viewer of inventory_upcast.jsonl",
        &read_fixture("schema/inventory_upcast.eventure_cascade.txt"),
        &String::from_utf8(view).unwrap(),
    );
    // ... and re-saves its six keys only: every event back to version 1.
    let mut without_key = saved.clone();
    for v in [2, 3] {
        without_key = without_key.replace(&format!(", \"schema\": {v}}}"), "}");
    }
    let resaved = read_fixture("schema/inventory_upcast.eventure_resaved.jsonl");
    assert_same("Eventure's re-save", &resaved, &without_key);
    let (back, _) = read_log_from(resaved.as_bytes(), "resaved", &LoadOptions::default()).unwrap();
    assert!(back.events().iter().all(|e| e.schema() == 1));
}
