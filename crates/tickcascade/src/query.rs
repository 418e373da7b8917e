//! `EventQuery`: questions about a log, answered from its indexes, with
//! Eventure's definitions (roots, cascades, Python equality on data).
//!
//! Size: over 600 lines with its unit tests (about 520 without).

use crate::arena::Spelling;
use crate::event::Event;
use crate::event_set::{EventSet, SetBuilder};
use crate::id::EventId;
use crate::json::escape::json_str_body;
use crate::json::scan::canonicalize;
use crate::json::ser::{DataError, DataErrorKind, write_canonical_non_finite};
use crate::json::tokens::for_each_member;
use crate::json::top_keys::TopKeys;
use crate::json::tree::py_equal;
use crate::log::{EventLog, FastMap};
use indexmap::IndexMap;
use serde::Serialize;
use std::collections::HashSet;

/// Read-only queries over an [`EventLog`].
///
/// ```
/// use tickcascade::{EventBus, EventLog, EventQuery};
/// use serde_json::json;
/// let mut bus = EventBus::new(EventLog::new());
/// bus.subscribe("enemy.defeated", |ctx, _| {
///     ctx.publish("treasure.drop", &json!({"item": "gold"}))?;
///     Ok(())
/// });
/// let root = bus.publish("enemy.defeated", &json!({"enemy": "dragon"}))?.clone();
/// let q = EventQuery::new(bus.log());
/// assert_eq!(q.cascade(&root).len(), 2);
/// assert_eq!(q.by_data("enemy", &"dragon")?.len(), 1);
/// assert_eq!(q.count_by_type()["treasure.drop"], 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct EventQuery<'a> {
    pub(crate) log: &'a EventLog,
    threads: usize,
}

impl<'a> EventQuery<'a> {
    /// Queries over `log`, on the caller's thread only.
    pub fn new(log: &'a EventLog) -> Self {
        EventQuery { log, threads: 1 }
    }

    /// Lets data scans of large logs (32,768 events and more) use up to
    /// `threads` threads, the caller's included (default 1: no thread is
    /// started). The extra threads are scoped: they have ended when the
    /// query returns, and no thread's CPU affinity is changed. The answers
    /// are the same whatever the count.
    ///
    /// ```
    /// use tickcascade::{EventLog, EventQuery};
    /// let log = EventLog::new();
    /// let q = EventQuery::new(&log).with_threads(2);
    /// assert!(q.by_data("k", &1)?.is_empty());
    /// # Ok::<(), tickcascade::DataError>(())
    /// ```
    pub fn with_threads(self, threads: usize) -> Self {
        EventQuery { threads, ..self }
    }

    /// Events of exactly this type, in log order.
    pub fn by_type(&self, event_type: &str) -> impl Iterator<Item = &'a Event> + 'a {
        let events = self.log.events();
        self.log
            .positions_of_type(event_type)
            .iter()
            .map(move |&i| &events[i as usize])
    }

