"""Random bus programs (subscribe with wildcards, unsubscribe and publish
inside handlers, ticks) run on Eventure 0.4.4 and on the tickcascade Python
package; the handler calls (name, event type, event id, in order) must be
the same.

    scripts/python_bus_differential.py EVENTURE_PYTHON TICKCASCADE_PYTHON [SEEDS]

New patterns are not subscribed inside handlers: Eventure raises
RuntimeError there (docs/python.md).
"""
import subprocess
import sys

PROGRAM = r'''
import random, sys
mod = __import__(sys.argv[1])
rng = random.Random(int(sys.argv[2]))
types = ["a.b", "a.c", "b.c", "a", "c.b.a", "*", "a.*"]
patterns = ["*", "a.*", "*.c", "a.b", "b.*", "*.b", "c.*", "a", "*.a", "a.*"]
log = mod.EventLog()
bus = mod.EventBus(log)
calls, unsubscribes = [], []
def make(name):
    def handler(e):
        calls.append((name, e.type, e.id, e.parent_id))
        r = rng.random()
        if r < 0.15 and unsubscribes:
            unsubscribes.pop(rng.randrange(len(unsubscribes)))()
        elif r < 0.3 and len(log.events) < 300:
            bus.publish(rng.choice(types), {"n": len(calls)}, parent_event=e)
    return handler
for i in range(12):
    unsubscribes.append(bus.subscribe(rng.choice(patterns), make(f"h{i}")))
for t in range(20):
    for _ in range(rng.randrange(4)):
        bus.publish(rng.choice(types), {"t": t})
    log.advance_tick()
print(repr(calls))
'''


def main():
    eventure, tickcascade = sys.argv[1], sys.argv[2]
    seeds = int(sys.argv[3]) if len(sys.argv) > 3 else 40
    differ = 0
    for seed in range(seeds):
        a = subprocess.run([eventure, "-c", PROGRAM, "eventure", str(seed)], capture_output=True, text=True, check=True).stdout
        b = subprocess.run([tickcascade, "-c", PROGRAM, "tickcascade", str(seed)], capture_output=True, text=True, check=True).stdout
        if a != b:
            differ += 1
            print(f"seed {seed}: the handler calls differ")
    print(f"{seeds - differ} of {seeds} programs give the same calls")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
