//! Chrome trace-event JSON (Perfetto, chrome://tracing), streamed: one
//! track per root cascade, roots found once per event with memoized parent
//! walks (linear even on a million-event parent chain), and each event's
//! data carried exactly: as JSON when every JSON reader keeps it, else as
//! its canonical text (`data_text`).

use super::by_tick;
use std::io::{self, Write};
use tickcascade::EventLog;

/// Microseconds per tick on the trace's time axis.
pub const TRACE_TICK_US: i64 = 1_000_000;

/// What [`write_trace`] noticed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TraceReport {
    /// Events whose data went out as text (`args.data_text`), because a
    /// JSON reader would change it: integers beyond ±2^53, NaN or
    /// Infinity, lone surrogates.
    pub data_as_text: usize,
    /// The first such event, as `id (type)` (the type cut to 80
    /// characters, control characters escaped).
    pub first_as_text: Option<String>,
}

const UNKNOWN: u32 = u32::MAX;
const WALKING: u32 = u32::MAX - 1;

/// The root position of every position reached from `selected`: parents
/// followed to an event without a known parent. A walk that comes back to
/// an event on its own path (a parent cycle) stops at the event before the
/// repeat, and everything on that walk shares it: a cycle is one cascade,
/// one track. Each position is walked once, so a million-event parent chain
/// costs a million steps, not half a trillion.
fn roots(log: &EventLog, selected: &[usize]) -> Vec<u32> {
    let mut root = vec![UNKNOWN; log.len()];
    let mut path: Vec<usize> = Vec::new();
    for &start in selected {
        if root[start] != UNKNOWN {
            continue;
        }
        path.clear();
        let mut at = start;
        let found = loop {
            root[at] = WALKING;
            path.push(at);
            match log.parent_position(at) {
                None => break at as u32,
                Some(p) if root[p] == WALKING => break at as u32,
                Some(p) if root[p] != UNKNOWN => break root[p],
                Some(p) => at = p,
            }
        };
        for &k in &path {
            root[k] = found;
        }
    }
    root
}

/// Four hex digits at `at` as a code unit.
fn hex4(b: &[u8], at: usize) -> Option<u32> {
    let s = std::str::from_utf8(b.get(at..at + 4)?).ok()?;
    u32::from_str_radix(s, 16).ok()
}

/// True when any JSON reader (JavaScript's included) reads `text` back to
/// the same values: no NaN or Infinity, no integer beyond ±2^53, no float
/// that overflows, no lone surrogate escape.
fn readers_keep(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] != b'\\' {
                        i += 1;
                        continue;
                    }
                    if b.get(i + 1) != Some(&b'u') {
                        i += 2;
                        continue;
                    }
                    let Some(unit) = hex4(b, i + 2) else {
                        return false;
                    };
                    if (0xDC00..0xE000).contains(&unit) {
                        return false; // a low surrogate alone
                    }
                    if (0xD800..0xDC00).contains(&unit) {
                        let low = (b.get(i + 6..i + 8) == Some(b"\\u"))
                            .then(|| hex4(b, i + 8))
                            .flatten();
                        if !low.is_some_and(|l| (0xDC00..0xE000).contains(&l)) {
                            return false; // a high surrogate alone
                        }
                        i += 12;
                    } else {
                        i += 6;
                    }
                }
                i += 1;
            }
            b'N' | b'I' => return false,
            b'-' | b'0'..=b'9' => {
                let start = i;
                let mut integer = true;
                while i < b.len() && matches!(b[i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
                {
                    integer &= !matches!(b[i], b'.' | b'e' | b'E');
                    i += 1;
                }
                let token = &text[start..i];
                let digits = token.trim_start_matches('-');
                if digits.is_empty() {
                    return false; // -Infinity
                }
                let kept = if integer {
                    digits.len() < 16 || digits.parse::<u64>().is_ok_and(|v| v <= 1 << 53)
                } else {
                    token.parse::<f64>().is_ok_and(f64::is_finite)
                };
                if !kept {
                    return false;
                }
            }
            _ => i += 1,
        }
    }
    true
}

