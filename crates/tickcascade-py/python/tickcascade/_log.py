"""EventLog: Eventure's log, held by the engine."""

import os

from ._event import Event, EventSeq, _view
from ._native import NativeLog
from ._upcast import Upcasters

_new_event = Event.__new__


class EventLog:
    """The ordered events of a run and its current tick.

    ``clock`` is ``"system"`` (stamps from the system clock, as Eventure) or
    ``"ticks"`` (tick t's k-th event at 2026-01-01 + t s + k µs: the same
    program writes the same file, byte for byte).
    """

    def __init__(self, clock="system"):
        self._native = NativeLog(clock)

    @property
    def events(self):
        """Every event, in order (a live, list-like sequence)."""
        return EventSeq(self)

    @property
    def current_tick(self):
        """The tick new events get."""
        return self._native.current_tick

    @property
    def _current_tick(self):
        return self._native.current_tick

    @_current_tick.setter
    def _current_tick(self, tick):
        self._native.current_tick = tick

    def advance_tick(self):
        """Moves to the next tick."""
        self._native.advance_tick()

    def add_event(self, type, data, parent_event=None, schema=1):
        """Logs an event at the current tick and returns it. The data must
        be JSON-serializable (it is checked now, not at save). ``schema``:
        the version of the data's shape (above 1 it is saved as a
        ``"schema"`` key, which Eventure ignores)."""
        parent_id = parent_event.id if parent_event else None
        if schema == 1:
            pos, tick, timestamp, event_id = self._native.add(type, data, parent_id)
        else:
            pos, tick, timestamp, event_id = self._native.add(type, data, parent_id, schema)
        event = _new_event(Event)
        event.tick = tick
        event.timestamp = timestamp
        event.type = type
        event._data = data
        event.id = event_id
        event.parent_id = parent_id
        event.schema = schema
        event._log = self
        event._pos = pos
        return event

    def get_events_at_tick(self, tick):
        """The events of ``tick``, in order."""
        return EventSeq(self, self._native.at_tick(tick))

    def get_event_by_id(self, event_id):
        """The first event holding ``event_id``, or ``None``."""
        pos = self._native.by_id(event_id)
        return None if pos is None else _view(self, pos)

    def get_event_cascade(self, event_id):
        """The event and every event below it, by (tick, type hash, sequence)."""
        return EventSeq(self, self._native.event_cascade(event_id))

    def create_query(self):
        """An ``EventQuery`` over this log."""
        from ._query import EventQuery

        return EventQuery(self)

    def save_to_file(self, filename):
        """Writes the log as JSON Lines, as Eventure does (through a
        temporary file and a rename)."""
        self._native.save(os.fspath(filename))

    @classmethod
    def load_from_file(cls, filename, mode="default", allow_nan=True, upcasters=None):
        """Reads a JSON Lines log. ``mode``: ``"default"`` (what Eventure
        reads), ``"strict"`` (also refuses duplicate ids, ticks going back,
        unknown parents) or ``"lenient"`` (drops a torn last line).
        ``upcasters``: an ``Upcasters`` that brings events of old schema
        versions up as they are read (the file is not changed). A bad line
        raises ``tickcascade.LoadError`` naming the file and line."""
        native_upcasters = None
        if upcasters is not None:
            if not isinstance(upcasters, Upcasters):
                raise TypeError(f"upcasters must be a tickcascade.Upcasters, not {type(upcasters).__name__}")
            native_upcasters = upcasters._native
        log = cls.__new__(cls)
        log._native = NativeLog.load(os.fspath(filename), mode, allow_nan, native_upcasters)
        return log

    @property
    def load_report(self):
        """What loading this log reported, as a dict: ``blank_lines``,
        ``warnings`` (``"line N: ..."``), ``upcast`` (events brought to a
        newer schema version) and ``upcast_skipped`` (events lenient
        upcasters skipped); ``None`` for a log that was not loaded."""
        return self._native.load_report()
