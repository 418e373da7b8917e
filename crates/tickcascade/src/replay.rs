//! Rebuilding state from events: a state is a fold ([`Projection`]) over
//! the log, [`replay`] rebuilds it as of any tick, [`Snapshots`] checkpoint
//! it every K ticks so a late tick costs only the events since the nearest
//! checkpoint, and [`first_divergence`] / [`first_difference`] find where
//! two runs part.

use crate::stable_hash;
use crate::{Event, EventId, EventLog, HandlerError, UpcastError, Upcasters};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

/// State that events build. `apply` returns `Ok(false)` for events it does
/// not know (they are ignored and counted), and an error for an event it
/// knows but cannot take (a payload that does not decode, a value out of
/// range): the replay stops there with a [`ReplayError`] that names the
/// event, instead of folding a made-up 0 or "" into the state.
///
/// ```
/// use tickcascade::{Event, EventLog, HandlerError};
/// use tickcascade::replay::{Projection, ReplayError, replay};
/// #[derive(Default, Debug)]
/// struct Gold(i64);
/// impl Projection for Gold {
///     fn apply(&mut self, e: &Event) -> Result<bool, HandlerError> {
///         match e.event_type() {
///             "gold.found" => { self.0 = self.0.checked_add(e.data_as::<i64>()?).ok_or("too much gold")?; Ok(true) }
///             _ => Ok(false),
///         }
///     }
/// }
/// let mut log = EventLog::new();
/// log.add_event("gold.found", &5, None)?;
/// log.advance_tick();
/// log.add_event("gold.found", &7, None)?;
/// log.add_event("weather", &(), None)?;
/// assert_eq!(replay::<Gold>(&log, Some(0))?.state.0, 5);
/// let all = replay::<Gold>(&log, None)?;
/// assert_eq!((all.state.0, all.stats.ignored), (12, 1));
///
/// log.add_event("gold.found", &"a lot", None)?;
/// let err = replay::<Gold>(&log, None).unwrap_err();
/// assert!(matches!(err, ReplayError::Apply { position: 3, .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Projection {
    /// Folds one event into the state: `Ok(true)` when applied, `Ok(false)`
    /// when the event's type is not one this projection knows (it is
    /// ignored and counted), an error when it knows the type but cannot
    /// take this event (the replay stops there).
    fn apply(&mut self, event: &Event) -> Result<bool, HandlerError>;

    /// The upcasters that bring old events to the versions `apply` reads:
    /// `replay`, `Snapshots` and `first_divergence` ask once per call and
    /// hand `apply` each event upcast (default: none, events as logged).
    fn upcasters(&self) -> Option<Upcasters> {
        None
    }
}

/// Why a replay stopped.
///
/// ```
/// use tickcascade::replay::{ReplayError, Projection, replay};
/// use tickcascade::{Event, EventLog, HandlerError};
/// struct Strict;
/// impl Projection for Strict {
///     fn apply(&mut self, e: &Event) -> Result<bool, HandlerError> {
///         Err(format!("no rule for {}", e.event_type()).into())
///     }
/// }
/// let mut log = EventLog::new();
/// log.add_event("x", &1, None)?;
/// match replay_from_strict(&log) {
///     Err(ReplayError::Apply { position, event_type, .. }) => assert_eq!((position, event_type.as_str()), (0, "x")),
///     other => panic!("{other:?}"),
/// }
/// fn replay_from_strict(log: &EventLog) -> Result<(), ReplayError> {
///     tickcascade::replay::replay_from(Strict, log, None).map(|_| ())
/// }
/// # Ok::<(), tickcascade::DataError>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum ReplayError {
    /// The projection refused an event it knows.
    Apply {
        /// The event's position in the log (0-based; for a log loaded
        /// strictly from a file without blank lines, its line minus one).
        position: usize,
        /// The event's id.
        event_id: EventId,
        /// The event's type.
        event_type: String,
        /// What the projection said.
        source: HandlerError,
    },
    /// The projection's upcasters could not bring an event to the version
    /// it reads (and are not lenient).
    Upcast {
        /// The event's position in the log (0-based).
        position: usize,
        /// The event's id.
        event_id: EventId,
        /// Why.
        source: UpcastError,
    },
    /// A snapshot's state could not be serialized or read back.
    Snapshot(serde_json::Error),
}

