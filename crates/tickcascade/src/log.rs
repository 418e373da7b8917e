//! `EventLog`: the append-only source of truth.
//!
//! The log assigns ids (from sequence counters it owns), stamps timestamps
//! (from its [`Clock`]), and keeps the indexes every query uses: first
//! holder of each id, children of each id, positions of each type. Ticks
//! only move forward through [`EventLog::advance_tick`].
//!
//! Size: about 890 lines without its tests: the log's indexes (ids, links,
//! types, counters) are updated together on every append, so they stay in
//! one file where the invariants can be checked side by side.

use crate::arena::{DataArena, DataIndex};
use crate::event::{Event, EventType, Timestamp};
use crate::id::{EventId, IdHash};
use crate::journal::Journal;
use crate::json::out::JsonBuf;
use crate::json::ser::{DataError, not_text, write_canonical_keyed};
use crate::json::top_keys::TopKeys;
use serde::Serialize;
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
    Steps {
        /// The first event's stamp, in microseconds since the epoch.
        start_micros: i64,
        /// Microseconds between consecutive events.
        step_micros: i64,
    },
    /// Deterministic and tied to simulated time: the k-th event (0-based) of
    /// tick t gets `(start_micros + t * tick_micros + k * step_micros) / 1e6`.
    /// Strictly increasing while a tick holds fewer than
    /// `tick_micros / step_micros` events. The demos use one second per tick.
    Ticks {
        /// Tick 0's first stamp, in microseconds since the epoch.
        start_micros: i64,
        /// Microseconds per tick.
        tick_micros: i64,
        /// Microseconds between consecutive events of one tick.
        step_micros: i64,
    },
}

/// Sequence counters per (tick, type hash), and the positions of the ids
/// they numbered. The latest tick of each hash sits in a slot reached
/// without hashing (ticks only move forward while publishing); other ticks
/// wait in a map.
#[derive(Default)]
struct Counters {
    slots: Vec<CounterSlot>,
    slot_of: FastMap<IdHash, u32>,
    /// (tick, hash) -> counter, for ticks other than a slot's current one.
    older: FastMap<(i64, IdHash), Counter>,
}

/// One (tick, hash) counter.
#[derive(Default)]
struct Counter {
    /// The next sequence number: one past the highest id seen.
    next: u64,
    /// `dense[k]`: position of the first event holding `{tick}-{hash}-{k+1}`,
    /// for ids that arrived in sequence order (the usual case).
    dense: Vec<u32>,
}

struct CounterSlot {
    tick: i64,
    counter: Counter,
}

impl Counters {
    fn slot(&mut self, hash: IdHash) -> u32 {
        if let Some(&i) = self.slot_of.get(&hash) {
            return i;
        }
        let i = self.slots.len() as u32;
        self.slots.push(CounterSlot {
            tick: i64::MIN,
            counter: Counter {
                next: 1,
                dense: Vec::new(),
            },
        });
        self.slot_of.insert(hash, i);
        i
    }

    /// The counter for (tick, hash) in its slot, moving the slot if needed.
    #[inline]
    fn at(&mut self, slot: u32, hash: IdHash, tick: i64) -> &mut Counter {
        if self.slots[slot as usize].tick != tick {
            self.move_slot(slot, hash, tick);
        }
        &mut self.slots[slot as usize].counter
    }

    /// Parks the slot's counter and brings in (or starts) the one for `tick`.
    #[cold]
    fn move_slot(&mut self, slot: u32, hash: IdHash, tick: i64) {
        let s = &mut self.slots[slot as usize];
        // A new tick's ids are sized for as many as the last tick's: one
        // allocation, where growing from empty took eight for 250 ids.
        let restored = self.older.remove(&(tick, hash)).unwrap_or_else(|| Counter {
            next: 1,
            dense: Vec::with_capacity(s.counter.dense.len()),
        });
        let previous = std::mem::replace(&mut s.counter, restored);
        if s.tick != i64::MIN {
            self.older.insert((s.tick, hash), previous);
        }
        s.tick = tick;
    }

