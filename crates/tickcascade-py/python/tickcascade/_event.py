"""Event: Eventure's record of one thing that happened at a tick.

An ``Event`` built by code (``Event(tick=..., timestamp=..., type=..., data=...)``)
takes its id from process-wide counters exactly as Eventure's does
(``Event._event_sequences``). An event read from an ``EventLog`` is a view:
its fields are copied out of the engine when the view is made, its ``data``
is decoded into a real dict on first use and cached; changing that dict
changes the view, never the log.
"""

import hashlib
import json
import re
from collections.abc import Sequence

_UNSET = object()
_NOT_ALPHA = re.compile(r"[^a-zA-Z]")


class Event:
    """One event: tick, timestamp, type, data, id (``tick-HASH-seq``) and
    the id of the event that caused it."""

    __slots__ = ("tick", "timestamp", "type", "_data", "id", "parent_id", "schema", "_log", "_pos")

    # Per tick, per type hash, the last sequence number handed out by
    # Event(...) (Eventure's process-wide counters; a log keeps its own).
    _event_sequences = {}
    _hashes = {}

    def __init__(self, tick, timestamp, type, data, id=None, parent_id=None, schema=1):
        self.tick = tick
        self.timestamp = timestamp
        self.type = type
        self._data = data
        self.parent_id = parent_id
        self.schema = schema
        self._log = None
        self._pos = -1
        self.id = self._generate_event_id() if id is None else id

    @property
    def data(self):
        data = self._data
        if data is _UNSET:
            data = self._data = json.loads(self._log._native.data_json(self._pos))
        return data

    @data.setter
    def data(self, value):
        self._data = value

    @staticmethod
    def _generate_type_hash(event_type):
        """The first four letters of the type's MD5 hex digest, upper case."""
        known = Event._hashes.get(event_type)
        if known is None:
            digest = hashlib.md5(event_type.encode()).hexdigest()
            known = Event._hashes[event_type] = _NOT_ALPHA.sub("", digest)[:4].upper()
        return known

    @classmethod
    def _get_next_sequence(cls, tick, type_hash):
        per_tick = cls._event_sequences.setdefault(tick, {})
        per_tick[type_hash] = per_tick.get(type_hash, 0) + 1
        return per_tick[type_hash]

    def _generate_event_id(self):
        type_hash = self._generate_type_hash(self.type)
        return f"{self.tick}-{type_hash}-{self._get_next_sequence(self.tick, type_hash)}"

    def to_json(self):
        """The event as one JSON object, keys in Eventure's order; a
        ``"schema"`` key follows them when the version is above 1."""
        record = {
            "tick": self.tick,
            "timestamp": self.timestamp,
            "type": self.type,
            "data": self.data,
            "event_id": self.id,
            "parent_id": self.parent_id,
        }
        if self.schema != 1:
            record["schema"] = self.schema
        return json.dumps(record)

    @classmethod
    def from_json(cls, json_str):
        """An event from ``to_json``'s text (its id kept)."""
        record = json.loads(json_str)
        return cls(
            tick=record["tick"],
            timestamp=record["timestamp"],
            type=record["type"],
            data=record["data"],
            id=record.get("event_id"),
            parent_id=record.get("parent_id"),
            schema=record.get("schema", 1),
        )

    def _fields(self):
        return (self.tick, self.timestamp, self.type, self.data, self.id, self.parent_id, self.schema)

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._fields() == other._fields()

    __hash__ = None

    def __repr__(self):
        return (
            f"{type(self).__qualname__}(tick={self.tick!r}, timestamp={self.timestamp!r}, "
            f"type={self.type!r}, data={self.data!r}, id={self.id!r}, "
            f"parent_id={self.parent_id!r}"
            + (f", schema={self.schema!r})" if self.schema != 1 else ")")
        )


def _view(log, pos, data=_UNSET):
    """The logged event at ``pos`` as an ``Event``."""
    event = Event.__new__(Event)
    (event.tick, event.timestamp, event.type, event.id, event.parent_id,
     event.schema) = log._native.row(pos)
    event._data = data
    event._log = log
    event._pos = pos
    return event


class EventSeq(Sequence):
    """Logged events as a list-like sequence, built one event at a time:
    ``len``, indexing, slicing (a list), iteration, ``in``, and equality with
    lists. ``positions`` is ``None`` for the whole log (which stays live as
    events are added)."""

    __slots__ = ("_log", "_positions")

    def __init__(self, log, positions=None):
        self._log = log
        self._positions = positions

    def __len__(self):
        if self._positions is None:
            return len(self._log._native)
        return len(self._positions)

    def _position(self, index):
        if self._positions is not None:
            return self._positions[index]
        n = len(self._log._native)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("list index out of range")
        return index

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [_view(self._log, p) for p in self._all()[index]]
        return _view(self._log, self._position(index))

    def _all(self):
        if self._positions is None:
            return range(len(self._log._native))
        return self._positions

    def __iter__(self):
        log = self._log
        for p in self._all():
            yield _view(log, p)

    def __eq__(self, other):
        if isinstance(other, (list, tuple, EventSeq)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None

    def __add__(self, other):
        return list(self) + list(other)

    def __radd__(self, other):
        return list(other) + list(self)

    def __repr__(self):
        return repr(list(self))

    def append(self, event):
        """Appends ``event`` to the log as it is (only for the whole log,
        as Eventure's loader does with ``log.events.append``)."""
        if self._positions is not None:
            raise TypeError("only EventLog.events can be appended to")
        self._log._native.push_json(event.to_json())