impl std::fmt::Display for ReplayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReplayError::Apply {
                event_id,
                event_type,
                source,
                ..
            } => write!(
                f,
                "event {event_id} ({event_type}) cannot be replayed: {source}"
            ),
            ReplayError::Upcast {
                event_id, source, ..
            } => write!(f, "event {event_id} cannot be replayed: {source}"),
            ReplayError::Snapshot(e) => write!(f, "snapshot state: {e}"),
        }
    }
}

impl std::error::Error for ReplayError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReplayError::Apply { source, .. } => Some(source.as_ref()),
            ReplayError::Upcast { source, .. } => Some(source),
            ReplayError::Snapshot(e) => Some(e),
        }
    }
}

impl From<serde_json::Error> for ReplayError {
    fn from(e: serde_json::Error) -> Self {
        ReplayError::Snapshot(e)
    }
}

/// What a replay saw.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReplayStats {
    /// Events the projection applied.
    pub applied: usize,
    /// Events it did not know.
    pub ignored: usize,
    /// Ignored events per type, types in first-seen order.
    pub ignored_by_type: BTreeMap<String, usize>,
    /// Events the projection's upcasters brought to a newer version.
    pub upcast: usize,
    /// Events its lenient upcasters could not bring up, skipped.
    pub upcast_skipped: usize,
}

/// A rebuilt state and how it was built.
#[derive(Clone, Debug, PartialEq)]
pub struct Replayed<P> {
    /// The state after the last event replayed.
    pub state: P,
    /// What the replay applied and ignored.
    pub stats: ReplayStats,
}

fn apply_counted<P: Projection>(
    state: &mut P,
    stats: &mut ReplayStats,
    position: usize,
    e: &Event,
    upcasters: Option<&Upcasters>,
) -> Result<(), ReplayError> {
    let upcast = match upcasters.map(|u| (u.upcast(e), u.is_lenient())) {
        None | Some((Ok(None), _)) => None,
        Some((Ok(Some(new)), _)) => {
            stats.upcast += 1;
            Some(new)
        }
        Some((Err(_), true)) => {
            stats.upcast_skipped += 1;
            return Ok(());
        }
        Some((Err(source), false)) => {
            return Err(ReplayError::Upcast {
                position,
                event_id: e.id().clone(),
                source,
            });
        }
    };
    let e = upcast.as_ref().unwrap_or(e);
    let known = state.apply(e).map_err(|source| ReplayError::Apply {
        position,
        event_id: e.id().clone(),
        event_type: e.event_type().to_owned(),
        source,
    })?;
    if known {
        stats.applied += 1;
    } else {
        stats.ignored += 1;
        *stats
            .ignored_by_type
            .entry(e.event_type().to_owned())
            .or_default() += 1;
    }
    Ok(())
}

/// The state after every event with `tick <= until_tick` (all events when
/// `None`), in log order, from `P::default()`.
pub fn replay<P: Projection + Default>(
    log: &EventLog,
    until_tick: Option<i64>,
) -> Result<Replayed<P>, ReplayError> {
    replay_from(P::default(), log, until_tick)
}

