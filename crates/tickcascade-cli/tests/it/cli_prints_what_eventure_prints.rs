//! The built binary on committed fixtures: stdout byte for byte against what
//! the real Eventure printed.

use crate::common::{SCENARIOS, assert_same, fixture, read_fixture};
use serde_json::Value;
use std::collections::BTreeMap;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tickcascade"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout_of(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn log_path(name: &str) -> String {
    fixture(&format!("eventure/{name}.jsonl"))
        .display()
        .to_string()
}

#[test]
fn cascade_prints_eventures_viewer_with_and_without_data() {
    for name in SCENARIOS {
        let path = log_path(name);
        assert_same(
            name,
            &read_fixture(&format!("eventure/{name}.cascade.txt")),
            &stdout_of(&["cascade", &path]),
        );
        assert_same(
            name,
            &read_fixture(&format!("eventure/{name}.nodata.txt")),
            &stdout_of(&["cascade", &path, "--no-data"]),
        );
    }
    let nan = log_path("nonfinite");
    assert_same(
        "nonfinite",
        &read_fixture("eventure/nonfinite.cascade.txt"),
        &stdout_of(&["cascade", &nan, "--allow-nan"]),
    );
}

#[test]
fn cascade_root_and_show_print_eventures_single_cascade_and_details() {
    for name in ["spec_example", "orphans", "values", "game"] {
        let path = log_path(name);
        let log = tickcascade::EventLog::load_from_file(&path).unwrap();
        let single: BTreeMap<String, Value> =
            serde_json::from_str(&read_fixture(&format!("eventure/{name}.single.json"))).unwrap();
        let details: BTreeMap<String, Value> =
            serde_json::from_str(&read_fixture(&format!("eventure/{name}.details.json"))).unwrap();
        // Only events whose id is held once: the CLI selects the first holder.
        for (i, e) in log.events().iter().enumerate().take(40) {
            let id = e.id().to_string();
            if log.events().iter().filter(|x| x.id() == e.id()).count() > 1 {
                continue;
            }
            if let Some(want) = single.get(&i.to_string()) {
                assert_same(
                    &format!("{name} --root {id}"),
                    want.as_str().unwrap(),
                    &stdout_of(&["cascade", &path, "--root", &id]),
                );
            }
            if let Some(want) = details.get(&i.to_string()) {
                assert_same(
                    &format!("{name} show {id}"),
                    want.as_str().unwrap(),
                    &stdout_of(&["show", &path, &id]),
                );
            }
        }
    }
}

#[test]
fn stdin_reads_like_a_file() {
    let path = log_path("spec_example");
    let out = Command::new(env!("CARGO_BIN_EXE_tickcascade"))
        .args(["cascade", "-"])
        .stdin(std::fs::File::open(&path).unwrap())
        .output()
        .unwrap();
    assert_same(
        "stdin",
        &read_fixture("eventure/spec_example.cascade.txt"),
        &String::from_utf8(out.stdout).unwrap(),
    );
}

#[test]
fn stats_json_counts_like_eventure() {
    let out: Value =
        serde_json::from_str(&stdout_of(&["stats", &log_path("spec_example"), "--json"])).unwrap();
    let want: Value =
        serde_json::from_str(&read_fixture("eventure/spec_example.queries.json")).unwrap();
    assert_eq!(out["events"], 7);
    assert_eq!(
        out["ticks"],
        serde_json::json!({"first": 0, "last": 3, "distinct": 3})
    );
    assert_eq!(out["roots"], want["roots"].as_array().unwrap().len());
    assert_eq!(out["max_depth"], 3);
    assert_eq!(out["by_type"], want["count_by_type"]);
    let keys: Vec<&String> = out["by_type"].as_object().unwrap().keys().collect();
    let want_keys: Vec<&String> = want["count_by_type"].as_object().unwrap().keys().collect();
    assert_eq!(keys, want_keys, "first-seen order");
}

