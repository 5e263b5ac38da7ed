"""City settings: declared once (key, type, default, label), read back as their declared type."""
from __future__ import annotations

import pytest

from sponsorship.core.errors import DomainError
from sponsorship.extensions import db
from sponsorship.settings import service
from sponsorship.settings.forms import SettingsForm
from sponsorship.settings.models import Setting


def test_one_declaration_gives_defaults_labels_and_form_fields(app):
    keys = [s.key for s in service.SETTINGS]
    assert len(keys) == len(set(keys))
    assert list(service.DEFAULTS) == keys and list(service.SETTING_LABELS) == keys
    assert all(isinstance(s.default, s.type) for s in service.SETTINGS)
    assert all(hasattr(SettingsForm, key) for key in service.EDITABLE)
    assert not hasattr(SettingsForm, "area_code") and "area_code" not in service.EDITABLE  # setup-city's


def test_values_come_back_as_their_declared_type(app_ctx, admin):
    db.session.add(Setting(key="uhc_coverage_threshold", value=97))  # a whole number stored
    db.session.commit()
    assert service.get_setting("uhc_coverage_threshold") == 97.0
    assert isinstance(service.get_setting("uhc_coverage_threshold"), float)
    assert service.all_settings()["uhc_activity_threshold"] == 80.0  # the default
    service.update_settings(actor=admin, values={"aid_payout_days": "5"})
    db.session.commit()
    assert db.session.get(Setting, "aid_payout_days").value == 5.0


def test_a_value_of_the_wrong_type_is_refused(app_ctx, admin):
    with pytest.raises(DomainError) as refused:
        service.update_settings(actor=admin, values={"uhc_coverage_threshold": "banyak"})
    assert refused.value.field == "uhc_coverage_threshold"
    with pytest.raises(DomainError):
        service.update_settings(actor=admin, values={"city_name": 12})
    db.session.add(Setting(key="aid_first_contact_days", value="tidak tahu"))  # edited by hand
    db.session.commit()
    with pytest.raises(ValueError, match="aid_first_contact_days"):
        service.get_setting("aid_first_contact_days")