/// [`replay`] from a starting state given by code (a shop's opening stock,
/// a level's layout) instead of `P::default()`: no `Default` needed.
///
/// ```
/// use tickcascade::replay::{Projection, replay_from};
/// use tickcascade::{Event, EventLog, HandlerError};
///
/// struct Stock(i64);
/// impl Projection for Stock {
///     fn apply(&mut self, e: &Event) -> Result<bool, HandlerError> {
///         let sold = e.event_type() == "item.sold";
///         self.0 -= i64::from(sold);
///         Ok(sold)
///     }
/// }
/// let mut log = EventLog::new();
/// log.add_event("item.sold", &(), None)?;
/// log.add_event("item.sold", &(), None)?;
/// assert_eq!(replay_from(Stock(10), &log, None)?.state.0, 8);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn replay_from<P: Projection>(
    initial: P,
    log: &EventLog,
    until_tick: Option<i64>,
) -> Result<Replayed<P>, ReplayError> {
    let mut state = initial;
    let upcasters = state.upcasters();
    let mut stats = ReplayStats::default();
    let events: Box<dyn Iterator<Item = &Event>> = match until_tick {
        Some(t) => Box::new(log.events_until_tick(t)),
        None => Box::new(log.events().iter()),
    };
    for e in events {
        // The position only names a refused event: one pointer difference.
        let position = log.position_of_ref(e).unwrap_or(0);
        apply_counted(&mut state, &mut stats, position, e, upcasters.as_ref())?;
    }
    Ok(Replayed { state, stats })
}

struct Checkpoint {
    /// The state after every event with tick <= `tick`.
    tick: i64,
    /// Position of the first event after the checkpoint.
    next: usize,
    json: String,
    stats: ReplayStats,
}

/// Serialized checkpoints of a projection every `every` ticks.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use tickcascade::replay::{Projection, Snapshots, replay};
/// use tickcascade::{Event, EventLog, HandlerError};
///
/// #[derive(Default, Debug, PartialEq, Serialize, Deserialize)]
/// struct Gold(i64);
/// impl Projection for Gold {
///     fn apply(&mut self, e: &Event) -> Result<bool, HandlerError> {
///         let found = e.event_type() == "gold.found";
///         self.0 += if found { e.data_as::<i64>()? } else { 0 };
///         Ok(found)
///     }
/// }
/// let mut log = EventLog::new();
/// for tick in 0..60 {
///     log.add_event("gold.found", &(tick % 7), None)?;
///     log.advance_tick();
/// }
/// let snaps = Snapshots::<Gold>::build(&log, 10)?;
/// assert_eq!(snaps.state_at(&log, 45)?.state, replay::<Gold>(&log, Some(45))?.state);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Snapshots<P> {
    every: i64,
    /// The starting state, serialized (for ticks before the first checkpoint).
    initial: String,
    points: Vec<Checkpoint>,
    _state: std::marker::PhantomData<P>,
}

impl<P: Projection + Default + Serialize + DeserializeOwned> Snapshots<P> {
    /// Replays `log` once from `P::default()`, checkpointing after the last
    /// event of every tick that is at least `every` ticks past the previous
    /// checkpoint.
    pub fn build(log: &EventLog, every: i64) -> Result<Snapshots<P>, ReplayError> {
        Snapshots::build_from(P::default(), log, every)
    }
}

impl<P: Projection + Serialize + DeserializeOwned> Snapshots<P> {
    /// [`build`](Snapshots::build) from a starting state given by code.
    pub fn build_from(initial: P, log: &EventLog, every: i64) -> Result<Snapshots<P>, ReplayError> {
        let every = every.max(1);
        let initial_json = serde_json::to_string(&initial)?;
        let mut state = initial;
        let upcasters = state.upcasters();
        let mut stats = ReplayStats::default();
        let mut points = Vec::new();
        let events = log.events();
        let mut last: Option<i64> = None;
        for (i, e) in events.iter().enumerate() {
            apply_counted(&mut state, &mut stats, i, e, upcasters.as_ref())?;
            let tick_ends = events.get(i + 1).is_none_or(|n| n.tick() != e.tick());
            if log.ticks_ordered() && tick_ends && last.is_none_or(|l| e.tick() >= l + every) {
                points.push(Checkpoint {
                    tick: e.tick(),
                    next: i + 1,
                    json: serde_json::to_string(&state)?,
                    stats: stats.clone(),
                });
                last = Some(e.tick());
            }
        }
        Ok(Snapshots {
            every,
            initial: initial_json,
            points,
            _state: std::marker::PhantomData,
        })
    }

