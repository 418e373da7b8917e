//! Golden tests against files the real Eventure 0.4.4 wrote and printed
//! (`tests/fixtures/make_fixtures.py`; outputs committed).

use crate::common::{SCENARIOS, assert_same, fixture, read_fixture};
use serde_json::Value;
use std::collections::BTreeMap;
use tickcascade::{Event, EventLog, EventQuery, LoadOptions, ViewOptions, load_file, write_log};

const NONFINITE: &str = "nonfinite";

fn load(name: &str) -> EventLog {
    let opts = LoadOptions::default().with_allow_nan(true);
    let path = fixture(&format!("eventure/{name}.jsonl"));
    match load_file(&path, &opts) {
        Ok((log, _)) => log,
        Err(e) => panic!("{e}"),
    }
}

fn index_of(log: &EventLog, e: &Event) -> usize {
    log.events()
        .iter()
        .position(|x| std::ptr::eq(x, e))
        .expect("event from this log")
}

fn json_map(name: &str, kind: &str) -> BTreeMap<String, Value> {
    let text = read_fixture(&format!("eventure/{name}.{kind}.json"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}.{kind}.json: {e}"))
}

#[test]
fn every_eventure_log_resaves_byte_for_byte() {
    for name in SCENARIOS.iter().chain([&NONFINITE]) {
        let log = load(name);
        let mut out = Vec::new();
        write_log(&log, &mut out).unwrap();
        let expected = read_fixture(&format!("eventure/{name}.jsonl"));
        assert_same(
            &format!("{name}.jsonl resaved"),
            &expected,
            &String::from_utf8(out).unwrap(),
        );
    }
}

#[test]
fn the_cascade_viewer_matches_eventure_with_and_without_data() {
    for name in SCENARIOS.iter().chain([&NONFINITE]) {
        let log = load(name);
        let q = EventQuery::new(&log);
        for (file, show_data) in [("cascade.txt", true), ("nodata.txt", false)] {
            let mut out = Vec::new();
            q.print_event_cascade(&mut out, &ViewOptions::default().with_show_data(show_data))
                .unwrap();
            let expected = read_fixture(&format!("eventure/{name}.{file}"));
            assert_same(
                &format!("{name}.{file}"),
                &expected,
                &String::from_utf8(out).unwrap(),
            );
        }
    }
}

#[test]
fn single_cascades_and_details_match_eventure_for_every_event() {
    for name in SCENARIOS.iter().chain([&NONFINITE]) {
        let log = load(name);
        let q = EventQuery::new(&log);
        for (kind, details) in [("single", false), ("details", true)] {
            for (index, expected) in json_map(name, kind) {
                let i: usize = index.parse().unwrap();
                let e = &log.events()[i];
                let mut out = Vec::new();
                if details {
                    q.print_event_details(&mut out, e, &ViewOptions::default())
                        .unwrap();
                } else {
                    q.print_single_cascade(&mut out, e, &ViewOptions::default())
                        .unwrap();
                }
                let what = format!("{name} {kind} of event {i}");
                assert_same(
                    &what,
                    expected.as_str().unwrap(),
                    &String::from_utf8(out).unwrap(),
                );
            }
        }
    }
}

#[test]
fn queries_match_eventure() {
    for name in SCENARIOS.iter().chain([&NONFINITE]) {
        let log = load(name);
        let q = EventQuery::new(&log);
        let text = read_fixture(&format!("eventure/{name}.queries.json"));
        let want: Value = serde_json::from_str(&text).unwrap();

        let counts: Vec<(String, u64)> = q
            .count_by_type()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v as u64))
            .collect();
        let want_counts: Vec<(String, u64)> = want["count_by_type"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
            .collect();
        assert_eq!(counts, want_counts, "{name}: count_by_type");

        let roots: Vec<usize> = q
            .roots(None)
            .into_iter()
            .map(|e| index_of(&log, e))
            .collect();
        let want_roots: Vec<usize> = serde_json::from_value(want["roots"].clone()).unwrap();
        assert_eq!(roots, want_roots, "{name}: roots");

        for (i, e) in log.events().iter().enumerate() {
            let cascade: Vec<usize> = q
                .cascade(e)
                .into_iter()
                .map(|c| index_of(&log, c))
                .collect();
            let want_cascade: Vec<usize> =
                serde_json::from_value(want["cascades"][i.to_string()].clone()).unwrap();
            assert_eq!(cascade, want_cascade, "{name}: cascade of {i}");
            let children: Vec<usize> = q.children(e).map(|c| index_of(&log, c)).collect();
            let want_children: Vec<usize> =
                serde_json::from_value(want["children"][i.to_string()].clone()).unwrap();
            assert_eq!(children, want_children, "{name}: children of {i}");
        }

        for case in want["by_data"].as_array().unwrap() {
            let key = case["key"].as_str().unwrap();
            let value = case["value"].as_str().unwrap();
            let hits: Vec<usize> = q
                .by_data_json(key, value)
                .unwrap()
                .into_iter()
                .map(|e| index_of(&log, e))
                .collect();
            let want_hits: Vec<usize> = serde_json::from_value(case["hits"].clone()).unwrap();
            assert_eq!(hits, want_hits, "{name}: by_data {key} == {value}");
        }
    }
}

#[test]
fn hand_written_input_resaves_as_eventure_resaves_it() {
    let log = load("noncanonical.input");
    let mut out = Vec::new();
    write_log(&log, &mut out).unwrap();
    let expected = read_fixture("eventure/noncanonical.jsonl");
    assert_same(
        "noncanonical.input.jsonl resaved",
        &expected,
        &String::from_utf8(out).unwrap(),
    );
}
