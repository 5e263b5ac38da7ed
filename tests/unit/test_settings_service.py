"""set_setting: one setting stored and audited; nothing written when the value is already so."""
from __future__ import annotations

from sponsorship.audit.models import AuditEvent
from sponsorship.settings.models import Setting
from sponsorship.settings.service import get_setting, set_setting


def _events(db_session) -> list:
    return db_session.scalars(db_session.query(AuditEvent).filter(AuditEvent.object_type == "setting")
                              .statement).all()


def test_set_setting_stores_and_audits_a_change_once(db_session, admin):
    assert db_session.get(Setting, "some_part_key") is None
    assert set_setting("some_part_key", [2], actor=admin, default=[1]) is True
    assert set_setting("some_part_key", [2], actor=admin, default=[1]) is False
    db_session.flush()
    assert db_session.get(Setting, "some_part_key").value == [2]
    assert [e.changes for e in _events(db_session)] == [{"some_part_key": [[1], [2]]}]


def test_a_city_setting_unset_counts_as_its_default(db_session, admin):
    assert set_setting("city_short", get_setting("city_short"), actor=admin) is False
    assert set_setting("city_short", "Pangkal Pinang", actor=admin) is True
    db_session.flush()
    assert get_setting("city_short") == "Pangkal Pinang"
    assert _events(db_session)[0].changes == {"city_short": ["Pangkalpinang", "Pangkal Pinang"]}