    /// Events whose data is an object holding `key` with a value equal to
    /// `value` under Python's `==` (`1 == 1.0 == true`; NaN equals nothing).
    /// Events whose data is not an object never match. The answer is an
    /// [`EventSet`] (one bit per event of the log; `to_vec` for a vector).
    pub fn by_data<V: Serialize + ?Sized>(
        &self,
        key: &str,
        value: &V,
    ) -> Result<EventSet<'a>, DataError> {
        let mut wanted = String::new();
        write_canonical_non_finite(value, &mut wanted)?;
        Ok(self.by_canonical_data(key, &wanted))
    }

    /// [`by_data`](Self::by_data) with the value given as JSON text
    /// (`NaN` and `Infinity` accepted), e.g. from a command line.
    pub fn by_data_json(&self, key: &str, value_json: &str) -> Result<EventSet<'a>, DataError> {
        let wanted = canonicalize(value_json, true).map_err(|e| {
            DataError::new(
                DataErrorKind::NotJson,
                format!("value is not JSON: {} (at byte {})", e.kind, e.offset + 1),
            )
        })?;
        Ok(self.by_canonical_data(key, &wanted))
    }

    fn by_canonical_data(&self, key: &str, wanted: &str) -> EventSet<'a> {
        let filter = DataFilter::new(key, wanted);
        let log = self.log;
        let events = log.events();
        // The data texts are scanned through the log's data index, in
        // memory order, without touching the events.
        let index = log.data_index();
        // Sets the bits of the hits in `range`, whose first word is
        // `words[0]`; returns how many.
        let fill = |words: &mut [u64], range: std::ops::Range<usize>| {
            let mut set = SetBuilder::new(words, range.start);
            let test = |i: usize, text: Option<&str>, keys| {
                filter.matches_text(text.unwrap_or_else(|| events[i].data_json()), keys)
            };
            match &filter.string_member {
                Some(spelling) => {
                    index.scan_spelling(range, spelling, test, |i, yes| set.insert_if(i, yes));
                }
                None => index.scan(
                    range,
                    #[inline(always)]
                    |i, text, keys| {
                        if test(i, text, keys) {
                            set.insert(i);
                        }
                    },
                ),
            }
            set.len()
        };
        let n = events.len();
        let mut bits = vec![0u64; n.div_ceil(64)];
        if n < PARALLEL_SCAN_MIN || self.threads < 2 {
            let len = fill(&mut bits, 0..n);
            return EventSet::from_bits(events, bits, len);
        }
        // Large logs, threads allowed: pieces of the set's words, taken in
        // turn by the threads, each piece's hits counted where it ran.
        let mut pieces: Vec<(&mut [u64], usize, usize)> = bits
            .chunks_mut(SCAN_PIECE_WORDS)
            .enumerate()
            .map(|(k, words)| (words, k * SCAN_PIECE_WORDS * 64, 0))
            .collect();
        crate::parallel::for_each_piece(self.threads, &mut pieces, |(words, start, hits)| {
            let end = (*start + words.len() * 64).min(n);
            *hits = fill(words, *start..end);
        });
        let len = pieces.iter().map(|p| p.2).sum();
        EventSet::from_bits(events, bits, len)
    }

    /// The number of events on the longest parent chain (following parents
    /// across ticks, through the first holder of each parent id). A lone
    /// root is 1; the events of a cycle are counted once.
    pub fn max_depth(&self) -> usize {
        let events = self.log.events();
        let parent_of = |i: usize| self.log.parent_position(i);
        // 0 = not yet known. (u32: a chain is at most as long as the log.)
        let mut depth = vec![0u32; events.len()];
        let mut on_path = vec![false; events.len()];
        let mut path: Vec<usize> = Vec::new();
        let mut best = 0;
        for start in 0..events.len() {
            let mut at = Some(start);
            // Walk up until a known depth, the top, or a node already on this walk.
            let mut base = 0;
            while let Some(i) = at {
                if depth[i] > 0 {
                    base = depth[i];
                    break;
                }
                if on_path[i] {
                    // A cycle: its members all get its length.
                    let k = path.iter().rposition(|&p| p == i).unwrap_or(0);
                    let len = (path.len() - k) as u32;
                    for &p in &path[k..] {
                        depth[p] = len;
                        on_path[p] = false;
                    }
                    path.truncate(k);
                    base = len;
                    break;
                }
                on_path[i] = true;
                path.push(i);
                at = parent_of(i);
            }
            while let Some(i) = path.pop() {
                base += 1;
                depth[i] = base;
                on_path[i] = false;
            }
            best = best.max(depth[start]);
        }
        best as usize
    }

    /// `roots(None).len()`, without materializing the list (tick by tick
    /// when ticks are in order, as in every log a bus writes).
    pub fn root_count(&self) -> usize {
        if !self.log.ticks_ordered() {
            return self.roots(None).len();
        }
        let events = self.log.events();
        let mut members: Vec<u32> = Vec::new();
        let mut count = 0;
        let mut i = 0;
        while i < events.len() {
            let t = events[i].tick();
            members.clear();
            while i < events.len() && events[i].tick() == t {
                members.push(i as u32);
                i += 1;
            }
            count += TickLayout::new(self.log, &members).roots.len();
        }
        count
    }

    /// Events at tick `t`, in log order.
    pub fn at_tick(&self, t: i64) -> impl Iterator<Item = &'a Event> + 'a {
        self.log.events_at_tick(t)
    }

    /// Events whose parent id is the event's id, any tick, in log order.
    pub fn children(&self, event: &Event) -> impl Iterator<Item = &'a Event> + 'a {
        let events = self.log.events();
        self.log
            .child_positions(event.id())
            .map(move |i| &events[i])
    }

    /// The event and everything it caused, breadth-first: the event, its
    /// children in log order, theirs, and so on, across ticks. An id already
    /// listed is not listed again, so cycles end.
    pub fn cascade(&self, root: &'a Event) -> Vec<&'a Event> {
        let events = self.log.events();
        let mut out = vec![root];
        let mut seen: HashSet<&EventId, foldhash::fast::RandomState> = HashSet::default();
        seen.insert(root.id());
        let mut i = 0;
        while i < out.len() {
            for c in self.log.child_positions(out[i].id()) {
                let child = &events[c];
                if seen.insert(child.id()) {
                    out.push(child);
                }
            }
            i += 1;
        }
        out
    }

    /// Count of events per type, types in order of first appearance.
    pub fn count_by_type(&self) -> IndexMap<&'a str, usize> {
        self.log
            .type_positions()
            .map(|(kind, positions)| (kind.as_str(), positions.len()))
            .collect()
    }

    /// Eventure's root events: per tick (ticks in order of first appearance,
    /// or only `tick`), the events that are not same-tick children, sorted
    /// by timestamp.
    pub fn roots(&self, tick: Option<i64>) -> Vec<&'a Event> {
        let mut groups: IndexMap<i64, Vec<u32>, foldhash::fast::RandomState> = IndexMap::default();
        for (i, e) in self.log.events().iter().enumerate() {
            if tick.is_none_or(|t| t == e.tick()) {
                groups.entry(e.tick()).or_default().push(i as u32);
            }
        }
        let events = self.log.events();
        groups
            .values()
            .flat_map(|members| {
                TickLayout::new(self.log, members)
                    .roots
                    .into_iter()
                    .map(|i| &events[i as usize])
            })
            .collect()
    }
}