    /// Checkpoint spacing in ticks.
    pub fn every(&self) -> i64 {
        self.every
    }

    /// Number of checkpoints.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// True when there are none (an empty or unordered log).
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// The state as of `tick`: the nearest checkpoint at or before it, then
    /// the events since.
    pub fn state_at(&self, log: &EventLog, tick: i64) -> Result<Replayed<P>, ReplayError> {
        let at = self.points.partition_point(|c| c.tick <= tick);
        let (mut state, mut stats, from): (P, _, _) =
            match at.checked_sub(1).map(|i| &self.points[i]) {
                Some(c) => (serde_json::from_str(&c.json)?, c.stats.clone(), c.next),
                None => (
                    serde_json::from_str(&self.initial)?,
                    ReplayStats::default(),
                    0,
                ),
            };
        let upcasters = state.upcasters();
        let events = log.events().get(from..).unwrap_or_default();
        for (k, e) in events
            .iter()
            .enumerate()
            .take_while(|(_, e)| e.tick() <= tick)
        {
            apply_counted(&mut state, &mut stats, from + k, e, upcasters.as_ref())?;
        }
        Ok(Replayed { state, stats })
    }
}

/// Where two runs part.
#[derive(Clone, Debug, PartialEq)]
pub struct Divergence {
    /// The first tick after which the states differ (or the logs, for
    /// [`first_difference`]).
    pub tick: i64,
    /// The first event of that tick that differs, in each log (None when
    /// that log has fewer events there).
    pub recorded: Option<Event>,
    /// The same, in the re-run (the second log).
    pub rerun: Option<Event>,
    /// The root of the recorded event's cascade (following parents).
    pub cause: Option<EventId>,
}

fn same_event(a: &Event, b: &Event, ignore_time: bool) -> bool {
    a.tick() == b.tick()
        && a.event_type() == b.event_type()
        && a.schema() == b.schema()
        && a.data_json() == b.data_json()
        && a.id() == b.id()
        && a.parent_id() == b.parent_id()
        && (ignore_time || same_time(a.timestamp(), b.timestamp()))
}

/// Timestamps that are the same value, NaN included (a log equals itself).
fn same_time(a: &crate::Timestamp, b: &crate::Timestamp) -> bool {
    a == b || (a.as_f64().is_nan() && b.as_f64().is_nan())
}

fn by_tick(log: &EventLog) -> BTreeMap<i64, Vec<usize>> {
    let mut m: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for (i, e) in log.events().iter().enumerate() {
        m.entry(e.tick()).or_default().push(i);
    }
    m
}

/// The root of `e`'s cascade: parents followed (first holder of each id)
/// until an event without a known parent; cycle-safe.
pub fn cascade_root<'a>(log: &'a EventLog, e: &'a Event) -> &'a Event {
    let mut at = e;
    let mut seen = std::collections::HashSet::new();
    while let Some(p) = at.parent_id().and_then(|p| log.event_by_id(p)) {
        if !seen.insert(p.id()) {
            break;
        }
        at = p;
    }
    at
}

fn first_differing_in_tick(
    a: &EventLog,
    b: &EventLog,
    ia: &[usize],
    ib: &[usize],
    ignore_time: bool,
) -> Option<(Option<Event>, Option<Event>)> {
    let n = ia.len().max(ib.len());
    (0..n).find_map(|k| {
        let ea = ia.get(k).map(|&i| &a.events()[i]);
        let eb = ib.get(k).map(|&i| &b.events()[i]);
        match (ea, eb) {
            (Some(x), Some(y)) if same_event(x, y, ignore_time) => None,
            (x, y) => Some((x.cloned(), y.cloned())),
        }
    })
}

