//! `EventSet`: the events of one log that a query matched, as one bit per
//! event of the log.
//!
//! A data query over a large log may match most of it. Handing back a
//! vector of references costs 8 bytes per hit, written to fresh memory
//! (a page fault every 512 hits, the bulk of a first query's time); a set
//! costs one bit per event of the log, whatever it matched, and is walked
//! in log order. `to_vec` gives the vector when one is wanted.
//!
//! Invariant: `bits` has a bit for each event of `events` and no set bit
//! beyond them; `len` is the number of set bits.

use crate::event::Event;
use std::fmt;

/// The events of one log a query matched, in log order (see
/// [`EventQuery::by_data`](crate::EventQuery::by_data)).
///
/// ```
/// use tickcascade::{EventLog, EventQuery};
/// use serde_json::json;
/// let mut log = EventLog::new();
/// log.add_event("hit", &json!({"who": "orc"}), None)?;
/// log.add_event("hit", &json!({"who": "elf"}), None)?;
/// log.add_event("hit", &json!({"who": "orc"}), None)?;
/// let orcs = EventQuery::new(&log).by_data("who", "orc")?;
/// assert_eq!(orcs.len(), 2);
/// assert_eq!(orcs.positions().collect::<Vec<_>>(), [0, 2]);
/// for e in &orcs {
///     assert_eq!(e.data_json(), r#"{"who": "orc"}"#);
/// }
/// assert_eq!(orcs.to_vec()[1].id(), log.events()[2].id());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct EventSet<'a> {
    events: &'a [Event],
    bits: Vec<u64>,
    len: usize,
}

impl<'a> EventSet<'a> {
    /// Events of `events` whose bits are set in `bits` (one per event,
    /// none beyond), `len` of them.
    pub(crate) fn from_bits(events: &'a [Event], bits: Vec<u64>, len: usize) -> Self {
        debug_assert_eq!(bits.len(), events.len().div_ceil(64));
        debug_assert_eq!(
            bits.iter().map(|w| w.count_ones() as usize).sum::<usize>(),
            len
        );
        EventSet { events, bits, len }
    }

    /// How many events are in the set.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the event at `position` in the log is in the set.
    pub fn contains_position(&self, position: usize) -> bool {
        self.bits
            .get(position / 64)
            .is_some_and(|w| w >> (position % 64) & 1 == 1)
    }

    /// The events, in log order.
    pub fn iter(&self) -> Iter<'a, '_> {
        Iter {
            events: self.events,
            positions: self.positions(),
        }
    }

    /// The events' positions in the log, in order.
    pub fn positions(&self) -> Positions<'_> {
        Positions {
            bits: &self.bits,
            word: 0,
            current: self.bits.first().copied().unwrap_or(0),
        }
    }

    /// The first event of the set in log order.
    pub fn first(&self) -> Option<&'a Event> {
        self.iter().next()
    }

    /// The events as a vector of references, in log order.
    pub fn to_vec(&self) -> Vec<&'a Event> {
        let mut out = Vec::with_capacity(self.len);
        out.extend(self.iter());
        out
    }
}

impl fmt::Debug for EventSet<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, 's> IntoIterator for &'s EventSet<'a> {
    type Item = &'a Event;
    type IntoIter = Iter<'a, 's>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// The positions of an [`EventSet`]'s events, in log order.
///
/// ```
/// use tickcascade::{EventLog, EventQuery};
/// let mut log = EventLog::new();
/// for n in [1, 2, 1] {
///     log.add_event("n", &serde_json::json!({"n": n}), None)?;
/// }
/// let ones = EventQuery::new(&log).by_data("n", &1)?;
/// assert_eq!(ones.positions().collect::<Vec<_>>(), [0, 2]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Positions<'s> {
    bits: &'s [u64],
    /// Index of the word `current` came from.
    word: usize,
    /// That word's bits not yet yielded.
    current: u64,
}

