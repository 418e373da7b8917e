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

use serde::{Deserialize, Serialize};
use serde_json::json;
use tickcascade::replay::Projection;
use tickcascade::sim::{Schedule, SimRng, Simulation};
use tickcascade::stable_hash;
use tickcascade::{Event, EventBus, HandlerError, PublishError, TypedEvent};
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

/// The game begins: what it is, its seed and parameters, its id.
#[derive(Serialize, Deserialize)]
pub struct GameStart {
    /// Always `adventure`.
    pub simulation: String,
    /// The seed of the run.
    pub seed: u64,
    /// The run's settings.
    pub params: AdventureParams,
    /// A stable hash of the name, seed and parameters.
    pub run_id: String,
    /// The welcome line.
    pub message: String,
}
impl TypedEvent for GameStart {
    const TYPE: &'static str = "game.start";
}

/// The player sets off for a neighbouring room (arriving next tick).
#[derive(Serialize, Deserialize)]
pub struct PlayerMove {
    /// The room left.
    pub from: String,
    /// The room headed for.
    pub to: String,
    /// What the player reads.
    pub message: String,
}
impl TypedEvent for PlayerMove {
    const TYPE: &'static str = "player.move";
}

/// The player arrives in a room.
#[derive(Serialize, Deserialize)]
pub struct RoomEnter {
    /// The room.
    pub room: String,
    /// Its description.
    pub description: String,
}
impl TypedEvent for RoomEnter {
    const TYPE: &'static str = "room.enter";
}

/// An item is found in the room.
#[derive(Serialize, Deserialize)]
pub struct ItemDiscover {
    /// The item.
    pub item: String,
    /// Where.
    pub room: String,
    /// What the player reads.
    pub message: String,
}
impl TypedEvent for ItemDiscover {
    const TYPE: &'static str = "item.discover";
}

/// The player takes a found item.
#[derive(Serialize, Deserialize)]
pub struct PickupItem {
    /// The item.
    pub item: String,
    /// What the player reads.
    pub message: String,
}
impl TypedEvent for PickupItem {
    const TYPE: &'static str = "player.pickup_item";
}

/// An enemy appears (the fight starts next tick).
#[derive(Serialize, Deserialize)]
pub struct EnemyEncounter {
    /// The enemy.
    pub enemy: String,
    /// Its health.
    pub enemy_health: i64,
    /// What the player reads.
    pub message: String,
}
impl TypedEvent for EnemyEncounter {
    const TYPE: &'static str = "enemy.encounter";
}

/// A fight begins.
#[derive(Serialize, Deserialize)]
pub struct CombatStart {
    /// The enemy.
    pub enemy: String,
    /// Its health.
    pub enemy_health: i64,
    /// What the player reads.
    pub message: String,
}
impl TypedEvent for CombatStart {
    const TYPE: &'static str = "combat.start";
}

/// One round of a fight.
#[derive(Serialize, Deserialize)]
pub struct CombatRound {
    /// The enemy.
    pub enemy: String,
    /// The round's number, from 1.
    pub round: i64,
}
impl TypedEvent for CombatRound {
    const TYPE: &'static str = "combat.round";
}

/// The player hits the enemy.
#[derive(Serialize, Deserialize)]
pub struct DamageDealt {
    /// The enemy.
    pub enemy: String,
    /// Damage dealt.
    pub amount: i64,
    /// The enemy's health after the hit.
    pub enemy_health: i64,
    /// What the player reads.
    pub message: String,
}
impl TypedEvent for DamageDealt {
    const TYPE: &'static str = "combat.damage_dealt";
}

/// The enemy hits the player.
#[derive(Serialize, Deserialize)]
pub struct DamageTaken {
    /// The enemy.
    pub enemy: String,
    /// Damage taken.
    pub amount: i64,
    /// The player's health after the hit.
    pub health: i64,
    /// What the player reads.
    pub message: String,
}
impl TypedEvent for DamageTaken {
    const TYPE: &'static str = "combat.damage_taken";
}

/// The enemy is beaten.
#[derive(Serialize, Deserialize)]
pub struct EnemyDefeated {
    /// The enemy.
    pub enemy: String,
    /// Rounds the fight took.
    pub rounds: i64,
    /// What the player reads.
    pub message: String,
}
impl TypedEvent for EnemyDefeated {
    const TYPE: &'static str = "enemy.defeated";
}

