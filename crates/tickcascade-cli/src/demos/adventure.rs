//! The adventure game: rooms, movement, item discovery, enemies, combat
//! rounds with damage, loot and experience, all on the bus.
//!
//! Cascades: `player.move` → (next tick) `room.enter` → `item.discover` →
//! `player.pickup_item`, and `room.enter` → `enemy.encounter` → (next tick)
//! `combat.start` → `combat.round` → `combat.damage_dealt` →
//! `enemy.defeated` → `loot.drop` / `player.experience`; an undecided round
//! schedules the next round in the next tick.
//!
//! The live state is kept by the handlers as the game plays; [`GameState`]
//! rebuilds the same state from the log alone (see `replay`).

use super::{data, int, text};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tickcascade::replay::Projection;
use tickcascade::sim::{Schedule, SimRng, Simulation};
use tickcascade::stable_hash;
use tickcascade::{Event, EventBus, HandlerError, PublishError};
use tickcascade_analytics::{self as analytics, Analytics, AnalyticsHost};

/// Settings of a run (all recorded in the first event).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdventureParams {
    /// Chance (percent) that entering a room reveals an item.
    pub item_percent: u64,
    /// Chance (percent) that entering a room starts an encounter.
    pub enemy_percent: u64,
    /// Health below which the player rests instead of moving.
    pub rest_below: i64,
}

impl Default for AdventureParams {
    fn default() -> Self {
        AdventureParams {
            item_percent: 45,
            enemy_percent: 50,
            rest_below: 45,
        }
    }
}

/// What the game state is: derived only from events.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GameState {
    /// The room the player is in.
    pub location: String,
    /// Health points.
    pub health: i64,
    /// Items picked up, in order.
    pub inventory: Vec<String>,
    /// Enemies defeated, in order.
    pub defeated: Vec<String>,
    /// Experience points.
    pub experience: i64,
    /// Gold carried.
    pub gold: i64,
}

const START_HEALTH: i64 = 100;
const REVIVE_HEALTH: i64 = 60;

struct Room {
    name: &'static str,
    description: &'static str,
    exits: &'static [&'static str],
    items: &'static [&'static str],
    enemies: &'static [&'static str],
}

const ROOMS: &[Room] = &[
    Room {
        name: "entrance",
        description: "You stand at the entrance of a dark dungeon.",
        exits: &["hallway"],
        items: &["torch", "rope"],
        enemies: &["rat"],
    },
    Room {
        name: "hallway",
        description: "A long, dimly lit hallway stretches before you.",
        exits: &["entrance", "chamber", "library"],
        items: &["key", "potion"],
        enemies: &["rat", "goblin"],
    },
    Room {
        name: "library",
        description: "Shelves of crumbling books line the walls.",
        exits: &["hallway", "crypt"],
        items: &["scroll", "map"],
        enemies: &["goblin", "skeleton"],
    },
    Room {
        name: "chamber",
        description: "An ancient chamber with strange symbols on the walls.",
        exits: &["hallway", "treasury"],
        items: &["amulet", "potion"],
        enemies: &["goblin", "orc"],
    },
    Room {
        name: "treasury",
        description: "Glittering treasures fill this heavily guarded room.",
        exits: &["chamber", "crypt"],
        items: &["crown", "gem"],
        enemies: &["orc", "dragon"],
    },
    Room {
        name: "crypt",
        description: "Cold air and old bones. Something stirs.",
        exits: &["library", "treasury"],
        items: &["ring"],
        enemies: &["skeleton", "dragon"],
    },
];

struct Enemy {
    name: &'static str,
    health: i64,
    damage: (i64, i64),
    xp: i64,
    gold: (i64, i64),
}

const ENEMIES: &[Enemy] = &[
    Enemy {
        name: "rat",
        health: 12,
        damage: (1, 4),
        xp: 10,
        gold: (0, 3),
    },
    Enemy {
        name: "goblin",
        health: 25,
        damage: (3, 8),
        xp: 25,
        gold: (2, 10),
    },
    Enemy {
        name: "skeleton",
        health: 35,
        damage: (4, 10),
        xp: 40,
        gold: (5, 15),
    },
    Enemy {
        name: "orc",
        health: 45,
        damage: (5, 12),
        xp: 60,
        gold: (10, 30),
    },
    Enemy {
        name: "dragon",
        health: 110,
        damage: (10, 22),
        xp: 250,
        gold: (100, 300),
    },
];

