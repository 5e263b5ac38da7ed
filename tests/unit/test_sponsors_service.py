"""Companies: NPWP validation and normalisation, uniqueness, audit."""
import pytest
from stdnum.id import npwp as stdnum_npwp

from sponsorship.audit.models import AuditEvent
from sponsorship.core.errors import DomainError
from sponsorship.sponsors.service import create_sponsor, normalise_npwp, update_sponsor
from tests.factories import valid_npwp

NPWP16 = valid_npwp(424242)
NPWP15 = NPWP16[1:]


def test_old_15_digit_npwp_becomes_16_digits():
    assert len(NPWP15) == 15
    assert normalise_npwp(NPWP15) == NPWP16


def test_punctuation_is_accepted():
    assert normalise_npwp(stdnum_npwp.format(NPWP15)) == NPWP16  # 01.234.567.8-323.000
    assert normalise_npwp(" " + NPWP16[:4] + " " + NPWP16[4:] + " ") == NPWP16


@pytest.mark.parametrize("raw", [
    NPWP15[:8] + str((int(NPWP15[8]) + 1) % 10) + NPWP15[9:],  # wrong check digit
    NPWP15[:-1],  # 14 digits
    "",
    "abcdefghijklmno",
])
def test_invalid_npwp_is_refused_on_its_field(raw):
    with pytest.raises(DomainError) as err:
        normalise_npwp(raw)
    assert err.value.field == "npwp"


def _data(**extra):
    return {"name": "PT Uji Coba", "npwp": NPWP15, "legal_form": "PT", **extra}


def test_create_stores_the_normalised_npwp_and_audits(db_session):
    sponsor = create_sponsor(actor=None, data=_data(short_name="  Uji  "))
    db_session.commit()
    assert sponsor.npwp == NPWP16
    assert sponsor.short_name == "Uji"
    event = db_session.scalar(db_session.query(AuditEvent).filter_by(object_type="sponsor").statement)
    assert event.action == "create" and event.changes["npwp"] == [None, NPWP16]


def test_duplicate_npwp_in_either_form_is_refused(db_session):
    create_sponsor(actor=None, data=_data())
    db_session.commit()
    with pytest.raises(DomainError) as err:
        create_sponsor(actor=None, data=_data(name="PT Lain", npwp=stdnum_npwp.format(NPWP15)))
    assert err.value.field == "npwp"


def test_duplicate_name_is_refused_case_insensitively(db_session):
    create_sponsor(actor=None, data=_data())
    db_session.commit()
    with pytest.raises(DomainError) as err:
        create_sponsor(actor=None, data=_data(name="pt uji coba", npwp=valid_npwp(515151)))
    assert err.value.field == "name"


def test_unknown_legal_form_is_refused(db_session):
    with pytest.raises(DomainError) as err:
        create_sponsor(actor=None, data=_data(legal_form="LLC"))
    assert err.value.field == "legal_form"


def test_update_may_keep_its_own_npwp_and_records_changes(db_session):
    sponsor = create_sponsor(actor=None, data=_data())
    db_session.commit()
    update_sponsor(sponsor, actor=None, data=_data(sector="Perbankan"))
    db_session.commit()
    events = db_session.scalars(
        db_session.query(AuditEvent).filter_by(object_type="sponsor", action="update").statement
    ).all()
    assert [e.changes for e in events] == [{"sector": [None, "Perbankan"]}]


def test_npwp_is_shown_in_the_familiar_format(db_session):
    sponsor = create_sponsor(actor=None, data=_data())
    assert sponsor.npwp_display == stdnum_npwp.format(NPWP15)  # 01.234.567.8-323.000
    assert normalise_npwp(sponsor.npwp_display) == sponsor.npwp
    sponsor.npwp = "1" + NPWP15
    assert sponsor.npwp_display == "1" + NPWP15
