//! Pictures of cascades: Graphviz DOT, Mermaid, Chrome/Perfetto trace JSON
//! and a self-contained HTML viewer, for the whole log or a selection
//! (one cascade, a tick range, type patterns). Writers stream to any
//! `io::Write`.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write};
use std::ops::{Bound, RangeBounds};
use tickcascade::canonical::push_py_str;
use tickcascade::{EventId, EventLog, EventQuery, pattern_matches};

mod trace;
pub use trace::{TRACE_TICK_US, TraceReport, write_trace};

/// Which events to draw.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Selection {
    /// Only the cascade of this event (it included).
    pub root: Option<EventId>,
    /// Only these ticks.
    pub ticks: Option<(Bound<i64>, Bound<i64>)>,
    /// Only these types (the bus's wildcard syntax; any may match).
    pub types: Vec<String>,
}

impl Selection {
    /// Only the cascade of the event holding `root` (it included).
    pub fn with_root(self, root: Option<EventId>) -> Self {
        Selection { root, ..self }
    }

    /// Only the ticks within `ticks`.
    pub fn with_ticks(self, ticks: Option<(Bound<i64>, Bound<i64>)>) -> Self {
        Selection { ticks, ..self }
    }

    /// Only events whose type matches one of `types` (wildcards allowed).
    pub fn with_types(self, types: Vec<String>) -> Self {
        Selection { types, ..self }
    }
}

