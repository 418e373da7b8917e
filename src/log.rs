//! `EventLog`: the append-only source of truth.
//!
//! The log assigns ids (from sequence counters it owns), stamps timestamps
//! (from its [`Clock`]), and keeps the indexes every query uses: first
//! holder of each id, children of each id, positions of each type. Ticks
//! only move forward through [`EventLog::advance_tick`].

use crate::event::{Data, Event, EventType, Timestamp};
use crate::id::{EventId, IdHash};
use crate::json::ser::{DataError, write_canonical};
use crate::jsonl::LiveWriter;
use serde::Serialize;
use smallvec::SmallVec;
use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Where timestamps come from.
///
/// ```
/// use tickcascade::{Clock, EventLog};
/// let mut log = EventLog::with_clock(Clock::Steps { start_micros: 1_000_000, step_micros: 1 });
/// let t = log.add_event("a", &(), None)?.timestamp().to_string();
/// assert_eq!(t, "1.0");
/// # Ok::<(), tickcascade::DataError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Clock {
    /// Wall-clock UTC microseconds, as Eventure stamps events (default).
    #[default]
    Wall,
    /// Deterministic: the n-th event appended (0-based) gets
    /// `(start_micros + n * step_micros) / 1e6` seconds, so the same program
    /// writes the same file byte for byte. Strictly increasing when
    /// `step_micros > 0`, as the viewers (which order by timestamp) expect.
    Steps { start_micros: i64, step_micros: i64 },
    /// Deterministic and tied to simulated time: the k-th event (0-based) of
    /// tick t gets `(start_micros + t * tick_micros + k * step_micros) / 1e6`.
    /// Strictly increasing while a tick holds fewer than
    /// `tick_micros / step_micros` events. The demos use one second per tick.
    Ticks {
        start_micros: i64,
        tick_micros: i64,
        step_micros: i64,
    },
}

/// One interned type and where its events are.
struct TypeSlot {
    kind: EventType,
    positions: Vec<u32>,
}

#[derive(Default)]
struct TypeTable {
    slots: Vec<TypeSlot>,
    by_name: FastMap<Box<str>, u32>,
}

impl TypeTable {
    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.by_name.get(name) {
            return i;
        }
        self.add(EventType::new(name))
    }

    fn intern_kind(&mut self, kind: &EventType) -> u32 {
        if let Some(&i) = self.by_name.get(kind.as_str()) {
            return i;
        }
        self.add(kind.clone())
    }

    fn add(&mut self, kind: EventType) -> u32 {
        let i = self.slots.len() as u32;
        self.by_name.insert(kind.as_str().into(), i);
        self.slots.push(TypeSlot {
            kind,
            positions: Vec::new(),
        });
        i
    }
}

/// The event log.
///
/// ```
/// use tickcascade::EventLog;
/// use serde_json::json;
/// let mut log = EventLog::new();
/// let login = log.add_event("user.login", &json!({"user_id": 123}), None)?.id().clone();
/// log.advance_tick();
/// log.add_event("user.action", &json!({"action": "view_profile"}), Some(&login))?;
/// assert_eq!(log.len(), 2);
/// assert_eq!(log.children_of(&login).count(), 1);
/// # Ok::<(), tickcascade::DataError>(())
/// ```
#[derive(Default)]
pub struct EventLog {
    events: Vec<Event>,
    current_tick: i64,
    /// First event holding each id.
    first_by_id: FastMap<EventId, u32>,
    /// Events naming each id as parent, in log order.
    children: FastMap<EventId, SmallVec<[u32; 2]>>,
    types: TypeTable,
    /// Next sequence number per (tick, type hash): one past the highest seen.
    counters: FastMap<(i64, IdHash), u64>,
    clock: Clock,
    /// True while every event's tick is >= the previous event's.
    ticks_ordered: bool,
    /// Events added at the current tick (for `Clock::Ticks`).
    added_this_tick: i64,
    live: Option<LiveWriter>,
    scratch: String,
}

impl std::fmt::Debug for EventLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventLog")
            .field("events", &self.events.len())
            .field("current_tick", &self.current_tick)
            .finish_non_exhaustive()
    }
}

impl EventLog {
    /// An empty log at tick 0 with the wall clock.
    pub fn new() -> EventLog {
        EventLog {
            ticks_ordered: true,
            ..EventLog::default()
        }
    }

    /// An empty log that stamps events with `clock`.
    pub fn with_clock(clock: Clock) -> EventLog {
        EventLog {
            clock,
            ..EventLog::new()
        }
    }