    /// The counter for (tick, hash) without moving anything.
    fn get(&self, hash: IdHash, tick: i64) -> Option<&Counter> {
        let slot = &self.slots[*self.slot_of.get(&hash)? as usize];
        if slot.tick == tick {
            Some(&slot.counter)
        } else {
            self.older.get(&(tick, hash))
        }
    }
}

/// Where an appended event comes from.
enum Origin {
    /// Made by `add_new`: its id is fresh and registered already; its
    /// parent's position, when the caller knew it (checked).
    Fresh { parent_at: Option<usize> },
    /// From outside (loaded or pushed): its id was registered as it came,
    /// and this says whether it was the id's first holder.
    Outside { first_holder: bool },
}

/// Entries the log's vectors get room for before its first event.
const FIRST_RESERVE: usize = 4096;

/// "No position".
const NONE: u32 = u32::MAX;

/// One event's place in the cascade, as positions in the log (`NONE` when
/// absent). The four live side by side: appending is one push, and linking
/// a child touches the parent's entry and the previous sibling's.
#[derive(Clone, Copy)]
struct Links {
    /// The first holder of the event's parent id (`NONE` when it has no
    /// parent, or no event holds the parent id yet).
    parent: u32,
    /// Its first and last child, in log order (the children of an id hang
    /// under the id's first holder).
    first_child: u32,
    last_child: u32,
    /// The next child of the same parent.
    next_sibling: u32,
}

const UNLINKED: Links = Links {
    parent: NONE,
    first_child: NONE,
    last_child: NONE,
    next_sibling: NONE,
};

/// One interned type name and where its events are (of any schema
/// version: queries by type see them all).
struct TypeSlot {
    kind: EventType,
    /// The name at schema versions other than `kind`'s, interned as met.
    versions: Vec<EventType>,
    positions: Vec<u32>,
    /// This type's hash's slot in `Counters`.
    counter: u32,
}

impl TypeSlot {
    /// The interned handle of this name at `schema`.
    #[inline]
    fn at_schema(&mut self, schema: u32) -> EventType {
        if self.kind.schema() == schema.max(1) {
            return self.kind.clone();
        }
        if let Some(k) = self.versions.iter().find(|k| k.schema() == schema.max(1)) {
            return k.clone();
        }
        let k = EventType::with_schema(self.kind.as_str(), schema);
        self.versions.push(k.clone());
        k
    }
}

#[derive(Default)]
struct TypeTable {
    slots: Vec<TypeSlot>,
    by_name: FastMap<Box<str>, u32>,
}

impl TypeTable {
    /// The index of `name`, interned if new.
    #[inline]
    fn intern(&mut self, name: &str, counters: &mut Counters) -> u32 {
        match self.by_name.get(name) {
            Some(&i) => i,
            None => self.add(EventType::new(name), counters),
        }
    }

    fn intern_kind(&mut self, kind: &EventType, counters: &mut Counters) -> u32 {
        if let Some(&i) = self.by_name.get(kind.as_str()) {
            return i;
        }
        self.add(kind.clone(), counters)
    }

    fn add(&mut self, kind: EventType, counters: &mut Counters) -> u32 {
        let i = self.slots.len() as u32;
        self.by_name.insert(kind.as_str().into(), i);
        let counter = counters.slot(kind.hash());
        self.slots.push(TypeSlot {
            kind,
            versions: Vec::new(),
            positions: Vec::new(),
            counter,
        });
        i
    }
}

