"""Caching rendered fragments keyed on the version of the data they show."""
from __future__ import annotations

import functools
import time
import weakref

from sponsorship.extensions import db


class FragmentCache:
    """Rendered page parts keyed on the data version they show; small and per process.

    `max_age` (seconds) bounds how long one rendering is served. A key of row counts and
    last-change times misses one case on PostgreSQL: a transaction that stamped its rows
    before another one but committed after it leaves the key as it was. Rendering again at
    least every `max_age` seconds bounds that staleness, and that of figures that depend on
    the clock (what is overdue). None: only the key decides (fragments with no data in them).
    """

    instances: weakref.WeakSet[FragmentCache] = weakref.WeakSet()

    def __init__(self, size: int = 32, max_age: float | None = 60, clock=time.monotonic) -> None:
        self.size, self.max_age, self.clock, self.items = size, max_age, clock, {}
        FragmentCache.instances.add(self)

    @classmethod
    def clear_all(cls) -> None:
        """Forget every rendering (after the database was emptied under a running app: tests)."""
        for cache in list(cls.instances):
            cache.items.clear()

    def get_or_render(self, key, render):
        now = self.clock()
        hit = self.items.get(key)
        if hit is not None and (self.max_age is None or now - hit[0] <= self.max_age):
            return hit[1]
        if len(self.items) >= self.size:
            self.items.clear()
        body = render()
        self.items[key] = (now, body)
        return body


def data_version(*models) -> tuple:
    """(row count, last change) of each table: a cache key that moves whenever their data does.

    One query of scalar subqueries; every process computes the same key from the database,
    so caches keyed on it are right with any number of workers. Tables whose rows are never
    changed after insert (no `updated_at`) are versioned by their newest id.
    """
    return tuple(db.session.execute(_version_sql(tuple(
        (m.__tablename__, "updated_at" if "updated_at" in m.__table__.c else "id") for m in models))).one())


@functools.cache
def _version_sql(tables: tuple[tuple[str, str], ...]):
    # Plain SQL built once: cheaper per request than compiling an ORM statement's cache key.
    # The table and column names come from the models, never from input.
    template = '(SELECT count(*) FROM "{t}"), (SELECT max({c}) FROM "{t}")'  # noqa: S608
    return db.text("SELECT " + ", ".join(template.format(t=t, c=c) for t, c in tables))
