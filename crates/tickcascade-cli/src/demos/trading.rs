//! The trading bot: a market publishes price and volume updates every tick,
//! a strategy turns moving-average crossings into signals, signals become
//! orders, orders fill in the next tick, and fills update the portfolio.
//!
//! Cascades: `market.price_update` → `strategy.signal` → `order.created` →
//! (next tick) `order.filled` → `portfolio.updated`.
//!
//! Prices move by a seeded random walk using only `+ - * /` and rounding to
//! cents, so a seed gives the same log on every machine.

use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, VecDeque};
use tickcascade::replay::Projection;
use tickcascade::sim::{Schedule, SimRng, Simulation};
use tickcascade::stable_hash;
use tickcascade::{Event, EventBus, HandlerError, PublishError, TypedEvent};
use tickcascade_analytics::{self as analytics, Analytics, AnalyticsHost};

/// Settings of a run (all recorded in the first event).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TradingParams {
    /// Symbols and their opening prices.
    pub symbols: Vec<(String, f64)>,
    /// Ticks in the short moving average.
    pub short_window: usize,
    /// Ticks in the long moving average.
    pub long_window: usize,
    /// Cash at the start.
    pub starting_cash: f64,
    /// Fraction of cash one buy order spends.
    pub order_fraction: f64,
    /// Largest price move per tick, as a fraction (0.03 = ±3%).
    pub volatility: f64,
}

impl Default for TradingParams {
    fn default() -> Self {
        TradingParams {
            symbols: vec![("BTC/USD".into(), 50_000.0), ("ETH/USD".into(), 3_000.0)],
            short_window: 3,
            long_window: 8,
            starting_cash: 100_000.0,
            order_fraction: 0.2,
            volatility: 0.03,
        }
    }
}

/// The portfolio: derived only from events.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Portfolio {
    /// Cash on hand.
    pub cash: f64,
    /// Quantity held per symbol.
    pub holdings: BTreeMap<String, f64>,
    /// The last price seen per symbol.
    pub prices: BTreeMap<String, f64>,
    /// Orders filled.
    pub orders_filled: u64,
    /// Signals seen.
    pub signals: u64,
}

impl Portfolio {
    /// Cash plus holdings at the last prices.
    pub fn value(&self) -> f64 {
        self.cash
            + self
                .holdings
                .iter()
                .map(|(s, q)| q * self.prices.get(s).copied().unwrap_or(0.0))
                .sum::<f64>()
    }
}

/// The run begins: what it is, its seed and parameters, its id, the cash.
#[derive(Serialize, Deserialize)]
pub struct BotStart {
    /// Always `trading`.
    pub simulation: String,
    /// The seed of the run.
    pub seed: u64,
    /// The run's settings.
    pub params: TradingParams,
    /// A stable hash of the name, seed and parameters.
    pub run_id: String,
    /// Cash at the start.
    pub cash: f64,
}
impl TypedEvent for BotStart {
    const TYPE: &'static str = "bot.start";
}

/// A symbol's new price.
#[derive(Serialize, Deserialize)]
pub struct PriceUpdate {
    /// The symbol (`BTC/USD`).
    pub symbol: String,
    /// The price, in cents.
    pub price: f64,
}
impl TypedEvent for PriceUpdate {
    const TYPE: &'static str = "market.price_update";
}

/// A symbol's traded volume this tick.
#[derive(Serialize, Deserialize)]
pub struct VolumeUpdate {
    /// The symbol.
    pub symbol: String,
    /// The volume.
    pub volume: f64,
}
impl TypedEvent for VolumeUpdate {
    const TYPE: &'static str = "market.volume_update";
}

/// The moving averages crossed.
#[derive(Serialize, Deserialize)]
pub struct Signal {
    /// The symbol.
    pub symbol: String,
    /// `BUY` or `SELL`.
    pub signal: String,
    /// The price that made the cross.
    pub price: f64,
    /// The short moving average.
    pub short_ma: f64,
    /// The long moving average.
    pub long_ma: f64,
}
impl TypedEvent for Signal {
    const TYPE: &'static str = "strategy.signal";
}

/// An order placed on a signal.
#[derive(Serialize, Deserialize)]
pub struct OrderCreated {
    /// The order's number.
    pub order_id: u64,
    /// The symbol.
    pub symbol: String,
    /// `BUY` or `SELL`.
    pub side: String,
    /// How much.
    pub quantity: f64,
    /// The price when placed.
    pub price: f64,
}
impl TypedEvent for OrderCreated {
    const TYPE: &'static str = "order.created";
}

/// An order filled (the tick after it was placed).
#[derive(Serialize, Deserialize)]
pub struct OrderFilled {
    /// The order's number.
    pub order_id: u64,
    /// The symbol.
    pub symbol: String,
    /// `BUY` or `SELL`.
    pub side: String,
    /// How much.
    pub quantity: f64,
    /// The price it filled at (with slippage).
    pub fill_price: f64,
}
impl TypedEvent for OrderFilled {
    const TYPE: &'static str = "order.filled";
}