#[test]
fn stats_counts_each_schema_version_and_says_nothing_of_versions_for_version_1_logs() {
    // Counted from the fixture's lines here, independently of the crate.
    let path = fixture("schema/inventory_upcast.jsonl");
    let mut want = serde_json::Map::new();
    let mut by_type: Vec<(String, std::collections::BTreeMap<u64, u64>)> = Vec::new();
    for line in read_fixture("schema/inventory_upcast.jsonl").lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let ty = v["type"].as_str().unwrap().to_string();
        let schema = v.get("schema").and_then(Value::as_u64).unwrap_or(1);
        match by_type.iter_mut().find(|(t, _)| *t == ty) {
            Some((_, counts)) => *counts.entry(schema).or_default() += 1,
            None => by_type.push((ty, [(schema, 1)].into())),
        }
    }
    let mut text = String::from("schema versions\n");
    let width = by_type
        .iter()
        .filter(|(_, c)| c.keys().any(|&v| v > 1))
        .map(|(t, _)| t.len())
        .max()
        .unwrap();
    for (ty, counts) in by_type.iter().filter(|(_, c)| c.keys().any(|&v| v > 1)) {
        let shown: Vec<String> = counts.iter().map(|(v, n)| format!("v{v} {n}")).collect();
        text.push_str(&format!("  {ty:<width$}  {}\n", shown.join(", ")));
        let counts: serde_json::Map<String, Value> = counts
            .iter()
            .map(|(v, n)| (v.to_string(), (*n).into()))
            .collect();
        want.insert(ty.clone(), Value::Object(counts));
    }
    assert!(want.len() >= 2, "the fixture holds two versioned types");
    let path = path.to_str().unwrap();
    let json: Value = serde_json::from_str(&stdout_of(&["stats", path, "--json"])).unwrap();
    assert_eq!(json["schema_versions"], Value::Object(want));
    let printed = stdout_of(&["stats", path]);
    assert!(printed.ends_with(&text), "{printed}");

    // A log of version-1 events: an empty object, and no section.
    let v1 = log_path("spec_example");
    let json: Value = serde_json::from_str(&stdout_of(&["stats", &v1, "--json"])).unwrap();
    assert_eq!(json["schema_versions"], serde_json::json!({}));
    assert!(!stdout_of(&["stats", &v1]).contains("schema versions"));
}

#[test]
fn query_filters_combine_and_output_the_logs_own_lines() {
    let path = log_path("spec_example");
    let lines: Vec<String> = read_fixture("eventure/spec_example.jsonl")
        .lines()
        .map(|l| format!("{l}\n"))
        .collect();
    let q = |args: &[&str]| {
        let mut all = vec!["query", path.as_str()];
        all.extend_from_slice(args);
        stdout_of(&all)
    };
    assert_eq!(q(&[]), lines.concat());
    assert_eq!(
        q(&["--type", "xp.*"]),
        [lines[5].clone(), lines[6].clone()].concat()
    );
    assert_eq!(
        q(&["--type", "xp.*", "--type", "*.drop"]),
        [&lines[4], &lines[5], &lines[6]]
            .map(String::as_str)
            .concat()
    );
    assert_eq!(q(&["--type", "xp.*", "--data", "xp=10"]), lines[5]);
    assert_eq!(
        q(&["--data", "xp=10.0", "--data", "item=gold"]),
        [&lines[4], &lines[5]].map(String::as_str).concat()
    );
    assert_eq!(q(&["--ticks", "1..3", "--format", "ids"]), "1-FCFC-1\n");
    assert_eq!(
        q(&["--ticks", "1..=3", "--format", "ids"]),
        "1-FCFC-1\n3-ADDF-1\n3-ADDF-2\n"
    );
    assert_eq!(
        q(&["--tick", "0", "--roots", "--format", "ids"]),
        "0-ADFA-1\n0-EEBC-1\n"
    );
    assert_eq!(
        q(&["--cascade-of", "0-EBEB-1", "--format", "ids"]),
        "0-EBEB-1\n0-CEBB-1\n"
    );
    let table = q(&["--type", "loot.drop", "--format", "table"]);
    assert_eq!(
        table,
        "TICK  ID        TYPE       PARENT\n   1  1-FCFC-1  loot.drop  0-ADFA-1\n"
    );
}

#[test]
fn validate_passes_a_clean_log_and_prints_json() {
    let path = log_path("game");
    let out = run(&["validate", &path, "--json"]);
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["events"], 3155);
    assert_eq!(v["problems"], serde_json::json!([]));
}
