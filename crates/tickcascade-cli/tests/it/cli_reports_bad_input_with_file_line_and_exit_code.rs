//! One test per class of bad input: exit code, a stderr line naming the
//! file and line, and never a panic.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

const GOOD: &str = r#"{"tick": 0, "timestamp": 1.5, "type": "a.b", "data": {"k": 1}, "event_id": "0-EBFD-1", "parent_id": null}"#;

fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tickcascade-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tickcascade"))
        .args(args)
        .output()
        .unwrap()
}

/// Runs `cascade` (and `stats`, `query`) on `bytes`; all must fail alike.
fn fails_on(name: &str, bytes: &[u8], code: i32, stderr_has: &[&str]) -> String {
    let path = temp_file(name, bytes);
    let p = path.to_str().unwrap();
    let mut first = String::new();
    for sub in ["cascade", "stats", "query"] {
        let out = run(&[sub, p]);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(code), "{sub} {name}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(err.lines().count(), 1, "one line: {err:?}");
        for want in stderr_has {
            assert!(err.contains(want), "{sub} {name}: {err:?} lacks {want:?}");
        }
        assert!(err.contains(p), "names the file: {err}");
        first = err;
    }
    first
}

#[test]
fn malformed_json_names_the_line_and_column() {
    fails_on(
        "malformed.jsonl",
        format!("{GOOD}\n{{\"tick\": 0,, }}\n").as_bytes(),
        1,
        &[":2:", "expected"],
    );
}

#[test]
fn a_missing_field_is_named() {
    fails_on(
        "missing.jsonl",
        b"{\"tick\": 0, \"timestamp\": 1, \"data\": {}}\n",
        1,
        &[":1:", "missing field \"type\""],
    );
}

#[test]
fn a_wrong_field_type_is_named() {
    fails_on(
        "wrongtype.jsonl",
        b"{\"tick\": \"3\", \"timestamp\": 1, \"type\": \"a\", \"data\": {}}\n",
        1,
        &[":1:", "\"tick\" must be an integer"],
    );
}

#[test]
fn nan_is_refused_with_the_flag_that_accepts_it() {
    let text = "{\"tick\": 0, \"timestamp\": NaN, \"type\": \"a\", \"data\": {}}\n";
    fails_on("nan.jsonl", text.as_bytes(), 1, &[":1:", "allow-nan"]);
    let path = temp_file("nan_ok.jsonl", text.as_bytes());
    assert!(
        run(&["cascade", path.to_str().unwrap(), "--allow-nan"])
            .status
            .success()
    );
}

#[test]
fn a_torn_last_line_fails_by_default_and_is_dropped_with_lenient() {
    let bytes = format!("{GOOD}\n{{\"tick\": 0, \"times");
    fails_on("torn.jsonl", bytes.as_bytes(), 1, &[":2:"]);
    let path = temp_file("torn2.jsonl", bytes.as_bytes());
    let out = run(&["cascade", path.to_str().unwrap(), "--lenient"]);
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning") && err.contains(":2:") && err.contains("torn"),
        "{err}"
    );
}