/// The portfolio after a fill.
#[derive(Serialize, Deserialize)]
pub struct PortfolioUpdated {
    /// Cash on hand.
    pub cash: f64,
    /// Quantity held per symbol.
    pub holdings: BTreeMap<String, f64>,
    /// Cash plus holdings at the last prices.
    pub value: f64,
}
impl TypedEvent for PortfolioUpdated {
    const TYPE: &'static str = "portfolio.updated";
}

fn cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn milli(x: f64) -> f64 {
    (x * 1000.0).floor() / 1000.0
}

/// The bot: live portfolio, moving-average windows, generator, schedule.
pub struct Trading {
    seed: u64,
    params: TradingParams,
    rng: SimRng,
    schedule: Schedule,
    /// The live portfolio, kept by the handlers.
    pub portfolio: Portfolio,
    windows: BTreeMap<String, VecDeque<f64>>,
    /// The bot's analytics (in memory, seeded).
    pub analytics: Analytics,
    consent: bool,
    /// Per symbol: was the short average above the long one last tick?
    above: BTreeMap<String, bool>,
    next_order: u64,
}

impl Trading {
    /// A new bot for `seed`.
    pub fn new(seed: u64, params: TradingParams) -> Trading {
        Trading {
            seed,
            rng: SimRng::new(seed),
            schedule: Schedule::default(),
            portfolio: Portfolio::default(),
            windows: BTreeMap::new(),
            above: BTreeMap::new(),
            next_order: 1,
            analytics: Analytics::simulated(seed, 60.0),
            consent: true,
            params,
        }
    }

    /// Revokes (or grants) analytics consent from the start.
    pub fn with_consent(mut self, consent: bool) -> Trading {
        self.consent = consent;
        self
    }

    /// The run id: a stable hash of the simulation name, seed and parameters.
    pub fn run_id(&self) -> String {
        let params = serde_json::to_string(&self.params).unwrap_or_default();
        stable_hash(format!("trading|{}|{params}", self.seed).as_bytes())
    }
}

type Ctx<'a> = tickcascade::Context<'a, Trading>;

fn mean(w: &VecDeque<f64>, n: usize) -> f64 {
    w.iter().rev().take(n).sum::<f64>() / n as f64
}

impl AnalyticsHost for Trading {
    fn analytics(&mut self) -> &mut Analytics {
        &mut self.analytics
    }
}

fn on_start(ctx: &mut Ctx<'_>, _: &Event, start: BotStart) -> Result<(), HandlerError> {
    ctx.state().portfolio.cash = start.cash;
    if !ctx.state().consent {
        let mut revoke = serde_json::Map::new();
        revoke.insert("analytics".into(), false.into());
        analytics::set_consent(ctx, revoke)?;
    }
    let bot = format!("bot-{}", ctx.state().seed);
    analytics::identify(ctx, &bot, json!({"strategy": "ma-cross"}))?;
    Ok(())
}

fn on_price(ctx: &mut Ctx<'_>, _: &Event, update: PriceUpdate) -> Result<(), HandlerError> {
    let PriceUpdate { symbol, price } = update;
    let signal = {
        let bot = ctx.state();
        bot.portfolio.prices.insert(symbol.clone(), price);
        let (short, long) = (bot.params.short_window, bot.params.long_window);
        let w = bot.windows.entry(symbol.clone()).or_default();
        w.push_back(price);
        while w.len() > long {
            w.pop_front();
        }
        if w.len() < long {
            return Ok(());
        }
        let (s, l) = (cents(mean(w, short)), cents(mean(w, long)));
        let above = s > l;
        let before = bot.above.insert(symbol.clone(), above);
        match before {
            Some(b) if b != above => Some((if above { "BUY" } else { "SELL" }, s, l)),
            _ => None,
        }
    };
    if let Some((side, s, l)) = signal {
        ctx.emit(&Signal {
            symbol,
            signal: side.to_owned(),
            price,
            short_ma: s,
            long_ma: l,
        })?;
    }
    Ok(())
}

fn on_signal(ctx: &mut Ctx<'_>, _: &Event, signal: Signal) -> Result<(), HandlerError> {
    let Signal {
        symbol,
        signal: side,
        price,
        ..
    } = signal;
    let order = {
        let bot = ctx.state();
        bot.portfolio.signals += 1;
        let qty = if side == "BUY" {
            milli(bot.portfolio.cash * bot.params.order_fraction / price)
        } else {
            bot.portfolio.holdings.get(&symbol).copied().unwrap_or(0.0)
        };
        if qty <= 0.0 {
            return Ok(());
        }
        let id = bot.next_order;
        bot.next_order += 1;
        // Slippage of up to ±0.5%, in whole basis points.
        let bps = bot.rng.range(-50, 50) as f64;
        (id, qty, cents(price * (1.0 + bps / 10_000.0)))
    };
    let (id, qty, fill) = order;
    let created = ctx
        .emit(&OrderCreated {
            order_id: id,
            symbol: symbol.clone(),
            side: side.clone(),
            quantity: qty,
            price,
        })?
        .id()
        .clone();
    analytics::track(
        ctx,
        "order_created",
        json!({"order_id": id, "symbol": symbol, "side": side, "quantity": qty}),
    )?;
    let next = ctx.log().current_tick() + 1;
    let filled = OrderFilled {
        order_id: id,
        symbol,
        side,
        quantity: qty,
        fill_price: fill,
    };
    ctx.state()
        .schedule
        .at(next, OrderFilled::TYPE, &filled, Some(&created))?;
    Ok(())
}

