//! Patterns, handlers, and the dispatch plan per event type.
//!
//! Patterns follow Eventure: `a.b` (exact), `a.*` (prefix, dot kept),
//! `*.b` (suffix, dot kept), `*` (everything). For each event the handlers
//! run in four passes (exact, prefix, suffix, global), patterns in the order
//! they were first subscribed, handlers in registration order. The list for
//! each event type is worked out once and kept in [`Plans`] until the
//! subscriptions change, so dispatch never scans every pattern.
//!
//! `Subscriptions` is only read while events dispatch; `Plans` is written
//! then (a plan is made the first time a type is dispatched), so the two are
//! apart: a handler's context holds the first shared and the second
//! exclusively, and the bus needs no `RefCell` or `Rc` (it is `Send + Sync`).

use super::Context;
use super::error::HandlerError;
use crate::event::Event;
use crate::log::FastMap;
use smallvec::SmallVec;

/// Whether `pattern` matches `event_type` under the bus's rules: exact,
/// `a.*` (prefix, dot kept), `*.b` (suffix, dot kept), `*` (everything).
/// Any other string, `a*` or `x.*.y` included, only matches itself.
///
/// ```
/// use tickcascade::pattern_matches;
/// assert!(pattern_matches("combat.*", "combat.attack"));
/// assert!(pattern_matches("*.damage", "combat.damage"));
/// assert!(!pattern_matches("combat.*", "combat"));
/// assert!(!pattern_matches("comb*", "combat"));
/// ```
pub fn pattern_matches(pattern: &str, event_type: &str) -> bool {
    pattern == event_type
        || pattern == "*"
        || pattern
            .strip_suffix('*')
            .filter(|p| p.ends_with('.'))
            .is_some_and(|p| event_type.starts_with(p))
        || pattern
            .strip_prefix('*')
            .filter(|s| s.starts_with('.'))
            .is_some_and(|s| event_type.ends_with(s))
}

/// A handler: called with a [`Context`] (to publish follow-ups and reach the
/// shared state) and the event; an error it returns ends the event's
/// dispatch and comes out of `publish` (see [`PublishError::Handler`](crate::PublishError)).
pub type Handler<S> =
    Box<dyn Fn(&mut Context<'_, S>, &Event) -> Result<(), HandlerError> + Send + Sync>;

/// The handler ids of one dispatch, copied out of the plan (so the plans can
/// change while the handlers run: a nested publish of a new type adds one).
pub(super) type PlanCopy = SmallVec<[u32; 8]>;

struct Pattern {
    text: Box<str>,
    handlers: Vec<u32>,
}

/// The patterns and handlers of a bus.
pub(super) struct Subscriptions<S> {
    /// Patterns in the order they were first subscribed; never removed, so
    /// re-subscribing a pattern keeps its old place (as in Eventure).
    patterns: Vec<Pattern>,
    by_text: FastMap<Box<str>, u32>,
    /// Prefix and suffix patterns by their fixed part (`a.` / `.b`).
    prefixes: FastMap<Box<str>, u32>,
    suffixes: FastMap<Box<str>, u32>,
    handlers: Vec<Option<Handler<S>>>,
}

/// Dispatch order per event type (by the log's type index), kept until the
/// subscriptions change.
#[derive(Default)]
pub(super) struct Plans {
    by_type: Vec<Option<Box<[u32]>>>,
}

impl Plans {
    /// The handlers for `event_type` (whose index in the log's type table is
    /// `type_index`, if known), in dispatch order.
    #[inline]
    pub(super) fn plan<S>(
        &mut self,
        subs: &Subscriptions<S>,
        event_type: &str,
        type_index: Option<u32>,
    ) -> PlanCopy {
        let Some(i) = type_index.map(|i| i as usize) else {
            return subs.compute_plan(event_type);
        };
        if let Some(Some(plan)) = self.by_type.get(i) {
            return PlanCopy::from_slice(plan);
        }
        let plan = subs.compute_plan(event_type);
        if self.by_type.len() <= i {
            self.by_type.resize(i + 1, None);
        }
        self.by_type[i] = Some(plan.as_slice().into());
        plan
    }

    /// Forgets every plan (the subscriptions changed).
    pub(super) fn clear(&mut self) {
        self.by_type.clear();
    }
}

impl<S> Subscriptions<S> {
    pub(super) fn new() -> Self {
        Subscriptions {
            patterns: Vec::new(),
            by_text: FastMap::default(),
            prefixes: FastMap::default(),
            suffixes: FastMap::default(),
            handlers: Vec::new(),
        }
    }

    /// Registers `handler` under `pattern`; returns its id.
    pub(super) fn add(&mut self, pattern: &str, handler: Handler<S>) -> u32 {
        let p = self.pattern_index(pattern);
        let h = self.handlers.len() as u32;
        self.handlers.push(Some(handler));
        self.patterns[p as usize].handlers.push(h);
        h
    }

    /// Removes handler `h`; false if it was removed already.
    pub(super) fn remove(&mut self, h: u32) -> bool {
        let Some(slot) = self.handlers.get_mut(h as usize) else {
            return false;
        };
        if slot.take().is_none() {
            return false;
        }
        for p in &mut self.patterns {
            p.handlers.retain(|&x| x != h);
        }
        true
    }

    /// Handler `h`, unless it was removed.
    #[inline]
    pub(super) fn handler(&self, h: u32) -> Option<&Handler<S>> {
        self.handlers.get(h as usize).and_then(Option::as_ref)
    }

    /// The patterns in first-subscription order, with their handler counts.
    pub(super) fn patterns(&self) -> impl Iterator<Item = (&str, usize)> {
        self.patterns.iter().map(|p| (&*p.text, p.handlers.len()))
    }

    fn pattern_index(&mut self, text: &str) -> u32 {
        if let Some(&i) = self.by_text.get(text) {
            return i;
        }
        let i = self.patterns.len() as u32;
        // `x.*` is a prefix pattern, `*.x` a suffix one, `*.*` both.
        let prefix = text.strip_suffix('*').filter(|p| p.ends_with('.'));
        let suffix = text.strip_prefix('*').filter(|s| s.starts_with('.'));
        if let Some(p) = prefix {
            self.prefixes.insert(p.into(), i);
        }
        if let Some(s) = suffix {
            self.suffixes.insert(s.into(), i);
        }
        self.by_text.insert(text.into(), i);
        self.patterns.push(Pattern {
            text: text.into(),
            handlers: Vec::new(),
        });
        i
    }

    fn compute_plan(&self, event_type: &str) -> PlanCopy {
        let mut keys: Vec<u32> = Vec::new();
        if let Some(&i) = self.by_text.get(event_type) {
            keys.push(i);
        }
        // Prefix patterns `p*` with `p` ending in '.', i.e. `p` is the type
        // up to and including one of its dots; likewise suffixes from a dot.
        let dots: Vec<usize> = event_type.match_indices('.').map(|(i, _)| i).collect();
        let mut prefix_hits: Vec<u32> = dots
            .iter()
            .filter_map(|&d| self.prefixes.get(&event_type[..=d]).copied())
            .collect();
        prefix_hits.sort_unstable();
        keys.extend(prefix_hits);
        let mut suffix_hits: Vec<u32> = dots
            .iter()
            .filter_map(|&d| self.suffixes.get(&event_type[d..]).copied())
            .collect();
        suffix_hits.sort_unstable();
        keys.extend(suffix_hits);
        if let Some(&i) = self.by_text.get("*") {
            keys.push(i);
        }
        keys.iter()
            .flat_map(|&k| self.patterns[k as usize].handlers.iter().copied())
            .collect()
    }
}
