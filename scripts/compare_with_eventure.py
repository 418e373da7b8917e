"""Runs the reference workload on Eventure and on tickcascade, on the same
machine in the same run, and prints a Markdown table of seconds and ratios.

    PYENV_VERSION=3.12.1 python3 -m venv .venv && .venv/bin/pip install eventure==0.4.4
    .venv/bin/python scripts/compare_with_eventure.py [--runs 3] [--sizes 10x1000,100x1000,100x10000]
        [--before PATH_TO_AN_OLDER_eventure_workload_BINARY] [--no-pin]

Eventure side: ../shared/bench/eventure_workload.py (or --eventure-script PATH);
tickcascade side: `cargo run --release -p tickcascade --example eventure_workload -- T E --print`,
pinned to one core (`taskset -c 0`, unless --no-pin) with default options, so it
runs on one thread; a second, unpinned run times a load on one thread and a load
allowed two threads (`load 1t (2 cores)`, `load 2t (2 cores)`).
`--before` times an older build of the same example the same way in the same run
(with TICKCASCADE_PREFAULT=0, which older builds read), for a before/after ratio.

For each side the table gives the workload's own timings (wall seconds of each
step, medians of --runs), and for the whole process wall time and user+system CPU
time (`rusage` of the child), so work moved to another thread shows up.
Eventure's printer is quadratic, so its print column is measured only at 10x1000.
Ratios are Eventure / tickcascade (and before / after).
"""
import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLUMNS = ["publish_s", "count_by_type_s", "by_data_s", "cascade_100_s", "save_s", "load_s",
           "load_unpinned_s", "load_threads_s", "print_s", "process_wall_s", "process_cpu_s"]
NAMES = {"load_unpinned_s": "load 1t (2 cores)", "load_threads_s": "load 2t (2 cores)",
         "process_wall_s": "process wall", "process_cpu_s": "process CPU"}


def run_json(cmd, env=None):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT, env=env).stdout
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = json.loads(out.strip().splitlines()[-1])
    result["process_wall_s"] = wall
    result["process_cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result


def median_of(results):
    merged = dict(results[0])
    for k in COLUMNS + ["peak_rss_bytes"]:
        vals = [r[k] for r in results if k in r]
        if vals:
            merged[k] = statistics.median(vals)
    return merged


def row(label, r):
    cells = [f"{r[c]:.4g}" if c in r else "—" for c in COLUMNS]
    return f"| {label} | {r['events']:,} | " + " | ".join(cells) + f" | {r['peak_rss_bytes'] / 1e6:.0f} |"


def ratio_row(label, num, den):
    cells = []
    for c in COLUMNS:
        if c in num and c in den and den[c] > 0:
            cells.append(f"**{num[c] / den[c]:.1f}×**" if num[c] / den[c] < 10 else f"**{num[c] / den[c]:.0f}×**")
        else:
            cells.append("—")
    rss = num["peak_rss_bytes"] / den["peak_rss_bytes"]
    return f"| {label} | | " + " | ".join(cells) + f" | {rss:.2f}× |"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sizes", default="10x1000,100x1000,100x10000")
    ap.add_argument("--eventure-script", default=os.path.join(ROOT, "..", "shared", "bench", "eventure_workload.py"))
    ap.add_argument("--before", help="an older build of the eventure_workload example, timed alongside")
    ap.add_argument("--no-pin", action="store_true", help="do not pin the Rust side to core 0")
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "-p", "tickcascade", "--example", "eventure_workload"],
                   check=True, cwd=ROOT, capture_output=True)
    ours_bin = os.path.join(ROOT, "target", "release", "examples", "eventure_workload")
    pin = [] if args.no_pin or not shutil.which("taskset") else ["taskset", "-c", "0"]
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    print(f"Machine: {cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"medians of {args.runs} runs; Rust side {'pinned to core 0' if pin else 'not pinned'}, "
          f"default options (one thread) except `load 2t`, which runs unpinned.\n")
    print("| size / side | events | " + " | ".join(NAMES.get(c, c[:-2]) for c in COLUMNS) + " | peak RSS (MB) |")
    print("|" + "---|" * (len(COLUMNS) + 3))
    old_env = dict(os.environ, TICKCASCADE_PREFAULT="0")
    for size in args.sizes.split(","):
        t, e = size.split("x")
        print_flag = ["--print"] if size == "10x1000" else []
        ours_cmd = pin + [ours_bin, t, e, "--print"]
        # The two-thread load needs two cores: a separate run, not pinned.
        two_core_cmd = [ours_bin, t, e, "--load-threads", "2"]
        # Interleaved, so that a slow spell of a shared machine hits every side.
        their_runs, our_runs, before_runs = [], [], []
        for _ in range(args.runs):
            their_runs.append(run_json([sys.executable, args.eventure_script, t, e] + print_flag))
            ours_run = run_json(ours_cmd)
            two = run_json(two_core_cmd)
            ours_run["load_threads_s"] = two["load_threads_s"]
            ours_run["load_unpinned_s"] = two["load_s"]
            our_runs.append(ours_run)
            if args.before:
                before_runs.append(run_json(pin + [args.before, t, e, "--print"], env=old_env))
        theirs, ours = median_of(their_runs), median_of(our_runs)
        assert theirs["events"] == ours["events"], (theirs["events"], ours["events"])
        assert theirs["counts"] == ours["counts"], (theirs["counts"], ours["counts"])
        print(row(f"{size} Eventure", theirs))
        print(row(f"{size} tickcascade", ours))
        if before_runs:
            before = median_of(before_runs)
            print(row(f"{size} tickcascade before", before))
        print(ratio_row(f"{size} Eventure / tickcascade", theirs, ours))
        if before_runs:
            print(ratio_row(f"{size} before / after", before, ours))


if __name__ == "__main__":
    main()