/// From this many events on, data scans use the threads they are allowed.
const PARALLEL_SCAN_MIN: usize = 32 * 1024;
/// Words of the answer set per piece of a shared scan: 4,096 events,
/// ≈30 µs of work.
const SCAN_PIECE_WORDS: usize = 64;

/// "Data key equals value" with Eventure's equality (Python's `==`: `1 ==
/// 1.0 == true`), ready to test events one at a time (a stream, a follower);
/// [`EventQuery::by_data`] uses the same test over a whole log.
///
/// ```
/// use tickcascade::{DataFilter, EventLog};
/// let mut log = EventLog::new();
/// let e = log.add_event("hit", &serde_json::json!({"amount": 1.0}), None)?;
/// assert!(DataFilter::from_cli("amount", "1").matches(e));
/// assert!(!DataFilter::from_cli("amount", "2").matches(e));
/// assert!(!DataFilter::from_cli("amount", "one").matches(e));
/// # Ok::<(), tickcascade::DataError>(())
/// ```
pub struct DataFilter {
    key_body: String,
    wanted: String,
    /// `"KEY": ` as canonical text spells a member. In canonical text a raw
    /// `"` only delimits strings, so this, preceded by `{` or a space, can
    /// only be an object key.
    member: Box<[u8]>,
    /// `"KEY": "VALUE"` when the wanted value is a string and the whole
    /// spelling takes 8 to 16 bytes: one test of two words per key.
    string_member: Option<Spelling>,
    /// A searcher for `member`, made on first use: the scans with key
    /// offsets never need it, and making the first one in a process costs
    /// ~60 µs (CPU feature detection, slow in a VM).
    finder: std::sync::OnceLock<memchr::memmem::Finder<'static>>,
}

