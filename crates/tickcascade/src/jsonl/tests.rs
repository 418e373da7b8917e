//! Unit tests of loading and saving: line by line against whole inputs,
//! on one thread and two, every mode, every error's wording.

use super::line::{Fields, LineParser};
use super::loader::feed_bytes;
use super::*;
use crate::event::Timestamp;
use crate::json::scan::Scanner;
use crate::log::EventLog;

fn load(text: &str, options: &LoadOptions) -> Result<EventLog, LoadError> {
    read_log(text.as_bytes(), "t.jsonl", options).map(|(log, _)| log)
}

/// 6,000 lines in Eventure's layout (one piece of input, so the back three fifths
/// are parsed on the helper thread), with `odd` lines put in at positions
/// (at seq 100 of a tick, no parent names it).
fn many_lines(odd: &[(usize, &str)]) -> String {
    let mut text = String::new();
    for i in 0..6000usize {
        if let Some((_, line)) = odd.iter().find(|(at, _)| *at == i) {
            text.push_str(line);
            text.push('\n');
            continue;
        }
        let tick = i / 100;
        let parent = if i % 7 == 3 && i % 100 > 0 {
            format!("\"{tick}-ADFA-{}\"", i % 100)
        } else {
            "null".to_owned()
        };
        text.push_str(&format!(
            "{{\"tick\": {tick}, \"timestamp\": 1700000000.{i}, \"type\": \"combat.attack\", \
             \"data\": {{\"i\": {i}, \"nested\": [{{\"x\": 1.5}}]}}, \
             \"event_id\": \"{tick}-ADFA-{}\", \"parent_id\": {parent}}}\n",
            i % 100 + 1
        ));
    }
    text
}

#[test]
fn loading_on_two_threads_gives_what_loading_line_by_line_gives() {
    let odd = [
        (99, ""),
        (3999, "   "),
        (
            4499,
            r#"{"type": "x", "tick": 45, "timestamp": 1, "data": {"b": 1, "a": [2]}}"#,
        ),
        (
            4999,
            r#"{"tick": 50, "timestamp": 2, "type": "y", "data": "\u00e9", "event_id": "e", "parent_id": null}"#,
        ),
    ];
    let text = many_lines(&odd);
    for options in [
        LoadOptions::default(),
        LoadOptions::default().with_mode(LoadMode::Strict),
    ] {
        let mut sequential = Loader::new("t.jsonl", &options);
        feed_bytes(&mut sequential, text.as_bytes()).unwrap();
        let (one, one_report, _) = sequential.finish();
        let two_threads = options.with_threads(2);
        let (two, two_report) = read_log_from(text.as_bytes(), "t.jsonl", &two_threads).unwrap();
        // And as when the system refuses the second thread.
        let (alone, alone_report) = crate::parallel::refusing_threads(|| {
            read_log_from(text.as_bytes(), "t.jsonl", &two_threads).unwrap()
        });
        assert_eq!(resave(&one), resave(&two));
        assert_eq!(resave(&alone), resave(&two));
        assert_eq!((one_report.blank_lines, &one_report), (2, &two_report));
        assert_eq!(alone_report, two_report);
        assert_eq!(one.len(), 5998);
    }
}

#[test]
fn errors_found_on_the_second_thread_name_the_same_line() {
    let text = many_lines(&[(
        4321,
        r#"{"tick": 43, "timestamp": 1, "type": "x", "data": {"a": 1,}}"#,
    )]);
    let options = LoadOptions::default();
    let one = read_log(text.as_bytes(), "t.jsonl", &options)
        .map(|_| ())
        .unwrap_err();
    let two = read_log_from(text.as_bytes(), "t.jsonl", &options.with_threads(2))
        .map(|_| ())
        .unwrap_err();
    assert_eq!(one.to_string(), two.to_string());
    assert!(one.to_string().starts_with("t.jsonl:4322:"), "{one}");
    // Validation reads on and lists every problem, in line order.
    let text = many_lines(&[(100, "{"), (3500, "[]"), (5999, "{\"tick\": 1}")]);
    let mut loader = Loader::validating("t.jsonl", &LoadOptions::default());
    feed_reader(&mut loader, text.as_bytes(), |_| {}).unwrap();
    let (_, _, problems) = loader.finish();
    let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
    let mut sequential = Loader::validating("t.jsonl", &LoadOptions::default());
    feed_bytes(&mut sequential, text.as_bytes()).unwrap();
    let (_, _, expected) = sequential.finish();
    let expected: Vec<String> = expected.iter().map(|p| p.to_string()).collect();
    assert_eq!(
        problems.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        expected
    );
    assert!(
        [101, 3501, 6000].iter().all(|l| lines.contains(l)),
        "{lines:?}"
    );
}