/// Chrome trace-event JSON (Perfetto, chrome://tracing): one track per root
/// cascade; tick t starts at t seconds and the k-th selected event of a
/// tick is a 1 µs slice at k µs; flow arrows (`s`/`f`) join parent to child.
/// Time and memory are linear in the log (a few words per event besides
/// the log itself); each event's data is exact (see [`TraceReport`]).
pub fn write_trace(
    log: &EventLog,
    selected: &[usize],
    out: &mut impl Write,
) -> io::Result<TraceReport> {
    let events = log.events();
    let root = roots(log, selected);
    let mut ts = vec![0i64; log.len()];
    let mut track = vec![0u32; log.len()];
    let mut chosen = vec![false; log.len()];
    let mut track_of_root: std::collections::HashMap<u32, u32> = Default::default();
    let mut tracks: Vec<u32> = Vec::new();
    for (tick, members) in by_tick(log, selected) {
        for (k, i) in members.into_iter().enumerate() {
            ts[i] = tick.saturating_mul(TRACE_TICK_US).saturating_add(k as i64);
            chosen[i] = true;
            let r = root[i];
            let next = tracks.len() as u32 + 1;
            track[i] = *track_of_root.entry(r).or_insert_with(|| {
                tracks.push(r);
                next
            });
        }
    }
    let text = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    writeln!(out, "{{\"displayTimeUnit\": \"ms\", \"traceEvents\": [")?;
    write!(
        out,
        "{{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":1,\"args\":{{\"name\":\"tickcascade\"}}}}"
    )?;
    for (t, &r) in tracks.iter().enumerate() {
        let e = &events[r as usize];
        let name = format!("cascade of {} {}", e.event_type(), e.id());
        write!(
            out,
            ",\n{{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":1,\"tid\":{},\"args\":{{\"name\":{}}}}}",
            t + 1,
            text(&name)
        )?;
    }
    let mut report = TraceReport::default();
    for &i in selected {
        let e = &events[i];
        let cat = e.event_type().split('.').next().unwrap_or("");
        let parent = match e.parent_id() {
            Some(p) => text(&p.to_string()),
            None => "null".into(),
        };
        write!(
            out,
            ",\n{{\"name\":{},\"cat\":{},\"ph\":\"X\",\"ts\":{},\"dur\":1,\"pid\":1,\"tid\":{},\"args\":{{\"id\":{},\"parent_id\":{parent},\"tick\":{},",
            text(e.event_type()),
            text(cat),
            ts[i],
            track[i],
            text(&e.id().to_string()),
            e.tick(),
        )?;
        if e.schema() > 1 {
            write!(out, "\"schema\":{},", e.schema())?;
        }
        let data = e.data_json();
        if readers_keep(data) {
            write!(out, "\"data\":{data}}}}}")?;
        } else {
            report.data_as_text += 1;
            report.first_as_text.get_or_insert_with(|| {
                let kind: String = e.event_type().chars().take(80).collect();
                format!("{} ({})", e.id(), kind).escape_debug().to_string()
            });
            write!(out, "\"data_text\":{}}}}}", text(data))?;
        }
    }
    let mut flow = 0u64;
    for &c in selected {
        let Some(p) = log.parent_position(c).filter(|&p| chosen[p]) else {
            continue;
        };
        flow += 1;
        write!(
            out,
            ",\n{{\"ph\":\"s\",\"id\":{flow},\"name\":\"caused\",\"cat\":\"cause\",\"pid\":1,\"tid\":{},\"ts\":{}}}",
            track[p], ts[p]
        )?;
        write!(
            out,
            ",\n{{\"ph\":\"f\",\"bp\":\"e\",\"id\":{flow},\"name\":\"caused\",\"cat\":\"cause\",\"pid\":1,\"tid\":{},\"ts\":{}}}",
            track[c], ts[c]
        )?;
    }
    writeln!(out, "\n]}}")?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_keep_exactly_what_a_double_holds() {
        for kept in [
            r#"{"a": 1, "b": -9007199254740992, "c": 0.1, "d": 1e300, "e": "NaN Infinity"}"#,
            r#"["\ud83d\ude00", "\u00e9", "\\ud800"]"#,
            "123456789012345",
        ] {
            assert!(readers_keep(kept), "{kept}");
        }
        for changed in [
            "NaN",
            "[Infinity]",
            "{\"x\": -Infinity}",
            "9007199254740993",
            "-123456789012345678901234567890",
            "[1e400]",
            r#""\ud800""#,
            r#""\udc00x""#,
            r#""\ud800\u0041""#,
        ] {
            assert!(!readers_keep(changed), "{changed}");
        }
    }

    #[test]
    fn roots_follow_chains_and_stop_in_cycles() {
        let mut log = EventLog::new();
        let mut parent = log.add_event("a", &0, None).unwrap().id().clone();
        for k in 1..50 {
            parent = log.add_event("a", &k, Some(&parent)).unwrap().id().clone();
        }
        let all: Vec<usize> = (0..log.len()).collect();
        let r = roots(&log, &all);
        assert!(r.iter().all(|&x| x == 0));
        for &i in &all {
            let want = tickcascade::replay::cascade_root(&log, &log.events()[i]);
            assert_eq!(log.position_of_ref(want), Some(r[i] as usize));
        }
    }
}