impl DataFilter {
    /// `wanted` is canonical JSON text.
    pub(crate) fn new(key: &str, wanted: &str) -> DataFilter {
        let key_body = json_str_body(key).into_owned();
        let member = format!("\"{key_body}\": ");
        let string_member = wanted
            .starts_with('"')
            .then(|| Spelling::new(format!("{member}{wanted}").as_bytes()))
            .flatten();
        DataFilter {
            string_member,
            finder: std::sync::OnceLock::new(),
            member: member.into_bytes().into_boxed_slice(),
            key_body,
            wanted: wanted.to_owned(),
        }
    }

    /// `key == VALUE`, with `VALUE` read as JSON if it parses (`NaN` and
    /// `Infinity` included), else taken as a string (as a command line
    /// gives it).
    pub fn from_cli(key: &str, value: &str) -> DataFilter {
        let wanted = canonicalize(value, true).unwrap_or_else(|_| {
            let mut s = String::new();
            crate::json::escape::write_json_str(&mut s, value);
            s
        });
        DataFilter::new(key, &wanted)
    }

    /// `matches` on an event's data text, using where its top-level keys
    /// are when known: a few byte comparisons at those offsets instead of a
    /// scan.
    #[inline(always)]
    pub(crate) fn matches_text(&self, data: &str, keys: TopKeys) -> bool {
        let Some(offsets) = keys.offsets() else {
            return self.matches_str(data);
        };
        let bytes = data.as_bytes();
        if bytes.first() != Some(&b'{') {
            return false;
        }
        if let Some(whole) = &self.string_member {
            // All four offsets, without branching on each: an unused one is
            // 0, where the text's `{` can never start a member. A string
            // ends at its first unescaped quote and the text agrees with
            // the wanted string up to it, so a value that starts with the
            // wanted string is it; and keys are unique in canonical text.
            return offsets.iter().fold(false, |hit, &at| {
                hit | whole.starts_at(bytes, usize::from(at))
            });
        }
        let m = self.member.len();
        for (k, &at) in offsets.iter().enumerate() {
            let at = usize::from(at);
            if at == 0 {
                return false; // no more keys
            }
            if bytes.get(at..at + m) != Some(&*self.member) {
                continue;
            }
            // The value runs to the next key's `, ` or to the closing brace.
            let end = match offsets.get(k + 1).map(|&o| usize::from(o)) {
                Some(next @ 1..) => next - 2,
                _ => bytes.len() - 1,
            };
            let Some(value) = bytes.get(at + m..end) else {
                return self.matches_str(data);
            };
            let wanted = self.wanted.as_bytes();
            return if wanted.first() == Some(&b'"') {
                value == wanted
            } else {
                std::str::from_utf8(value).is_ok_and(|v| py_equal(v, &self.wanted))
            };
        }
        false
    }

    /// True when the event's data is an object with the key, its value
    /// equal to the wanted one.
    pub fn matches(&self, event: &Event) -> bool {
        self.matches_str(event.data_json())
    }

    // Out of line: the scans inline `matches_text`, which rarely needs this.
    #[inline(never)]
    fn matches_str(&self, data: &str) -> bool {
        let bytes = data.as_bytes();
        if bytes.first() != Some(&b'{') {
            return false;
        }
        // Fast paths: the key is nowhere, or the object is flat (no nested
        // container) so the first occurrence is the top-level member.
        let finder = self
            .finder
            .get_or_init(|| memchr::memmem::Finder::new(&self.member).into_owned());
        let Some(at) = finder.find(bytes) else {
            return false;
        };
        let flat = memchr::memchr2(b'{', b'[', &bytes[1..]).is_none();
        if flat
            && matches!(bytes.get(at.wrapping_sub(1)), Some(b'{' | b' '))
            && self.wanted.starts_with('"')
        {
            let rest = &bytes[at + self.member.len()..];
            return rest.starts_with(self.wanted.as_bytes())
                && matches!(rest.get(self.wanted.len()), Some(b',' | b'}'));
        }
        let mut hit = false;
        for_each_member(data, |k, v| {
            if !hit && k == self.key_body {
                hit = if self.wanted.starts_with('"') {
                    v == self.wanted
                } else {
                    py_equal(v, &self.wanted)
                };
            }
        });
        hit
    }
}

