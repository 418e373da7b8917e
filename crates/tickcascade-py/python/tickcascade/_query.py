"""EventQuery: Eventure's queries and cascade viewer, answered by the engine.

Queries return list-like sequences of events (``EventSeq``); the printers
write exactly Eventure's text to ``file`` (standard output by default, looked
up when called). The underscore helpers Eventure's own tests call are here,
with Eventure's behaviour.
"""

import json
import sys

from ._event import EventSeq, _view


def _unpack(packed):
    """The engine's packed positions as a sequence of ints (no copy)."""
    return memoryview(packed).cast("Q")


class EventQuery:
    """Queries and printers over an ``EventLog``."""

    def __init__(self, event_log):
        self.event_log = event_log

    @property
    def _native(self):
        return self.event_log._native

    def _where(self, event):
        """The engine's handle on ``event``: its position when it is a view
        of this log, else its JSON line."""
        if getattr(event, "_log", None) is self.event_log and event._pos >= 0:
            return {"position": event._pos}
        return {"json": event.to_json()}

    # The printers.

    def print_event_cascade(self, file=None, show_data=True):
        """Every tick's events as cascade trees (Eventure's viewer)."""
        (sys.stdout if file is None else file).write(
            self._native.print_event_cascade(show_data)
        )

    def print_single_cascade(self, root_event, file=None, show_data=True):
        """One event and its same-tick subtree."""
        text = self._native.print_single_cascade(show_data, **self._where(root_event))
        (sys.stdout if file is None else file).write(text)

    def print_event_details(self, event, file=None, show_data=True):
        """One event's header, id and data."""
        text = self._native.print_event_details(show_data, **self._where(event))
        (sys.stdout if file is None else file).write(text)

    # The queries.

    def get_events_by_type(self, event_type):
        """Events of exactly ``event_type``."""
        return EventSeq(self.event_log, _unpack(self._native.by_type(event_type)))

    def get_events_by_data(self, key, value):
        """Events whose data holds ``key`` equal to ``value`` (Python's ``==``)."""
        try:
            value_json = json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            return [
                e
                for e in self.event_log.events
                if isinstance(e.data, dict) and key in e.data and e.data[key] == value
            ]
        return EventSeq(self.event_log, _unpack(self._native.by_data(key, value_json)))

    def get_child_events(self, parent_event):
        """Events whose parent id is ``parent_event``'s id."""
        return EventSeq(self.event_log, self._native.children(parent_event.id))

    def get_cascade_events(self, root_event):
        """``root_event`` and every event below it, breadth first, each id once."""
        below = self._native.query_cascade(**self._where(root_event))
        return [root_event] + [_view(self.event_log, p) for p in below]

    def count_events_by_type(self):
        """Events per type, types in first-seen order."""
        return dict(self._native.count_by_type())

    def get_events_at_tick(self, tick):
        """The events of ``tick``."""
        return self.event_log.get_events_at_tick(tick)

    def get_root_events(self, tick=None):
        """Events with no parent in their own tick (of ``tick``, or all)."""
        return EventSeq(self.event_log, _unpack(self._native.roots(tick)))

    # Eventure's helpers (its tests call them).

    def _group_events_by_tick(self):
        groups = {}
        for event in self.event_log.events:
            groups.setdefault(event.tick, []).append(event)
        return groups

    def _identify_root_and_child_events(self, tick_events):
        children = set()
        for event in tick_events:
            if event.parent_id:
                parent = self.event_log.get_event_by_id(event.parent_id)
                if parent and parent.tick == event.tick:
                    children.add(event.id)
        roots = [e for e in tick_events if e.id not in children]
        roots.sort(key=lambda e: e.timestamp)
        return roots, children

    def _get_event_display_info(self, event):
        if not event.parent_id:
            return "●", ""
        parent = self.event_log.get_event_by_id(event.parent_id)
        if parent and parent.tick < event.tick:
            return "↓", f" (caused by: {parent.type} @ tick {parent.tick})"
        return "└─", ""

    def _get_sorted_children(self, event, tick_events, known_children):
        children = [
            e for e in tick_events if e.parent_id == event.id and e.id in known_children
        ]
        children.sort(key=lambda e: e.timestamp)
        return children

    def _print_future_triggers(self, event, indent, event_prefix, file=None):
        later = {}
        for child in self.get_child_events(event):
            if child.tick > event.tick:
                later[child.tick] = later.get(child.tick, 0) + 1
        if not later:
            return
        lead = f"{indent}{'│ ' if event_prefix == '└─' else '  '}"
        parts = [f"tick {t} ({later[t]})" for t in sorted(later)]
        out = sys.stdout if file is None else file
        if len(parts) == 1:
            print(f"{lead}↓ Triggers events in {parts[0]}", file=out)
        else:
            print(f"{lead}↓ Triggers events in: {', '.join(parts)}", file=out)
