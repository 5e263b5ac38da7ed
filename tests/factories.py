"""Keyword-only builders for test data; each commits so HTTP requests can see it."""
from __future__ import annotations

import itertools
from datetime import date

from stdnum import luhn

DEFAULT_PASSWORD = "rahasia-uji-123"
REFERENCE_TABLES: tuple[str, ...] = ()  # tables filled by migrations (kept between tests)

_seq = itertools.count(1)


def valid_npwp(n: int | None = None) -> str:
    """A structurally valid 16-digit NPWP, different for each call."""
    stem = f"01{(n if n is not None else next(_seq)) % 1_000_000:06d}"
    return "0" + stem + luhn.calc_check_digit(stem) + "323000"


def make_sponsor(*, name: str | None = None, npwp: str | None = None, **extra):
    from sponsorship.extensions import db
    from sponsorship.sponsors.service import create_sponsor

    n = next(_seq)
    data = {"name": name or f"PT Contoh {n}", "npwp": npwp or valid_npwp(n), "legal_form": "PT",
            **extra}
    sponsor = create_sponsor(actor=None, data=data)
    db.session.commit()
    return sponsor


def make_user(*, role: str, username: str | None = None, sponsor=None,
              password: str = DEFAULT_PASSWORD, is_company_admin: bool = False, full_name=None):
    from sponsorship.auth.service import create_user
    from sponsorship.extensions import db

    username = username or f"{role}{next(_seq)}"
    user = create_user(actor=None, username=username, full_name=full_name or username.title(),
                       role=role, password=password, sponsor_id=sponsor.id if sponsor else None,
                       is_company_admin=is_company_admin)
    db.session.commit()
    return user


def make_pledge(*, sponsor, programme: str = "premium", status: str = "draft", actor=None,
                title: str | None = None, quota: int = 10, months: int = 12,
                start_month: date = date(2026, 1, 1), total_amount: int = 100_000_000,
                workers_attested: bool = True):
    """A pledge moved through the real transitions up to `status`."""
    from sponsorship.extensions import db
    from sponsorship.pledges import service

    data = {"programme": programme, "title": title or f"Komitmen {next(_seq)}",
            "workers_attested": workers_attested, "start_month": start_month}
    if programme == "premium":
        data.update(quota=quota, months=months)
    else:
        data.update(total_amount=total_amount, months=months)
    actor = actor or _system_staff()
    pledge = service.create_pledge(actor=actor, sponsor=sponsor, data=data)
    path = {"draft": [], "agreed": ["agree"], "active": ["agree", "activate"],
            "completed": ["agree", "activate", "complete"], "cancelled": ["cancel"]}[status]
    for move in path:
        service.transition_pledge(pledge, move, actor=actor, note="uji")
    db.session.commit()
    return pledge


def _system_staff():
    from sponsorship.auth.models import User
    from sponsorship.extensions import db

    user = db.session.scalar(db.select(User).where(User.username == "factory-staff"))
    return user or make_user(role="staff", username="factory-staff")