/// How one tick prints: its roots and, per id, its same-tick children,
/// each list sorted by timestamp (stable), exactly as Eventure decides them.
pub(crate) struct TickLayout<'a> {
    pub roots: Vec<u32>,
    pub children: FastMap<&'a EventId, Vec<u32>>,
}

impl<'a> TickLayout<'a> {
    /// `members`: positions of the tick's events, in log order.
    pub(crate) fn new(log: &'a EventLog, members: &[u32]) -> Self {
        let events = log.events();
        // Same-tick children: parent set, found, and in this tick. Eventure
        // then keeps membership *by id*, so duplicates follow the id.
        let mut child_ids: HashSet<&EventId, foldhash::fast::RandomState> = HashSet::default();
        for &i in members {
            let e = &events[i as usize];
            if let Some(parent) = e.parent_id().filter(|_| e.has_parent())
                && log
                    .event_by_id(parent)
                    .is_some_and(|p| p.tick() == e.tick())
            {
                child_ids.insert(e.id());
            }
        }
        let mut roots = Vec::new();
        let mut children: FastMap<&EventId, Vec<u32>> = FastMap::default();
        for &i in members {
            let e = &events[i as usize];
            if !child_ids.contains(e.id()) {
                roots.push(i);
            } else if let Some(parent) = e.parent_id() {
                children.entry(parent).or_default().push(i);
            }
        }
        sort_by_timestamp(&mut roots, events);
        for list in children.values_mut() {
            sort_by_timestamp(list, events);
        }
        TickLayout { roots, children }
    }
}