/// Why an export could not be made.
#[derive(Debug)]
#[non_exhaustive]
pub enum ExportError {
    /// The `--root` id is held by no event.
    UnknownRoot(String),
    /// Mermaid cannot draw this many events.
    TooLarge {
        /// The events the selection holds.
        events: usize,
        /// The most the format can draw.
        limit: usize,
    },
    /// Writing the output failed.
    Io(io::Error),
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExportError::UnknownRoot(id) => write!(f, "no event has the id {id:?}"),
            ExportError::TooLarge { events, limit } => write!(
                f,
                "{events} events is more than Mermaid draws ({limit}); narrow it with --root ID, --ticks A..B or --type PATTERN, or use --format dot or html"
            ),
            ExportError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ExportError {}

impl From<io::Error> for ExportError {
    fn from(e: io::Error) -> Self {
        ExportError::Io(e)
    }
}

/// The largest selection the Mermaid writer accepts (Mermaid's default
/// `maxEdges` is 500).
pub const MERMAID_LIMIT: usize = 500;

/// Positions of the selected events, in log order.
pub fn select(log: &EventLog, selection: &Selection) -> Result<Vec<usize>, ExportError> {
    let in_cascade: Option<Vec<bool>> = match &selection.root {
        None => None,
        Some(id) => {
            let root = log
                .event_by_id(id)
                .ok_or_else(|| ExportError::UnknownRoot(id.to_string()))?;
            let mut mark = vec![false; log.len()];
            for e in EventQuery::new(log).cascade(root) {
                if let Some(i) = log.position_of_ref(e) {
                    mark[i] = true;
                }
            }
            Some(mark)
        }
    };
    Ok(log
        .events()
        .iter()
        .enumerate()
        .filter(|(i, e)| {
            in_cascade.as_ref().is_none_or(|m| m[*i])
                && selection.ticks.is_none_or(|r| r.contains(&e.tick()))
                && (selection.types.is_empty()
                    || selection
                        .types
                        .iter()
                        .any(|p| pattern_matches(p, e.event_type())))
        })
        .map(|(i, _)| i)
        .collect())
}

/// Parent → child edges among the selected events (parent through the first
/// holder of its id): (parent position, child position).
fn edges(log: &EventLog, selected: &[usize]) -> Vec<(usize, usize)> {
    let chosen: std::collections::HashSet<usize> = selected.iter().copied().collect();
    selected
        .iter()
        .filter_map(|&c| {
            log.parent_position(c)
                .filter(|p| chosen.contains(p))
                .map(|p| (p, c))
        })
        .collect()
}

/// Python's `str()` of the data, cut to `max` characters.
fn short_data(data: &str, max: usize) -> String {
    let mut s = String::new();
    push_py_str(&mut s, data);
    if s.chars().count() > max {
        let cut: String = s.chars().take(max.saturating_sub(1)).collect();
        return format!("{cut}…");
    }
    s
}

/// Text for a DOT label: quotes and backslashes escaped, control
/// characters (NUL included, which Graphviz rejects) shown as `\xNN`.
fn dot_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push_str(&format!("\\\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// The most characters of a type or id shown in a DOT label: Graphviz
/// rejects labels over 16,384 bytes.
const DOT_FIELD_CHARS: usize = 200;

/// `s` cut to `max` characters, with `…` when cut.
fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    }
}

/// Groups positions by tick, ticks ascending.
fn by_tick(log: &EventLog, selected: &[usize]) -> Vec<(i64, Vec<usize>)> {
    let mut m: std::collections::BTreeMap<i64, Vec<usize>> = std::collections::BTreeMap::new();
    for &i in selected {
        m.entry(log.events()[i].tick()).or_default().push(i);
    }
    m.into_iter().collect()
}

/// A Graphviz digraph: one cluster per tick, one node per event (type, id,
/// short data), edges parent → child; cross-tick edges dashed and blue.
pub fn write_dot(log: &EventLog, selected: &[usize], out: &mut impl Write) -> io::Result<()> {
    let events = log.events();
    writeln!(out, "digraph cascade {{")?;
    writeln!(out, "  rankdir=LR;")?;
    writeln!(
        out,
        "  node [shape=box, style=rounded, fontname=\"monospace\", fontsize=10];"
    )?;
    for (k, (tick, members)) in by_tick(log, selected).into_iter().enumerate() {
        writeln!(out, "  subgraph cluster_{k} {{")?;
        writeln!(out, "    label=\"tick {tick}\";")?;
        for i in members {
            let e = &events[i];
            let label = format!(
                "{}\n{}\n{}",
                cut(e.event_type(), DOT_FIELD_CHARS),
                cut(&e.id().to_string(), DOT_FIELD_CHARS),
                short_data(e.data_json(), 40)
            );
            writeln!(out, "    e{i} [label=\"{}\"];", dot_escape(&label))?;
        }
        writeln!(out, "  }}")?;
    }
    for (p, c) in edges(log, selected) {
        if events[p].tick() < events[c].tick() {
            writeln!(
                out,
                "  e{p} -> e{c} [style=dashed, color=blue, label=\"tick {}\"];",
                events[c].tick()
            )?;
        } else {
            writeln!(out, "  e{p} -> e{c};")?;
        }
    }
    writeln!(out, "}}")
}

fn mermaid_escape(s: &str) -> String {
    s.replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
        .replace('\n', " ")
}

/// A Mermaid flowchart (for Markdown): subgraphs per tick, `-->` for
/// same-tick causes, `-.->` for cross-tick ones. Refuses more than
/// [`MERMAID_LIMIT`] events.
pub fn write_mermaid(
    log: &EventLog,
    selected: &[usize],
    out: &mut impl Write,
) -> Result<(), ExportError> {
    if selected.len() > MERMAID_LIMIT {
        return Err(ExportError::TooLarge {
            events: selected.len(),
            limit: MERMAID_LIMIT,
        });
    }
    let events = log.events();
    writeln!(out, "flowchart TD")?;
    for (k, (tick, members)) in by_tick(log, selected).into_iter().enumerate() {
        writeln!(out, "  subgraph t{k}[\"tick {tick}\"]")?;
        for i in members {
            let e = &events[i];
            writeln!(
                out,
                "    e{i}[\"{}<br/>{}\"]",
                mermaid_escape(e.event_type()),
                mermaid_escape(&e.id().to_string())
            )?;
        }
        writeln!(out, "  end")?;
    }
    for (p, c) in edges(log, selected) {
        let arrow = if events[p].tick() < events[c].tick() {
            "-.->"
        } else {
            "-->"
        };
        writeln!(out, "  e{p} {arrow} e{c}")?;
    }
    Ok(())
}

const HTML_HEAD: &str = include_str!("export/viewer_head.html");
const HTML_TAIL: &str = include_str!("export/viewer_tail.html");

/// One self-contained HTML file: ticks as sections, cascades as collapsible
/// trees, a details panel, search, and links to cross-tick causes. The
/// events are embedded as JSON and rendered lazily.
pub fn write_html(
    log: &EventLog,
    selected: &[usize],
    title: &str,
    out: &mut impl Write,
) -> io::Result<()> {
    let events = log.events();
    let index: HashMap<usize, usize> = selected.iter().enumerate().map(|(k, &i)| (i, k)).collect();
    out.write_all(
        HTML_HEAD
            .replace("{{TITLE}}", &html_escape(title))
            .as_bytes(),
    )?;
    write!(out, "<script type=\"application/json\" id=\"events\">[")?;
    for (k, &i) in selected.iter().enumerate() {
        let e = &events[i];
        let parent = log.parent_position(i).and_then(|p| index.get(&p).copied());
        let item = serde_json::json!([
            e.tick(),
            e.event_type(),
            e.id().to_string(),
            e.parent_id().map(|p| p.to_string()),
            parent,
            e.timestamp().as_f64(),
        ]);
        let mut line = item.to_string();
        // The data as canonical JSON text: parse it in the page on demand.
        line.pop();
        line.push(',');
        line.push_str(&serde_json::to_string(e.data_json()).unwrap_or_else(|_| "\"null\"".into()));
        line.push(']');
        // No text in the data can change how the page parses: `<`, `>` and
        // `&` never appear raw inside the script element (`<!--` and
        // `<script` would switch the browser into its script-data escape
        // states and swallow the viewer's own script).
        let line = script_safe(&line);
        if k > 0 {
            out.write_all(b",\n")?;
        }
        out.write_all(line.as_bytes())?;
    }
    writeln!(out, "]</script>")?;
    out.write_all(HTML_TAIL.as_bytes())
}

/// JSON text with `<`, `>` and `&` as `\u` escapes (the same JSON value).
fn script_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            c => out.push(c),
        }
    }
    out
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
