//! `--follow` while a writer appends: `cascade --follow` over a finished
//! run equals `cascade` of the file (byte for byte without cross-tick
//! children; once "Triggers events in" lines are set aside with them),
//! `query --follow` prints matching lines as they arrive, and a truncated
//! file is reported.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_tickcascade")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("tickcascade-follow-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn follower(args: &[&str]) -> Child {
    Command::new(bin())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn line(tick: i64, k: usize, parent: Option<&str>) -> String {
    let parent = parent.map_or("null".to_owned(), |p| format!("\"{p}\""));
    format!(
        "{{\"tick\": {tick}, \"timestamp\": {tick}.{k:06}, \"type\": \"t{}\", \"data\": {{\"k\": {k}}}, \"event_id\": \"{tick}-E-{k}\", \"parent_id\": {parent}}}\n",
        k % 3
    )
}

/// Appends 12 ticks of events (same-tick children only), a tick every
/// 60 ms, one line in two written in two pieces (a torn line for a while).
fn write_slowly(path: &Path) {
    let mut file = std::fs::File::create(path).unwrap();
    for tick in 0..12 {
        for k in 1..=5 {
            let parent = (k > 1).then(|| format!("{tick}-E-{}", k - 1));
            let text = line(tick, k, parent.as_deref());
            let (a, b) = text.split_at(text.len() / 2);
            file.write_all(a.as_bytes()).unwrap();
            file.flush().unwrap();
            if k % 2 == 0 {
                std::thread::sleep(Duration::from_millis(10));
            }
            file.write_all(b.as_bytes()).unwrap();
            file.flush().unwrap();
        }
        std::thread::sleep(Duration::from_millis(60));
    }
}

#[test]
fn a_followed_cascade_without_cross_tick_children_equals_the_finished_one() {
    let dir = temp_dir("same-tick");
    let path = dir.join("live.jsonl");
    std::fs::File::create(&path).unwrap();
    let p = path.to_str().unwrap();
    let child = follower(&["cascade", p, "--follow", "--idle", "2"]);
    let query = follower(&["query", p, "--follow", "--idle", "2", "--type", "t1"]);
    write_slowly(&path);
    let followed = child.wait_with_output().unwrap();
    assert!(
        followed.status.success(),
        "{}",
        String::from_utf8_lossy(&followed.stderr)
    );
    let full = Command::new(bin()).args(["cascade", p]).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&followed.stdout),
        String::from_utf8_lossy(&full.stdout)
    );
    let queried = query.wait_with_output().unwrap();
    let all = Command::new(bin())
        .args(["query", p, "--type", "t1"])
        .output()
        .unwrap();
    assert_eq!(queried.stdout, all.stdout);
    assert!(!queried.stdout.is_empty());
}

#[test]
fn a_followed_demo_equals_its_finished_log_but_for_later_trigger_lines() {
    follow_a_paced_demo("demo.jsonl");
}

#[test]
fn a_followed_compressed_demo_is_read_frame_by_frame_as_it_is_written() {
    follow_a_paced_demo("demo.jsonl.zst");
    follow_a_paced_demo("demo.jsonl.gz");
}

/// `cascade --follow` while a paced demo writes `name` (compressed as its
/// name says) prints what `cascade` prints of the finished file, but for
/// "Triggers events in" lines of children written after their box.
fn follow_a_paced_demo(name: &str) {
    let dir = temp_dir(&format!("demo-{name}"));
    let path = dir.join(name);
    let p = path.to_str().unwrap();
    let writer = Command::new(bin())
        .args([
            "demo", "trading", "--seed", "3", "--ticks", "40", "--tps", "50", "--quiet", "--save",
            p,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let child = follower(&["cascade", p, "--follow", "--idle", "1.5"]);
    let followed = child.wait_with_output().unwrap();
    let mut writer = writer;
    assert!(writer.wait().unwrap().success());
    assert!(
        followed.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&followed.stderr)
    );
    let full = Command::new(bin()).args(["cascade", p]).output().unwrap();
    assert!(full.status.success(), "{name}");
    let without = |text: &[u8]| -> String {
        String::from_utf8_lossy(text)
            .lines()
            .filter(|l| !l.contains("Triggers events in"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(without(&full.stdout).lines().count() > 100, "{name}");
    assert_eq!(without(&followed.stdout), without(&full.stdout), "{name}");
}

#[test]
fn a_truncated_log_is_reported_and_followed_again() {
    let dir = temp_dir("truncate");
    let path = dir.join("live.jsonl");
    std::fs::write(&path, line(0, 1, None) + &line(0, 2, None)).unwrap();
    let p = path.to_str().unwrap();
    let child = follower(&["query", p, "--follow", "--idle", "2", "--format", "ids"]);
    std::thread::sleep(Duration::from_millis(400));
    std::fs::write(&path, line(5, 9, None)).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "0-E-1\n0-E-2\n5-E-9\n"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("truncated or replaced"));
    let usage = Command::new(bin())
        .args(["query", p, "--follow", "--roots"])
        .output()
        .unwrap();
    assert_eq!(usage.status.code(), Some(2));
}
