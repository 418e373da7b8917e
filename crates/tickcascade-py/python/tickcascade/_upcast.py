"""Upcasters: bring events written at an old schema version up to the
shape the code reads now, as a log is loaded.

A step is a function from one version's data to the next one's (it may
also rename the type); steps chain (1 -> 2 -> 3). The log's file is never
rewritten: save the loaded log to keep an upcast copy.
"""

from ._native import NativeUpcasters


class Upcasters:
    """The steps that bring old events up, for ``EventLog.load_from_file``.

    >>> up = Upcasters().step("item.picked", 1, lambda d: {**d, "quantity": 1})
    >>> up.newest("item.picked")
    2

    An event whose version is newer than the steps know (a log from newer
    code), that no step reads, or whose step raises, fails the load with a
    ``LoadError`` naming the file and line, unless ``lenient()`` was asked
    for: then it is skipped and counted (``log.load_report["upcast_skipped"]``).
    A step receives the data as ``json.loads`` would give it and returns what
    ``json.dumps`` can write; data a step could not receive unchanged (an
    integer wider than 64 bits) fails the load instead of being altered.
    """

    def __init__(self):
        self._native = NativeUpcasters()

    def step(self, event_type, from_schema, fn, rename=None):
        """Adds a step: ``fn(data)`` turns the data of ``event_type`` at
        version ``from_schema`` into the data of version ``from_schema + 1``,
        of type ``rename`` when given. Returns this object."""
        if not callable(fn):
            raise TypeError(f"the step for {event_type!r} is not callable: {fn!r}")
        if from_schema < 1:
            raise ValueError("schema versions start at 1")
        self._native.step(event_type, from_schema, rename or event_type, fn)
        return self

    def current(self, event_type, schema):
        """Declares ``schema`` the newest version of ``event_type``, so a
        later version is an error (types a step reaches are declared
        already). Returns this object."""
        if schema < 1:
            raise ValueError("schema versions start at 1")
        self._native.current(event_type, schema)
        return self

    def lenient(self, flag=True):
        """Skip and count events that cannot be upcast, instead of failing
        the load. Returns this object."""
        self._native.set_lenient(bool(flag))
        return self

    @property
    def is_lenient(self):
        """Whether events that cannot be upcast are skipped."""
        return self._native.lenient

    def newest(self, event_type):
        """The newest version of ``event_type`` the steps know, or ``None``."""
        return self._native.newest(event_type)

    def __repr__(self):
        return f"Upcasters({self._native!r})"
