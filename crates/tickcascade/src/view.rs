//! The text viewers, byte for byte as Eventure prints them:
//! `print_event_cascade`, `print_single_cascade`, `print_event_details`.
//!
//! Printing walks trees with an explicit stack (no recursion on depth), and
//! every lookup is an index hit, so the cost is linear in what is written.
//! Where Eventure cannot print at all (an event that is its own ancestor,
//! possible with repeated ids), the repeat is printed once as a marker line
//! and not descended into.

use crate::event::Event;
use crate::id::EventId;
use crate::json::pyfmt::{push_py_str, push_raw_str};
use crate::json::tokens::{for_each_member, is_truthy};
use crate::log::{EventLog, FastMap};
use crate::query::{EventQuery, TickLayout};
use std::io::{self, Write};

/// What the viewers show.
///
/// ```
/// use tickcascade::ViewOptions;
/// let no_data = ViewOptions::default().with_show_data(false);
/// assert!(ViewOptions::default().show_data && !no_data.show_data);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ViewOptions {
    /// Print each event's data (Eventure's `show_data`, default true).
    pub show_data: bool,
}

impl Default for ViewOptions {
    fn default() -> Self {
        ViewOptions { show_data: true }
    }
}

impl ViewOptions {
    /// Sets whether each event's data is printed.
    pub fn with_show_data(self, show_data: bool) -> Self {
        ViewOptions { show_data }
    }
}

const FLUSH_AT: usize = 64 * 1024;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Marker {
    Root,
    CrossTick,
    Child,
}

struct Printer<'a, W: Write> {
    log: &'a EventLog,
    out: String,
    sink: W,
    show_data: bool,
    /// Per id with many children: (tick, count) of its children, ticks ascending.
    /// Keyed by the position of the id's first holder.
    triggers: FastMap<usize, Vec<(i64, usize)>>,
    spaces: String,
}

impl<'a, W: Write> Printer<'a, W> {
    fn new(log: &'a EventLog, sink: W, options: &ViewOptions) -> Self {
        Printer {
            log,
            out: String::with_capacity(FLUSH_AT + 4096),
            sink,
            show_data: options.show_data,
            triggers: FastMap::default(),
            spaces: String::new(),
        }
    }

    fn flush_if_full(&mut self) -> io::Result<()> {
        if self.out.len() >= FLUSH_AT {
            self.sink.write_all(self.out.as_bytes())?;
            self.out.clear();
        }
        Ok(())
    }

    fn finish(mut self) -> io::Result<()> {
        self.sink.write_all(self.out.as_bytes())?;
        self.sink.flush()
    }

    fn indent(&mut self, level: usize) {
        let n = 2 * level;
        if self.spaces.len() < n {
            self.spaces = " ".repeat(n.max(64));
        }
        self.out.push_str(&self.spaces[..n]);
    }

    fn marker(&self, e: &Event) -> (Marker, Option<&'a Event>) {
        if !e.has_parent() {
            return (Marker::Root, None);
        }
        match e.parent_id().and_then(|p| self.log.event_by_id(p)) {
            Some(p) if p.tick() < e.tick() => (Marker::CrossTick, Some(p)),
            _ => (Marker::Child, None),
        }
    }

    fn caused_by(&mut self, parent: Option<&Event>) {
        if let Some(p) = parent {
            self.out.push_str(" (caused by: ");
            self.out.push_str(p.event_type());
            self.out.push_str(" @ tick ");
            self.out.push_str(itoa::Buffer::new().format(p.tick()));
            self.out.push(')');
        }
    }

    /// `indent + ("│ " | "  ")`: the prefix of an event's inner lines.
    fn cont(&mut self, level: usize, marker: Marker) {
        self.indent(level);
        self.out.push_str(if marker == Marker::Child {
            "│ "
        } else {
            "  "
        });
    }

    /// Lines 1-5 of an event block (everything but its children).
    fn block(&mut self, e: &Event, level: usize) {
        let (marker, parent) = self.marker(e);
        if marker == Marker::Child {
            self.indent(level);
        }
        self.out.push_str("│\n");
        self.indent(level);
        self.out.push_str(match marker {
            Marker::Root => "● ",
            Marker::CrossTick => "↓ ",
            Marker::Child => "└─ ",
        });
        self.out.push_str(e.event_type());
        self.caused_by(parent);
        self.out.push('\n');
        self.cont(level, marker);
        self.out.push_str("ID: ");
        e.id().push_to(&mut self.out);
        self.out.push('\n');
        if self.show_data && is_truthy(e.data_json()) {
            let start = self.out.len();
            self.cont(level, marker);
            let prefix = self.out[start..].to_owned();
            self.out.truncate(start);
            self.data_lines(e.data_json(), &prefix);
        }
        self.trigger_line(e, level, marker);
    }