// The threading model promises these (docs/ARCHITECTURE.md).
const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<EventLog>();
    shareable::<Event>();
};

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
    /// First holder of each id that is not in a counter's dense list.
    irregular_ids: FastMap<EventId, u32>,
    /// Per event: its parent, children and next sibling, as positions.
    links: Vec<Links>,
    /// Children of parent ids that no event holds (yet), in log order.
    unresolved: FastMap<EventId, Vec<u32>>,
    types: TypeTable,
    /// Next sequence number per (tick, type hash): one past the highest seen.
    counters: Counters,
    clock: Clock,
    /// True while every event's tick is >= the previous event's.
    ticks_ordered: bool,
    /// Events added at the current tick (for `Clock::Ticks`).
    added_this_tick: i64,
    /// Told of each append and tick end (a live writer, say).
    journal: Option<Box<dyn Journal>>,
    scratch: JsonBuf,
    /// Where the data of events this log creates is stored.
    arena: DataArena,
    /// Per event: where its data text and the text's top-level keys are
    /// (for data queries).
    data_index: DataIndex,
    /// The last wall-clock stamp handed out (stamps never go backwards).
    last_wall_micros: i64,
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

    /// Moves to the next tick; tells the journal (a live writer flushes).
    pub fn advance_tick(&mut self) {
        self.current_tick = self.current_tick.saturating_add(1);
        self.added_this_tick = 0;
        if let Some(journal) = &mut self.journal {
            journal.tick_ended(self.current_tick - 1);
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
        if let Some((tick, hash, seq)) = id.parts() {
            let dense = self.counters.get(hash, tick).map(|c| c.dense.as_slice());
            let hit = dense
                .and_then(|d| d.get(usize::try_from(seq).ok()?.checked_sub(1)?))
                .map(|&p| p as usize)
                .filter(|&p| self.events[p].id == *id);
            if hit.is_some() {
                return hit;
            }
        }
        if self.irregular_ids.is_empty() {
            return None;
        }
        self.irregular_ids.get(id).map(|&i| i as usize)
    }

    /// The position of `e` when it is one of this log's own events (a
    /// reference into [`events`](Self::events); by address, not by id: ids
    /// may repeat).
    pub fn position_of_ref(&self, e: &Event) -> Option<usize> {
        let size = std::mem::size_of::<Event>();
        let offset = (e as *const Event as usize).checked_sub(self.events.as_ptr() as usize)?;
        (offset % size == 0 && offset / size < self.events.len()).then_some(offset / size)
    }

    /// The position of the first holder of the parent id of the event at
    /// `position` (`None` for a root or an orphan). O(1).
    pub fn parent_position(&self, position: usize) -> Option<usize> {
        match self.links.get(position) {
            Some(&Links { parent, .. }) if parent != NONE => Some(parent as usize),
            _ => None,
        }
    }

    /// Events whose parent id is `id`, any tick, in log order.
    pub fn children_of(&self, id: &EventId) -> impl Iterator<Item = &Event> {
        self.child_positions(id).map(|i| &self.events[i])
    }

    /// Positions of the events whose parent id is `id`, in log order.
    pub(crate) fn child_positions(&self, id: &EventId) -> ChildPositions<'_> {
        match self.position_of(id) {
            Some(q) => ChildPositions::Linked {
                log: self,
                next: self.links[q].first_child,
            },
            None => ChildPositions::Listed(
                self.unresolved
                    .get(id)
                    .map_or(&[][..], |v| v.as_slice())
                    .iter(),
            ),
        }
    }

    /// Where the top-level keys of the data of the event at `position` are.
    #[cfg(test)]
    pub(crate) fn top_keys(&self, position: usize) -> TopKeys {
        self.data_index.top_keys(position)
    }

    /// Where each event's data text and top-level keys are.
    pub(crate) fn data_index(&self) -> &DataIndex {
        &self.data_index
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

    #[inline]
    fn now(&mut self) -> Timestamp {
        match self.clock {
            Clock::Wall => {
                // Whole seconds and microseconds (as_micros goes through u128).
                let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| {
                    i64::try_from(d.as_secs())
                        .unwrap_or(i64::MAX / 2_000_000)
                        .saturating_mul(1_000_000)
                        .saturating_add(i64::from(d.subsec_micros()))
                });
                self.last_wall_micros = self.last_wall_micros.max(now);
                Timestamp::from_micros(self.last_wall_micros)
            }
            Clock::Steps {
                start_micros,
                step_micros,
            } => {
                let n = self.events.len() as i64;
                let micros = start_micros.saturating_add(n.saturating_mul(step_micros));
                Timestamp::from_micros(micros)
            }
            Clock::Ticks {
                start_micros,
                tick_micros,
                step_micros,
            } => {
                let micros = start_micros
                    .saturating_add(self.current_tick.saturating_mul(tick_micros))
                    .saturating_add(self.added_this_tick.saturating_mul(step_micros));
                Timestamp::from_micros(micros)
            }
        }
    }

    /// A fresh id for an event of type `type_index` about to be appended
    /// at `position`, registered as held there. Fresh ids are unique: the
    /// counter is past every id of the shape seen.
    #[inline(always)]
    fn next_id(&mut self, tick: i64, type_index: u32, position: u32) -> (IdHash, u64) {
        let slot = &self.types.slots[type_index as usize];
        let (counter, hash) = (slot.counter, slot.kind.hash());
        let counter = self.counters.at(counter, hash, tick);
        let seq = counter.next;
        counter.next = seq.saturating_add(1);
        if seq == counter.dense.len() as u64 + 1 {
            counter.dense.push(position);
        } else {
            self.irregular_ids
                .insert(EventId::generated(tick, hash, seq), position);
        }
        (hash, seq)
    }

    /// Logs a new event at the current tick, stamped by the clock, with a
    /// fresh id and `parent` as its cause. Returns the logged event.
    pub fn add_event<T: Serialize + ?Sized>(
        &mut self,
        event_type: &str,
        data: &T,
        parent: Option<&EventId>,
    ) -> Result<&Event, DataError> {
        let (position, _) = self.add_new((event_type, 1), data, parent, None)?;
        Ok(&self.events[position])
    }

    /// [`add_event`](Self::add_event) for data given as JSON text (what
    /// another language's serializer wrote, e.g. Python's `json.dumps`):
    /// checked and canonicalized as loading does (`NaN` refused), stored
    /// without a serde round trip, so big integers and float spellings
    /// stay exactly as written.
    ///
    /// ```
    /// let mut log = tickcascade::EventLog::new();
    /// let e = log.add_event_json("a", r#"{"big": 123456789012345678901234567890}"#, None)?;
    /// assert_eq!(e.data_json(), r#"{"big": 123456789012345678901234567890}"#);
    /// assert!(log.add_event_json("a", "{oops", None).is_err());
    /// # Ok::<(), tickcascade::DataError>(())
    /// ```
    pub fn add_event_json(
        &mut self,
        event_type: &str,
        json: &str,
        parent: Option<&EventId>,
    ) -> Result<&Event, DataError> {
        let (position, _) = self.add_new_json((event_type, 1), json, parent, None)?;
        Ok(&self.events[position])
    }

    /// [`add_event_json`](Self::add_event_json) with the data declared at
    /// schema version `schema` (written as a `"schema"` key when above 1):
    /// for hosts that log versioned events without a Rust type (the Python
    /// package); typed code uses [`add_typed`](Self::add_typed).
    ///
    /// ```
    /// use tickcascade::EventLog;
    /// let mut log = EventLog::new();
    /// let e = log.add_versioned_json("player.move", 2, r#"{"room": "hall"}"#, None)?;
    /// assert!(e.to_json().ends_with(r#""schema": 2}"#));
    /// # Ok::<(), tickcascade::DataError>(())
    /// ```
    pub fn add_versioned_json(
        &mut self,
        event_type: &str,
        schema: u32,
        json: &str,
        parent: Option<&EventId>,
    ) -> Result<&Event, DataError> {
        let (position, _) = self.add_new_json((event_type, schema), json, parent, None)?;
        Ok(&self.events[position])
    }

    /// `add_event`, returning the position and the type's index (the bus
    /// dispatches from them). `parent_at`: where the parent is, when the
    /// caller knows (the bus does for a child of the event it dispatches);
    /// it is checked against the id before it is used.
    #[inline]
    pub(crate) fn add_new<T: Serialize + ?Sized>(
        &mut self,
        event_type: (&str, u32),
        data: &T,
        parent: Option<&EventId>,
        parent_at: Option<usize>,
    ) -> Result<(usize, u32), DataError> {
        self.scratch.clear();
        let keys = write_canonical_keyed(data, &mut self.scratch)?;
        let data = match self.arena.push_written(&self.scratch) {
            Some(data) => data,
            None => self.arena.push(self.scratch.as_str().ok_or_else(not_text)?),
        };
        Ok(self.append_new(event_type, data, keys, parent, parent_at))
    }

    /// `add_new` for data given as JSON text: checked and canonicalized as
    /// loading does (`NaN` refused), then stored without a serde round trip.
    pub(crate) fn add_new_json(
        &mut self,
        event_type: (&str, u32),
        json: &str,
        parent: Option<&EventId>,
        parent_at: Option<usize>,
    ) -> Result<(usize, u32), DataError> {
        // Text already in canonical form (what json.dumps writes for plain
        // data, and this crate's own output) is stored as it is, with its
        // top-level keys found by the same quick pass the loader uses.
        let mut quick = crate::json::scan::Scanner::new(json, false);
        quick.skip_ws();
        if let Some((verbatim, keys)) = quick.canonical_value() {
            let verbatim_len = verbatim.len();
            quick.skip_ws();
            if quick.finish().is_ok() {
                let start = json.len() - json.trim_start().len();
                let data = self.arena.push(&json[start..start + verbatim_len]);
                return Ok(self.append_new(event_type, data, keys, parent, parent_at));
            }
        }
        let text = crate::json::scan::canonicalize(json, false).map_err(|e| {
            DataError::new(
                crate::json::ser::DataErrorKind::NotJson,
                format!("data is not JSON: {} (at byte {})", e.kind, e.offset + 1),
            )
        })?;
        let mut keys = crate::json::top_keys::TopKeysBuilder::default();
        if text.starts_with('{') {
            crate::json::tokens::for_each_key_offset(&text, |o| keys.key_at(o));
        } else {
            keys.give_up();
        }
        let data = self.arena.push(&text);
        Ok(self.append_new(event_type, data, keys.finish(), parent, parent_at))
    }

    /// Appends a new event with a fresh id, stamped now, holding `data`.
    #[inline]
    fn append_new(
        &mut self,
        (event_type, schema): (&str, u32),
        data: crate::arena::Data,
        keys: TopKeys,
        parent: Option<&EventId>,
        parent_at: Option<usize>,
    ) -> (usize, u32) {
        let type_index = self.types.intern(event_type, &mut self.counters);
        let tick = self.current_tick;
        let position = self.events.len() as u32;
        if position == 0 {
            self.reserve_ahead();
        }
        let (hash, seq) = self.next_id(tick, type_index, position);
        let timestamp = self.now();
        self.added_this_tick += 1;
        let parent_at = parent_at.filter(|&q| parent.is_some_and(|p| self.events[q].id == *p));
        self.data_index.push(&data, keys);
        let kind = self.types.slots[type_index as usize].at_schema(schema);
        self.events.push(Event {
            tick,
            timestamp,
            kind,
            data,
            id: EventId::generated(tick, hash, seq),
            parent: parent.cloned(),
        });
        self.index_last(type_index, Origin::Fresh { parent_at });
        (position as usize, type_index)
    }

    /// Room for the first `FIRST_RESERVE` events' entries, reserved before
    /// the first is appended: grown from empty by doubling, the vectors were
    /// copied eight or nine times each, and every copy wrote fresh pages.
    /// Reserving costs address space only: pages are touched as written.
    #[cold]
    fn reserve_ahead(&mut self) {
        self.events.reserve(FIRST_RESERVE);
        self.links.reserve(FIRST_RESERVE);
        self.data_index.reserve(FIRST_RESERVE);
    }

    /// Copies canonical data text into this log's data storage.
    pub(crate) fn store_data(&mut self, text: &str) -> crate::arena::Data {
        self.arena.push(text)
    }

    /// The index of a type name in this log's type table.
    pub(crate) fn type_index(&self, name: &str) -> Option<u32> {
        self.types.by_name.get(name).copied()
    }

    /// Appends an event as it is (a loaded or foreign event): its id is kept,
    /// even if another event holds it already. Counters move past the id so
    /// no id this log generates later repeats it.
    pub fn push(&mut self, event: Event) -> &Event {
        let type_index = self.types.intern_kind(&event.kind, &mut self.counters);
        let event = Event {
            kind: self.types.slots[type_index as usize].at_schema(event.kind.schema()),
            ..event
        };
        self.push_typed(event, type_index, TopKeys::UNKNOWN)
    }

    /// The index of `name` in this log's type table, adding it if new.
    pub(crate) fn intern_type(&mut self, name: &str) -> u32 {
        self.types.intern(name, &mut self.counters)
    }

    /// A handle to the interned type at `index` and schema version
    /// `schema`, for an event about to be appended.
    #[inline]
    pub(crate) fn take_type(&mut self, index: u32, schema: u32) -> EventType {
        self.types.slots[index as usize].at_schema(schema)
    }

    /// `push` for an event whose type is this log's type `type_index`, and
    /// whose data's top-level keys are where `keys` says.
    pub(crate) fn push_typed(&mut self, event: Event, type_index: u32, keys: TopKeys) -> &Event {
        let position = self.events.len() as u32;
        if position == 0 {
            self.reserve_ahead();
        }
        self.data_index.push(&event.data, keys);
        if let Some((tick, hash, seq)) = event.id.parts() {
            let own = &self.types.slots[type_index as usize];
            let slot = if own.kind.hash() == hash {
                own.counter
            } else {
                self.counters.slot(hash)
            };
            let counter = self.counters.at(slot, hash, tick);
            counter.next = counter.next.max(seq.saturating_add(1));
        }
        let first_holder = self.register_id(&event.id, position, type_index);
        self.events.push(event);
        let position = self.index_last(type_index, Origin::Outside { first_holder });
        &self.events[position]
    }

    /// Indexes the event just pushed, the last one; returns its position.
    #[inline(always)]
    fn index_last(&mut self, type_index: u32, origin: Origin) -> usize {
        let position = self.events.len() - 1;
        let pos32 = position as u32;
        let tick = self.events[position].tick;
        if let Some(before) = position.checked_sub(1) {
            self.ticks_ordered &= self.events[before].tick <= tick;
        }
        self.links.push(UNLINKED);
        self.types.slots[type_index as usize].positions.push(pos32);
        if let Some(journal) = &mut self.journal {
            journal.appended(&self.events[position]);
        }
        let (first_holder, parent_at) = match origin {
            Origin::Fresh { parent_at } => (true, parent_at),
            Origin::Outside { first_holder } => (first_holder, None),
        };
        if first_holder && !self.unresolved.is_empty() {
            // Children that named this id before any event held it.
            if let Some(waiting) = self.unresolved.remove(&self.events[position].id) {
                for c in waiting {
                    self.link(c, pos32);
                }
            }
        }
        if let Some(parent) = &self.events[position].parent {
            match parent_at.or_else(|| self.position_of(parent)) {
                Some(q) => self.link(pos32, q as u32),
                None => {
                    let parent = parent.clone();
                    self.unresolved.entry(parent).or_default().push(pos32);
                }
            }
        }
        position
    }

    /// Records `position` as the holder of `id` unless an earlier event
    /// holds it; true when it is the first holder.
    fn register_id(&mut self, id: &EventId, position: u32, type_index: u32) -> bool {
        if let Some((tick, hash, seq)) = id.parts() {
            let own = &self.types.slots[type_index as usize];
            let slot = if own.kind.hash() == hash {
                own.counter
            } else {
                self.counters.slot(hash)
            };
            let counter = self.counters.at(slot, hash, tick);
            let len = counter.dense.len() as u64;
            if seq >= 1 && seq <= len {
                return false; // held already, in sequence
            }
            if seq == len + 1
                && (self.irregular_ids.is_empty() || !self.irregular_ids.contains_key(id))
            {
                counter.dense.push(position);
                return true;
            }
        }
        match self.irregular_ids.entry(id.clone()) {
            std::collections::hash_map::Entry::Occupied(_) => false,
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(position);
                true
            }
        }
    }

    /// Makes `child` the last child of `parent` and records its parent.
    #[inline]
    fn link(&mut self, child: u32, parent: u32) {
        self.links[child as usize].parent = parent;
        match self.links[parent as usize].last_child {
            NONE => self.links[parent as usize].first_child = child,
            last => self.links[last as usize].next_sibling = child,
        }
        self.links[parent as usize].last_child = child;
    }

    /// Sets the current tick (loading uses it for Eventure's `max(0, max
    /// tick)`; Eventure's Python code may assign `_current_tick` too).
    pub fn set_current_tick(&mut self, tick: i64) {
        self.current_tick = tick;
        self.added_this_tick = 0;
    }

    /// Tells `journal` of every event appended from now on, and of each
    /// tick's end (replacing a journal attached before, which is closed
    /// first; its result is dropped: detach it to see it).
    pub fn attach_journal(&mut self, journal: Box<dyn Journal>) {
        if let Some(mut old) = self.journal.replace(journal) {
            let _ = old.close();
        }
    }

    /// Detaches the journal: closes it, and returns what closing reported
    /// (the first write error, if any); `None` when none was attached.
    pub fn detach_journal(&mut self) -> Option<std::io::Result<()>> {
        self.journal.take().map(|mut j| j.close())
    }

    /// Starts writing every appended event to `writer` as it is logged
    /// ([`attach_journal`](Self::attach_journal) with a [`LiveWriter`](crate::LiveWriter)).
    pub fn attach_writer(&mut self, writer: crate::LiveWriter) {
        self.attach_journal(Box::new(writer));
    }

    /// Stops live writing: flushes, and reports the first write error, if
    /// any ([`detach_journal`](Self::detach_journal)).
    pub fn detach_writer(&mut self) -> Option<std::io::Result<()>> {
        self.detach_journal()
    }
}