/// The projection's rule for a fill (the live bot applies its own copy in
/// `on_fill`, so that replay checks one against the other).
fn fill_into(p: &mut Portfolio, symbol: &str, side: &str, qty: f64, fill: f64) {
    let cost = cents(qty * fill);
    let held = p.holdings.entry(symbol.to_owned()).or_insert(0.0);
    if side == "BUY" {
        p.cash = cents(p.cash - cost);
        *held = milli(*held + qty + 1e-9);
    } else {
        p.cash = cents(p.cash + cost);
        *held = milli(*held - qty + 1e-9).max(0.0);
    }
    p.orders_filled += 1;
}

fn on_fill(ctx: &mut Ctx<'_>, _: &Event, filled: OrderFilled) -> Result<(), HandlerError> {
    let OrderFilled {
        order_id,
        symbol,
        side,
        quantity: qty,
        fill_price: fill,
    } = filled;
    let p = &mut ctx.state().portfolio;
    let cost = cents(qty * fill);
    let held = p.holdings.entry(symbol.clone()).or_insert(0.0);
    if side == "BUY" {
        p.cash = cents(p.cash - cost);
        *held = milli(*held + qty + 1e-9);
    } else {
        p.cash = cents(p.cash + cost);
        *held = milli(*held - qty + 1e-9).max(0.0);
    }
    p.orders_filled += 1;
    let summary = PortfolioUpdated {
        cash: p.cash,
        holdings: p.holdings.clone(),
        value: cents(p.value()),
    };
    ctx.emit(&summary)?;
    analytics::track(
        ctx,
        "order_filled",
        json!({"order_id": order_id, "symbol": symbol, "side": side, "price": fill}),
    )?;
    Ok(())
}

impl Simulation for Trading {
    fn subscribe(bus: &mut EventBus<Self>) {
        bus.on::<BotStart>(on_start);
        bus.on::<PriceUpdate>(on_price);
        bus.on::<Signal>(on_signal);
        bus.on::<OrderFilled>(on_fill);
    }

    fn tick(bus: &mut EventBus<Self>) -> Result<(), PublishError> {
        if bus.log().current_tick() == 0 {
            let bot = bus.state();
            let start = BotStart {
                simulation: "trading".into(),
                seed: bot.seed,
                params: bot.params.clone(),
                run_id: bot.run_id(),
                cash: bot.params.starting_cash,
            };
            bus.emit(&start)?;
        }
        let symbols: Vec<(String, f64)> = bus.state().params.symbols.clone();
        for (symbol, opening) in symbols {
            let bot = bus.state_mut();
            let last = bot
                .portfolio
                .prices
                .get(&symbol)
                .copied()
                .unwrap_or(opening);
            // A move in whole basis points within ±volatility.
            let span = (bot.params.volatility * 10_000.0) as i64;
            let bps = bot.rng.range(-span, span) as f64;
            let price = cents(last * (1.0 + bps / 10_000.0)).max(0.01);
            let volume = bot.rng.range(1, 5_000) as f64 / 100.0;
            bus.emit(&PriceUpdate {
                symbol: symbol.clone(),
                price,
            })?;
            bus.emit(&VolumeUpdate { symbol, volume })?;
        }
        Ok(())
    }

    fn end_tick(bus: &mut EventBus<Self>) -> Result<(), PublishError> {
        analytics::flush_dropped(bus).map(|_| ())
    }

    fn schedule(&mut self) -> &mut Schedule {
        &mut self.schedule
    }
}

impl Projection for Portfolio {
    fn apply(&mut self, e: &Event) -> Result<bool, HandlerError> {
        if let Some(start) = e.payload::<BotStart>().transpose()? {
            self.cash = start.cash;
        } else if let Some(update) = e.payload::<PriceUpdate>().transpose()? {
            self.prices.insert(update.symbol, update.price);
        } else if let Some(filled) = e.payload::<OrderFilled>().transpose()? {
            fill_into(
                self,
                &filled.symbol,
                &filled.side,
                filled.quantity,
                filled.fill_price,
            );
        } else {
            match e.event_type() {
                Signal::TYPE => self.signals += 1,
                VolumeUpdate::TYPE | OrderCreated::TYPE | PortfolioUpdated::TYPE => {}
                // Analytics observe the bot; they never change the portfolio.
                t if t.starts_with("analytics.") => {}
                _ => return Ok(false),
            }
        }
        Ok(true)
    }
}
