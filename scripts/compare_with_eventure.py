"""Runs the reference workload on Eventure and on tickcascade, on the same
machine in the same run, and prints a Markdown table of seconds and ratios.

    PYENV_VERSION=3.12.1 python3 -m venv .venv && .venv/bin/pip install eventure==0.4.4
    .venv/bin/python scripts/compare_with_eventure.py [--runs 3] [--sizes 10x1000,100x1000,100x10000]

Eventure side: ../shared/bench/eventure_workload.py (or --eventure-script PATH);
tickcascade side: `cargo run --release --example eventure_workload -- T E --print`.
Eventure's printer is quadratic, so its print column is measured only at 10x1000.
Each figure is the median of --runs runs; ratios are Eventure / tickcascade.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLUMNS = ["publish_s", "count_by_type_s", "by_data_s", "cascade_100_s", "save_s", "load_s", "print_s"]


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(out.strip().splitlines()[-1])


def median_of(results):
    merged = dict(results[0])
    for k in COLUMNS + ["peak_rss_bytes"]:
        vals = [r[k] for r in results if k in r]
        if vals:
            merged[k] = statistics.median(vals)
    return merged


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sizes", default="10x1000,100x1000,100x10000")
    ap.add_argument("--eventure-script", default=os.path.join(ROOT, "..", "shared", "bench", "eventure_workload.py"))
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--example", "eventure_workload"], check=True, cwd=ROOT,
                   capture_output=True)
    ours_bin = os.path.join(ROOT, "target", "release", "examples", "eventure_workload")
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    print(f"Machine: {cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"medians of {args.runs} runs; ratio = Eventure / tickcascade.\n")
    header = "| size | events | " + " | ".join(c[:-2] for c in COLUMNS) + " | peak RSS (MB) |"
    print(header)
    print("|" + "---|" * (len(COLUMNS) + 3))
    results = {}
    for size in args.sizes.split(","):
        t, e = size.split("x")
        print_flag = ["--print"] if size == "10x1000" else []
        # Interleaved, so that a slow spell of a shared machine hits both sides.
        their_runs, our_runs = [], []
        for _ in range(args.runs):
            their_runs.append(run_json([sys.executable, args.eventure_script, t, e] + print_flag))
            our_runs.append(run_json([ours_bin, t, e, "--print"]))
        theirs, ours = median_of(their_runs), median_of(our_runs)
        results[size] = ours
        assert theirs["events"] == ours["events"], (theirs["events"], ours["events"])
        assert theirs["counts"] == ours["counts"], (theirs["counts"], ours["counts"])
        for who, r in (("Eventure", theirs), ("tickcascade", ours)):
            cells = [f"{r[c]:.4g}" if c in r else "—" for c in COLUMNS]
            print(f"| {size} {who} | {r['events']:,} | " + " | ".join(cells) + f" | {r['peak_rss_bytes'] / 1e6:.0f} |")
        ratios = []
        for c in COLUMNS:
            if c in theirs and c in ours and ours[c] > 0:
                ratios.append(f"**{theirs[c] / ours[c]:.0f}×**")
            else:
                ratios.append("—")
        rss = theirs["peak_rss_bytes"] / ours["peak_rss_bytes"]
        print(f"| {size} ratio | | " + " | ".join(ratios) + f" | {rss:.1f}× less |")
    small, large = results.get("100x1000"), results.get("100x10000")
    if small and large:
        cells = [f"{large[c] / small[c]:.1f}×" if c in small and c in large and small[c] > 0 else "—"
                 for c in COLUMNS]
        print("\nScaling, tickcascade 100x10000 / 100x1000 (10× the events): "
              + ", ".join(f"{c[:-2]} {v}" for c, v in zip(COLUMNS, cells)))


if __name__ == "__main__":
    main()