/// What a line's fields say, for comparing the two ways of reading it.
fn fields_summary(f: &Fields<'_>, data: &str) -> String {
    format!(
        "{:?} {:?} {:?} {} {:?} {:?}",
        f.tick,
        f.timestamp.as_ref().map(Timestamp::to_string),
        f.event_type,
        f.verbatim_data.unwrap_or(data),
        f.id.as_ref()
            .map(|id| id.as_ref().map(|i| (i.to_string(), i.parts()))),
        f.parent
            .as_ref()
            .map(|id| id.as_ref().map(|i| (i.to_string(), i.parts()))),
    )
}

proptest::proptest! {
    #[test]
    fn the_quick_reading_of_a_line_agrees_with_the_general_one(
        pieces in (0usize..11, 0usize..13, 0usize..5, 0usize..13, 0usize..9, 0usize..9),
    ) {
        const TICKS: [&str; 11] = ["0", "7", "-3", "01", "1.0", "1e2", "-0",
            "99999999999999999999", "123456789012345678", "1234567890123456789", "2147483648"];
        const STAMPS: [&str; 13] = ["1795404206.477783", "1.5", "10", "-0.0", "1e-05",
            "1.0E5", "0.1", "12345678901234567890.5", "1.23456789012345678901234", "NaN",
            "0", "00.5", "5."];
        const TYPES: [&str; 5] = ["\"combat.attack\"", "\"a\\u00e9\"", "\"\"",
            "\"x\\\"y\"", "\"\u{e9}\""];
        const DATA: [&str; 13] = ["{\"i\": 1, \"tick\": 0, \"name\": \"hero\"}", "{}",
            "[]", "{\"a\": 1.5}", "{\"a\": {\"b\": [1, 2]}}", "{\"a\": 1, \"a\": 2}",
            "\"s\"", "-0", "{\"k\": -0}", "{\"k\": \"\\u00e9\"}", "{\"k\":1}",
            "{\"a\": true, \"b\": null, \"c\": false}", "{\"a\": 01}"];
        const IDS: [&str; 9] = ["\"0-ECBC-1\"", "null", "\"evt_1\"", "\"0-ECBC-01\"",
            "\"3000000000-A-1\"", "\"0-ABCDE-1\"", "\"-1--2\"", "\"0-ECBC-\\u0031\"", "\"\""];
        let (t, ts, ty, d, id, p) = pieces;
        let line = format!(
            "{{\"tick\": {}, \"timestamp\": {}, \"type\": {}, \"data\": {}, \"event_id\": {}, \"parent_id\": {}}}",
            TICKS[t], STAMPS[ts], TYPES[ty], DATA[d], IDS[id], IDS[p]
        );
        let (mut data, mut scratch) = (String::new(), String::new());
        let mut quick = LineParser {
            scanner: Scanner::new(&line, false),
            data: &mut data,
            scratch: &mut scratch,
        };
        let Some(fields) = quick.parse_canonical() else {
            return Ok(()); // declined: the general reading decides alone
        };
        let quick_says = fields_summary(&fields, &data);
        let (mut data, mut scratch) = (String::new(), String::new());
        let mut general = LineParser {
            scanner: Scanner::new(&line, false),
            data: &mut data,
            scratch: &mut scratch,
        };
        match general.parse_general() {
            Ok(fields) => proptest::prop_assert_eq!(quick_says, fields_summary(&fields, &data), "{}", line),
            Err(e) => proptest::prop_assert!(false, "{}: quick read it, general says {:?}", line, e.kind),
        }
    }
}