/// Gold from a beaten enemy.
#[derive(Serialize, Deserialize)]
pub struct LootDrop {
    /// Gold gained.
    pub gold: i64,
    /// The enemy it came from.
    pub from: String,
}
impl TypedEvent for LootDrop {
    const TYPE: &'static str = "loot.drop";
}

/// Experience from a beaten enemy.
#[derive(Serialize, Deserialize)]
pub struct PlayerExperience {
    /// Experience gained.
    pub amount: i64,
    /// Experience after the gain.
    pub total: i64,
}
impl TypedEvent for PlayerExperience {
    const TYPE: &'static str = "player.experience";
}

/// The player falls (and wakes up next tick).
#[derive(Serialize, Deserialize)]
pub struct PlayerDefeated {
    /// The enemy that won.
    pub enemy: String,
    /// What the player reads.
    pub message: String,
}
impl TypedEvent for PlayerDefeated {
    const TYPE: &'static str = "player.defeated";
}

/// The player wakes up after a defeat.
#[derive(Serialize, Deserialize)]
pub struct PlayerRevive {
    /// Health after waking.
    pub health: i64,
    /// Where the player wakes.
    pub room: String,
    /// What the player reads.
    pub message: String,
}
impl TypedEvent for PlayerRevive {
    const TYPE: &'static str = "player.revive";
}

/// The player rests instead of moving on.
#[derive(Serialize, Deserialize)]
pub struct PlayerRest {
    /// Health regained (capped at the start's).
    pub heal: i64,
    /// What the player reads.
    pub message: String,
}
impl TypedEvent for PlayerRest {
    const TYPE: &'static str = "player.rest";
}
type Ctx<'a> = tickcascade::Context<'a, Adventure>;

fn on_start(ctx: &mut Ctx<'_>, _: &Event, _: GameStart) -> Result<(), HandlerError> {
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

fn on_move(ctx: &mut Ctx<'_>, e: &Event, step: PlayerMove) -> Result<(), HandlerError> {
    let next = ctx.log().current_tick() + 1;
    let game = ctx.state();
    game.travelling = true;
    let arrive = RoomEnter {
        description: room(&step.to).description.to_owned(),
        room: step.to,
    };
    game.schedule
        .at(next, RoomEnter::TYPE, &arrive, Some(e.id()))?;
    Ok(())
}

fn on_enter(ctx: &mut Ctx<'_>, _: &Event, enter: RoomEnter) -> Result<(), HandlerError> {
    let name = enter.room;
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
        let found = ctx
            .emit(&ItemDiscover {
                item: item.into(),
                room: name.clone(),
                message: format!("You spot a {item} in the {name}."),
            })?
            .id()
            .clone();
        let pickup = PickupItem {
            item: item.into(),
            message: format!("You pick up the {item}."),
        };
        ctx.emit_with_parent(&pickup, Some(&found))?;
    }
    if let Some(foe) = foe {
        let stats = enemy(foe);
        let seen = ctx
            .emit(&EnemyEncounter {
                enemy: foe.into(),
                enemy_health: stats.health,
                message: format!("A {foe} appears before you!"),
            })?
            .id()
            .clone();
        let next = ctx.log().current_tick() + 1;
        let game = ctx.state();
        game.fight = Some(Fight {
            enemy: stats.name,
            health: stats.health,
        });
        let start = CombatStart {
            enemy: foe.into(),
            enemy_health: stats.health,
            message: format!("Combat with the {foe} begins!"),
        };
        game.schedule
            .at(next, CombatStart::TYPE, &start, Some(&seen))?;
    }
    Ok(())
}

fn on_pickup(ctx: &mut Ctx<'_>, _: &Event, pickup: PickupItem) -> Result<(), HandlerError> {
    ctx.state().state.inventory.push(pickup.item);
    Ok(())
}

fn on_combat_start(ctx: &mut Ctx<'_>, _: &Event, _: CombatStart) -> Result<(), HandlerError> {
    let Some(fight) = ctx.state().fight.clone() else {
        return Ok(());
    };
    ctx.emit(&CombatRound {
        enemy: fight.enemy.into(),
        round: 1,
    })?;
    Ok(())
}

