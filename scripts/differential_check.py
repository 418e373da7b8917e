"""Random hostile logs through the real Eventure and through the CLI, compared
byte for byte. Not part of `cargo test` (it needs Python and Eventure); run it
after changing the loader, the printers or the saver:

    PYENV_VERSION=3.12.1 python3 -m venv .venv && .venv/bin/pip install eventure==0.4.4
    cargo build --release
    .venv/bin/python scripts/differential_check.py [--seed 1] [--cases 200]

Each case is a log of 1-40 lines Eventure can load (two in five hold object
data only, so that data queries run): ticks that go back,
generated and free-form ids, duplicate ids, unknown parents, parents on later
lines, cycles, and data of every JSON kind (non-ASCII and escaped strings,
integers past 2^64, floats of every magnitude, -0.0, nesting); a few end in a
torn line or lack a required key. For each case:

  cascade          == print_event_cascade() of the loaded log
  cascade --no-data == print_event_cascade(show_data=False)
  query --type '*' == the loaded log saved again (save_to_file)
  query --roots    == get_root_events(), in log order (the CLI's order)
  show LOG ID      == print_event_details(), for an id one event holds,
                      where Eventure can print it (it raises on non-object data)
  cascade --root ID == print_single_cascade(), for the same event
  query --cascade-of ID == get_cascade_events() of the id's first holder,
                      in log order
  query --tick N   == get_events_at_tick(N), in log order
  query --data K=V == get_events_by_data(K, V), in log order, for a key some
                      event's data holds and its value or a value Python's ==
                      may find equal (1 == 1.0 == True, 2**53 + 1 != 2.0**53);
                      skipped where Eventure raises (data that is a number,
                      null or a boolean; a list or string holding the key)

A mismatch is written to --out (the log, what Eventure printed, what the CLI
printed) and the script exits 1. Cases Eventure cannot load or print
(RecursionError on deep cycles) are skipped; a log Eventure refuses must be
refused by the CLI too.
"""
import argparse
import io
import json
import os
import random
import subprocess
import sys

from eventure import Event, EventLog, EventQuery

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STRS = ["hero", "é", "日本", 'a"b', "back\\slash", "tab\there", "nl\nx", "\u0001", "😀", "", " ",
        "it's", "\u2028"]
TYPES = ["a", "b.c", "player.move", "x.y.z", "日本.t", "combat.attack", "Z"]


