"""Caching rendered fragments keyed on the version of the data they show
(for most pages: the newest audit event, `audit.service.latest_event_id`)."""
from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable

from flask import render_template
from markupsafe import Markup


class FragmentCache:
    """Rendered page parts keyed on the data version they show; per process, the least recently
    used dropped first when full.

    `max_age` (seconds) bounds how long one rendering is served. A key of the newest audit
    event misses one case on PostgreSQL: a transaction that took its event id before another
    one but committed after it leaves the newest id as it was. Rendering again at least every
    `max_age` seconds bounds that staleness, and that of figures that depend on the clock
    (what is overdue). None: only the key decides (fragments with no data in them).
    """

    instances: weakref.WeakSet[FragmentCache] = weakref.WeakSet()

    def __init__(self, size: int = 32, max_age: float | None = 60, clock=time.monotonic) -> None:
        self.size, self.max_age, self.clock = size, max_age, clock
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()  # for threaded servers; rendering happens outside it
        FragmentCache.instances.add(self)

    @classmethod
    def clear_all(cls) -> None:
        """Forget every rendering (after the database was emptied under a running app: tests)."""
        for cache in list(cls.instances):
            with cache.lock:
                cache.items.clear()

    def template(self, key, name: str, context: Callable[[], dict]) -> Markup:
        """The template `name` rendered (autoescaped) for this key; `context` runs only on a miss."""
        return self.get_or_render(key, lambda: Markup(render_template(name, **context())))  # noqa: S704

    def get_or_render(self, key, render):
        now = self.clock()
        with self.lock:
            hit = self.items.get(key)
            if hit is not None and (self.max_age is None or now - hit[0] <= self.max_age):
                self.items.move_to_end(key)
                return hit[1]
        body = render()
        with self.lock:
            self.items[key] = (now, body)
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return body