fn room(name: &str) -> &'static Room {
    ROOMS.iter().find(|r| r.name == name).unwrap_or(&ROOMS[0])
}

fn enemy(name: &str) -> &'static Enemy {
    ENEMIES
        .iter()
        .find(|e| e.name == name)
        .unwrap_or(&ENEMIES[0])
}

#[derive(Clone, Debug)]
struct Fight {
    enemy: &'static str,
    health: i64,
}

/// The game: its live state, its random generator and its schedule.
pub struct Adventure {
    seed: u64,
    params: AdventureParams,
    rng: SimRng,
    schedule: Schedule,
    /// The live state, kept by the handlers as events happen.
    pub state: GameState,
    fight: Option<Fight>,
    travelling: bool,
    /// The game's analytics, as a game would use them (in memory, seeded).
    pub analytics: Analytics,
    /// Whether the player consents to analytics (default yes).
    consent: bool,
    visited: Vec<String>,
    level: i64,
}

/// Seconds of simulated time per tick, for analytics sessions.
pub const SECONDS_PER_TICK: f64 = 60.0;

impl AnalyticsHost for Adventure {
    fn analytics(&mut self) -> &mut Analytics {
        &mut self.analytics
    }
}

impl Adventure {
    /// A new game for `seed`.
    pub fn new(seed: u64, params: AdventureParams) -> Adventure {
        Adventure {
            seed,
            params,
            rng: SimRng::new(seed),
            schedule: Schedule::default(),
            state: GameState::default(),
            fight: None,
            travelling: false,
            analytics: Analytics::simulated(seed, SECONDS_PER_TICK),
            consent: true,
            visited: Vec::new(),
            level: 0,
        }
    }

    /// Revokes (or grants) analytics consent from the start: the game plays
    /// the same; analytics calls are dropped and counted.
    pub fn with_consent(mut self, consent: bool) -> Adventure {
        self.consent = consent;
        self
    }

    /// The run id: a stable hash of the simulation name, seed and parameters.
    pub fn run_id(&self) -> String {
        let params = serde_json::to_string(&self.params).unwrap_or_default();
        stable_hash(format!("adventure|{}|{params}", self.seed).as_bytes())
    }
}

type Ctx<'a> = tickcascade::Context<'a, Adventure>;

fn on_start(ctx: &mut Ctx<'_>, _e: &Event) -> Result<(), HandlerError> {
    let s = &mut ctx.state().state;
    s.location = "entrance".into();
    s.health = START_HEALTH;
    if !ctx.state().consent {
        let mut revoke = serde_json::Map::new();
        revoke.insert("analytics".into(), false.into());
        analytics::set_consent(ctx, revoke)?;
    }
    let player = format!("player-{}", ctx.state().seed);
    analytics::identify(ctx, &player, json!({"class": "adventurer"}))?;
    Ok(())
}

fn on_move(ctx: &mut Ctx<'_>, e: &Event) -> Result<(), HandlerError> {
    let next = ctx.log().current_tick() + 1;
    let to = text(&data(e), "to");
    let game = ctx.state();
    game.travelling = true;
    game.schedule.at(
        next,
        "room.enter",
        &json!({"room": to, "description": room(&to).description}),
        Some(e.id()),
    )?;
    Ok(())
}

fn on_enter(ctx: &mut Ctx<'_>, e: &Event) -> Result<(), HandlerError> {
    let name = text(&data(e), "room");
    let r = room(&name);
    let new_area = !ctx.state().visited.contains(&name);
    if new_area {
        ctx.state().visited.push(name.clone());
        analytics::page(ctx, &format!("area/{name}"), json!({"room": name}))?;
    }
    analytics::track(
        ctx,
        "room_entered",
        json!({"room": name, "first_visit": new_area}),
    )?;
    let (item, foe) = {
        let game = ctx.state();
        game.travelling = false;
        game.state.location = name.clone();
        let item = game
            .rng
            .percent(game.params.item_percent)
            .then(|| *game.rng.pick(r.items));
        let foe = game
            .rng
            .percent(game.params.enemy_percent)
            .then(|| *game.rng.pick(r.enemies));
        (item, foe)
    };
    if let Some(item) = item {
        let found = ctx.publish("item.discover", &json!({"item": item, "room": name, "message": format!("You spot a {item} in the {name}.")}))?.id().clone();
        ctx.publish_with_parent(
            "player.pickup_item",
            &json!({"item": item, "message": format!("You pick up the {item}.")}),
            Some(&found),
        )?;
    }
    if let Some(foe) = foe {
        let stats = enemy(foe);
        let seen = ctx.publish(
            "enemy.encounter",
            &json!({"enemy": foe, "enemy_health": stats.health, "message": format!("A {foe} appears before you!")}),
        )?.id().clone();
        let next = ctx.log().current_tick() + 1;
        let game = ctx.state();
        game.fight = Some(Fight {
            enemy: stats.name,
            health: stats.health,
        });
        game.schedule.at(next, "combat.start", &json!({"enemy": foe, "enemy_health": stats.health, "message": format!("Combat with the {foe} begins!")}), Some(&seen))?;
    }
    Ok(())
}

