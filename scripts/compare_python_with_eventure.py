"""Runs ../shared/bench/eventure_workload.py unmodified twice in one run on
one machine: once with Eventure 0.4.4 and once with `eventure` resolving to
the tickcascade Python package (a shim on the path, as for Eventure's own
tests), each pinned to one core, and prints a Markdown table of medians and
ratios (Eventure / tickcascade), with the process's CPU time next to its wall
time and the peak RSS.

    scripts/compare_python_with_eventure.py --eventure-python VENV/bin/python \\
        --tickcascade-python VENV2/bin/python [--runs 3] [--sizes 10x1000,100x1000]

VENV has eventure==0.4.4; VENV2 has the tickcascade package (pip install
./crates/tickcascade-py). The print column runs at 10x1000 only (Eventure's
printer is quadratic).
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKLOAD = os.path.join(os.path.dirname(ROOT), "shared", "bench", "eventure_workload.py")
COLUMNS = ["publish_s", "count_by_type_s", "by_data_s", "cascade_100_s", "save_s", "load_s",
           "print_s", "process_wall_s", "process_cpu_s", "peak_rss_bytes"]
FLOORS = {"publish_s": 5, "save_s": 10, "load_s": 10, "count_by_type_s": 20, "by_data_s": 2,
          "cascade_100_s": 50, "print_s": 200}


def shim_dir():
    path = tempfile.mkdtemp(prefix="eventure-shim-")
    os.makedirs(os.path.join(path, "eventure"))
    with open(os.path.join(path, "eventure", "__init__.py"), "w") as f:
        f.write("from tickcascade import Event, EventBus, EventLog, EventQuery  # noqa\n")
    return path


def run(python, size, with_print, shim=None):
    ticks, per_tick = size.split("x")
    cmd = [python, WORKLOAD, ticks, per_tick] + (["--print"] if with_print else [])
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", "0"] + cmd
    env = dict(os.environ)
    if shim:
        env["PYTHONPATH"] = shim
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = json.loads(out.strip().splitlines()[-1])
    r["process_wall_s"] = wall
    r["process_cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--eventure-python", required=True)
    ap.add_argument("--tickcascade-python", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sizes", default="10x1000,100x1000")
    a = ap.parse_args()
    shim = shim_dir()
    for size in a.sizes.split(","):
        with_print = size == "10x1000"
        ev, tc = [], []
        for _ in range(a.runs):  # alternating, so a slow minute hits both
            ev.append(run(a.eventure_python, size, with_print))
            tc.append(run(a.tickcascade_python, size, with_print, shim))
        print(f"\n### {size} (medians of {a.runs}, one core)\n")
        print("| column | Eventure | tickcascade (Python) | ratio | floor |")
        print("|---|---:|---:|---:|---:|")
        for col in COLUMNS:
            if col not in ev[0] or col not in tc[0]:
                continue
            e = statistics.median(r[col] for r in ev)
            t = statistics.median(r[col] for r in tc)
            ratio = e / t if t else float("inf")
            floor = FLOORS.get(col)
            unit = "MB" if col.endswith("bytes") else "s"
            shown = (lambda v: f"{v / 1e6:.0f}") if unit == "MB" else (lambda v: f"{v:.4f}")
            mark = "" if floor is None else (f"{floor}x" + (" ok" if ratio >= floor else " MISSED"))
            print(f"| {col} ({unit}) | {shown(e)} | {shown(t)} | {ratio:.1f}x | {mark} |")
    shutil.rmtree(shim, ignore_errors=True)


if __name__ == "__main__":
    main()
