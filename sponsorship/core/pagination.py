"""Keyset pagination: a page is "the rows after (or before) this row in this order", so the
tenth-thousandth page costs what the first costs (OFFSET reads and throws away every row before
the page). Links carry the id of the boundary row (`?after=` / `?before=`), never a sort value:
a name never reaches a URL. `?last=1` is the last page, read backwards.

The total beside the pages comes from `count_rows`: exact where counting is cheap, the
planner's estimate on PostgreSQL for large results (and the page says "sekitar").
"""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import request, url_for
from sqlalchemy import Select, func, select, tuple_

from sponsorship.core.cache import FragmentCache
from sponsorship.extensions import db

EXACT_COUNT_UP_TO = 1_000  # PostgreSQL: up to this estimate, counting exactly is cheap (~5 ms)


@dataclass
class KeysetPage:
    items: list
    per_page: int
    first_id: int | None
    last_id: int | None
    has_previous: bool
    has_next: bool
    total: int
    total_estimated: bool

    def __iter__(self):
        return iter(self.items)

    def url(self, **cursor) -> str:
        """This list's URL with its filters kept and another cursor."""
        args = {k: v for k, v in request.args.to_dict().items()
                if k not in ("after", "before", "last", "page")}
        return url_for(request.endpoint, **(request.view_args or {}), **args, **cursor)


def cursor_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


def keyset_page(stmt: Select, keys: Sequence, boundary: Callable[[int], tuple | None], *,
                per_page: int, row_id: Callable[[Any], int] = lambda row: row.id,
                descending: bool = False) -> KeysetPage:
    """One page of `stmt` in the order of `keys` (the last key unique), from the request's cursor.

    `boundary(id)` returns the key values of the row with that id (None if it is gone: then
    the list starts again at its first page).
    """
    after, before, last = cursor_arg("after"), cursor_arg("before"), request.args.get("last") == "1"
    key = tuple_(*keys)
    forward = [k.desc() if descending else k.asc() for k in keys]
    backward = [k.asc() if descending else k.desc() for k in keys]
    values = boundary(after or before) if (after or before) else None

    if before and values is not None:
        rows = _fetch(stmt.where(key > values if descending else key < values), backward, per_page)
        items = list(reversed(rows[:per_page]))
        has_previous, has_next = len(rows) > per_page, True
    elif last:
        rows = _fetch(stmt, backward, per_page)
        items = list(reversed(rows[:per_page]))
        has_previous, has_next = len(rows) > per_page, False
    else:
        if after and values is not None:
            stmt_page, has_previous = stmt.where(key < values if descending else key > values), True
        else:
            stmt_page, has_previous = stmt, False
        rows = _fetch(stmt_page, forward, per_page)
        items = rows[:per_page]
        has_next = len(rows) > per_page
    total, estimated = count_rows(stmt)
    return KeysetPage(items=items, per_page=per_page,
                      first_id=row_id(items[0]) if items else None,
                      last_id=row_id(items[-1]) if items else None,
                      has_previous=has_previous, has_next=has_next,
                      total=total, total_estimated=estimated)


def _fetch(stmt: Select, order: list, per_page: int) -> list:
    rows = db.session.scalars(stmt.order_by(None).order_by(*order).limit(per_page + 1))
    # A row can match twice (a search by word prefix, "nur" in "Nur Nurhayati"): show it once.
    return list(dict.fromkeys(rows))


# Exact counts keyed on the statement and the newest audit event (every write is audited), like
# the page bodies: a page of a large list on SQLite counts once per change, not on every view.
_exact_counts = FragmentCache(size=256)


def count_rows(stmt: Select) -> tuple[int, bool]:
    """(count, estimated): the planner's estimate on PostgreSQL when it is large, else exact."""
    from sponsorship.audit.service import latest_event_id

    counted = select(func.count()).select_from(stmt.order_by(None).subquery())
    compiled = stmt.order_by(None).compile(db.engine, compile_kwargs={"render_postcompile": True})
    if db.engine.dialect.name == "postgresql":
        plan = db.session.connection().exec_driver_sql(
            "EXPLAIN (FORMAT JSON) " + str(compiled), compiled.params).scalar()
        plan = json.loads(plan) if isinstance(plan, str) else plan
        estimate = int(plan[0]["Plan"]["Plan Rows"])
        if estimate > EXACT_COUNT_UP_TO:
            return estimate, True
    key = (str(compiled), tuple(sorted((k, repr(v)) for k, v in compiled.params.items())), latest_event_id())
    return _exact_counts.get_or_render(key, lambda: int(db.session.scalar(counted) or 0)), False
