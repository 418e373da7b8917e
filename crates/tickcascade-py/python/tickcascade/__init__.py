"""tickcascade for Python: Eventure's API on the tickcascade Rust engine.

Change ``from eventure import Event, EventBus, EventLog, EventQuery`` to
``from tickcascade import ...``: the same constructors, attributes, files and
printouts (byte for byte), with the log, its ids, loading, saving, queries and
the cascade viewer in Rust. Handlers stay Python callables. See docs/python.md
in the repository for what differs, and why.

Layout:
- ``_event``: ``Event`` (Eventure's record, or a view of a logged event) and
  ``EventSeq`` (a lazy, list-like sequence of logged events).
- ``_log``: ``EventLog`` over the engine's log.
- ``_bus``: ``EventBus`` (subscriptions and dispatch, as Eventure orders them).
- ``_query``: ``EventQuery`` (queries and the cascade viewer).
- ``_upcast``: ``Upcasters`` (steps from old schema versions, for loads).
- ``_native``: the compiled engine (``NativeLog``, ``NativeUpcasters``,
  ``LoadError``).
"""

from ._native import LoadError, __engine_version__
from ._event import Event, EventSeq
from ._log import EventLog
from ._bus import EventBus
from ._query import EventQuery
from ._upcast import Upcasters

__all__ = ["Event", "EventBus", "EventLog", "EventQuery", "EventSeq", "LoadError", "Upcasters"]
__version__ = __engine_version__