fn on_pickup(ctx: &mut Ctx<'_>, e: &Event) -> Result<(), HandlerError> {
    let item = text(&data(e), "item");
    ctx.state().state.inventory.push(item);
    Ok(())
}

fn on_combat_start(ctx: &mut Ctx<'_>, _e: &Event) -> Result<(), HandlerError> {
    let Some(fight) = ctx.state().fight.clone() else {
        return Ok(());
    };
    ctx.publish("combat.round", &json!({"enemy": fight.enemy, "round": 1}))?;
    Ok(())
}

fn on_round(ctx: &mut Ctx<'_>, e: &Event) -> Result<(), HandlerError> {
    let Some(fight) = ctx.state().fight.clone() else {
        return Ok(());
    };
    let stats = enemy(fight.enemy);
    let round = int(&data(e), "round");
    let dealt = ctx.state().rng.range(4, 24);
    let left = (fight.health - dealt).max(0);
    ctx.state().fight = Some(Fight {
        health: left,
        ..fight.clone()
    });
    let hit = ctx.publish(
        "combat.damage_dealt",
        &json!({"enemy": fight.enemy, "amount": dealt, "enemy_health": left, "message": format!("You hit the {} for {dealt} damage!", fight.enemy)}),
    )?.id().clone();
    if left == 0 {
        let gold = {
            let game = ctx.state();
            game.fight = None;
            game.rng.range(stats.gold.0, stats.gold.1)
        };
        let win = ctx.publish_with_parent(
            "enemy.defeated",
            &json!({"enemy": fight.enemy, "rounds": round, "message": format!("The {} is defeated!", fight.enemy)}),
            Some(&hit),
        )?.id().clone();
        ctx.publish_with_parent(
            "loot.drop",
            &json!({"gold": gold, "from": fight.enemy}),
            Some(&win),
        )?;
        let total = ctx.state().state.experience + stats.xp;
        ctx.publish_with_parent(
            "player.experience",
            &json!({"amount": stats.xp, "total": total}),
            Some(&win),
        )?;
        return Ok(());
    }
    let taken = {
        let game = ctx.state();
        game.rng.range(stats.damage.0, stats.damage.1)
    };
    let health = (ctx.state().state.health - taken).max(0);
    ctx.publish(
        "combat.damage_taken",
        &json!({"enemy": fight.enemy, "amount": taken, "health": health, "message": format!("The {} hits you for {taken} damage.", fight.enemy)}),
    )?;
    let next = ctx.log().current_tick() + 1;
    if health == 0 {
        let down = ctx
            .publish(
                "player.defeated",
                &json!({"enemy": fight.enemy, "message": "You collapse..."}),
            )?
            .id()
            .clone();
        let game = ctx.state();
        game.fight = None;
        game.schedule.at(next, "player.revive", &json!({"health": REVIVE_HEALTH, "room": "entrance", "message": "You wake up at the entrance."}), Some(&down))?;
    } else {
        ctx.state().schedule.at(
            next,
            "combat.round",
            &json!({"enemy": fight.enemy, "round": round + 1}),
            Some(e.id()),
        )?;
    }
    Ok(())
}

fn on_damage_taken(ctx: &mut Ctx<'_>, e: &Event) -> Result<(), HandlerError> {
    let amount = int(&data(e), "amount");
    let s = &mut ctx.state().state;
    s.health = (s.health - amount).max(0);
    Ok(())
}

fn on_defeated(ctx: &mut Ctx<'_>, e: &Event) -> Result<(), HandlerError> {
    let d = data(e);
    let foe = text(&d, "enemy");
    ctx.state().state.defeated.push(foe.clone());
    analytics::track(
        ctx,
        "enemy_defeated",
        json!({"enemy": foe, "rounds": int(&d, "rounds")}),
    )?;
    Ok(())
}

