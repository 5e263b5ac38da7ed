"""Month arithmetic: months are first-of-month dates everywhere in the app."""
from __future__ import annotations

from datetime import date


def first_of_month(value: date) -> date:
    return value.replace(day=1)


def add_months(month: date, n: int) -> date:
    """The first of the month n months after (or before, if negative) `month`."""
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)