/// Positions of the children of one id, in log order.
pub(crate) enum ChildPositions<'a> {
    Linked { log: &'a EventLog, next: u32 },
    Listed(std::slice::Iter<'a, u32>),
}

impl Iterator for ChildPositions<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        match self {
            ChildPositions::Linked { log, next } => {
                if *next == NONE {
                    return None;
                }
                let at = *next as usize;
                *next = log.links[at].next_sibling;
                Some(at)
            }
            ChildPositions::Listed(it) => it.next().map(|&p| p as usize),
        }
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
    fn a_parent_position_hint_is_used_only_when_it_holds_the_parent() {
        let mut log = EventLog::new();
        let a = log.add_event("a", &(), None).unwrap().id().clone();
        let b = log.add_event("b", &(), None).unwrap().id().clone();
        // A wrong hint (position 1 holds b, not a) is ignored.
        let (c, _) = log.add_new(("c", 1), &(), Some(&a), Some(1)).unwrap();
        let (d, _) = log.add_new(("d", 1), &(), Some(&b), Some(1)).unwrap();
        assert_eq!(log.parent_position(c), Some(0));
        assert_eq!(log.parent_position(d), Some(1));
        assert_eq!(log.children_of(&a).count(), 1);
        assert_eq!(log.children_of(&b).count(), 1);
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
