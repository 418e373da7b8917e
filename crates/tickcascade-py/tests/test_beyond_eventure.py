"""What Eventure's own suite does not cover: load modes and their errors,
handler exceptions, unsubscribing during dispatch, data of every JSON kind,
a deterministic clock, a million-event log, logs written by the Rust CLI."""

import io
import json
import math

import pytest

from conftest import FIXTURES
from tickcascade import Event, EventBus, EventLog, EventQuery, LoadError

GOOD = '{"tick": 0, "timestamp": 1.5, "type": "a", "data": {}, "event_id": "0-X-1", "parent_id": null}'


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_load_modes_refuse_what_they_promise_and_name_the_line(tmp_path):
    dup = write(tmp_path, "dup.jsonl", GOOD + "\n" + GOOD + "\n")
    assert len(EventLog.load_from_file(dup).events) == 2
    with pytest.raises(LoadError, match=r"dup\.jsonl:2: duplicate event id"):
        EventLog.load_from_file(dup, mode="strict")
    torn = write(tmp_path, "torn.jsonl", GOOD + '\n{"tick": 0, "tim')
    with pytest.raises(LoadError, match=r"torn\.jsonl:2:"):
        EventLog.load_from_file(torn)
    assert len(EventLog.load_from_file(torn, mode="lenient").events) == 1
    nan = write(tmp_path, "nan.jsonl", GOOD.replace("1.5", "NaN") + "\n")
    assert math.isnan(EventLog.load_from_file(nan).events[0].timestamp)
    with pytest.raises(LoadError, match=r"nan\.jsonl:1:"):
        EventLog.load_from_file(nan, allow_nan=False)
    with pytest.raises(FileNotFoundError):
        EventLog.load_from_file(tmp_path / "missing.jsonl")
    with pytest.raises(ValueError, match="unknown mode"):
        EventLog.load_from_file(dup, mode="loose")


def test_a_handler_exception_leaves_out_of_publish_and_the_log_consistent():
    log = EventLog()
    bus = EventBus(log)
    seen = []

    def boom(e):
        bus.publish("child", {"n": 1}, parent_event=e)
        raise RuntimeError("handler failed")

    bus.subscribe("root", boom)
    bus.subscribe("root", lambda e: seen.append("after"))
    with pytest.raises(RuntimeError, match="handler failed"):
        bus.publish("root", {})
    assert [e.type for e in log.events] == ["root", "child"]
    assert log.events[1].parent_id == log.events[0].id
    assert seen == []  # as in Eventure: later handlers do not run
    bus.publish("other", {})
    assert len(log.events) == 3


def test_unsubscribing_during_dispatch_behaves_as_in_eventure():
    log = EventLog()
    bus = EventBus(log)
    calls = []
    unsubscribe_first = None

    def first(e):
        calls.append("first")
        unsubscribe_first()

    unsubscribe_first = bus.subscribe("x", first)
    bus.subscribe("x", lambda e: calls.append("second"))
    bus.subscribe("x", lambda e: calls.append("third"))
    bus.publish("x", {})
    # Eventure walks the live list: removing the current handler skips the next.
    assert calls == ["first", "third"]
    calls.clear()
    bus.publish("x", {})
    assert calls == ["second", "third"]


def test_wildcards_dispatch_in_eventures_order():
    log = EventLog()
    bus = EventBus(log)
    calls = []
    for pattern in ["*", "*.hit", "combat.*", "combat.hit"]:
        bus.subscribe(pattern, lambda e, p=pattern: calls.append(p))
    bus.publish("combat.hit", {})
    assert calls == ["combat.hit", "combat.*", "*.hit", "*"]


VALUES = [
    {"big": 2**70, "neg": -(2**65), "small": -1},
    {"floats": [0.1, 1e-05, 1e16, 1.7976931348623157e308, 5e-324, -0.0, 1.0, 123456789.123]},
    {"text": "é ü 😀 \n\t\"\\ \u2028", "": "empty key"},
    {"nested": {"a": [1, [2, [3, {"b": None}]], True, False]}},
    [1, "two", 3.0, None],
    "just a string",
    7,
    None,
    {},
    [],
]


@pytest.mark.parametrize("data", VALUES)
def test_data_of_every_json_kind_round_trips_into_equal_python_values(tmp_path, data):
    log = EventLog()
    log.add_event("v", data)
    assert log.events[0].data == data
    path = tmp_path / "v.jsonl"
    log.save_to_file(path)
    loaded = EventLog.load_from_file(path).events[0].data
    assert loaded == data
    assert json.dumps(loaded) == json.dumps(data)


