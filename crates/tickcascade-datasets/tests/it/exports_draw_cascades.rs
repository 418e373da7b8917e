//! Exports: golden DOT, Mermaid and trace output for committed fixtures,
//! trace JSON that Perfetto can open (every flow has both ends), selections,
//! and Mermaid's size limit. Regenerate the goldens after a deliberate change
//! with `TICKCASCADE_BLESS=1 cargo test --test exports_draw_cascades`.

use crate::common::{assert_same, fixture, read_fixture};
use serde_json::Value;
use std::collections::HashMap;
use std::ops::Bound;
use tickcascade::{EventId, EventLog, LoadOptions, load_file};
use tickcascade_datasets::export::{
    ExportError, Selection, select, write_dot, write_html, write_mermaid, write_trace,
};

fn load(name: &str) -> EventLog {
    load_file(
        &fixture(&format!("eventure/{name}.jsonl")),
        &LoadOptions::default(),
    )
    .unwrap()
    .0
}

fn golden(file: &str, got: &str) {
    if std::env::var_os("TICKCASCADE_BLESS").is_some() {
        std::fs::write(fixture(&format!("export/{file}")), got).unwrap();
    }
    assert_same(file, &read_fixture(&format!("export/{file}")), got);
}

fn render(name: &str, selection: &Selection) -> (String, String, String) {
    let log = load(name);
    let chosen = select(&log, selection).unwrap();
    let (mut dot, mut mermaid, mut trace) = (Vec::new(), Vec::new(), Vec::new());
    write_dot(&log, &chosen, &mut dot).unwrap();
    write_mermaid(&log, &chosen, &mut mermaid).unwrap();
    write_trace(&log, &chosen, &mut trace).unwrap();
    (
        String::from_utf8(dot).unwrap(),
        String::from_utf8(mermaid).unwrap(),
        String::from_utf8(trace).unwrap(),
    )
}

#[test]
fn dot_mermaid_and_trace_match_the_goldens() {
    for name in [
        "spec_example",
        "orphans",
        "duplicates",
        "cycles",
        "multi_roots",
    ] {
        let (dot, mermaid, trace) = render(name, &Selection::default());
        golden(&format!("{name}.dot"), &dot);
        golden(&format!("{name}.mmd"), &mermaid);
        golden(&format!("{name}.trace.json"), &trace);
    }
}

#[test]
fn every_trace_parses_and_every_flow_has_both_ends() {
    for name in ["spec_example", "game", "chain50", "bus_program", "values"] {
        let log = load(name);
        let chosen = select(&log, &Selection::default()).unwrap();
        let mut out = Vec::new();
        write_trace(&log, &chosen, &mut out).unwrap();
        let trace = String::from_utf8(out).unwrap();
        let v: Value = serde_json::from_str(&trace).unwrap_or_else(|e| panic!("{name}: {e}"));
        let items = v["traceEvents"].as_array().unwrap();
        let mut ends: HashMap<u64, (u32, u32)> = HashMap::new();
        let mut slices = 0;
        for it in items {
            match it["ph"].as_str().unwrap() {
                "s" => ends.entry(it["id"].as_u64().unwrap()).or_default().0 += 1,
                "f" => ends.entry(it["id"].as_u64().unwrap()).or_default().1 += 1,
                "X" => slices += 1,
                _ => {}
            }
        }
        assert_eq!(slices, load(name).len());
        assert!(ends.values().all(|&(s, f)| s == 1 && f == 1), "{name}");
    }
}

#[test]
fn selections_pick_a_cascade_a_tick_range_and_types() {
    let log = load("spec_example");
    let root = Selection::default().with_root(Some(EventId::from("0-EBEB-1")));
    assert_eq!(select(&log, &root).unwrap(), [1, 2]);
    let ticks = Selection::default().with_ticks(Some((Bound::Included(1), Bound::Included(3))));
    assert_eq!(select(&log, &ticks).unwrap(), [4, 5, 6]);
    let types = Selection::default().with_types(vec!["xp.*".into(), "weather.rain".into()]);
    assert_eq!(select(&log, &types).unwrap(), [3, 5, 6]);
    let unknown = Selection::default().with_root(Some(EventId::from("nope")));
    assert!(matches!(
        select(&log, &unknown),
        Err(ExportError::UnknownRoot(_))
    ));
}

