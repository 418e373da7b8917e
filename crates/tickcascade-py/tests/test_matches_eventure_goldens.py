"""Logs written by the real Eventure 0.4.4 (tests/fixtures/eventure) load
here and print, byte for byte, what Eventure printed; the queries give the
events Eventure gave."""

import io
import json

import pytest

from conftest import FIXTURES
from tickcascade import EventLog, EventQuery

SCENARIOS = [
    "spec_example", "values", "orphans", "duplicates", "empty", "chain50",
    "multi_roots", "cycles", "type_hashes", "noncanonical", "bus_program", "game",
]


def load(name):
    return EventLog.load_from_file(FIXTURES / "eventure" / f"{name}.jsonl")


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_cascade_viewer_prints_what_eventure_printed(name):
    q = EventQuery(load(name))
    for show_data, golden in [(True, "cascade.txt"), (False, "nodata.txt")]:
        path = FIXTURES / "eventure" / f"{name}.{golden}"
        if not path.exists():
            continue
        out = io.StringIO()
        q.print_event_cascade(file=out, show_data=show_data)
        assert out.getvalue() == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", SCENARIOS)
def test_single_cascades_and_details_print_what_eventure_printed(name):
    log = load(name)
    q = EventQuery(log)
    for golden, printer in [("single.json", q.print_single_cascade), ("details.json", q.print_event_details)]:
        path = FIXTURES / "eventure" / f"{name}.{golden}"
        if not path.exists():
            continue
        want = json.loads(path.read_text(encoding="utf-8"))
        for i, e in enumerate(log.events):
            if str(i) not in want:
                continue
            out = io.StringIO()
            printer(e, file=out)
            assert out.getvalue() == want[str(i)], f"{name} event {i}"


@pytest.mark.parametrize("name", SCENARIOS)
def test_queries_give_the_events_eventure_gave(name):
    path = FIXTURES / "eventure" / f"{name}.queries.json"
    if not path.exists():
        pytest.skip("no query golden")
    want = json.loads(path.read_text(encoding="utf-8"))
    log = load(name)
    q = EventQuery(log)
    events = list(log.events)

    def positions(found):
        # Positions by identity of content: ids may repeat, so match in order.
        out, used = [], set()
        for f in found:
            for i, e in enumerate(events):
                if i not in used and e == f:
                    out.append(i)
                    used.add(i)
                    break
        return out

    assert list(q.count_events_by_type().items()) == list(want["count_by_type"].items())
    assert positions(q.get_root_events()) == want["roots"]
    for i, e in enumerate(events):
        assert positions(q.get_child_events(e)) == want["children"][str(i)], f"children of {i}"
        cascade = q.get_cascade_events(e)
        assert cascade[0] is e
        assert len(cascade) == len(want["cascades"][str(i)]), f"cascade of {i}"


def test_a_log_saved_here_is_the_file_eventure_would_write():
    # Eventure re-saves a log it loaded byte for byte (canonical lines).
    for name in ["spec_example", "game", "values"]:
        source = FIXTURES / "eventure" / f"{name}.jsonl"
        log = EventLog.load_from_file(source)
        out = FIXTURES.parent.parent / "target" / f"py-resave-{name}.jsonl"
        out.parent.mkdir(parents=True, exist_ok=True)
        log.save_to_file(out)
        expected = "".join(e.to_json() + "\n" for e in log.events)
        assert out.read_text(encoding="utf-8") == expected