fn resave(log: &EventLog) -> String {
    let mut out = Vec::new();
    write_log(log, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn eventure_lines_resave_byte_for_byte() {
    let text = concat!(
        r#"{"tick": 0, "timestamp": 1795391001.634849, "type": "combat.damage", "data": {"amount": 15.0, "tags": ["crit", "it's"]}, "event_id": "0-EBEB-1", "parent_id": "0-ADFA-1"}"#,
        "\n",
        r#"{"tick": 3, "timestamp": 10, "type": "\u00e9", "data": [1e-05, 1e+16, 12345678901234567890123], "event_id": "evt_1", "parent_id": null}"#,
        "\n"
    );
    let log = load(text, &LoadOptions::default()).unwrap();
    assert_eq!(resave(&log), text);
    assert_eq!(log.current_tick(), 3);
}

#[test]
fn non_canonical_input_is_saved_as_python_would() {
    let text = "{\"data\":{\"b\":1,\"b\":2.50},\"type\":\"é\",\"timestamp\":1E2,\"tick\":1,\"extra\":[1]}\r\n";
    let log = load(text, &LoadOptions::default()).unwrap();
    assert_eq!(
        resave(&log),
        "{\"tick\": 1, \"timestamp\": 100.0, \"type\": \"\\u00e9\", \"data\": {\"b\": 2.5}, \"event_id\": \"1-DDCD-1\", \"parent_id\": null}\n"
    );
}

#[test]
fn errors_name_the_line_and_what_is_wrong() {
    let good = r#"{"tick": 0, "timestamp": 1.0, "type": "a", "data": {}}"#;
    let cases = [
        (
            format!("{good}\n{{\"tick\": 0}}\n"),
            "t.jsonl:2: missing field \"timestamp\"",
        ),
        (
            format!("{good}\n[1]\n"),
            "t.jsonl:2:1: expected '{' (each line must be one JSON object), found '['",
        ),
        (format!("\n\n{good} x\n"), "t.jsonl:3:"),
        (
            r#"{"tick": 1.5, "timestamp": 1, "type": "a", "data": {}}"#.to_owned(),
            "\"tick\" must be an integer",
        ),
        (
            r#"{"tick": 1, "timestamp": NaN, "type": "a", "data": {}}"#.to_owned(),
            "allow_nan",
        ),
        (
            r#"{"tick": 1, "timestamp": 1, "type": 5, "data": {}}"#.to_owned(),
            "\"type\" must be a string, found a number",
        ),
    ];
    for (text, want) in cases {
        let err = load(&text, &LoadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains(want), "{err:?} should contain {want:?}");
    }
}

#[test]
fn lenient_drops_only_a_torn_last_line() {
    let good = r#"{"tick": 0, "timestamp": 1.0, "type": "a", "data": {}}"#;
    let torn = format!("{good}\n{{\"tick\": 0, \"time");
    let lenient = LoadOptions::default().with_mode(LoadMode::Lenient);
    let (log, report) = read_log(torn.as_bytes(), "t", &lenient).unwrap();
    assert_eq!(
        (log.len(), report.warnings.len(), report.warnings[0].line),
        (1, 1, 2)
    );
    assert!(load(&torn, &LoadOptions::default()).is_err());
    assert!(load(&format!("{{bad\n{good}"), &lenient).is_err());
    assert_eq!(load(good, &LoadOptions::default()).unwrap().len(), 1);
}

#[test]
fn strict_reports_what_default_accepts() {
    let line = |tick: i64, id: &str, parent: &str| {
        format!(
            r#"{{"tick": {tick}, "timestamp": 1.0, "type": "a", "data": {{}}, "event_id": "{id}", "parent_id": {parent}}}"#
        )
    };
    let strict = LoadOptions::default().with_mode(LoadMode::Strict);
    let cases = [
        (
            format!(
                "{}\n{}\n",
                line(0, "0-A-1", "null"),
                line(0, "0-A-1", "null")
            ),
            "duplicate event id",
        ),
        (
            format!(
                "{}\n{}\n",
                line(1, "1-A-1", "null"),
                line(0, "0-A-1", "null")
            ),
            "lower than",
        ),
        (
            format!("{}\n", line(0, "0-A-1", "\"0-A-9\"")),
            "does not appear on an earlier line",
        ),
        (
            format!("{}\n", line(2, "0-A-1", "null")),
            "does not start with its tick",
        ),
    ];
    for (text, want) in cases {
        assert!(load(&text, &LoadOptions::default()).is_ok());
        let err = load(&text, &strict).unwrap_err().to_string();
        assert!(err.contains(want), "{err}");
    }
}

#[test]
fn a_schema_key_is_read_in_any_layout_and_a_bad_one_names_its_line() {
    let six = r#""tick": 0, "timestamp": 1.0, "type": "t", "data": {}, "event_id": "0-A-1", "parent_id": null"#;
    for (line, want) in [
        (format!("{{{six}, \"schema\": 2}}"), 2),
        (format!("{{{six}, \"schema\": 1}}"), 1),
        (format!("{{\"schema\":7,{}}}", six.replace(": ", ":")), 7),
        (format!("{{{six}, \"schema\": 4294967295}}"), u32::MAX),
        (format!("{{{six}}}"), 1),
    ] {
        let log = load(&format!("{line}\n"), &LoadOptions::default()).unwrap();
        assert_eq!(log.events()[0].schema(), want, "{line}");
    }
    // Version 1 is written without the key; others after the six keys.
    let log = load(
        &format!("{{{six}, \"schema\": 1}}\n"),
        &LoadOptions::default(),
    )
    .unwrap();
    assert_eq!(resave(&log), format!("{{{six}}}\n"));
    let log = load(
        &format!("{{\"schema\": 3, {six}}}\n"),
        &LoadOptions::default(),
    )
    .unwrap();
    assert_eq!(resave(&log), format!("{{{six}, \"schema\": 3}}\n"));
    for bad in ["0", "-1", "2.0", "\"2\"", "null", "4294967296", "1e3"] {
        let text = format!("{{{six}}}\n{{{six}, \"schema\": {bad}}}\n");
        let err = load(&text, &LoadOptions::default()).unwrap_err();
        assert_eq!(err.line, 2, "{bad}");
        assert!(
            err.to_string()
                .contains("\"schema\" must be an integer from 1 to 4294967295"),
            "{bad}: {err}"
        );
    }
}