def value(rng, depth=0):
    k = rng.random()
    if depth > 3 or k < 0.3:
        return rng.choice([0, 1, -1, 2**53, 2**64, -2**70, 1.5, -0.0, 0.0, 1e-7, 1e16, 1e22, 123.456,
                           0.1, 1 / 3, True, False, None, rng.choice(STRS),
                           rng.randint(-1000, 1000), rng.random() * 1e6])
    if k < 0.6:
        keys = STRS + ["k%d" % i for i in range(5)]
        return {rng.choice(keys): value(rng, depth + 1) for _ in range(rng.randint(0, 4))}
    if k < 0.8:
        return [value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return rng.choice(STRS)


def object_value(rng):
    keys = STRS + ["k%d" % i for i in range(5)]
    return {rng.choice(keys): value(rng, 1) for _ in range(rng.randint(1, 4))}


def make_log(rng, n):
    lines, ids, tick = [], [], 0
    # Some logs hold objects only: Eventure's get_events_by_data raises on
    # any other data (`key in 5`), so only these exercise data queries.
    objects_only = rng.random() < 0.4
    for i in range(n):
        r = rng.random()
        if r < 0.1:
            tick = max(0, tick - rng.randint(1, 3))
        elif r < 0.5:
            tick += rng.randint(0, 2)
        if rng.random() < 0.8:
            eid = "%d-%s-%d" % (tick, rng.choice(["ABCD", "EFCF", "ADFA", "ZZZZ"]), rng.randint(1, 30))
        else:
            eid = rng.choice(["evt_%d" % rng.randint(0, 50), "x", "日本"])
        if ids and rng.random() < 0.05:
            eid = rng.choice(ids)
        parent, pr = None, rng.random()
        if ids and pr < 0.6:
            parent = rng.choice(ids)
        elif pr < 0.65:
            parent = "9-ZZZZ-99"
        ts = rng.choice([1795391001.634849, 10, 15.0, rng.random() * 2e9, 0, -1.5, 1e-05,
                         round(rng.random() * 2e9, 6)])
        if rng.random() < 0.3:
            ts = 1795391000 + i * 0.000001 * rng.randint(0, 3)
        lines.append(json.dumps({"tick": tick, "timestamp": ts, "type": rng.choice(TYPES),
                                 "data": object_value(rng) if objects_only else value(rng),
                                 "event_id": eid, "parent_id": parent}))
        ids.append(eid)
    text = "\n".join(lines) + "\n"
    r = rng.random()
    if r < 0.04:  # a torn last line
        text = text[: rng.randint(len(text) - len(lines[-1]), len(text) - 2)]
    elif r < 0.07:  # a line without one of its keys
        k = rng.randrange(len(lines))
        d = json.loads(lines[k])
        del d[rng.choice(["tick", "timestamp", "type", "data", "event_id"])]
        lines[k] = json.dumps(d)
        text = "\n".join(lines) + "\n"
    return text


def capture(fn, *args, **kw):
    buf = io.StringIO()
    fn(*args, file=buf, **kw)
    return buf.getvalue()


def expectations(rng, path, scratch):
    """(CLI arguments, expected stdout) pairs; None when Eventure refuses the log."""
    Event._event_sequences.clear()
    try:
        log = EventLog.load_from_file(path)
    except RecursionError:
        return []
    except Exception:
        return None
    q = EventQuery(log)
    try:
        checks = [(["cascade", path], capture(q.print_event_cascade)),
                  (["cascade", "--no-data", path], capture(q.print_event_cascade, show_data=False))]
    except RecursionError:
        return []
    log.save_to_file(scratch)
    with open(scratch, encoding="utf-8") as f:
        checks.append((["query", "--type", "*", path], f.read()))
    at = {id(e): i for i, e in enumerate(log.events)}

    def ids_in_log_order(events):
        return "".join(e.id + "\n" for e in sorted(events, key=lambda e: at[id(e)]))

    checks.append((["query", "--roots", "--format", "ids", path],
                   ids_in_log_order(q.get_root_events())))
    pick = rng.choice(log.events)
    if sum(e.id == pick.id for e in log.events) == 1:
        try:
            checks.append((["show", path, pick.id], capture(q.print_event_details, pick)))
        except Exception:
            pass
        try:
            checks.append((["cascade", "--root", pick.id, path],
                           capture(q.print_single_cascade, pick)))
        except Exception:  # RecursionError included
            pass
    # The cascade of an id's first holder (the CLI's choice), in log order.
    first = next(e for e in log.events if e.id == pick.id)
    checks.append((["query", "--cascade-of", pick.id, "--format", "ids", path],
                   ids_in_log_order(q.get_cascade_events(first))))
    tick = rng.choice(log.events).tick
    checks.append((["query", "--tick", str(tick), "--format", "ids", path],
                   ids_in_log_order(q.get_events_at_tick(tick))))
    # A data query on a key some event has, for its value or a value equal
    # or almost equal under Python's == (1 == 1.0 == True, 2**53 + 1 != 2.0**53).
    holders = [e for e in log.events if isinstance(e.data, dict) and e.data]
    if holders:
        e = rng.choice(holders)
        key = rng.choice(list(e.data))
        want = data_probe(rng, e.data[key])
        try:
            hits = q.get_events_by_data(key, want)
        except Exception:
            hits = None  # Eventure raises: `key in 5`, or `"s"[key]` after `key in "s"`
        if hits is not None:
            arg = json.dumps(want, ensure_ascii=False)
            checks.append((["query", "--data", f"{key}={arg}", "--format", "ids", path],
                           ids_in_log_order(hits)))
    return checks


def data_probe(rng, v):
    """The value itself, or one that Python's == may or may not find equal."""
    r = rng.random()
    if r < 0.5 or isinstance(v, (dict, list, str)) or v is None:
        return v
    if isinstance(v, bool):
        return rng.choice([int(v), float(v)])
    if isinstance(v, int):
        return rng.choice([float(v), v + 1, bool(v) if v in (0, 1) else v])
    if isinstance(v, float):
        return rng.choice([int(v) if v.is_integer() and abs(v) < 1e300 else v, v * (1 + 2**-52)])
    return v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", type=int, default=200)
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "tickcascade"))
    ap.add_argument("--out", default=os.path.join(ROOT, "target", "differential"))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "case.jsonl")
    scratch = os.path.join(args.out, "resaved.jsonl")
    compared = 0
    for case in range(args.cases):
        text = make_log(rng, rng.randint(1, 40))
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        checks = expectations(rng, path, scratch)
        if checks is None:
            r = subprocess.run([args.binary, "cascade", path], capture_output=True)
            if r.returncode == 0:
                print(f"case {case}: Eventure refused the log, the CLI accepted it", file=sys.stderr)
                return 1
            continue
        for cli_args, want in checks:
            r = subprocess.run([args.binary] + cli_args, capture_output=True)
            got = r.stdout.decode("utf-8", "replace")
            compared += 1
            if r.returncode != 0 or got != want:
                stem = os.path.join(args.out, f"seed{args.seed}-case{case}")
                for ext, body in ((".jsonl", text), (".want", want), (".got", got + r.stderr.decode())):
                    with open(stem + ext, "w", encoding="utf-8") as f:
                        f.write(body)
                print(f"case {case}: `tickcascade {' '.join(cli_args)}` differs"
                      f" (exit {r.returncode}); see {stem}.*", file=sys.stderr)
                return 1
    print(f"seed {args.seed}: {args.cases} logs, {compared} outputs, all equal to Eventure's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
