"""EventBus: subscriptions and dispatch, in Eventure's order.

For each event, handlers run in this order: those of its exact type, then
prefix patterns (``a.*``), then suffix patterns (``*.b``), then ``*``; within
each group in subscription order, patterns in the order first subscribed.
Each pattern keeps one list of handlers that dispatch walks as it is, so
unsubscribing during a dispatch behaves as in Eventure. A handler's
``bus.publish(..., parent_event=e)`` is dispatched at once, depth first.
"""


class EventBus:
    """Publishes events into an ``EventLog`` and calls the handlers that
    subscribed to their type."""

    def __init__(self, event_log):
        self.subscribers = {}
        self.event_log = event_log
        # Per event type, the handler lists to walk (rebuilt when a new
        # pattern appears).
        self._plans = {}
        self._plans_for = 0

    def subscribe(self, event_type, handler):
        """Calls ``handler(event)`` for events matching ``event_type``
        (a type, ``prefix.*``, ``*.suffix`` or ``*``). Returns a function
        that unsubscribes it."""
        handlers = self.subscribers.get(event_type)
        if handlers is None:
            handlers = self.subscribers[event_type] = []
        handlers.append(handler)

        def unsubscribe():
            listed = self.subscribers.get(event_type)
            if listed is not None and handler in listed:
                listed.remove(handler)

        return unsubscribe

    def publish(self, event_type, data, parent_event=None, schema=1):
        """Logs the event and dispatches it; returns it. ``schema``: the
        version of the data's shape (see ``EventLog.add_event``)."""
        log = self.event_log
        if log is None:
            raise ValueError("EventBus requires an EventLog to publish events")
        if schema == 1:
            event = log.add_event(event_type, data, parent_event)
        else:
            event = log.add_event(event_type, data, parent_event, schema)
        # dispatch, inlined (the hot path); a subclass's dispatch still runs.
        if type(self).dispatch is not EventBus.dispatch:
            self.dispatch(event)
            return event
        plan = None
        if self._plans_for == len(self.subscribers):
            plan = self._plans.get(event_type)
        if plan is None:
            plan = self._plan(event_type)
        for handlers in plan:
            for handler in handlers:
                handler(event)
        return event

    def _plan(self, event_type):
        subscribers = self.subscribers
        if self._plans_for != len(subscribers):
            self._plans = {}
            self._plans_for = len(subscribers)
        plan = self._plans.get(event_type)
        if plan is None:
            plan = []
            if event_type in subscribers:
                plan.append(subscribers[event_type])
            for pattern, handlers in subscribers.items():
                if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
                    plan.append(handlers)
            for pattern, handlers in subscribers.items():
                if pattern.startswith("*.") and event_type.endswith(pattern[1:]):
                    plan.append(handlers)
            if "*" in subscribers:
                plan.append(subscribers["*"])
            plan = self._plans[event_type] = tuple(plan)
        return plan

    def dispatch(self, event):
        """Calls every handler whose pattern matches the event's type."""
        plan = None
        if self._plans_for == len(self.subscribers):
            plan = self._plans.get(event.type)
        if plan is None:
            plan = self._plan(event.type)
        for handlers in plan:
            for handler in handlers:
                handler(event)