    /// `PREFIXData:` and `PREFIX  key: value` per member, or
    /// `PREFIXData: value` for data that is not an object.
    fn data_lines(&mut self, data: &str, prefix: &str) {
        self.out.push_str(prefix);
        if !data.starts_with('{') {
            self.out.push_str("Data: ");
            push_py_str(&mut self.out, data);
            self.out.push('\n');
            return;
        }
        self.out.push_str("Data:\n");
        for_each_member(data, |key, value| {
            self.out.push_str(prefix);
            self.out.push_str("  ");
            push_raw_str(&mut self.out, key);
            self.out.push_str(": ");
            push_py_str(&mut self.out, value);
            self.out.push('\n');
        });
    }

    fn trigger_line(&mut self, e: &Event, level: usize, marker: Marker) {
        let log = self.log;
        let events = log.events();
        let tick_counts = |positions: &mut dyn Iterator<Item = usize>, after: Option<i64>| {
            let mut ticks: Vec<i64> = positions
                .map(|c| events[c].tick())
                .filter(|&t| after.is_none_or(|a| t > a))
                .collect();
            ticks.sort_unstable();
            let mut v: Vec<(i64, usize)> = Vec::new();
            for t in ticks {
                match v.last_mut() {
                    Some((last, n)) if *last == t => *n += 1,
                    _ => v.push((t, 1)),
                }
            }
            v
        };
        let mut kids = log.child_positions(e.id());
        let first: Vec<usize> = kids.by_ref().take(17).collect();
        if first.is_empty() {
            return;
        }
        let small: Vec<(i64, usize)>;
        let counts: &[(i64, usize)] = match log.position_of(e.id()) {
            Some(holder) if first.len() > 16 => {
                // Many children: count them per tick once per id, then print
                // the part after this event's tick (linear in what is written).
                let all = self.triggers.entry(holder).or_insert_with(|| {
                    tick_counts(
                        &mut first
                            .iter()
                            .copied()
                            .chain(log.child_positions(e.id()).skip(17)),
                        None,
                    )
                });
                let from = all.partition_point(|&(t, _)| t <= e.tick());
                small = all[from..].to_vec();
                &small
            }
            _ => {
                small = tick_counts(&mut first.iter().copied().chain(kids), Some(e.tick()));
                &small
            }
        };
        if counts.is_empty() {
            return;
        }
        self.cont(level, marker);
        self.out.push_str(if counts.len() == 1 {
            "↓ Triggers events in "
        } else {
            "↓ Triggers events in: "
        });
        let mut buf = itoa::Buffer::new();
        for (k, &(t, n)) in counts.iter().enumerate() {
            if k > 0 {
                self.out.push_str(", ");
            }
            self.out.push_str("tick ");
            self.out.push_str(buf.format(t));
            self.out.push_str(" (");
            self.out.push_str(buf.format(n));
            self.out.push(')');
        }
        self.out.push('\n');
    }

    /// An event block and, below it, its same-tick children, depth-first.
    fn tree(&mut self, root: &'a Event, layout: &TickLayout<'a>, level: usize) -> io::Result<()> {
        let events = self.log.events();
        let children_of =
            |id: &EventId| -> &[u32] { layout.children.get(id).map_or(&[], |v| v.as_slice()) };
        self.block(root, level);
        self.flush_if_full()?;
        let mut on_path: FastMap<&EventId, usize> = FastMap::default();
        *on_path.entry(root.id()).or_default() += 1;
        let mut stack: Vec<(&EventId, usize)> = vec![(root.id(), 0)];
        while let Some(&mut (id, ref mut next)) = stack.last_mut() {
            let kids = children_of(id);
            let Some(&child) = kids.get(*next) else {
                stack.pop();
                if let Some(n) = on_path.get_mut(id) {
                    *n -= 1;
                }
                continue;
            };
            *next += 1;
            let child = &events[child as usize];
            let depth = level + stack.len();
            if on_path.get(child.id()).is_some_and(|&n| n > 0) {
                self.indent(depth);
                self.out.push_str("│\n");
                self.indent(depth);
                self.out.push_str("└─ ");
                self.out.push_str(child.event_type());
                self.out.push_str(" ↻ (cycle: ");
                child.id().push_to(&mut self.out);
                self.out.push_str(" is its own ancestor; shown above)\n");
                continue;
            }
            self.block(child, depth);
            self.flush_if_full()?;
            *on_path.entry(child.id()).or_default() += 1;
            stack.push((child.id(), 0));
        }
        Ok(())
    }