/// The first tick at which two logs differ (comparing each tick's events in
/// log order: type, schema version, data, id, parent, and timestamp unless
/// `ignore_time`).
pub fn first_difference(a: &EventLog, b: &EventLog, ignore_time: bool) -> Option<Divergence> {
    let (ta, tb) = (by_tick(a), by_tick(b));
    let ticks: std::collections::BTreeSet<i64> = ta.keys().chain(tb.keys()).copied().collect();
    for t in ticks {
        let empty = Vec::new();
        let ia = ta.get(&t).unwrap_or(&empty);
        let ib = tb.get(&t).unwrap_or(&empty);
        if let Some((recorded, rerun)) = first_differing_in_tick(a, b, ia, ib, ignore_time) {
            let cause = recorded
                .as_ref()
                .and_then(|e| a.event_by_id(e.id()))
                .map(|e| cascade_root(a, e).id().clone());
            return Some(Divergence {
                tick: t,
                recorded,
                rerun,
                cause,
            });
        }
    }
    None
}

/// Replays both logs tick by tick and compares a stable hash of the state
/// (its JSON) after each tick; the first tick whose states differ is
/// reported with the first differing event there and its cascade's root.
/// `None` means the runs agree on every tick; an event either projection
/// refuses is an error.
pub fn first_divergence<P: Projection + Default + Serialize>(
    recorded: &EventLog,
    rerun: &EventLog,
) -> Result<Option<Divergence>, ReplayError> {
    let (ta, tb) = (by_tick(recorded), by_tick(rerun));
    let ticks: std::collections::BTreeSet<i64> = ta.keys().chain(tb.keys()).copied().collect();
    let (mut sa, mut sb) = (P::default(), P::default());
    let (ua, ub) = (sa.upcasters(), sb.upcasters());
    let empty = Vec::new();
    for t in ticks {
        let ia = ta.get(&t).unwrap_or(&empty);
        let ib = tb.get(&t).unwrap_or(&empty);
        let mut stats = ReplayStats::default();
        for &i in ia {
            apply_counted(&mut sa, &mut stats, i, &recorded.events()[i], ua.as_ref())?;
        }
        for &i in ib {
            apply_counted(&mut sb, &mut stats, i, &rerun.events()[i], ub.as_ref())?;
        }
        let hash = |s: &P| stable_hash(&serde_json::to_vec(s).unwrap_or_default());
        if hash(&sa) != hash(&sb) {
            let (r, o) =
                first_differing_in_tick(recorded, rerun, ia, ib, true).unwrap_or((None, None));
            let cause = r
                .as_ref()
                .and_then(|e| recorded.event_by_id(e.id()))
                .map(|e| cascade_root(recorded, e).id().clone());
            return Ok(Some(Divergence {
                tick: t,
                recorded: r,
                rerun: o,
                cause,
            }));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    /// Coins in a purse that starts with what the code says.
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Purse(i64);

    impl Projection for Purse {
        fn apply(&mut self, e: &Event) -> Result<bool, HandlerError> {
            let spent = e.event_type() == "coin.spent";
            if spent {
                self.0 -= e.data_as::<i64>()?;
            }
            Ok(spent)
        }
    }

    #[test]
    fn snapshots_from_a_starting_state_agree_with_a_replay_from_it_at_every_tick() {
        let mut log = EventLog::new();
        for tick in 0..30 {
            log.add_event("coin.spent", &(tick % 4), None).unwrap();
            log.add_event("noise", &(), None).unwrap();
            log.advance_tick();
        }
        let snaps = Snapshots::build_from(Purse(100), &log, 7).unwrap();
        assert!(!snaps.is_empty());
        for tick in -1..32 {
            let via_snapshot = snaps.state_at(&log, tick).unwrap();
            let direct = replay_from(Purse(100), &log, Some(tick)).unwrap();
            assert_eq!(via_snapshot.state, direct.state, "tick {tick}");
            assert_eq!(via_snapshot.stats, direct.stats, "tick {tick}");
        }
        let spent: i64 = (0..30).map(|t| t % 4).sum();
        assert_eq!(
            replay_from(Purse(100), &log, None).unwrap().state,
            Purse(100 - spent)
        );
    }
}
