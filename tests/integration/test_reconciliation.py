"""Reconciliation: discrepancies side by side, resolving one, a bulk rule, counts per pair and field."""
from __future__ import annotations

from sponsorship.beneficiaries.demo import to_csv
from tests.factories import resident_row
from tests.pages import get_page, post_page


def _two_sources():
    from sponsorship.beneficiaries.service import import_file
    from sponsorship.extensions import db

    import_file(actor=None, source="dukcapil", file_name="d.csv", data=to_csv([
        resident_row("1971015708450001", "Siti Aminah", tanggal_lahir="1945-08-17"),
        resident_row("1971011708450002", "Budi Santoso", kelurahan="Bacang")]))
    import_file(actor=None, source="dinsos", file_name="s.csv", data=to_csv([
        resident_row("1971015708450001", "Siti Aminah Binti Ali", tanggal_lahir="1945-08-18"),
        resident_row("1971011708450002", "Budi Santosa", kelurahan="Pasir Putih")]))
    db.session.commit()


def test_queue_shows_values_side_by_side_and_counts(staff, login):
    _two_sources()
    client = login(staff)
    page = get_page(client, "/beneficiaries/discrepancies")
    summary = {(tds[0].text, tds[1].text.strip()): int(tds[2].text)
               for tds in (tr.select("td")
                           for tr in page.select("[data-testid=discrepancy-summary] tbody tr"))}
    assert summary == {("dinsos/dukcapil", "Nama"): 2, ("dinsos/dukcapil", "Tanggal lahir"): 1,
                       ("dinsos/dukcapil", "Kelurahan"): 1}
    first = page.select("[data-testid=discrepancies] tbody tr")[0]
    assert {b["data-source"] for b in first.select("button")} == {"dukcapil", "dinsos"}
    assert "1971015708450001" not in page.text


def test_resolving_one_sets_the_value_and_is_audited(staff, login):
    from sponsorship.audit.models import AuditEvent
    from sponsorship.beneficiaries.models import Beneficiary, Discrepancy
    from sponsorship.extensions import db

    _two_sources()
    d = db.session.scalar(db.select(Discrepancy).where(Discrepancy.field == "name")
                          .order_by(Discrepancy.id))
    client = login(staff)
    post_page(client, f"/beneficiaries/discrepancies/{d.id}/resolve", {"source": "dinsos"})
    db.session.expire_all()
    d = db.session.get(Discrepancy, d.id)
    b = db.session.get(Beneficiary, d.beneficiary_id)
    assert d.status == "resolved" and d.resolved_source == "dinsos" and d.resolved_by_id == staff.id
    assert b.name == "Siti Aminah Binti Ali" and b.name_search == "siti aminah binti ali"
    actions = {e.action for e in db.session.scalars(db.select(AuditEvent))}
    assert {"discrepancy:resolve", "update"} <= actions
    response = client.post(f"/beneficiaries/discrepancies/{d.id}/resolve", data={"source": "dukcapil"},
                           headers={"Referer": "/beneficiaries/discrepancies"})
    assert response.status_code == 302  # already resolved: a message, not a change
    assert db.session.get(Beneficiary, d.beneficiary_id).name == "Siti Aminah Binti Ali"


def test_bulk_rule_dukcapil_wins_for_name_and_birth_date(staff, login):
    from datetime import date

    from sponsorship.beneficiaries.models import Beneficiary, Discrepancy
    from sponsorship.extensions import db

    _two_sources()
    post_page(login(staff), "/beneficiaries/discrepancies/bulk",
              {"source": "dukcapil", "fields": ["name", "birth_date"]})
    db.session.expire_all()
    still_open = db.session.scalars(db.select(Discrepancy).where(Discrepancy.status == "open"))
    open_fields = [d.field for d in still_open]
    assert open_fields == ["region_code"]
    siti = db.session.scalar(db.select(Beneficiary).where(Beneficiary.nik_masked == "197101******0001"))
    assert siti.name == "Siti Aminah" and siti.birth_date == date(1945, 8, 17)
