//! gzip and zstd logs: written where the name ends so (deterministically,
//! a frame per tick), read by their magic bytes everywhere (standard input
//! too), and a run killed mid-write loses at most its last frame.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_tickcascade")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "tickcascade-compressed-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(args: &[&str]) -> Output {
    Command::new(bin()).args(args).output().unwrap()
}

fn demo(save: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "demo",
        "adventure",
        "--seed",
        "7",
        "--quiet",
        "--save",
        save.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

fn plain_seed7() -> Vec<u8> {
    std::fs::read(crate::common::fixture("ours/adventure_seed7.jsonl")).unwrap()
}

#[test]
fn the_same_seed_writes_the_same_compressed_bytes_and_every_command_reads_them() {
    let dir = temp_dir("same");
    let plain = crate::common::fixture("ours/adventure_seed7.jsonl");
    let want_cascade = run(&["cascade", plain.to_str().unwrap()]).stdout;
    for ext in ["gz", "zst"] {
        let a = dir.join(format!("a.jsonl.{ext}"));
        let b = dir.join(format!("b.jsonl.{ext}"));
        assert!(demo(&a, &[]).status.success());
        assert!(demo(&b, &[]).status.success());
        let bytes = std::fs::read(&a).unwrap();
        assert_eq!(bytes, std::fs::read(&b).unwrap(), "{ext}: deterministic");
        assert!(bytes.len() < plain_seed7().len() / 2, "{ext}: compressed");
        // Read by content, not by name: the same bytes under a plain name.
        let renamed = dir.join(format!("renamed-{ext}.jsonl"));
        std::fs::copy(&a, &renamed).unwrap();
        for path in [&a, &renamed] {
            let p = path.to_str().unwrap();
            assert_eq!(run(&["cascade", p]).stdout, want_cascade, "{ext} cascade");
            let v = run(&["validate", p]);
            assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stderr));
            // query prints the log's lines: the decompressed log itself.
            let q = run(&["query", p]);
            assert_eq!(
                q.stdout,
                plain_seed7(),
                "{ext}: query prints the log's lines"
            );
        }
        let mut child = Command::new(bin())
            .args(["stats", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(&bytes).unwrap();
        }
        let out = child.wait_with_output().unwrap();
        assert!(
            String::from_utf8_lossy(&out.stdout).starts_with("events     436"),
            "{ext} from stdin"
        );
    }
}

#[test]
fn a_torn_last_frame_is_dropped_by_a_lenient_read_and_refused_otherwise() {
    let dir = temp_dir("torn");
    for ext in ["gz", "zst"] {
        let whole = dir.join(format!("whole.jsonl.{ext}"));
        assert!(demo(&whole, &["--ticks", "30"]).status.success());
        let bytes = std::fs::read(&whole).unwrap();
        let torn = dir.join(format!("torn.jsonl.{ext}"));
        std::fs::write(&torn, &bytes[..bytes.len() - 7]).unwrap();
        let p = torn.to_str().unwrap();
        let strict = run(&["stats", p]);
        assert_eq!(strict.status.code(), Some(1), "{ext}");
        let lenient = run(&["query", p, "--lenient"]);
        assert!(
            lenient.status.success(),
            "{ext}: {}",
            String::from_utf8_lossy(&lenient.stderr)
        );
        assert!(
            String::from_utf8_lossy(&lenient.stderr).contains("warning"),
            "{ext}"
        );
        let kept = lenient.stdout;
        assert!(!kept.is_empty());
        assert!(
            plain_seed7().starts_with(&kept),
            "{ext}: the complete lines before the torn frame"
        );
    }
}

#[test]
fn a_run_killed_mid_write_loses_at_most_its_last_frame() {
    let dir = temp_dir("kill");
    for ext in ["gz", "zst"] {
        let path = dir.join(format!("killed.jsonl.{ext}"));
        let mut child = Command::new(bin())
            .args([
                "demo",
                "adventure",
                "--seed",
                "7",
                "--ticks",
                "100",
                "--tps",
                "40",
                "--quiet",
                "--save",
            ])
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(900));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let out = run(&["query", path.to_str().unwrap(), "--lenient"]);
        assert!(
            out.status.success(),
            "{ext}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let kept = out.stdout;
        let lines = kept.iter().filter(|&&b| b == b'\n').count();
        assert!(lines > 10 && lines < 436, "{ext}: {lines} lines kept");
        assert!(
            plain_seed7().starts_with(&kept),
            "{ext}: a prefix of the full run"
        );
    }
}

#[test]
fn a_follower_reads_a_compressed_live_log_frame_by_frame() {
    use tickcascade::{EventLog, FollowOptions, Followed, Follower, LiveWriter, SyncPolicy};
    let dir = temp_dir("follow");
    for name in ["live.jsonl.zst", "live.jsonl.gz"] {
        let path = dir.join(name);
        let mut log = EventLog::new();
        log.attach_writer(LiveWriter::create(&path, SyncPolicy::FlushPerTick).unwrap());
        let mut follower = Follower::open(&path, FollowOptions::default()).unwrap();
        assert_eq!(follower.poll().unwrap(), Followed::Unchanged, "{name}");
        for tick in 0..5 {
            for k in 0..3 {
                log.add_event("t", &serde_json::json!({"tick": tick, "k": k}), None)
                    .unwrap();
            }
            // The tick's frame ends when the tick does.
            log.advance_tick();
            assert_eq!(
                follower.poll().unwrap(),
                Followed::Grew,
                "{name} tick {tick}"
            );
            assert_eq!(follower.log().len(), log.len(), "{name} tick {tick}");
        }
        let a: Vec<String> = follower
            .log()
            .events()
            .iter()
            .map(|e| e.to_json())
            .collect();
        let b: Vec<String> = log.events().iter().map(|e| e.to_json()).collect();
        assert_eq!(a, b, "{name}");
    }
}

#[test]
fn a_follower_waits_for_a_compressed_file_whose_magic_number_is_cut() {
    use tickcascade::{FollowOptions, Followed, Follower};
    let dir = temp_dir("follow-cut");
    let full = dir.join("full.jsonl.zst");
    assert!(demo(&full, &["--ticks", "3"]).status.success());
    let bytes = std::fs::read(&full).unwrap();
    let path = dir.join("growing.jsonl.zst");
    for cut in [1, 3, 40, bytes.len() / 2] {
        std::fs::write(&path, &bytes[..cut]).unwrap();
        let (whole, _) =
            tickcascade::load_file(&full, &tickcascade::LoadOptions::default()).unwrap();
        let mut follower = Follower::open(&path, FollowOptions::default()).unwrap();
        let first = follower.poll().unwrap();
        if cut <= 40 {
            // No frame is complete yet (the magic number itself, for 1 and 3).
            assert_eq!(first, Followed::Unchanged, "cut at {cut}");
        }
        // Only complete frames' lines are events; the rest waits.
        assert!(follower.log().len() < whole.len(), "cut at {cut}");
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        std::io::Write::write_all(&mut file, &bytes[cut..]).unwrap();
        assert_eq!(follower.poll().unwrap(), Followed::Grew, "cut at {cut}");
        assert_eq!(follower.log().len(), whole.len(), "cut at {cut}");
    }
}