    /// One tick's box: blank line, header, root trees, footer.
    fn tick_box(&mut self, tick: i64, members: &[u32]) -> io::Result<()> {
        let log = self.log;
        let label = itoa::Buffer::new().format(tick).to_owned();
        self.out.push_str("\n┌─── TICK ");
        self.out.push_str(&label);
        self.out.push_str(" ───┐\n");
        let layout = TickLayout::new(log, members);
        if layout.roots.is_empty() {
            self.out.push_str("  <No events>\n");
        }
        for &r in &layout.roots {
            self.tree(&log.events()[r as usize], &layout, 1)?;
        }
        self.out.push('└');
        for _ in 0..14 + label.len() {
            self.out.push('─');
        }
        self.out.push_str("┘\n");
        Ok(())
    }

    fn cascade(&mut self) -> io::Result<()> {
        self.out.push_str("===== EVENT CASCADE VIEWER =====\n");
        let log = self.log;
        if log.is_empty() {
            self.out.push_str("\n<No events in log>\n");
            return Ok(());
        }
        let mut order: Vec<u32> = (0..log.len() as u32).collect();
        if !log.ticks_ordered() {
            order.sort_by_key(|&i| log.events()[i as usize].tick());
        }
        let mut start = 0;
        while start < order.len() {
            let tick = log.events()[order[start] as usize].tick();
            let len = order[start..].partition_point(|&i| log.events()[i as usize].tick() == tick);
            let members = &order[start..start + len];
            start += len;
            self.tick_box(tick, members)?;
            self.flush_if_full()?;
        }
        Ok(())
    }
}

/// Positions of the events at `tick`, in log order.
fn members_of(log: &EventLog, tick: i64) -> Vec<u32> {
    log.events_at_tick(tick)
        .filter_map(|e| log.position_of_ref(e).map(|i| i as u32))
        .collect()
}

impl<'a> EventQuery<'a> {
    /// Eventure's `print_event_cascade`: every tick, its roots and their
    /// same-tick cascades.
    pub fn print_event_cascade<W: Write>(&self, sink: W, options: &ViewOptions) -> io::Result<()> {
        let mut p = Printer::new(self.log, sink, options);
        p.cascade()?;
        p.finish()
    }

    /// The box the cascade viewer prints for one tick (nothing when the tick
    /// has no events): the viewer, one tick at a time.
    pub fn print_tick<W: Write>(
        &self,
        sink: W,
        tick: i64,
        options: &ViewOptions,
    ) -> io::Result<()> {
        let members = members_of(self.log, tick);
        let mut p = Printer::new(self.log, sink, options);
        if !members.is_empty() {
            p.tick_box(tick, &members)?;
        }
        p.finish()
    }

    /// Eventure's `print_single_cascade`: one event block and its same-tick
    /// subtree. The event need not be in the log.
    pub fn print_single_cascade<W: Write>(
        &self,
        sink: W,
        root: &'a Event,
        options: &ViewOptions,
    ) -> io::Result<()> {
        let members = members_of(self.log, root.tick());
        let layout = TickLayout::new(self.log, &members);
        let mut p = Printer::new(self.log, sink, options);
        p.tree(root, &layout, 1)?;
        p.finish()
    }

    /// Eventure's `print_event_details`. Data that is not an object prints
    /// as the cascade viewer prints it (Eventure raises there).
    pub fn print_event_details<W: Write>(
        &self,
        sink: W,
        event: &Event,
        options: &ViewOptions,
    ) -> io::Result<()> {
        let mut p = Printer::new(self.log, sink, options);
        let (_, parent) = p.marker(event);
        p.out.push_str("● ");
        p.out.push_str(event.event_type());
        p.caused_by(parent);
        p.out.push_str("\n  ID: ");
        event.id().push_to(&mut p.out);
        p.out.push('\n');
        if p.show_data && is_truthy(event.data_json()) {
            p.data_lines(event.data_json(), "  ");
        }
        p.finish()
    }
}