fn on_round(ctx: &mut Ctx<'_>, e: &Event, this: CombatRound) -> Result<(), HandlerError> {
    let Some(fight) = ctx.state().fight.clone() else {
        return Ok(());
    };
    let foe = fight.enemy;
    let stats = enemy(foe);
    let round = this.round;
    let dealt = ctx.state().rng.range(4, 24);
    let left = (fight.health - dealt).max(0);
    ctx.state().fight = Some(Fight {
        health: left,
        ..fight.clone()
    });
    let hit = ctx
        .emit(&DamageDealt {
            enemy: foe.into(),
            amount: dealt,
            enemy_health: left,
            message: format!("You hit the {foe} for {dealt} damage!"),
        })?
        .id()
        .clone();
    if left == 0 {
        let gold = {
            let game = ctx.state();
            game.fight = None;
            game.rng.range(stats.gold.0, stats.gold.1)
        };
        let defeated = EnemyDefeated {
            enemy: foe.into(),
            rounds: round,
            message: format!("The {foe} is defeated!"),
        };
        let win = ctx.emit_with_parent(&defeated, Some(&hit))?.id().clone();
        let loot = LootDrop {
            gold,
            from: foe.into(),
        };
        ctx.emit_with_parent(&loot, Some(&win))?;
        let total = ctx.state().state.experience.saturating_add(stats.xp);
        let xp = PlayerExperience {
            amount: stats.xp,
            total,
        };
        ctx.emit_with_parent(&xp, Some(&win))?;
        return Ok(());
    }
    let taken = {
        let game = ctx.state();
        game.rng.range(stats.damage.0, stats.damage.1)
    };
    let health = ctx.state().state.health.saturating_sub(taken).max(0);
    ctx.emit(&DamageTaken {
        enemy: foe.into(),
        amount: taken,
        health,
        message: format!("The {foe} hits you for {taken} damage."),
    })?;
    let next = ctx.log().current_tick() + 1;
    if health == 0 {
        let down = ctx
            .emit(&PlayerDefeated {
                enemy: foe.into(),
                message: "You collapse...".into(),
            })?
            .id()
            .clone();
        let game = ctx.state();
        game.fight = None;
        let revive = PlayerRevive {
            health: REVIVE_HEALTH,
            room: "entrance".into(),
            message: "You wake up at the entrance.".into(),
        };
        game.schedule
            .at(next, PlayerRevive::TYPE, &revive, Some(&down))?;
    } else {
        let again = CombatRound {
            enemy: foe.into(),
            round: round.saturating_add(1),
        };
        ctx.state()
            .schedule
            .at(next, CombatRound::TYPE, &again, Some(e.id()))?;
    }
    Ok(())
}

fn on_damage_taken(ctx: &mut Ctx<'_>, _: &Event, hit: DamageTaken) -> Result<(), HandlerError> {
    let s = &mut ctx.state().state;
    s.health = s.health.saturating_sub(hit.amount).max(0);
    Ok(())
}

fn on_defeated(ctx: &mut Ctx<'_>, _: &Event, win: EnemyDefeated) -> Result<(), HandlerError> {
    ctx.state().state.defeated.push(win.enemy.clone());
    analytics::track(
        ctx,
        "enemy_defeated",
        json!({"enemy": win.enemy, "rounds": win.rounds}),
    )?;
    Ok(())
}

fn on_player_defeated(
    ctx: &mut Ctx<'_>,
    _: &Event,
    down: PlayerDefeated,
) -> Result<(), HandlerError> {
    analytics::track(ctx, "player_defeated", json!({"enemy": down.enemy}))?;
    Ok(())
}

fn on_loot(ctx: &mut Ctx<'_>, _: &Event, loot: LootDrop) -> Result<(), HandlerError> {
    let s = &mut ctx.state().state;
    s.gold = s.gold.saturating_add(loot.gold);
    Ok(())
}

fn on_experience(ctx: &mut Ctx<'_>, _: &Event, xp: PlayerExperience) -> Result<(), HandlerError> {
    let game = ctx.state();
    game.state.experience = game.state.experience.saturating_add(xp.amount);
    let level = game.state.experience / 100;
    if level > game.level {
        game.level = level;
        analytics::track(ctx, "level_up", json!({"level": level}))?;
    }
    Ok(())
}

