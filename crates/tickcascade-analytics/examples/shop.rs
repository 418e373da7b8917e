//! A small shop, written against the crates as a new user would: typed
//! events, a handler that fails (an order for more than is in stock),
//! restocks scheduled for later ticks, the stock rebuilt from the log by a
//! projection that starts from an opening stock given by code, a run stopped,
//! saved, loaded and resumed, and the shop's analytics delivered to a
//! collector given on the command line (without one, nothing is sent). The
//! log is the same whatever the collector did.
//!
//! ```text
//! cargo run --example shop                          # no delivery
//! cargo run --example shop -- http://127.0.0.1:8080 # POST /track, /engage there
//! ```

use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use tickcascade::replay::{Projection, replay_from};
use tickcascade::sim::{Runner, Schedule, SimRng, Simulation};
use tickcascade::{
    Event, EventBus, EventLog, EventQuery, HandlerError, PublishError, TypedEvent, ViewOptions,
    write_log,
};
use tickcascade_analytics::delivery::{DeliverAnalytics, RunnerDelivery};
use tickcascade_analytics::{self as analytics, Analytics, AnalyticsHost};

/// A customer asks for `qty` of `item`.
#[derive(Serialize, Deserialize)]
struct Order {
    customer: String,
    item: String,
    qty: u32,
}
impl TypedEvent for Order {
    const TYPE: &'static str = "shop.order";
}

/// The shop sold what was ordered.
#[derive(Serialize, Deserialize)]
struct Sold {
    item: String,
    qty: u32,
}
impl TypedEvent for Sold {
    const TYPE: &'static str = "shop.sold";
}

/// A delivery from the supplier arrived.
#[derive(Serialize, Deserialize)]
struct Restocked {
    item: String,
    qty: u32,
}
impl TypedEvent for Restocked {
    const TYPE: &'static str = "shop.restocked";
}

const ITEMS: [&str; 3] = ["axe", "rope", "lantern"];

fn opening_stock() -> BTreeMap<String, u32> {
    ITEMS.iter().map(|i| (i.to_string(), 5)).collect()
}

/// The live shop: the bus's shared state.
struct Shop {
    stock: BTreeMap<String, u32>,
    rng: SimRng,
    schedule: Schedule,
    analytics: Analytics,
    refused: u32,
}

impl AnalyticsHost for Shop {
    fn analytics(&mut self) -> &mut Analytics {
        &mut self.analytics
    }
}

impl Simulation for Shop {
    fn subscribe(bus: &mut EventBus<Self>) {
        bus.on::<Order>(|ctx, _event, order| {
            let have = ctx.state().stock.get(&order.item).copied().unwrap_or(0);
            if order.qty > have {
                // The order stays logged; publish returns this error.
                return Err(format!("only {have} {} left", order.item).into());
            }
            ctx.emit(&Sold {
                item: order.item.clone(),
                qty: order.qty,
            })?;
            analytics::track(
                ctx,
                "purchase",
                json!({"item": order.item, "qty": order.qty}),
            )?;
            Ok(())
        });
        bus.on::<Sold>(|ctx, event, sold| {
            let next = ctx.log().current_tick() + 2;
            let shop = ctx.state();
            let left = shop.stock.entry(sold.item.clone()).or_default();
            *left -= sold.qty;
            if *left < 2 {
                let order = Restocked {
                    item: sold.item,
                    qty: 4,
                };
                shop.schedule
                    .at(next, Restocked::TYPE, &order, Some(event.id()))?;
            }
            Ok(())
        });
        bus.on::<Restocked>(|ctx, _, restocked| -> Result<(), HandlerError> {
            *ctx.state().stock.entry(restocked.item).or_default() += restocked.qty;
            Ok(())
        });
    }

    fn tick(bus: &mut EventBus<Self>) -> Result<(), PublishError> {
        let shop = bus.state_mut();
        let order = Order {
            customer: format!("c{}", shop.rng.below(20)),
            item: shop.rng.pick(&ITEMS).to_string(),
            qty: 1 + shop.rng.below(3) as u32,
        };
        match bus.emit(&order) {
            Ok(_) => Ok(()),
            // A refused order is part of the story: count it and go on.
            Err(PublishError::Handler { source, .. }) => {
                bus.state_mut().refused += 1;
                bus.publish("shop.refused", &json!({"why": source.to_string()}))
                    .map(|_| ())
            }
            Err(other) => Err(other),
        }
    }

    fn schedule(&mut self) -> &mut Schedule {
        &mut self.schedule
    }
}

/// The stock as the log tells it, from an opening stock given by code.
struct StockView(BTreeMap<String, u32>);

impl Projection for StockView {
    fn apply(&mut self, e: &Event) -> Result<bool, HandlerError> {
        if let Some(sold) = e.payload::<Sold>().transpose()? {
            let left = self.0.entry(sold.item).or_default();
            *left = left
                .checked_sub(sold.qty)
                .ok_or("sold more than in stock")?;
        } else if let Some(restocked) = e.payload::<Restocked>().transpose()? {
            let left = self.0.entry(restocked.item).or_default();
            *left = left.saturating_add(restocked.qty);
        } else {
            return Ok(false);
        }
        Ok(true)
    }
}

fn new_shop() -> Shop {
    Shop {
        stock: opening_stock(),
        rng: SimRng::new(7),
        schedule: Schedule::default(),
        analytics: Analytics::simulated(7, 60.0),
        refused: 0,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args().nth(1);
    let mut runner = Runner::new(new_shop());
    // Delivery in one call: a bounded pump after every tick; nothing it
    // does enters the shop's log.
    let delivery = url.as_deref().map(|url| {
        runner.deliver_analytics(RunnerDelivery::new(url, "shop-token").run_id("shop-run-7"))
    });
    runner.run_for(30)?;
    if let Some(delivery) = delivery {
        let totals = delivery.finish(5.0);
        println!("delivered {}, dropped {:?}", totals.sent, totals.dropped);
    }

    // Stop after 15 ticks, save, load, resume, go on to 30: the same log.
    let dir = std::env::temp_dir().join(format!("tickcascade-shop-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("shop.jsonl");
    let mut first = Runner::new(new_shop());
    first.run_for(15)?;
    first.bus().log().save_to_file(&path)?;
    let mut resumed = Runner::resume_from(new_shop(), EventLog::load_from_file(&path)?)?;
    resumed.run_until(30)?;
    std::fs::remove_dir_all(&dir)?;
    let (mut straight, mut again) = (Vec::new(), Vec::new());
    write_log(runner.bus().log(), &mut straight)?;
    write_log(resumed.bus().log(), &mut again)?;
    assert_eq!(
        straight, again,
        "a resumed run continues as if it never stopped"
    );

    let log = runner.bus().log();
    let shop = runner.bus().state();
    let rebuilt = replay_from(StockView(opening_stock()), log, None)?.state;
    assert_eq!(rebuilt.0, shop.stock, "the log tells the stock");
    println!(
        "{} events, {} orders refused, stock {:?}",
        log.len(),
        shop.refused,
        shop.stock
    );
    let first_restock = log
        .events()
        .iter()
        .find(|e| e.event_type() == Restocked::TYPE);
    if let Some(restock) = first_restock {
        let q = EventQuery::new(log);
        let root = tickcascade::replay::cascade_root(log, restock);
        println!("\nthe cascade that led to the first restock:");
        q.print_single_cascade(std::io::stdout(), root, &ViewOptions::default())?;
    }
    Ok(())
}