    /// Replaces the clock (events already logged keep their timestamps).
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    /// The tick new events go into.
    pub fn current_tick(&self) -> i64 {
        self.current_tick
    }

    /// Moves to the next tick; flushes the live writer, if any.
    pub fn advance_tick(&mut self) {
        self.current_tick += 1;
        self.added_this_tick = 0;
        if let Some(live) = &mut self.live {
            live.end_tick();
        }
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// True when no event was logged.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// All events in log order.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// Events with `tick == t`, in log order.
    pub fn events_at_tick(&self, t: i64) -> impl Iterator<Item = &Event> {
        let range = if self.ticks_ordered {
            let lo = self.events.partition_point(|e| e.tick < t);
            let hi = self.events.partition_point(|e| e.tick <= t);
            lo..hi
        } else {
            0..self.events.len()
        };
        self.events[range].iter().filter(move |e| e.tick == t)
    }

    /// Events with `tick <= t` (inclusive), in log order: the input to
    /// rebuilding state as of tick `t`.
    pub fn events_until_tick(&self, t: i64) -> impl Iterator<Item = &Event> {
        let end = if self.ticks_ordered {
            self.events.partition_point(|e| e.tick <= t)
        } else {
            self.events.len()
        };
        self.events[..end].iter().filter(move |e| e.tick <= t)
    }

    /// The first event holding `id` (ids may repeat in loaded files).
    pub fn event_by_id(&self, id: &EventId) -> Option<&Event> {
        self.position_of(id).map(|i| &self.events[i])
    }

    pub(crate) fn position_of(&self, id: &EventId) -> Option<usize> {
        self.first_by_id.get(id).map(|&i| i as usize)
    }

    /// Events whose parent id is `id`, any tick, in log order.
    pub fn children_of(&self, id: &EventId) -> impl Iterator<Item = &Event> {
        self.child_positions(id)
            .iter()
            .map(|&i| &self.events[i as usize])
    }

    pub(crate) fn child_positions(&self, id: &EventId) -> &[u32] {
        self.children.get(id).map_or(&[], |v| v.as_slice())
    }

    /// Types in the order each first appears, with the positions of their events.
    pub(crate) fn type_positions(&self) -> impl Iterator<Item = (&EventType, &[u32])> {
        let mut slots: Vec<&TypeSlot> = self
            .types
            .slots
            .iter()
            .filter(|s| !s.positions.is_empty())
            .collect();
        slots.sort_by_key(|s| s.positions[0]);
        slots.into_iter().map(|s| (&s.kind, s.positions.as_slice()))
    }

    pub(crate) fn positions_of_type(&self, name: &str) -> &[u32] {
        match self.types.by_name.get(name) {
            Some(&i) => &self.types.slots[i as usize].positions,
            None => &[],
        }
    }

    /// True while ticks never decrease in log order.
    pub fn ticks_ordered(&self) -> bool {
        self.ticks_ordered
    }

    fn now(&self) -> Timestamp {
        match self.clock {
            Clock::Wall => {
                let micros = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_micros() as i64);
                Timestamp::from_secs(micros as f64 / 1e6)
            }
            Clock::Steps {
                start_micros,
                step_micros,
            } => {
                let n = self.events.len() as i64;
                let micros = start_micros.saturating_add(n.saturating_mul(step_micros));
                Timestamp::from_secs(micros as f64 / 1e6)
            }
            Clock::Ticks {
                start_micros,
                tick_micros,
                step_micros,
            } => {
                let micros = start_micros
                    .saturating_add(self.current_tick.saturating_mul(tick_micros))
                    .saturating_add(self.added_this_tick.saturating_mul(step_micros));
                Timestamp::from_secs(micros as f64 / 1e6)
            }
        }
    }

    fn next_id(&mut self, tick: i64, hash: IdHash) -> EventId {
        let next = self.counters.entry((tick, hash)).or_insert(1);
        let seq = *next;
        *next = next.saturating_add(1);
        EventId::generated(tick, hash, seq)
    }

    /// Logs a new event at the current tick, stamped by the clock, with a
    /// fresh id and `parent` as its cause. Returns the logged event.
    pub fn add_event<T: Serialize + ?Sized>(
        &mut self,
        event_type: &str,
        data: &T,
        parent: Option<&EventId>,
    ) -> Result<&Event, DataError> {
        let position = self.add_new(event_type, data, parent)?;
        Ok(&self.events[position])
    }