fn on_rest(ctx: &mut Ctx<'_>, _: &Event, rest: PlayerRest) -> Result<(), HandlerError> {
    let s = &mut ctx.state().state;
    s.health = s.health.saturating_add(rest.heal).min(START_HEALTH);
    Ok(())
}

fn on_revive(ctx: &mut Ctx<'_>, _: &Event, revive: PlayerRevive) -> Result<(), HandlerError> {
    let s = &mut ctx.state().state;
    s.health = revive.health;
    s.location = revive.room;
    Ok(())
}

impl Simulation for Adventure {
    fn subscribe(bus: &mut EventBus<Self>) {
        bus.on::<GameStart>(on_start);
        bus.on::<PlayerMove>(on_move);
        bus.on::<RoomEnter>(on_enter);
        bus.on::<PickupItem>(on_pickup);
        bus.on::<CombatStart>(on_combat_start);
        bus.on::<CombatRound>(on_round);
        bus.on::<DamageTaken>(on_damage_taken);
        bus.on::<EnemyDefeated>(on_defeated);
        bus.on::<PlayerDefeated>(on_player_defeated);
        bus.on::<LootDrop>(on_loot);
        bus.on::<PlayerExperience>(on_experience);
        bus.on::<PlayerRest>(on_rest);
        bus.on::<PlayerRevive>(on_revive);
    }

    fn tick(bus: &mut EventBus<Self>) -> Result<(), PublishError> {
        if bus.log().current_tick() == 0 {
            let game = bus.state();
            let start = GameStart {
                simulation: "adventure".into(),
                seed: game.seed,
                params: game.params.clone(),
                run_id: game.run_id(),
                message: "Welcome to the Adventure Game!".into(),
            };
            bus.emit(&start)?;
        }
        let game = bus.state_mut();
        if game.fight.is_some() || game.travelling || game.state.health == 0 {
            return Ok(());
        }
        if game.state.health < game.params.rest_below {
            let heal = game.rng.range(8, 20);
            bus.emit(&PlayerRest {
                heal,
                message: "You rest and catch your breath.".into(),
            })?;
            return Ok(());
        }
        let from = game.state.location.clone();
        let to = *game.rng.pick(room(&from).exits);
        bus.emit(&PlayerMove {
            from,
            to: to.into(),
            message: format!("You head to the {to}."),
        })?;
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
    fn apply(&mut self, e: &Event) -> Result<bool, HandlerError> {
        if e.payload::<GameStart>().transpose()?.is_some() {
            self.location = "entrance".into();
            self.health = START_HEALTH;
        } else if let Some(enter) = e.payload::<RoomEnter>().transpose()? {
            self.location = enter.room;
        } else if let Some(pickup) = e.payload::<PickupItem>().transpose()? {
            self.inventory.push(pickup.item);
        } else if let Some(hit) = e.payload::<DamageTaken>().transpose()? {
            self.health = self.health.saturating_sub(hit.amount).max(0);
        } else if let Some(win) = e.payload::<EnemyDefeated>().transpose()? {
            self.defeated.push(win.enemy);
        } else if let Some(loot) = e.payload::<LootDrop>().transpose()? {
            self.gold = self.gold.saturating_add(loot.gold);
        } else if let Some(xp) = e.payload::<PlayerExperience>().transpose()? {
            self.experience = self.experience.saturating_add(xp.amount);
        } else if let Some(rest) = e.payload::<PlayerRest>().transpose()? {
            self.health = self.health.saturating_add(rest.heal).min(START_HEALTH);
        } else if let Some(revive) = e.payload::<PlayerRevive>().transpose()? {
            self.health = revive.health;
            self.location = revive.room;
        } else {
            return Ok(matches!(
                e.event_type(),
                PlayerMove::TYPE
                    | ItemDiscover::TYPE
                    | EnemyEncounter::TYPE
                    | CombatStart::TYPE
                    | CombatRound::TYPE
                    | DamageDealt::TYPE
                    | PlayerDefeated::TYPE
            ));
        }
        Ok(true)
    }
}
