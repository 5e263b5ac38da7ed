"""Caching rendered fragments keyed on the version of the data they show."""
from __future__ import annotations

import functools

from sponsorship.extensions import db


class FragmentCache:
    """Rendered page bodies keyed on the data version they show; small and per process."""

    def __init__(self, size: int = 32) -> None:
        self.size, self.items = size, {}

    def get_or_render(self, key, render):
        body = self.items.get(key)
        if body is None:
            if len(self.items) >= self.size:
                self.items.clear()
            body = self.items[key] = render()
        return body


def data_version(*models) -> tuple:
    """(row count, last change) of each table: a cache key that moves whenever their data does.

    One query of scalar subqueries; every process computes the same key from the database,
    so caches keyed on it are right with any number of workers.
    """
    return tuple(db.session.execute(_version_sql(tuple(m.__tablename__ for m in models))).one())


@functools.cache
def _version_sql(tables: tuple[str, ...]):
    # Plain SQL built once: cheaper per request than compiling an ORM statement's cache key.
    # The table names come from the models, never from input.
    template = '(SELECT count(*) FROM "{t}"), (SELECT max(updated_at) FROM "{t}")'  # noqa: S608
    return db.text("SELECT " + ", ".join(template.format(t=t) for t in tables))
