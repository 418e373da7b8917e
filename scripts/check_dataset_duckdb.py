"""Checks a sweep's Parquet dataset with DuckDB: per run, the event count,
the counts by type and the ticks must equal `tickcascade stats --json` on the
run's own log. Run by .ci/run (which makes a venv with DuckDB's package):

    python scripts/check_dataset_duckdb.py TICKCASCADE_BINARY DATASET_DIR
"""
import json
import os
import subprocess
import sys

import duckdb


def main():
    binary, root = sys.argv[1], sys.argv[2]
    con = duckdb.connect()
    rel = f"read_parquet('{root}/*/*.parquet', hive_partitioning = true)"
    per_run = dict(con.execute(f"SELECT run, count(*) FROM {rel} GROUP BY run").fetchall())
    by_type = {}
    for run, ty, n in con.execute(f"SELECT run, type, count(*) FROM {rel} GROUP BY run, type").fetchall():
        by_type.setdefault(run, {})[ty] = n
    ticks = {run: (a, b, c) for run, a, b, c in con.execute(
        f"SELECT run, min(tick), max(tick), count(DISTINCT tick) FROM {rel} GROUP BY run").fetchall()}
    runs = sorted(d for d in os.listdir(root) if d.startswith("run="))
    assert runs, "no runs in the dataset"
    for d in runs:
        run = int(d.split("=", 1)[1])
        stats = json.loads(subprocess.run([binary, "stats", os.path.join(root, d, "log.jsonl"), "--json"],
                                          check=True, capture_output=True, text=True).stdout)
        assert per_run[run] == stats["events"], (run, per_run[run], stats["events"])
        assert by_type[run] == stats["by_type"], (run, by_type[run], stats["by_type"])
        t = stats["ticks"]
        assert ticks[run] == (t["first"], t["last"], t["distinct"]), (run, ticks[run], t)
    deepest = con.execute(f"SELECT run, max(depth) + 1 FROM {rel} GROUP BY run ORDER BY run LIMIT 1").fetchone()
    print(f"duckdb agrees with stats on {len(runs)} runs ({sum(per_run.values())} events); "
          f"deepest cascade in run {deepest[0]}: {deepest[1]} events")


if __name__ == "__main__":
    main()