#[test]
fn a_missing_file_a_directory_and_a_binary_file_say_so() {
    let out = run(&["cascade", "/no/such/log.jsonl"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("No such file"));
    let dir = std::env::temp_dir();
    let out = run(&["stats", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("directory"));
    fails_on(
        "binary.bin",
        b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\n",
        1,
        &[":1:", "binary"],
    );
    fails_on(
        "latin1.jsonl",
        b"{\"tick\": 0, \"type\": \"caf\xe9\"}\n",
        1,
        &[":1:", "UTF-8"],
    );
    fails_on(
        "bom.jsonl",
        format!("\u{feff}{GOOD}\n").as_bytes(),
        1,
        &[":1:", "byte order mark"],
    );
}

#[test]
fn strict_problems_fail_strict_reads_and_validate_lists_them_all() {
    let lines = [
        r#"{"tick": 1, "timestamp": 1, "type": "a", "data": {}, "event_id": "1-A-1", "parent_id": null}"#,
        r#"{"tick": 1, "timestamp": 2, "type": "a", "data": {}, "event_id": "1-A-1", "parent_id": null}"#,
        r#"{"tick": 0, "timestamp": 3, "type": "a", "data": {}, "event_id": "0-A-1", "parent_id": "9-Z-9"}"#,
        r#"{"tick": 2, "timestamp": 4, "type": "a", "data": {}, "event_id": "5-A-1", "parent_id": null}"#,
        r#"{"tick": 2, "timestamp": 4, "type": "a", "data": oops}"#,
    ];
    let path = temp_file("strict.jsonl", (lines.join("\n") + "\n").as_bytes());
    let p = path.to_str().unwrap();
    let out = run(&["cascade", p, "--strict"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains(":2:"));
    let out = run(&["validate", p]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    for want in [
        ":2: duplicate event id",
        ":3: tick 0 is lower",
        ":4: event id \"5-A-1\"",
        ":5: expected",
    ] {
        assert!(err.contains(&format!("{p}{want}")), "{err} lacks {want}");
    }
    let out = run(&["validate", p, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let kinds: Vec<&str> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        // Line 3 has two problems: both are reported.
        [
            "duplicate_id",
            "tick_backwards",
            "unknown_parent",
            "id_tick_mismatch",
            "syntax"
        ]
    );
    let out = run(&[
        "validate",
        temp_file("parent.jsonl", format!("{}\n", lines[2]).as_bytes())
            .to_str()
            .unwrap(),
    ]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unknown")
            || String::from_utf8_lossy(&out.stderr).contains("does not appear")
    );
}

#[test]
fn usage_errors_exit_2() {
    let path = temp_file("ok.jsonl", format!("{GOOD}\n").as_bytes());
    let p = path.to_str().unwrap();
    for args in [
        vec!["cascade", p, "--bogus"],
        vec!["query", p, "--ticks", "3..x"],
        vec!["query", p, "--tick", "x"],
        vec!["query", p, "--data", "novalue"],
        vec!["query", p, "--format", "xml"],
        vec!["cascade", p, "--strict", "--lenient"],
        vec!["frobnicate"],
        vec![],
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    }
    assert_eq!(run(&["--help"]).status.code(), Some(0));
    assert_eq!(run(&["query", "--help"]).status.code(), Some(0));
}

#[test]
fn an_unknown_id_exits_1() {
    let path = temp_file("ids.jsonl", format!("{GOOD}\n").as_bytes());
    let p = path.to_str().unwrap();
    for args in [
        vec!["show", p, "9-X-9"],
        vec!["cascade", p, "--root", "nope"],
        vec!["query", p, "--cascade-of", "nope"],
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("nope")
                || String::from_utf8_lossy(&out.stderr).contains("9-X-9")
        );
    }
}

#[test]
fn an_empty_file_prints_the_empty_viewer() {
    let path = temp_file("empty.jsonl", b"");
    let out = run(&["cascade", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "===== EVENT CASCADE VIEWER =====\n\n<No events in log>\n"
    );
}

#[test]
fn a_closed_pipe_ends_quietly_with_success() {
    let mut lines = String::new();
    for i in 0..20_000 {
        lines.push_str(&format!(
            r#"{{"tick": {i}, "timestamp": {i}.5, "type": "a", "data": {{"i": {i}}}}}"#
        ));
        lines.push('\n');
    }
    let path = temp_file("big.jsonl", lines.as_bytes());
    let mut child = Command::new(env!("CARGO_BIN_EXE_tickcascade"))
        .args(["cascade", path.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::io::stderr().flush();
}

/// The first lines of an adventure log (seed 7), with `extra` lines after.
fn adventure_log(name: &str, extra: &str) -> PathBuf {
    let path = temp_file(&format!("{name}.src.jsonl"), b"");
    let demo = run(&[
        "demo",
        "adventure",
        "--seed",
        "7",
        "--ticks",
        "5",
        "--quiet",
        "--save",
        path.to_str().unwrap(),
    ]);
    assert!(demo.status.success());
    let text = std::fs::read_to_string(&path).unwrap();
    temp_file(
        &format!("{name}.jsonl"),
        format!("{text}\n{extra}").as_bytes(),
    )
}

#[test]
fn replay_refuses_a_malformed_known_event_naming_its_line() {
    let bad = r#"{"tick": 9, "timestamp": 9.0, "type": "loot.drop", "data": {"gold": "lots", "from": "rat"}, "event_id": "9-AAAA-1", "parent_id": null}"#;
    let path = adventure_log("replay-malformed", bad);
    let lines = std::fs::read_to_string(&path).unwrap().lines().count();
    let out = run(&["replay", "adventure", path.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    // The blank line before it counts: the line is the file's last.
    assert!(
        err.contains(&format!(":{lines}: event 9-AAAA-1 (loot.drop)")),
        "{err}"
    );
    assert!(err.contains("expected i64"), "serde's message: {err}");
}

#[test]
fn replay_saturates_instead_of_wrapping_on_huge_values() {
    let huge = r#"{"tick": 9, "timestamp": 9.0, "type": "combat.damage_taken", "data": {"enemy": "rat", "amount": 9223372036854775807, "health": 0, "message": ""}, "event_id": "9-AAAA-1", "parent_id": null}"#;
    let path = adventure_log(
        "replay-huge",
        &format!("{huge}\n{}", huge.replace("9-AAAA-1", "9-AAAA-2")),
    );
    let out = run(&["replay", "adventure", path.to_str().unwrap(), "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["state"]["health"], 0);
}

#[test]
fn replaying_a_log_as_the_wrong_simulation_is_an_error() {
    let path = adventure_log("replay-wrong-sim", "");
    let out = run(&["replay", "trading", path.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(":1:") && err.contains("game.start") && err.contains("bot.start"),
        "{err}"
    );
    assert!(err.contains(path.to_str().unwrap()), "{err}");
}

#[test]
fn a_replay_tick_past_the_end_is_a_warning() {
    let path = adventure_log("replay-late-tick", "");
    let out = run(&[
        "replay",
        "adventure",
        path.to_str().unwrap(),
        "--tick",
        "500",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("warning") && err.contains("500"), "{err}");
}

#[test]
fn an_endless_binary_input_stops_at_once_with_bounded_memory() {
    // /dev/zero never ends: the NUL bytes must stop the read, not fill memory.
    for sub in ["stats", "validate"] {
        let out = run(&[sub, "/dev/zero"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{sub}: {err}");
        assert!(err.contains("/dev/zero:1:") && err.contains("NUL"), "{err}");
    }
}

#[test]
fn a_line_over_the_limit_names_the_line_and_the_flag() {
    let long = format!(
        "{GOOD}\n{{\"tick\": 0, \"timestamp\": 1, \"type\": \"{}\", \"data\": {{}}}}\n",
        "x".repeat(5000)
    );
    let path = temp_file("long-line.jsonl", long.as_bytes());
    let out = run(&["stats", path.to_str().unwrap(), "--max-line-bytes", "1000"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(":2:") && err.contains("--max-line-bytes"),
        "{err}"
    );
    assert!(run(&["stats", path.to_str().unwrap()]).status.success());
}

#[test]
fn compressed_input_is_named_as_such() {
    fails_on(
        "log.jsonl.gz",
        &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, b'\n', 1, 2],
        1,
        &["gzip"],
    );
    fails_on(
        "log.jsonl.zst",
        &[0x28, 0xb5, 0x2f, 0xfd, 0, 0x58, b'\n'],
        1,
        &["zstd"],
    );
}

#[test]
fn lenient_reading_does_not_take_a_binary_file_for_a_torn_line() {
    let path = temp_file(
        "binary-no-newline.bin",
        &[0xff, 0xfe, 0x01, 0x9c, 0x88, 0x41, 0xc3],
    );
    let out = run(&["validate", "--lenient", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("no problems"));
    let out = run(&["stats", "--lenient", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    // A real torn line (the start of a JSON object) is still dropped.
    let torn = temp_file(
        "torn.jsonl",
        format!("{GOOD}\n{{\"tick\": 0, \"time").as_bytes(),
    );
    assert!(
        run(&["stats", "--lenient", torn.to_str().unwrap()])
            .status
            .success()
    );
}

#[test]
fn validate_reports_every_problem_of_every_line_once() {
    let lines = [
        r#"{"tick": 1, "timestamp": 1.0, "type": "a", "data": {}, "event_id": "1-A-1", "parent_id": null}"#,
        r#"{"tick": 0, "timestamp": 1.0, "type": "a", "data": {}, "event_id": "1-A-1", "parent_id": "9-Z-9"}"#,
        r#"{"tick": 0, "timestamp": 1.0, "type": "b", "data": {}, "event_id": "0-B-1", "parent_id": "1-A-1"}"#,
        r#"{"tick": 0, "timestamp": 1.0, "type": "b", "data": {}, "event_id": "0-B-1", "parent_id": null}"#,
    ];
    let path = temp_file(
        "many-problems.jsonl",
        format!("{}\n", lines.join("\n")).as_bytes(),
    );
    let out = run(&["validate", path.to_str().unwrap()]);
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    let problems: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(".jsonl:") && !l.contains("events read"))
        .collect();
    assert_eq!(problems.len(), 5, "{text}");
    for want in [
        "duplicate event id \"1-A-1\"",
        "tick 0 is lower",
        "\"9-Z-9\"",
        "does not start with its tick",
        ":4: duplicate event id \"0-B-1\"",
    ] {
        assert!(problems.iter().any(|p| p.contains(want)), "{want}: {text}");
    }
    // Line 3's parent is line 1's id: no false "unknown parent" after line 2.
    assert!(!problems.iter().any(|p| p.contains(":3:")), "{text}");
}

#[test]
fn diff_compares_a_log_with_itself_and_refuses_stdin_twice() {
    let nan = temp_file(
        "nan.jsonl",
        b"{\"tick\": 0, \"timestamp\": NaN, \"type\": \"a\", \"data\": {}}\n",
    );
    let p = nan.to_str().unwrap();
    let out = run(&["diff", p, p, "--allow-nan"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = run(&["diff", "-", "-"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("only once"));
}

#[test]
fn repeated_keys_keep_the_last_value_and_a_plus_sign_is_a_syntax_error() {
    let path = temp_file(
        "repeated.jsonl",
        b"{\"tick\": \"x\", \"timestamp\": 1.0, \"type\": \"a\", \"data\": {}, \"tick\": 3}\n",
    );
    let out = run(&["query", path.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("{\"tick\": 3,"));
    // The last value decides the other way too.
    fails_on(
        "repeated-bad.jsonl",
        b"{\"tick\": 3, \"timestamp\": 1.0, \"type\": \"a\", \"data\": {}, \"tick\": \"x\"}\n",
        1,
        &["\"tick\" must be"],
    );
    fails_on(
        "plus.jsonl",
        b"{\"tick\": +1, \"timestamp\": 1.0, \"type\": \"a\", \"data\": {}}\n",
        1,
        &["expected a JSON value"],
    );
}

#[cfg(target_os = "linux")]
#[test]
fn closed_standard_streams_are_errors_and_empty_ones_are_not() {
    let bin = env!("CARGO_BIN_EXE_tickcascade");
    let good = temp_file("streams.jsonl", format!("{GOOD}\n").as_bytes());
    let sh = |script: &str| {
        Command::new("sh")
            .args(["-c", script, "sh", bin, good.to_str().unwrap()])
            .output()
            .unwrap()
    };
    let out = sh(r#""$1" stats - <&-"#);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("standard input is closed"));
    let out = sh(r#""$1" cascade "$2" >&-"#);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("standard output is closed"));
    assert!(sh(r#""$1" stats - < /dev/null"#).status.success());
    assert!(sh(r#""$1" cascade "$2" > /dev/null"#).status.success());
    let out = sh(r#""$1" cascade "$2" | head -c 1 > /dev/null; echo "${PIPESTATUS:-0}""#);
    assert!(out.status.success());
}

#[test]
fn control_characters_from_the_log_never_reach_the_terminal_raw() {
    let hostile = "{\"tick\": 0, \"timestamp\": 1.0, \"type\": \"evil\\u001b]0;pwned\\u0007\\u009b\", \"data\": {}, \"event_id\": \"0-\\u001bX-1\", \"parent_id\": null}\n";
    let path = temp_file("control.jsonl", hostile.as_bytes());
    let p = path.to_str().unwrap();
    for args in [
        vec!["stats", p],
        vec!["query", p, "--format", "table"],
        vec!["query", p, "--format", "ids"],
        vec!["cascade", p, "--escape-control"],
        vec!["show", p, "0-\u{1b}X-1", "--escape-control"],
    ] {
        let out = run(&args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{args:?}: {text:?}"
        );
        assert!(text.contains("\\x1b"), "{args:?}: {text:?}");
    }
    // Without the option, the viewers print as Python would (raw).
    let out = run(&["cascade", p]);
    assert!(String::from_utf8_lossy(&out.stdout).contains('\u{1b}'));
}
