//! `tickcascade deliver` against a loopback collector scripted to
//! misbehave: redirects, bad `Retry-After` values, stalls, rejections, bytes
//! that are not HTTP. Every message ends delivered, reported dropped with
//! its real reason, or left unacknowledged with the command saying so.

use crate::common::collector::{Collector, Reply};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_tickcascade")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("tickcascade-hostile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A 15-tick adventure log: a few dozen analytics messages.
fn demo_log(dir: &Path) -> PathBuf {
    let path = dir.join("demo.jsonl");
    let out = Command::new(bin())
        .args([
            "demo",
            "adventure",
            "--seed",
            "3",
            "--ticks",
            "15",
            "--quiet",
            "--save",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    path
}

fn deliver(log: &Path, url: &str, extra: &[&str]) -> Output {
    Command::new(bin())
        .arg("deliver")
        .arg(log)
        .args(["--to", url, "--json", "--token", "tok-SECRET-123"])
        .args(extra)
        .output()
        .unwrap()
}

fn summary(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {} / {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn expected_messages(log: &Path) -> usize {
    let dry = Command::new(bin())
        .arg("deliver")
        .arg(log)
        .args(["--to", "http://127.0.0.1:9", "--dry-run"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&dry.stdout).lines().count()
}

#[test]
fn a_redirect_is_not_followed_and_its_messages_wait_for_a_rerun_with_the_new_url() {
    let dir = temp_dir("redirect");
    let log = demo_log(&dir);
    let spool = dir.join("spool.jsonl");
    let target = Collector::start(vec![]);
    for code in [301, 302, 307, 308] {
        let location: &'static str = Box::leak(format!("{}/track", target.url).into_boxed_str());
        let moved = Collector::start(vec![Reply::Redirect(code, location); 50]);
        let out = deliver(&log, &moved.url, &["--spool", spool.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{code}: {err}");
        assert!(
            err.contains(location) && err.contains(&format!("--to {}", target.url)),
            "{err}"
        );
        let s = summary(&out);
        assert_eq!(s["sent"], 0, "{s}");
        assert_eq!(
            s["dropped"].as_object().map(|d| d.len()),
            Some(0),
            "not a drop: {s}"
        );
        assert_eq!(s["redirects"][0]["status"], code);
        assert!(
            target.requests().is_empty(),
            "a redirected POST is never followed"
        );
    }
    let out = deliver(&log, &target.url, &["--spool", spool.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(target.messages().len(), expected_messages(&log));
}

#[test]
fn retry_after_values_http_does_not_allow_leave_the_backoff_on() {
    let dir = temp_dir("retry-after");
    let log = demo_log(&dir);
    for bad in ["0", "-5", "0.0001", "1e-300", "soon"] {
        let c = Collector::start(vec![Reply::Status(503, Some(bad)); 10_000]);
        let out = deliver(&log, &c.url, &["--deadline", "3"]);
        assert_eq!(out.status.code(), Some(1));
        // At least 2 s between attempts on each endpoint: a handful, not thousands.
        let n = c.requests().len();
        assert!(n <= 12, "Retry-After {bad}: {n} requests in 3 s");
        let s = summary(&out);
        assert!(s["dropped"]["deadline"].as_u64().unwrap() > 0, "{s}");
        assert_eq!(s["last_failure"]["/track"], "status 503", "{s}");
    }
}

#[test]
fn the_deadline_bounds_the_whole_command_even_when_every_answer_is_slow() {
    let dir = temp_dir("slow");
    let log = demo_log(&dir);
    let c = Collector::start(vec![Reply::Slow(Duration::from_millis(1500)); 1000]);
    let start = Instant::now();
    let out = deliver(
        &log,
        &c.url,
        &["--deadline", "2", "--batch", "1", "--timeout", "30"],
    );
    let took = start.elapsed();
    // Without the bound: dozens of batches × 1.5 s.
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert_eq!(out.status.code(), Some(1));
    let s = summary(&out);
    let sent = s["sent"].as_u64().unwrap();
    let dropped = s["dropped"]["deadline"].as_u64().unwrap_or(0);
    assert_eq!(
        sent as usize + dropped as usize,
        expected_messages(&log),
        "{s}"
    );
}

#[test]
fn rejected_messages_are_dropped_earlier_on_a_rerun_and_can_be_sent_again() {
    let dir = temp_dir("rejected");
    let log = demo_log(&dir);
    let spool = dir.join("spool.jsonl");
    let spool_arg = spool.to_str().unwrap();
    let rejecting = Collector::start(vec![Reply::Status(400, None); 1000]);
    let out = deliver(&log, &rejecting.url, &["--spool", spool_arg]);
    assert_eq!(out.status.code(), Some(1));
    let total = expected_messages(&log) as u64;
    assert_eq!(summary(&out)["dropped"]["rejected"], total);

    let good = Collector::start(vec![]);
    let out = deliver(&log, &good.url, &["--spool", spool_arg]);
    let s = summary(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "undelivered messages are not a success: {s}"
    );
    assert_eq!(s["already_acknowledged"], 0, "{s}");
    assert_eq!(s["dropped_earlier"]["rejected"], total, "{s}");
    assert!(good.requests().is_empty());
    let human = Command::new(bin())
        .arg("deliver")
        .arg(&log)
        .args(["--to", &good.url, "--spool", spool_arg, "--token", "t"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&human.stderr);
    assert!(
        err.contains(&format!("{total} dropped earlier (rejected {total}")),
        "{err}"
    );

    let out = deliver(&log, &good.url, &["--spool", spool_arg, "--resend-dropped"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(good.messages().len() as u64, total);
    let out = deliver(&log, &good.url, &["--spool", spool_arg]);
    assert!(out.status.success());
    assert_eq!(summary(&out)["already_acknowledged"], total);
}

#[test]
fn the_spool_never_holds_the_token_and_only_its_owner_can_read_it() {
    let dir = temp_dir("token");
    let log = demo_log(&dir);
    let spool = dir.join("spool.jsonl");
    let c = Collector::start(vec![Reply::Status(503, None); 3]);
    let out = deliver(
        &log,
        &c.url,
        &["--spool", spool.to_str().unwrap(), "--deadline", "1"],
    );
    assert_eq!(out.status.code(), Some(1));
    let text = std::fs::read_to_string(&spool).unwrap();
    assert!(!text.is_empty());
    assert!(!text.contains("tok-SECRET-123"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&spool).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn the_last_failure_is_named_when_time_runs_out() {
    let dir = temp_dir("last-failure");
    let log = demo_log(&dir);
    let garbage = Collector::start(vec![Reply::Garbage; 1000]);
    let out = deliver(&log, &garbage.url, &["--deadline", "1"]);
    let s = summary(&out);
    assert!(
        s["last_failure"]["/track"]
            .as_str()
            .unwrap()
            .starts_with("invalid response"),
        "{s}"
    );
    let stalled = Collector::start(vec![Reply::Hang(Duration::from_secs(5)); 1000]);
    let out = Command::new(bin())
        .arg("deliver")
        .arg(&log)
        .args([
            "--to",
            &stalled.url,
            "--token",
            "t",
            "--deadline",
            "2",
            "--timeout",
            "1",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains("deadline") && err.contains("/track: timeout"),
        "{err}"
    );
}

#[test]
fn a_spool_that_cannot_be_written_fails_the_command() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    let dir = temp_dir("full");
    let log = demo_log(&dir);
    let c = Collector::start(vec![]);
    let out = deliver(&log, &c.url, &["--spool", "/dev/full"]);
    assert_eq!(out.status.code(), Some(1));
    let s = summary(&out);
    assert!(
        s["spool_errors"][0].as_str().unwrap().contains("/dev/full"),
        "{s}"
    );
}

#[test]
fn a_bad_collector_url_is_a_usage_error_and_a_missing_token_a_warning() {
    let dir = temp_dir("usage");
    let log = demo_log(&dir);
    for (url, says) in [
        ("ftp://example.com", "http"),
        ("example.com", "http"),
        ("http://", "host"),
        ("http://127.0.0.1:9/track", "\"http://127.0.0.1:9\""),
        (
            "https://api.example.com/v1/engage/",
            "\"https://api.example.com/v1\"",
        ),
    ] {
        let out = Command::new(bin())
            .arg("deliver")
            .arg(&log)
            .args(["--to", url])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{url}: {err}");
        assert!(err.contains(says), "{url}: {err}");
    }
    let c = Collector::start(vec![]);
    let out = Command::new(bin())
        .arg("deliver")
        .arg(&log)
        .args(["--to", &c.url])
        .env_remove("TICKCASCADE_TOKEN")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning: no project token"));
}