    /// `add_event`, returning the position (the bus dispatches from it).
    pub(crate) fn add_new<T: Serialize + ?Sized>(
        &mut self,
        event_type: &str,
        data: &T,
        parent: Option<&EventId>,
    ) -> Result<usize, DataError> {
        let mut text = std::mem::take(&mut self.scratch);
        text.clear();
        let written = write_canonical(data, &mut text);
        let data = written.map(|()| Data::from_canonical(&text));
        self.scratch = text;
        let data = data?;
        let type_index = self.types.intern(event_type);
        let kind = self.types.slots[type_index as usize].kind.clone();
        let tick = self.current_tick;
        let id = self.next_id(tick, kind.hash());
        let timestamp = self.now();
        self.added_this_tick += 1;
        let event = Event {
            tick,
            timestamp,
            kind,
            data,
            id,
            parent: parent.cloned(),
        };
        Ok(self.append(event, type_index))
    }

    /// Appends an event as it is (a loaded or foreign event): its id is kept,
    /// even if another event holds it already. Counters move past the id so
    /// no id this log generates later repeats it.
    pub fn push(&mut self, event: Event) -> &Event {
        let type_index = self.types.intern_kind(&event.kind);
        let event = Event {
            kind: self.types.slots[type_index as usize].kind.clone(),
            ..event
        };
        if let Some((tick, hash, seq)) = event.id.parts() {
            let next = self.counters.entry((tick, hash)).or_insert(1);
            *next = (*next).max(seq.saturating_add(1));
        }
        let position = self.append(event, type_index);
        &self.events[position]
    }

    fn append(&mut self, event: Event, type_index: u32) -> usize {
        let position = self.events.len();
        let pos32 = position as u32;
        if let Some(last) = self.events.last() {
            self.ticks_ordered &= last.tick <= event.tick;
        }
        self.first_by_id.entry(event.id.clone()).or_insert(pos32);
        if let Some(parent) = &event.parent {
            self.children.entry(parent.clone()).or_default().push(pos32);
        }
        self.types.slots[type_index as usize].positions.push(pos32);
        if let Some(live) = &mut self.live {
            live.append(&event);
        }
        self.events.push(event);
        position
    }

    /// Sets the current tick (used after loading: Eventure's `max(0, max tick)`).
    pub(crate) fn set_current_tick(&mut self, tick: i64) {
        self.current_tick = tick;
        self.added_this_tick = 0;
    }

    /// Starts writing every appended event to `writer` as it is logged.
    pub fn attach_writer(&mut self, writer: LiveWriter) {
        self.live = Some(writer);
    }

    /// Stops live writing: flushes, and reports the first write error, if any.
    pub fn detach_writer(&mut self) -> Option<std::io::Result<()>> {
        self.live.take().map(LiveWriter::finish)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_count_per_tick_and_type_hash() {
        let mut log = EventLog::new();
        let a = log
            .add_event("type.15", &json!({}), None)
            .unwrap()
            .id()
            .to_string();
        let b = log
            .add_event("type.26", &json!({}), None)
            .unwrap()
            .id()
            .to_string();
        log.advance_tick();
        let c = log
            .add_event("type.15", &json!({}), None)
            .unwrap()
            .id()
            .to_string();
        assert_eq!(
            (a.as_str(), b.as_str(), c.as_str()),
            ("0-FEAF-1", "0-FEAF-2", "1-FEAF-1")
        );
    }

    #[test]
    fn pushed_ids_move_counters_past_them() {
        let mut log = EventLog::new();
        let e = Event::new(
            0,
            Timestamp::from_int(0),
            "a",
            &(),
            EventId::from("0-CCBC-7"),
            None,
        )
        .unwrap();
        log.push(e);
        let next = log.add_event("a", &(), None).unwrap().id().to_string();
        assert_eq!(next, "0-CCBC-8");
    }

    #[test]
    fn tick_queries_work_with_and_without_order() {
        let mut log = EventLog::new();
        for t in [0, 1, 1, 2] {
            let e = Event::new(
                t,
                Timestamp::from_int(0),
                "x",
                &(),
                EventId::from(format!("e{t}")),
                None,
            )
            .unwrap();
            log.push(e);
        }
        assert_eq!(log.events_at_tick(1).count(), 2);
        assert_eq!(log.events_until_tick(1).count(), 3);
        log.push(
            Event::new(
                0,
                Timestamp::from_int(0),
                "x",
                &(),
                EventId::from("late"),
                None,
            )
            .unwrap(),
        );
        assert!(!log.ticks_ordered());
        assert_eq!(log.events_at_tick(0).count(), 2);
        assert_eq!(log.events_until_tick(1).count(), 4);
    }
}