#[test]
fn mermaid_refuses_what_it_cannot_draw_and_says_which_filter_to_use() {
    let log = load("game");
    let all = select(&log, &Selection::default()).unwrap();
    let err = write_mermaid(&log, &all, &mut Vec::new())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("--root") && err.contains("--ticks") && err.contains("--type"),
        "{err}"
    );
}

#[test]
fn the_html_viewer_is_one_self_contained_file_with_the_events_embedded() {
    let log = load("values");
    let all = select(&log, &Selection::default()).unwrap();
    let mut out = Vec::new();
    write_html(&log, &all, "values <test>", &mut out).unwrap();
    let html = String::from_utf8(out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no network"
    );
    assert!(html.contains("values &lt;test&gt;"));
    let start = html.find("id=\"events\">").unwrap() + "id=\"events\">".len();
    let end = start + html[start..].find("</script>").unwrap();
    let events: Vec<Value> = serde_json::from_str(&html[start..end].replace("<\\/", "</")).unwrap();
    assert_eq!(events.len(), log.len());
    for (e, item) in log.events().iter().zip(&events) {
        assert_eq!(
            item[6].as_str().unwrap(),
            e.data_json(),
            "data embedded as canonical text"
        );
    }
}

#[test]
fn a_trace_of_a_long_parent_chain_is_linear_and_carries_data_exactly() {
    // A 200,000-event chain: each event the child of the one before (the
    // root walk used to be quadratic: 20,000 events took 23 s).
    let mut text = String::new();
    for k in 0..200_000u64 {
        let parent = if k == 0 {
            "null".to_owned()
        } else {
            format!("\"{}-A-1\"", k - 1)
        };
        text.push_str(&format!(
            "{{\"tick\": {k}, \"timestamp\": 1.0, \"type\": \"chain\", \"data\": {{\"k\": {k}}}, \"event_id\": \"{k}-A-1\", \"parent_id\": {parent}}}\n"
        ));
    }
    text.push_str(concat!(
        r#"{"tick": 200000, "timestamp": 1.0, "type": "exact", "data": {"big": 123456789012345678901234567890, "s": "\ud800", "f": 0.1}, "event_id": "x", "parent_id": null}"#,
        "\n"
    ));
    let (log, _) =
        tickcascade::read_log_from(text.as_bytes(), "chain.jsonl", &LoadOptions::default())
            .unwrap();
    let all = select(&log, &Selection::default()).unwrap();
    let mut out = Vec::new();
    let report = write_trace(&log, &all, &mut out).unwrap();
    let trace: Value = serde_json::from_slice(&out).unwrap();
    let items = trace["traceEvents"].as_array().unwrap();
    let slices: Vec<&Value> = items.iter().filter(|e| e["ph"] == "X").collect();
    assert_eq!(slices.len(), 200_001);
    // One track for the whole chain, one for the lone event.
    let tracks: std::collections::HashSet<u64> =
        slices.iter().map(|e| e["tid"].as_u64().unwrap()).collect();
    assert_eq!(tracks.len(), 2);
    assert_eq!(slices[7]["args"]["data"]["k"], 7);
    // The big integer and the lone surrogate would not survive a JSON
    // reader: that event's data is its exact text, and it is reported.
    let last = slices[200_000];
    assert_eq!(
        last["args"]["data_text"],
        r#"{"big": 123456789012345678901234567890, "s": "\ud800", "f": 0.1}"#
    );
    assert_eq!(report.data_as_text, 1);
    assert!(report.first_as_text.unwrap().starts_with("x (exact)"));
}
