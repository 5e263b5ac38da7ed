"""Berita acara moves: every status x move pair, and who may call each."""
from __future__ import annotations

import pytest

from sponsorship.core.errors import IllegalTransition, PermissionDenied
from sponsorship.minutes.models import STATUSES
from sponsorship.minutes.service import MINUTES_FLOW

ALL_ROLES = ("admin", "staff", "sponsor", "verifier", "approver")


@pytest.fixture
def req(app):
    with app.test_request_context():
        yield


@pytest.mark.parametrize("name", sorted(MINUTES_FLOW.transitions))
@pytest.mark.parametrize("status", list(STATUSES))
def test_every_status_and_move_pair(req, name, status):
    t = MINUTES_FLOW.transitions[name]
    role = sorted(t.roles)[0]
    if status in t.sources:
        assert MINUTES_FLOW.check(name, status, role) is t
    else:
        with pytest.raises(IllegalTransition):
            MINUTES_FLOW.check(name, status, role)
    for other in set(ALL_ROLES) - t.roles:
        with pytest.raises(PermissionDenied):
            MINUTES_FLOW.check(name, status, other)


def test_only_staff_finalise_and_only_the_approver_decides():
    assert MINUTES_FLOW.transitions["finalise"].roles == {"admin", "staff"}
    assert MINUTES_FLOW.transitions["approve"].roles == {"approver"}
    assert MINUTES_FLOW.transitions["return"].needs_note