def test_data_that_json_cannot_write_is_refused_at_publish():
    log = EventLog()
    with pytest.raises(TypeError):
        log.add_event("bad", {"s": {1, 2}})
    with pytest.raises(ValueError):
        log.add_event("bad", {"n": float("nan")})
    assert len(log.events) == 0


def test_mutating_a_views_data_does_not_change_the_log():
    log = EventLog()
    log.add_event("a", {"hp": 10})
    view = log.events[0]
    view.data["hp"] = 0
    assert log.events[0].data == {"hp": 10}


def test_the_ticks_clock_makes_runs_reproducible(tmp_path):
    def run(path):
        log = EventLog(clock="ticks")
        bus = EventBus(log)
        bus.subscribe("a", lambda e: bus.publish("b", {"from": e.id}, parent_event=e))
        for t in range(5):
            bus.publish("a", {"t": t})
            log.advance_tick()
        log.save_to_file(path)
        return path.read_bytes()

    assert run(tmp_path / "one.jsonl") == run(tmp_path / "two.jsonl")


def test_standalone_events_use_eventures_process_wide_counters():
    Event._event_sequences = {}
    a = Event(tick=3, timestamp=1.0, type="t", data={})
    b = Event(tick=3, timestamp=1.0, type="t", data={})
    assert a.id.endswith("-1") and b.id.endswith("-2")
    assert Event.from_json(a.to_json()) == a
    # A log keeps its own counters.
    log = EventLog()
    for _ in range(3):
        log.advance_tick()
    assert log.add_event("t", {}).id == a.id


def test_a_million_event_log_loads_queries_and_prints_a_cascade(tmp_path):
    lines = []
    for i in range(1_000_000):
        tick = i // 1000
        if i % 1000 == 0:
            lines.append(f'{{"tick": {tick}, "timestamp": {tick}.0, "type": "root", "data": {{"i": {i}}}, "event_id": "{tick}-R-1", "parent_id": null}}')
        else:
            lines.append(f'{{"tick": {tick}, "timestamp": {tick}.5, "type": "leaf", "data": {{"i": {i}}}, "event_id": "{tick}-L-{i % 1000}", "parent_id": "{tick}-R-1"}}')
    path = tmp_path / "million.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    log = EventLog.load_from_file(path)
    assert len(log.events) == 1_000_000
    q = EventQuery(log)
    assert q.count_events_by_type() == {"root": 1000, "leaf": 999_000}
    roots = q.get_root_events()
    assert len(roots) == 1000 and roots[500].id == "500-R-1"
    out = io.StringIO()
    q.print_single_cascade(roots[500], file=out, show_data=False)
    assert out.getvalue().count("└─ leaf") == 999
    assert len(q.get_events_by_data("i", 999_999)) == 1


def test_a_log_written_by_the_rust_cli_loads_here():
    log = EventLog.load_from_file(FIXTURES / "ours" / "adventure_seed7.jsonl")
    assert log.events[0].type == "game.start"
    assert log.events[0].data["seed"] == 7
    assert len(log.events) == sum(EventQuery(log).count_events_by_type().values())


def test_schema_versions_survive_load_save_and_standalone_events(tmp_path):
    path = FIXTURES / "schema" / "inventory_upcast.jsonl"
    text = path.read_text(encoding="utf-8")
    log = EventLog.load_from_file(str(path))
    versions = {e.type: e.schema for e in log.events}
    assert versions["treasure.found"] == 3 and versions["item.picked"] == 2
    assert versions["room.entered"] == 1
    # Saved back byte for byte, keys included; to_json too.
    out = tmp_path / "copy.jsonl"
    log.save_to_file(str(out))
    assert out.read_text(encoding="utf-8") == text
    assert "".join(e.to_json() + "\n" for e in log.events) == text
    # A standalone event round-trips its version; version 1 writes no key.
    e = Event.from_json(log.events[1].to_json())
    assert e.schema == log.events[1].schema
    assert '"schema"' not in Event(0, 1.0, "x", {}).to_json()
    # Publishing at a version writes the key; appending keeps it.
    fresh = EventLog(clock="ticks")
    bus = EventBus(fresh)
    moved = bus.publish("player.move", {"room": "hall"}, schema=2)
    assert moved.schema == 2 and moved.to_json().endswith('"parent_id": null, "schema": 2}')
    assert fresh.events[0].schema == 2
    other = EventLog()
    other.events.append(moved)
    assert other.events[0].schema == 2 and other.events[0] == moved
