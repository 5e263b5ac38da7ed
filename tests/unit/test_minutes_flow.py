"""Berita acara moves: the table as data, every status x move pair, and who may call each."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from sponsorship import policy
from sponsorship.core.errors import IllegalTransition, PermissionDenied
from sponsorship.minutes.models import STATUSES
from sponsorship.minutes.service import MINUTES_FLOW

ALL_ROLES = ("admin", "staff", "sponsor", "verifier", "approver")
# name -> (sources, target, roles, needs_note)
TABLE = {
    "finalise": ({"draft"}, "final", {"admin", "staff"}, False),
    "approve": ({"final"}, "approved", {"approver"}, False),
    "return": ({"final"}, "returned", {"approver"}, True),
}


def person(role):
    return SimpleNamespace(is_authenticated=True, role=role, id=1, sponsor_id=None)


@pytest.fixture
def req(app):
    with app.test_request_context():
        yield


def test_the_table_is_pinned():
    assert {n: (set(t.sources), t.target, t.needs_note) for n, t in MINUTES_FLOW.transitions.items()} \
        == {n: (s, target, note) for n, (s, target, _, note) in TABLE.items()}


@pytest.mark.parametrize("name", sorted(TABLE))
@pytest.mark.parametrize("status", list(STATUSES))
def test_every_status_and_move_pair(req, name, status):
    sources, _, roles, _ = TABLE[name]
    t = MINUTES_FLOW.transitions[name]
    minutes = SimpleNamespace(status=status)
    role = sorted(roles)[0]
    if status in sources:
        assert MINUTES_FLOW.check(name, minutes, person(role)) is t
    else:
        with pytest.raises(IllegalTransition):
            MINUTES_FLOW.check(name, minutes, person(role))
    for other in set(ALL_ROLES) - roles:
        with pytest.raises(PermissionDenied):
            MINUTES_FLOW.check(name, minutes, person(other))


def test_only_staff_finalise_and_only_the_approver_decides():
    def allowed(name):
        return {r for r in ALL_ROLES if policy.can(MINUTES_FLOW.transitions[name].action, user=person(r))}

    assert allowed("finalise") == {"admin", "staff"}
    assert allowed("approve") == allowed("return") == {"approver"}
    assert MINUTES_FLOW.transitions["return"].needs_note