impl Iterator for Positions<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        next_position(self.bits, &mut self.word, &mut self.current)
    }
}

/// The next set bit's position: `current` holds the bits of `bits[*word]`
/// not yet yielded.
#[inline]
fn next_position(bits: &[u64], word: &mut usize, current: &mut u64) -> Option<usize> {
    while *current == 0 {
        *word += 1;
        *current = *bits.get(*word)?;
    }
    let bit = current.trailing_zeros() as usize;
    *current &= *current - 1;
    Some(*word * 64 + bit)
}

impl<'a> IntoIterator for EventSet<'a> {
    type Item = &'a Event;
    type IntoIter = IntoIter<'a>;
    fn into_iter(self) -> IntoIter<'a> {
        let current = self.bits.first().copied().unwrap_or(0);
        IntoIter {
            events: self.events,
            bits: self.bits,
            word: 0,
            current,
        }
    }
}

/// The events of an [`EventSet`] it was turned into, in log order.
///
/// ```
/// use tickcascade::{EventLog, EventQuery};
/// let mut log = EventLog::new();
/// log.add_event("hit", &serde_json::json!({"who": "orc"}), None)?;
/// let mut types = Vec::new();
/// for e in EventQuery::new(&log).by_data("who", "orc")? {
///     types.push(e.event_type());
/// }
/// assert_eq!(types, ["hit"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct IntoIter<'a> {
    events: &'a [Event],
    bits: Vec<u64>,
    word: usize,
    current: u64,
}

impl<'a> Iterator for IntoIter<'a> {
    type Item = &'a Event;

    #[inline]
    fn next(&mut self) -> Option<&'a Event> {
        next_position(&self.bits, &mut self.word, &mut self.current)
            .and_then(|i| self.events.get(i))
    }
}

/// The events of an [`EventSet`], in log order.
///
/// ```
/// use tickcascade::{EventLog, EventQuery};
/// let mut log = EventLog::new();
/// log.add_event("hit", &serde_json::json!({"who": "orc"}), None)?;
/// log.add_event("miss", &serde_json::json!({"who": "orc"}), None)?;
/// let orcs = EventQuery::new(&log).by_data("who", "orc")?;
/// let types: Vec<&str> = orcs.iter().map(|e| e.event_type()).collect();
/// assert_eq!(types, ["hit", "miss"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Iter<'a, 's> {
    events: &'a [Event],
    positions: Positions<'s>,
}

impl<'a> Iterator for Iter<'a, '_> {
    type Item = &'a Event;

    #[inline]
    fn next(&mut self) -> Option<&'a Event> {
        // Set bits are below the events' count (module invariant).
        self.positions.next().and_then(|i| self.events.get(i))
    }
}

/// Builds the bits of an [`EventSet`] for a run of positions starting at a
/// multiple of 64: `words` holds exactly that run's bits.
pub(crate) struct SetBuilder<'w> {
    words: &'w mut [u64],
    /// The position of bit 0 of `words[0]`.
    base: usize,
    len: usize,
}

impl<'w> SetBuilder<'w> {
    pub(crate) fn new(words: &'w mut [u64], base: usize) -> Self {
        debug_assert_eq!(base % 64, 0);
        SetBuilder {
            words,
            base,
            len: 0,
        }
    }

    /// Adds the event at `position` (each position once, within the run).
    #[inline]
    pub(crate) fn insert(&mut self, position: usize) {
        let at = position - self.base;
        if let Some(w) = self.words.get_mut(at / 64) {
            *w |= 1 << (at % 64);
            self.len += 1;
        }
    }

    /// Adds the event at `position` when `yes`, without a branch on it.
    #[inline(always)]
    pub(crate) fn insert_if(&mut self, position: usize, yes: bool) {
        let at = position - self.base;
        if let Some(w) = self.words.get_mut(at / 64) {
            *w |= u64::from(yes) << (at % 64);
            self.len += usize::from(yes);
        }
    }

