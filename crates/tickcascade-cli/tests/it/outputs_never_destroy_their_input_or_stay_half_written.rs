//! Output files: one that is an input is refused, whatever its spelling;
//! regular files appear whole (temporary file, then rename); a killed sweep
//! leaves no temporary files behind once re-run.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_tickcascade")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tickcascade-out-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(args: &[&str]) -> Output {
    Command::new(bin()).args(args).output().unwrap()
}

fn demo_log(dir: &Path) -> PathBuf {
    let path = dir.join("game.jsonl");
    let out = run(&[
        "demo",
        "adventure",
        "--seed",
        "2",
        "--ticks",
        "10",
        "--quiet",
        "--save",
        path.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    path
}

#[test]
fn an_export_onto_its_own_input_is_refused_by_any_name() {
    let dir = temp_dir("same");
    let log = demo_log(&dir);
    let before = std::fs::read(&log).unwrap();
    let link = dir.join("hard.jsonl");
    std::fs::hard_link(&log, &link).unwrap();
    let mut names = vec![
        log.to_str().unwrap().to_owned(),
        format!("{}/./game.jsonl", dir.display()),
        link.to_str().unwrap().to_owned(),
    ];
    #[cfg(unix)]
    {
        let sym = dir.join("sym.jsonl");
        std::os::unix::fs::symlink(&log, &sym).unwrap();
        names.push(sym.to_str().unwrap().to_owned());
    }
    for format in ["dot", "html", "trace", "parquet"] {
        for name in &names {
            let out = run(&[
                "export",
                log.to_str().unwrap(),
                "--format",
                format,
                "-o",
                name,
            ]);
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{format} -o {name}: {err}");
            assert!(err.contains("is the input"), "{err}");
            assert_eq!(
                std::fs::read(&log).unwrap(),
                before,
                "{format} -o {name} changed the log"
            );
        }
    }
}

#[test]
fn exports_appear_whole_and_leave_no_temporary_files() {
    let dir = temp_dir("whole");
    let log = demo_log(&dir);
    let target = dir.join("game.dot");
    std::fs::write(&target, "old").unwrap();
    let out = run(&[
        "export",
        log.to_str().unwrap(),
        "--format",
        "dot",
        "-o",
        target.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    assert!(
        std::fs::read_to_string(&target)
            .unwrap()
            .starts_with("digraph")
    );
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains(".tmp-")), "{names:?}");
    // A failing export keeps the old file: an unknown --root.
    let out = run(&[
        "export",
        log.to_str().unwrap(),
        "--format",
        "dot",
        "--root",
        "nope",
        "-o",
        target.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        std::fs::read_to_string(&target)
            .unwrap()
            .starts_with("digraph")
    );
    // Devices are written directly.
    let out = run(&[
        "export",
        log.to_str().unwrap(),
        "--format",
        "dot",
        "-o",
        "/dev/null",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_rerun_sweep_removes_what_a_killed_one_left() {
    let dir = temp_dir("sweep");
    let out_dir = dir.join("sweep");
    let run_dir = out_dir.join("run=1");
    std::fs::create_dir_all(&run_dir).unwrap();
    // What a sweep killed mid-write leaves: a process that no longer exists.
    std::fs::write(run_dir.join("log.jsonl.tmp-4194999"), "{\"tick\": 0").unwrap();
    std::fs::write(run_dir.join(".part-0.parquet.tmp"), "PAR1").unwrap();
    let out = run(&[
        "sweep",
        "trading",
        "--seeds",
        "0..2",
        "--ticks",
        "5",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut names: Vec<String> = std::fs::read_dir(&run_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["_SUCCESS", "log.jsonl", "part-0.parquet"]);
}