fn on_player_defeated(ctx: &mut Ctx<'_>, e: &Event) -> Result<(), HandlerError> {
    let foe = text(&data(e), "enemy");
    analytics::track(ctx, "player_defeated", json!({"enemy": foe}))?;
    Ok(())
}

fn on_loot(ctx: &mut Ctx<'_>, e: &Event) -> Result<(), HandlerError> {
    ctx.state().state.gold += int(&data(e), "gold");
    Ok(())
}

fn on_experience(ctx: &mut Ctx<'_>, e: &Event) -> Result<(), HandlerError> {
    let game = ctx.state();
    game.state.experience += int(&data(e), "amount");
    let level = game.state.experience / 100;
    if level > game.level {
        game.level = level;
        analytics::track(ctx, "level_up", json!({"level": level}))?;
    }
    Ok(())
}

fn on_rest(ctx: &mut Ctx<'_>, e: &Event) -> Result<(), HandlerError> {
    let heal = int(&data(e), "heal");
    let s = &mut ctx.state().state;
    s.health = (s.health + heal).min(START_HEALTH);
    Ok(())
}

fn on_revive(ctx: &mut Ctx<'_>, e: &Event) -> Result<(), HandlerError> {
    let d = data(e);
    let s = &mut ctx.state().state;
    s.health = int(&d, "health");
    s.location = text(&d, "room");
    Ok(())
}

impl Simulation for Adventure {
    fn subscribe(bus: &mut EventBus<Self>) {
        bus.subscribe("game.start", on_start);
        bus.subscribe("player.move", on_move);
        bus.subscribe("room.enter", on_enter);
        bus.subscribe("player.pickup_item", on_pickup);
        bus.subscribe("combat.start", on_combat_start);
        bus.subscribe("combat.round", on_round);
        bus.subscribe("combat.damage_taken", on_damage_taken);
        bus.subscribe("enemy.defeated", on_defeated);
        bus.subscribe("player.defeated", on_player_defeated);
        bus.subscribe("loot.drop", on_loot);
        bus.subscribe("player.experience", on_experience);
        bus.subscribe("player.rest", on_rest);
        bus.subscribe("player.revive", on_revive);
    }

    fn tick(bus: &mut EventBus<Self>) -> Result<(), PublishError> {
        if bus.log().current_tick() == 0 {
            let game = bus.state();
            let start = json!({
                "simulation": "adventure",
                "seed": game.seed,
                "params": game.params,
                "run_id": game.run_id(),
                "message": "Welcome to the Adventure Game!",
            });
            bus.publish("game.start", &start)?;
        }
        let game = bus.state_mut();
        if game.fight.is_some() || game.travelling || game.state.health == 0 {
            return Ok(());
        }
        if game.state.health < game.params.rest_below {
            let heal = game.rng.range(8, 20);
            bus.publish(
                "player.rest",
                &json!({"heal": heal, "message": "You rest and catch your breath."}),
            )?;
            return Ok(());
        }
        let from = game.state.location.clone();
        let to = *game.rng.pick(room(&from).exits);
        bus.publish(
            "player.move",
            &json!({"from": from, "to": to, "message": format!("You head to the {to}.")}),
        )?;
        Ok(())
    }

    fn end_tick(bus: &mut EventBus<Self>) -> Result<(), PublishError> {
        analytics::flush_dropped(bus).map(|_| ())
    }

    fn schedule(&mut self) -> &mut Schedule {
        &mut self.schedule
    }
}

impl Projection for GameState {
    fn apply(&mut self, e: &Event) -> bool {
        let d = || data(e);
        match e.event_type() {
            "game.start" => {
                self.location = "entrance".into();
                self.health = START_HEALTH;
            }
            "room.enter" => self.location = text(&d(), "room"),
            "player.pickup_item" => self.inventory.push(text(&d(), "item")),
            "combat.damage_taken" => self.health = (self.health - int(&d(), "amount")).max(0),
            "enemy.defeated" => self.defeated.push(text(&d(), "enemy")),
            "loot.drop" => self.gold += int(&d(), "gold"),
            "player.experience" => self.experience += int(&d(), "amount"),
            "player.rest" => self.health = (self.health + int(&d(), "heal")).min(START_HEALTH),
            "player.revive" => {
                let v = d();
                self.health = int(&v, "health");
                self.location = text(&v, "room");
            }
            "player.move"
            | "item.discover"
            | "enemy.encounter"
            | "combat.start"
            | "combat.round"
            | "combat.damage_dealt"
            | "player.defeated" => {}
            _ => return false,
        }
        true
    }
}
