"""`flask rotate-nik-keys`: every row moves onto the current key in audited batches, lookups work
throughout, a second run changes nothing, and an interrupted run is finished by the next one."""
from __future__ import annotations

import json

import pytest

from tests import factories

NIKS = [f"19710117084500{i:02d}" for i in range(1, 6)]
# The first is also a resident; the other two become residents at intake (other people: born apart).
PATIENTS = ["1971014101900001", "1971014101900077", "1971015202950078"]
KEYS = ("NIK_KEY_ID", "NIK_ENCRYPTION_KEY", "NIK_PREVIOUS_KEYS")


@pytest.fixture
def keys(app):
    """Set the NIK keys for one test; the app's own keys come back afterwards."""
    saved = {k: app.config.get(k) for k in KEYS}

    def use(key_id: str, secret: str, previous: str = "") -> None:
        app.config.update(NIK_KEY_ID=key_id, NIK_ENCRYPTION_KEY=secret, NIK_PREVIOUS_KEYS=previous)

    use("k1", "first secret")
    yield use
    app.config.update(saved)


@pytest.fixture
def stored(app, keys):
    """Eight residents (six imported, two patients registered at intake) and three aid proposals,
    all written under key k1."""
    from sponsorship.beneficiaries.service import import_file
    from sponsorship.extensions import db

    with app.test_request_context():
        rows = "\n".join(f"{nik},Warga {i},Bacang" for i, nik in enumerate(NIKS + PATIENTS[:1]))
        import_file(actor=None, data=f"nik,nama,kelurahan\n{rows}\n".encode(), file_name="x.csv",
                    source="dinsos")
        db.session.commit()
        staff = factories.make_user(role="staff", username="staff-rotation")
        for nik in PATIENTS:
            factories.make_proposal(staff=staff, data=factories.proposal_data(patient_nik=nik))


def _rotate(app, batch_size: int = 2):
    result = app.test_cli_runner().invoke(args=["rotate-nik-keys", "--batch-size", str(batch_size)])
    return result, (json.loads(result.stdout) if result.stdout.strip() else None)


def _state(app) -> dict:
    """Each table's rows as (key id, number in clear, blind index is the current key's)."""
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.extensions import db
    from sponsorship.identity import cipher
    from sponsorship.proposals.models import AidProposal

    with app.app_context():
        c = cipher()
        residents = [(b.nik_key_id, c.decrypt(b.nik_encrypted, b.nik_key_id))
                     for b in db.session.scalars(db.select(Beneficiary).order_by(Beneficiary.id))]
        proposals = []
        for p in db.session.scalars(db.select(AidProposal).order_by(AidProposal.id)):
            nik = c.decrypt(p.patient.nik_encrypted, p.patient.nik_key_id)  # the registry holds it
            kk = c.decrypt(p.patient_kk_enc, p.nik_key_id, kind="kk")
            assert p.patient_kk_hash == c.blind_index(kk, kind="kk", key_id=p.nik_key_id)
            proposals.append((p.nik_key_id, nik))
        return {"beneficiary": residents, "aid_proposal": proposals}


def _key_ids(app) -> set[str]:
    state = _state(app)
    return {k for rows in state.values() for k, _ in rows}


def _found(app) -> bool:
    """Every resident found by NIK, and the patient who is a resident linked to the registry."""
    from sponsorship.beneficiaries.service import find_by_nik, search_stmt
    from sponsorship.extensions import db
    from sponsorship.proposals import service as proposals
    from sponsorship.proposals.models import AidProposal

    with app.test_request_context():
        if not all(find_by_nik(nik) is not None for nik in NIKS + PATIENTS[:1]):
            return False
        if len(db.session.scalars(search_stmt(q=NIKS[-1])).all()) != 1:
            return False
        first = db.session.scalar(db.select(AidProposal).order_by(AidProposal.id))
        return find_by_nik(proposals.patient_nik(first)) is not None


def _events(app) -> list:
    from sponsorship.audit.models import AuditEvent
    from sponsorship.extensions import db

    with app.app_context():
        return [(e.actor_name, e.object_type, e.changes, e.note) for e in db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == "nik:rotate-keys").order_by(AuditEvent.id))]


def test_rotation_moves_every_row_in_audited_batches_and_a_second_run_changes_nothing(app, keys, stored):
    before = _state(app)
    assert _key_ids(app) == {"k1"}

    keys("k2", "second secret", "k1:first secret")
    assert _found(app)  # during the rotation: rows still on k1 are found through its index
    result, counts = _rotate(app, batch_size=2)
    assert result.exit_code == 0, result.output
    assert counts == {"key_id": "k2", "batches": 4 + 2, "beneficiary": 8, "beneficiary_unknown_key": 0,
                      "aid_proposal": 3, "aid_proposal_unknown_key": 0,
                      "link_candidate": 0, "link_candidate_unknown_key": 0}
    after = _state(app)
    assert _key_ids(app) == {"k2"}
    assert [n for _, n in after["beneficiary"]] == [n for _, n in before["beneficiary"]]
    assert [n for _, n in after["aid_proposal"]] == [n for _, n in before["aid_proposal"]]

    events = _events(app)
    assert len(events) == 6 and {e[0] for e in events} == {"system"}
    assert {e[1] for e in events} == {"beneficiary", "aid_proposal"}
    assert events[0][2]["nik_key_id"] == ["k1", "k2"] and events[0][2]["rows"] == [None, 2]
    assert not any(nik in str(events) or nik[-4:] in str(events) for nik in NIKS + PATIENTS)

    keys("k2", "second secret")  # the old key is gone: nothing needs it any more
    assert _found(app)
    result, counts = _rotate(app)
    assert result.exit_code == 0 and counts["batches"] == counts["beneficiary"] == counts["aid_proposal"] == 0
    assert len(_events(app)) == 6 and _state(app) == after


def test_an_interrupted_rotation_is_finished_by_the_next_run(app, keys, stored, monkeypatch):
    from sponsorship.identity import rotation

    keys("k2", "second secret", "k1:first secret")
    real, calls = rotation.audit.record, []

    def fail_second_batch(**kw):
        calls.append(kw)
        if len(calls) == 2:
            raise RuntimeError("power cut")
        return real(**kw)

    monkeypatch.setattr(rotation.audit, "record", fail_second_batch)
    result, _ = _rotate(app, batch_size=2)
    assert result.exit_code != 0 and "power cut" in repr(result.exception)
    state = _state(app)
    assert [k for k, _ in state["beneficiary"]] == ["k2", "k2"] + ["k1"] * 6  # one batch kept
    assert len(_events(app)) == 1
    assert _found(app)  # half rotated: both keys' rows are found

    monkeypatch.setattr(rotation.audit, "record", real)
    result, counts = _rotate(app, batch_size=2)
    assert result.exit_code == 0, result.output
    assert (counts["beneficiary"], counts["aid_proposal"]) == (6, 3)
    assert _key_ids(app) == {"k2"} and _found(app)
    assert [n for _, n in _state(app)["beneficiary"]] == [n for _, n in state["beneficiary"]]


def test_rows_on_a_key_that_is_not_configured_are_left_and_reported(app, keys, stored):
    from sponsorship.extensions import db

    with app.app_context():
        db.session.execute(db.text("UPDATE beneficiary SET nik_key_id = 'k0' WHERE id = "
                                   "(SELECT min(id) FROM beneficiary)"))
        db.session.commit()
    keys("k2", "second secret", "k1:first secret")
    result, counts = _rotate(app, batch_size=10)
    assert result.exit_code == 1
    assert counts["beneficiary"] == 7 and counts["beneficiary_unknown_key"] == 1
