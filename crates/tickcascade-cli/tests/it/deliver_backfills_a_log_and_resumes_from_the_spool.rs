//! `tickcascade deliver` over real sockets to a scripted collector on
//! 127.0.0.1: a backfill with a deadline, and a crash-and-resume with the
//! spool.

use crate::common::collector::{Collector, Reply};
use serde_json::Value;
use std::collections::HashSet;
use std::time::Duration;
fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_tickcascade")
}

fn demo_log(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("demo.jsonl");
    let out = std::process::Command::new(bin())
        .args([
            "demo",
            "adventure",
            "--seed",
            "3",
            "--quiet",
            "--save",
            path.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    path
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tickcascade-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn deliver_backfills_a_demo_log_and_a_deadline_drops_what_is_left() {
    let dir = temp_dir("deliver");
    let log = demo_log(&dir);
    let c = Collector::start(vec![]);
    let out = std::process::Command::new(bin())
        .args([
            "deliver",
            log.to_str().unwrap(),
            "--to",
            &c.url,
            "--json",
            "--batch",
            "10",
        ])
        .env("TICKCASCADE_TOKEN", "secret")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    let messages = c.messages();
    assert_eq!(summary["sent"].as_u64().unwrap() as usize, messages.len());
    assert!(messages.iter().all(|m| m.to_string().contains("secret")));
    let ids: HashSet<String> = messages
        .iter()
        .filter_map(|m| m["properties"]["$insert_id"].as_str().map(str::to_owned))
        .collect();
    assert!(ids.len() > 20);
    assert!(
        ids.iter()
            .all(|i| i.len() <= 36 && i.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    );

    let failing = Collector::start((0..1000).map(|_| Reply::Status(503, None)).collect());
    let out = std::process::Command::new(bin())
        .args([
            "deliver",
            log.to_str().unwrap(),
            "--to",
            &failing.url,
            "--json",
            "--deadline",
            "1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(summary["dropped"]["deadline"].as_u64().unwrap() > 0);

    let out = std::process::Command::new(bin())
        .args([
            "deliver",
            log.to_str().unwrap(),
            "--to",
            &c.url,
            "--batch",
            "501",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn killed_mid_delivery_and_resumed_with_the_spool_every_event_arrives_once() {
    let dir = temp_dir("spool");
    let log = demo_log(&dir);
    let spool = dir.join("spool.jsonl");
    let _ = std::fs::remove_file(&spool);
    // The collector answers slowly so the first run is killed mid-way.
    let mut script = Vec::new();
    for _ in 0..4 {
        script.push(Reply::Status(200, None));
    }
    script.push(Reply::Hang(Duration::from_secs(30)));
    let c = Collector::start(script);
    let args = [
        "deliver",
        log.to_str().unwrap(),
        "--to",
        &c.url,
        "--batch",
        "5",
        "--spool",
        spool.to_str().unwrap(),
        "--timeout",
        "60",
    ];
    let mut child = std::process::Command::new(bin())
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while c.requests().len() < 5 && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // kill -9
    child.wait().unwrap();
    let first_run = c.messages().len();
    assert!(
        first_run >= 20,
        "the first run delivered some batches ({first_run})"
    );

    let out = std::process::Command::new(bin())
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dry = std::process::Command::new(bin())
        .args([
            "deliver",
            log.to_str().unwrap(),
            "--to",
            &c.url,
            "--dry-run",
        ])
        .output()
        .unwrap();
    let expected = String::from_utf8_lossy(&dry.stdout).lines().count();
    let ids: Vec<String> = c
        .messages()
        .iter()
        .map(|m| {
            m["properties"]["$insert_id"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| m.to_string())
        })
        .collect();
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), expected, "every event arrived");
    // Only the batch in flight when killed may arrive twice (deduplicated by $insert_id).
    assert!(
        ids.len() - unique.len() <= 5,
        "{} duplicates",
        ids.len() - unique.len()
    );
}