/// Sorts positions by event timestamp as Python's `list.sort(key=timestamp)`
/// does: stable. Without NaN the order is total and any stable sort agrees
/// with Python's. With NaN (every comparison false) the result depends on
/// the algorithm, so short lists replay CPython's own steps for lists under
/// 64 items (a natural run, then binary insertion); longer lists put NaN
/// last (a documented difference).
pub(crate) fn sort_by_timestamp(v: &mut [u32], events: &[Event]) {
    let key = |i: u32| events[i as usize].timestamp().sort_key();
    if v.len() < 2 {
        return;
    }
    if v.len() >= 64 || !v.iter().any(|&i| key(i).is_nan()) {
        v.sort_by(|&a, &b| key(a).total_cmp(&key(b)));
        return;
    }
    let lt = |a: u32, b: u32| key(a) < key(b);
    // count_run: a non-descending run, or a strictly descending one (reversed).
    let mut run = 2;
    if lt(v[1], v[0]) {
        while run < v.len() && lt(v[run], v[run - 1]) {
            run += 1;
        }
        v[..run].reverse();
    } else {
        while run < v.len() && !lt(v[run], v[run - 1]) {
            run += 1;
        }
    }
    // binary_sort from the end of the run.
    for start in run..v.len() {
        let pivot = v[start];
        let (mut l, mut r) = (0, start);
        while l < r {
            let p = l + (r - l) / 2;
            if lt(pivot, v[p]) {
                r = p;
            } else {
                l = p + 1;
            }
        }
        v[l..=start].rotate_right(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;

    #[derive(Serialize)]
    struct Root<'a> {
        i: u64,
        name: &'a str,
        nested: [u8; 2],
    }

    #[test]
    fn struct_data_is_matched_through_its_recorded_keys() {
        let mut log = EventLog::new();
        for (i, name) in [(1, "hero"), (2, "orc"), (3, "hero")] {
            log.add_event(
                "a",
                &Root {
                    i,
                    name,
                    nested: [1, 2],
                },
                None,
            )
            .unwrap();
        }
        log.add_event(
            "b",
            &serde_json::json!({"name": "hero", "x": {"name": "orc"}}),
            None,
        )
        .unwrap();
        assert!(log.top_keys(0).offsets().is_some());
        let q = EventQuery::new(&log);
        assert_eq!(q.by_data("name", "hero").unwrap().len(), 3);
        assert_eq!(q.by_data("i", &2.0).unwrap().len(), 1);
        assert_eq!(q.by_data("nested", &[1, 2]).unwrap().len(), 3);
        assert_eq!(q.by_data("name", "orc").unwrap().len(), 1);
    }

    #[test]
    fn data_queries_at_key_offsets_agree_with_reading_the_text() {
        use serde_json::json;
        let mut log = EventLog::new();
        for data in [
            json!({"name": "hero"}),
            json!({"zz": 1, "name": "hero", "q": [1]}),
            json!({"a": "\"name\": \"hero\"", "name": "orc"}),
            json!({"name": "hero2"}),
            json!({"name": "her"}),
            json!({"x": {"name": "hero"}}),
            json!({"name": {"hero": 1}}),
            json!({"name": "he\"ro"}),
            json!({"n": "hero", "nam": "hero"}),
            json!({"name": "a string long enough to need the general path"}),
            json!({"name": 1.0, "k": true}),
            json!(["name", "hero"]),
            json!("\"name\": \"hero\""),
        ] {
            log.add_event("t", &data, None).unwrap();
        }
        // The premise: the serializer noted where each object's keys are,
        // so `by_data` compares at those offsets.
        assert!((0..log.len() - 2).all(|i| log.top_keys(i).offsets().is_some()));
        let q = EventQuery::new(&log);
        for (key, value) in [
            ("name", json!("hero")),
            ("name", json!("he\"ro")),
            ("n", json!("hero")),
            ("nam", json!("hero")),
            (
                "name",
                json!("a string long enough to need the general path"),
            ),
            ("name", json!(1)),
            ("k", json!(1)),
            ("name", json!({"hero": 1})),
        ] {
            let got: Vec<usize> = q.by_data(key, &value).unwrap().positions().collect();
            let wanted = value.to_string();
            let filter = DataFilter::new(key, &canonicalize(&wanted, true).unwrap());
            let read: Vec<usize> = (0..log.len())
                .filter(|&i| filter.matches(&log.events()[i]))
                .collect();
            assert_eq!(got, read, "{key} == {value}");
        }
        assert_eq!(
            q.by_data("name", "hero")
                .unwrap()
                .positions()
                .collect::<Vec<_>>(),
            [0, 1]
        );
    }

    #[test]
    fn a_large_log_scanned_in_shared_pieces_answers_in_log_order() {
        let mut log = EventLog::new();
        let n = PARALLEL_SCAN_MIN * 2 + 17;
        for i in 0..n {
            // Hits bunched unevenly: many in the front half, few in the back.
            let hit = if i < n / 2 { i % 3 != 0 } else { i % 11 == 0 };
            let name = if hit { "hero" } else { "orc" };
            log.add_event("t", &serde_json::json!({"i": i, "name": name}), None)
                .unwrap();
        }
        let q = EventQuery::new(&log).with_threads(2);
        let got: Vec<u64> = q
            .by_data("name", "hero")
            .unwrap()
            .iter()
            .map(|e| e.data_get::<u64>("i").unwrap().unwrap())
            .collect();
        let want: Vec<u64> = (0..n as u64)
            .filter(|&i| {
                if i < n as u64 / 2 {
                    i % 3 != 0
                } else {
                    i % 11 == 0
                }
            })
            .collect();
        assert_eq!(got, want);
        assert!(q.by_data("name", "nobody").unwrap().is_empty());
        // Without a second thread (the system refuses it), the same answer.
        let alone = crate::parallel::refusing_threads(|| q.by_data("name", "hero").unwrap());
        let alone: Vec<u64> = alone
            .iter()
            .map(|e| e.data_get::<u64>("i").unwrap().unwrap())
            .collect();
        assert_eq!(alone, want);
        let one: Vec<u64> = EventQuery::new(&log)
            .by_data("name", "hero")
            .unwrap()
            .iter()
            .map(|e| e.data_get::<u64>("i").unwrap().unwrap())
            .collect();
        assert_eq!(one, want);
    }
}
