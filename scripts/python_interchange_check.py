"""Files interchange both ways between Eventure 0.4.4 and the tickcascade
Python package: a log each one saves loads in the other and prints the same
cascade viewer, byte for byte.

    scripts/python_interchange_check.py EVENTURE_PYTHON TICKCASCADE_PYTHON

Each interpreter runs this file's `side` function in a subprocess (the two
packages live in different environments).
"""
import json
import os
import subprocess
import sys
import tempfile

PROGRAM = r'''
import io, json, sys
mode, package, path = sys.argv[1], sys.argv[2], sys.argv[3]
mod = __import__(package)
EventLog, EventBus, EventQuery = mod.EventLog, mod.EventBus, mod.EventQuery
if mode == "write":
    log = EventLog()
    bus = EventBus(log)
    bus.subscribe("combat.attack", lambda e: bus.publish("combat.damage", {"amount": e.data["power"] * 2, "tags": ["crit", "it's"]}, parent_event=e))
    for tick in range(6):
        bus.publish("combat.attack", {"power": tick, "who": "orc \u00e9\u00fc", "big": 2**70, "f": 0.1 * tick})
        if tick % 2:
            bus.publish("weather.rain", {"mm": tick / 3})
        log.advance_tick()
    first = log.events[0]
    log.add_event("loot.drop", {"from": first.id, "nested": {"a": [1, {"b": None}], "t": True}}, parent_event=first)
    log.save_to_file(path)
else:
    log = EventLog.load_from_file(path)
out = io.StringIO()
EventQuery(log).print_event_cascade(file=out)
sys.stdout.write(out.getvalue())
'''


def side(python, mode, package, path):
    return subprocess.run([python, "-c", PROGRAM, mode, package, path],
                          check=True, capture_output=True, text=True).stdout


def main():
    eventure, tickcascade = sys.argv[1], sys.argv[2]
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for writer, reader in [((eventure, "eventure"), (tickcascade, "tickcascade")),
                               ((tickcascade, "tickcascade"), (eventure, "eventure"))]:
            path = os.path.join(tmp, f"{writer[1]}.jsonl")
            printed_by_writer = side(writer[0], "write", writer[1], path)
            printed_by_reader = side(reader[0], "read", reader[1], path)
            same = printed_by_writer == printed_by_reader
            print(f"{'ok  ' if same else 'FAIL'} saved by {writer[1]}, loaded by {reader[1]}: "
                  f"{len(printed_by_reader.splitlines())} lines printed, {'identical' if same else 'different'}")
            failures += not same
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