    /// How many were added.
    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::EventLog;

    fn log_of(n: usize) -> EventLog {
        let mut log = EventLog::new();
        for i in 0..n {
            log.add_event("t", &i, None).unwrap();
        }
        log
    }

    #[test]
    fn positions_come_back_in_order_across_words() {
        let log = log_of(200);
        let wanted = [0, 1, 63, 64, 65, 127, 128, 199];
        let mut bits = vec![0u64; 4];
        let mut b = SetBuilder::new(&mut bits, 0);
        for &p in &wanted {
            b.insert(p);
        }
        let len = b.len();
        let set = EventSet::from_bits(log.events(), bits, len);
        assert_eq!(set.len(), wanted.len());
        assert_eq!(set.positions().collect::<Vec<_>>(), wanted);
        let ticks: Vec<&str> = set.iter().map(|e| e.data_json()).collect();
        assert_eq!(ticks, ["0", "1", "63", "64", "65", "127", "128", "199"]);
        assert!(set.contains_position(127) && !set.contains_position(126));
        assert!(!set.contains_position(10_000));
        assert_eq!(set.first().map(|e| e.data_json()), Some("0"));
        let owned: Vec<&str> = set.clone().into_iter().map(|e| e.data_json()).collect();
        assert_eq!(owned, ticks);
        assert_eq!(set.to_vec().len(), wanted.len());
    }

    #[test]
    fn an_empty_set_and_a_set_of_no_events_yield_nothing() {
        let log = log_of(70);
        let set = EventSet::from_bits(log.events(), vec![0, 0], 0);
        assert!(set.is_empty() && set.iter().next().is_none() && set.first().is_none());
        let none = EventLog::new();
        let set = EventSet::from_bits(none.events(), Vec::new(), 0);
        assert_eq!(set.positions().count(), 0);
        assert_eq!(format!("{set:?}"), "[]");
    }

    #[test]
    fn a_builder_with_a_base_writes_its_own_words() {
        let log = log_of(130);
        let mut bits = vec![0u64; 3];
        let (front, back) = bits.split_at_mut(1);
        let mut f = SetBuilder::new(front, 0);
        f.insert(5);
        let mut b = SetBuilder::new(back, 64);
        b.insert(64);
        b.insert(129);
        let len = f.len() + b.len();
        let set = EventSet::from_bits(log.events(), bits, len);
        assert_eq!(set.positions().collect::<Vec<_>>(), [5, 64, 129]);
    }

    proptest::proptest! {
        /// Whatever positions go in, on one builder or split across two at a
        /// word, the same come out, in order, counted.
        #[test]
        fn positions_round_trip(
            n in 0usize..300,
            picks in proptest::collection::vec(proptest::bool::ANY, 300),
            split_word in 0usize..5,
        ) {
            let log = log_of(n);
            let wanted: Vec<usize> = (0..n).filter(|&i| picks[i]).collect();
            let mut bits = vec![0u64; n.div_ceil(64)];
            let split = (split_word * 64).min(bits.len() * 64);
            let (front, back) = bits.split_at_mut(split / 64);
            let mut f = SetBuilder::new(front, 0);
            let mut b = SetBuilder::new(back, split);
            for &p in &wanted {
                if p < split { f.insert(p) } else { b.insert(p) }
            }
            let len = f.len() + b.len();
            let set = EventSet::from_bits(log.events(), bits, len);
            proptest::prop_assert_eq!(set.len(), wanted.len());
            proptest::prop_assert_eq!(set.positions().collect::<Vec<_>>(), wanted.clone());
            proptest::prop_assert_eq!(set.iter().count(), wanted.len());
            proptest::prop_assert_eq!(set.clone().into_iter().count(), wanted.len());
            for (i, &picked) in picks.iter().enumerate().take(n) {
                proptest::prop_assert_eq!(set.contains_position(i), picked);
            }
        }
    }
}
