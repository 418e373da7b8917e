"""Upcasters from Python: an old log loads into the new shapes, with the same
file the Rust upcasters make, and what cannot be brought up fails the load
naming the line (or, when lenient, is skipped and counted)."""

import pytest

from conftest import FIXTURES
from tickcascade import EventLog, LoadError, Upcasters

V1 = FIXTURES / "schema" / "inventory_v1.jsonl"
UPCAST = FIXTURES / "schema" / "inventory_upcast.jsonl"


def inventory_upcasters():
    """The steps of the Rust test's v2 simulation, in Python."""

    def gold_to_treasure(data):
        return {**data, "kind": "gold"}

    return (
        Upcasters()
        .step("item.picked", 1, lambda d: {"item": d["item"], "weight_g": d["weight_kg"] * 1000, "quantity": 1})
        .step("gold.found", 1, lambda d: {"coins": d["amount"]})
        .step("gold.found", 2, gold_to_treasure, rename="treasure.found")
        .current("item.dropped", 1)
    )


def test_an_old_log_loads_into_the_new_shapes_and_saves_the_file_rust_saves(tmp_path):
    log = EventLog.load_from_file(V1, upcasters=inventory_upcasters())
    old = EventLog.load_from_file(V1)
    assert len(log.events) == len(old.events)
    picked = next(e for e in log.events if e.type == "item.picked")
    assert picked.schema == 2 and set(picked.data) == {"item", "weight_g", "quantity"}
    treasure = next(e for e in log.events if e.type == "treasure.found")
    assert treasure.schema == 3 and treasure.data["kind"] == "gold"
    assert not [e for e in log.events if e.type == "gold.found"]
    # Ids, ticks, timestamps and parents are the old log's: cascades stay whole.
    assert [(e.id, e.tick, e.timestamp, e.parent_id) for e in log.events] == [
        (e.id, e.tick, e.timestamp, e.parent_id) for e in old.events
    ]
    report = log.load_report
    assert report["upcast"] == sum(e.type in ("item.picked", "gold.found") for e in old.events)
    assert report["upcast_skipped"] == 0
    copy = tmp_path / "upcast.jsonl"
    log.save_to_file(copy)
    assert copy.read_bytes() == UPCAST.read_bytes()
    assert V1.read_bytes() != UPCAST.read_bytes()


def test_a_log_loaded_without_upcasters_is_unchanged():
    log = EventLog.load_from_file(V1)
    assert {e.schema for e in log.events} == {1}
    assert log.load_report == {"blank_lines": 0, "warnings": [], "upcast": 0, "upcast_skipped": 0}
    assert EventLog().load_report is None


def write(tmp_path, lines):
    path = tmp_path / "log.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def line(tick, type_, data, schema=None, event_id=None):
    extra = "" if schema is None else f', "schema": {schema}'
    return (
        f'{{"tick": {tick}, "timestamp": 1.0, "type": "{type_}", "data": {data}, '
        f'"event_id": "{event_id or f"{tick}-X-1"}", "parent_id": null{extra}}}'
    )


def test_a_version_newer_than_the_code_knows_fails_the_load_naming_the_line(tmp_path):
    path = write(tmp_path, [line(0, "hit", '{"d": 1}'), line(1, "hit", '{"d": 1}', schema=3)])
    up = Upcasters().step("hit", 1, lambda d: d)
    with pytest.raises(LoadError) as caught:
        EventLog.load_from_file(path, upcasters=up)
    message = str(caught.value)
    assert "log.jsonl" in message and ":2" in message and "newer" in message, message


def test_a_step_that_raises_fails_the_load_with_its_exception_and_line(tmp_path):
    path = write(tmp_path, [line(0, "hit", '{"d": 1}'), line(1, "hit", '{"e": 1}')])
    up = Upcasters().step("hit", 1, lambda d: {"damage": d["d"]})
    with pytest.raises(LoadError) as caught:
        EventLog.load_from_file(path, upcasters=up)
    message = str(caught.value)
    assert ":2" in message and "KeyError" in message, message


def test_lenient_upcasters_skip_and_count_what_they_cannot_bring_up(tmp_path):
    path = write(
        tmp_path,
        [line(0, "hit", '{"d": 1}'), line(1, "hit", '{"e": 1}'), line(2, "hit", '{"d": 2}', schema=9)],
    )
    up = Upcasters().step("hit", 1, lambda d: {"damage": d["d"]}).lenient()
    assert up.is_lenient
    log = EventLog.load_from_file(path, upcasters=up)
    assert [(e.tick, e.schema, e.data) for e in log.events] == [(0, 2, {"damage": 1})]
    report = log.load_report
    assert (report["upcast"], report["upcast_skipped"]) == (1, 2)
    assert [w.split(":")[0] for w in report["warnings"]] == ["line 2", "line 3"]


def test_a_step_must_return_what_json_can_write(tmp_path):
    path = write(tmp_path, [line(0, "hit", '{"d": 1}')])
    with pytest.raises(LoadError) as caught:
        EventLog.load_from_file(path, upcasters=Upcasters().step("hit", 1, lambda d: {"f": object()}))
    assert "TypeError" in str(caught.value)
    with pytest.raises(LoadError) as caught:
        EventLog.load_from_file(path, upcasters=Upcasters().step("hit", 1, lambda d: float("nan")))
    assert "not JSON (NaN and the infinities are refused)" in str(caught.value)


def test_steps_are_checked_when_they_are_added():
    with pytest.raises(TypeError):
        Upcasters().step("hit", 1, "not a function")
    with pytest.raises(ValueError):
        Upcasters().step("hit", 0, lambda d: d)
    with pytest.raises(TypeError):
        EventLog.load_from_file(V1, upcasters={"hit": 1})
    with pytest.raises(TypeError):
        EventLog.load_from_file(V1, upcasters=EventLog())
    up = Upcasters().step("a", 1, lambda d: d).step("a", 2, lambda d: d, rename="b")
    assert (up.newest("a"), up.newest("b"), up.newest("c")) == (2, 3, None)
