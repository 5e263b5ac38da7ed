"""Allocation rules: premium pledges only, quota and one-slot-per-resident held by the database,
ending frees a slot, replacing, fill by priority, export, and the sponsor's masked coverage page."""
from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from sponsorship.core.errors import DomainError, IllegalTransition, PermissionDenied
from tests import factories
from tests.factories import make_residents, resident_row
from tests.pages import get_page, post_page


def _residents(ids):
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.extensions import db

    return [db.session.get(Beneficiary, i) for i in ids]


@pytest.fixture
def pledge(company_a):
    return factories.make_pledge(sponsor=company_a, status="agreed", quota=3)


def test_allocate_until_quota_then_refuse(db_session, staff, pledge):
    from sponsorship.allocations import service

    people = _residents(make_residents(rows=[resident_row(f"19710117084500{i:02d}", f"W{i}")
                                             for i in range(1, 5)]))
    for b in people[:3]:
        a = service.allocate(pledge, b, actor=staff)
        assert a.status == "reserved" and a.start_month == pledge.start_month
    db_session.commit()
    assert pledge.allocated_count == 3
    with pytest.raises(DomainError, match="penuh"):
        service.allocate(pledge, people[3], actor=staff)


def test_a_resident_is_never_in_two_slots(db_session, staff, company_a, pledge):
    from sponsorship.allocations import service

    other = factories.make_pledge(sponsor=company_a, status="active", quota=3)
    (b,) = _residents(make_residents(rows=[resident_row("1971011708450001", "Satu")]))
    service.allocate(pledge, b, actor=staff)
    db_session.commit()
    with pytest.raises(DomainError, match="alokasi"):
        service.allocate(other, b, actor=staff)
    db_session.rollback()
    assert other.allocated_count == 0


def test_database_refuses_what_the_service_would(db_session, staff, pledge):
    """Even bypassing the service, the schema holds the quota and the one-slot rule."""
    from sponsorship.allocations.models import Allocation
    from sponsorship.extensions import db
    from sponsorship.pledges.models import Pledge

    with pytest.raises(IntegrityError):
        db.session.execute(db.update(Pledge).where(Pledge.id == pledge.id).values(allocated_count=4))
    db.session.rollback()
    (b,) = _residents(make_residents(1))
    db.session.add(Allocation(pledge_id=pledge.id, beneficiary_id=b.id, start_month=date(2026, 1, 1)))
    db.session.flush()
    db.session.add(Allocation(pledge_id=pledge.id, beneficiary_id=b.id, start_month=date(2026, 1, 1)))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("programme, status", [("premium", "draft"), ("premium", "completed"),
                                               ("premium", "cancelled"), ("aid_fund", "active")])
def test_only_agreed_or_active_premium_pledges(db_session, staff, company_a, programme, status):
    from sponsorship.allocations import service

    p = factories.make_pledge(sponsor=company_a, programme=programme, status=status)
    (b,) = _residents(make_residents(1))
    with pytest.raises(DomainError):
        service.allocate(p, b, actor=staff)


def test_only_office_roles_allocate(db_session, sponsor_a, pledge):
    from sponsorship.allocations import service

    (b,) = _residents(make_residents(1))
    with pytest.raises(PermissionDenied):
        service.allocate(pledge, b, actor=sponsor_a)


def test_ineligible_resident_is_refused_with_reasons(db_session, staff, pledge):
    from sponsorship.allocations import service

    (b,) = _residents(make_residents(rows=[resident_row("1971015708450001", "Siti", segmen_jkn="PBI_APBN",
                                                        status_jkn="AKTIF")]))
    with pytest.raises(DomainError, match="PBI"):
        service.allocate(pledge, b, actor=staff)


def test_end_frees_the_slot_and_replace_gives_it_to_another(db_session, staff, pledge):
    from sponsorship.allocations import service

    a_, b_, c_, d_ = _residents(make_residents(rows=[resident_row(f"19710117084500{i:02d}", f"W{i}")
                                                     for i in range(1, 5)]))
    first = service.allocate(pledge, a_, actor=staff)
    service.allocate(pledge, b_, actor=staff)
    service.allocate(pledge, c_, actor=staff)
    with pytest.raises(DomainError):
        service.transition_allocation(first, "end", actor=staff, reason=None)
    service.transition_allocation(first, "end", actor=staff, reason="deceased", end_month=date(2026, 3, 1))
    db_session.commit()
    assert first.status == "ended" and first.end_month == date(2026, 3, 1)
    assert pledge.allocated_count == 2
    with pytest.raises(IllegalTransition):
        service.transition_allocation(first, "activate", actor=staff)
    # The freed slot is used by a replacement of another person.
    second = db_session.get(type(first), first.id + 1)
    new = service.replace_allocation(second, d_, actor=staff)
    db_session.commit()
    assert second.status == "ended" and second.end_reason == "replaced" and second.replaced_by_id == new.id
    assert pledge.allocated_count == 2
    # a_ is free again (their allocation ended) and may take the free slot.
    service.allocate(pledge, a_, actor=staff)
    db_session.commit()
    assert pledge.allocated_count == 3


def test_fill_by_priority_takes_the_highest_scores_and_arrears_lower_them(db_session, staff, company_a):
    """Default weights: desil 5 x (11 - desil), elderly +15, arrears -1 a month unless the pledge
    pays them; residents without a desil or on PBI are not eligible at all."""
    from sponsorship.allocations import service

    p = factories.make_pledge(sponsor=company_a, status="active", quota=3)
    make_residents(rows=[
        resident_row("1971011708450001", "Desil kosong", desil="", tunggakan_bulan="20"),
        resident_row("1971011708450002", "Desil 2", desil="2", tunggakan_bulan="1"),  # 45 - 1
        resident_row("1971011708800003", "Desil 1 muda", desil="1", tunggakan_bulan="4",
                     tanggal_lahir="1980-08-17"),  # 50 - 4
        resident_row("1971011708500004", "Desil 1 tua", desil="1", tunggakan_bulan="4",
                     tanggal_lahir="1950-08-17"),  # 50 + 15 - 4
        resident_row("1971011708450005", "Desil 1 tunggakan", desil="1", tunggakan_bulan="9"),  # 50 - 9
        resident_row("1971011708450006", "PBI", desil="1", segmen_jkn="PBI_APBD", status_jkn="AKTIF"),
    ])
    preview = service.preview_fill(p, actor=staff)
    assert [(b.name, score) for b, score in preview] == [("Desil 1 tua", 61), ("Desil 1 muda", 46),
                                                         ("Desil 2", 44)]
    paying = factories.make_pledge(sponsor=company_a, status="active", quota=3, covers_arrears=True)
    assert [(b.name, score) for b, score in service.preview_fill(paying, actor=staff)] == [
        ("Desil 1 tua", 65), ("Desil 1 muda", 50), ("Desil 1 tunggakan", 50)]
    assert service.fill_by_priority(p, actor=staff, beneficiary_ids=[b.id for b, _ in preview]) == 3
    db_session.commit()
    assert p.allocated_count == 3
    assert [b.name for b, _ in service.preview_fill(p, actor=staff)] == []
    assert [b.name for b, _ in service.preview_fill(paying, actor=staff)] == ["Desil 1 tunggakan"]


def test_allocation_pages_fill_and_export(staff, login, company_a):
    from openpyxl import load_workbook

    p = factories.make_pledge(sponsor=company_a, status="agreed", quota=2)
    make_residents(rows=[resident_row("1971015708450001", "Siti Aminah", no_kk="1971010101200001", desil="1"),
                         resident_row("1971011708450002", "Budi", desil="2"),
                         resident_row("1971011708450003", "Cici", desil="3")])
    client = login(staff)
    page = get_page(client, f"/pledges/{p.id}")
    assert page.select_one("[data-testid=allocation-link] a")["href"] == f"/allocations/pledge/{p.id}"
    page = get_page(client, f"/allocations/pledge/{p.id}")
    assert page.select_one("[data-testid=slots]").text.strip() == "0 / 2"
    response = client.post(f"/allocations/pledge/{p.id}/fill", data={"start_month": "2026-02"})
    assert response.status_code == 200
    from bs4 import BeautifulSoup

    preview = BeautifulSoup(response.data, "html.parser")
    ids = [i["value"] for i in preview.select("input[name=beneficiary_id]")]
    assert len(ids) == 2 and "1971015708450001" not in response.get_data(as_text=True)
    post_page(client, f"/allocations/pledge/{p.id}/fill/confirm",
              {"beneficiary_id": ids, "start_month": "2026-02"})
    page = get_page(client, f"/allocations/pledge/{p.id}")
    assert page.select_one("[data-testid=slots]").text.strip() == "2 / 2"
    xlsx = client.get(f"/allocations/pledge/{p.id}/export.xlsx")
    ws = load_workbook(io.BytesIO(xlsx.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "NIK" and rows[1][0] == "1971015708450001" and isinstance(rows[1][0], str)
    assert ws["A2"].number_format == "@" and rows[1][1] == "1971010101200001"
    assert rows[1][9] == "3" and rows[1][10] == "2026-02-01"
    csv_text = client.get(f"/allocations/pledge/{p.id}/export.csv").get_data(as_text=True)
    assert "1971015708450001" in csv_text and "Budi" in csv_text and "Cici" not in csv_text


def test_sponsor_sees_masked_coverage_of_own_pledge_only(staff, sponsor_a, sponsor_b, login, company_a,
                                                          company_b):
    from sponsorship.allocations import service
    from sponsorship.extensions import db

    mine = factories.make_pledge(sponsor=company_a, status="agreed", quota=2)
    theirs = factories.make_pledge(sponsor=company_b, status="agreed", quota=2)
    a_, b_, c_ = _residents(make_residents(rows=[
        resident_row("1971015708450001", "Siti Aminah"), resident_row("1971011708450002", "Budi Santoso"),
        resident_row("1971011708450003", "Unallocated Person")]))
    service.allocate(mine, a_, actor=staff)
    service.allocate(theirs, b_, actor=staff)
    db.session.commit()
    client = login(sponsor_a)
    page = get_page(client, f"/portal/coverage/{mine.id}")
    text = page.text
    assert "197101******0001" in text and "S. A." in text
    assert "1971015708450001" not in text and "Siti Aminah" not in text
    assert "Budi" not in text and "B. S." not in text and "Unallocated" not in text
    assert page.select_one("[data-testid=slots]").text.strip() == "1 / 2"
    assert "Bukit Intan" in page.select_one("[data-testid=by-kecamatan]").text
    get_page(client, f"/portal/coverage/{theirs.id}", 404)
    get_page(client, f"/allocations/pledge/{mine.id}", 403)
    assert client.get(f"/allocations/pledge/{mine.id}/export.csv").status_code == 403
    listed = get_page(client, "/portal/coverage/").select("[data-testid=coverage-pledges] a")
    assert [a.text for a in listed] == [mine.title]
    get_page(login(sponsor_b), f"/portal/coverage/{mine.id}", 404)
    get_page(login(staff), f"/portal/coverage/{mine.id}", 403)


def test_the_policy_in_force_decides_the_order_and_staff_cannot_change_it(db_session, admin, staff, login,
                                                                           company_a):
    from sponsorship.allocations import service

    p = factories.make_pledge(sponsor=company_a, status="agreed", quota=1)
    make_residents(rows=[
        resident_row("1971011708800001", "Miskin muda", desil="1", tanggal_lahir="1980-08-17"),
        resident_row("1971011708400002", "Tua desil 4", desil="4", tanggal_lahir="1940-08-17"),
    ])
    assert [b.name for b, _ in service.preview_fill(p, actor=staff)] == ["Miskin muda"]
    assert login(staff).post("/eligibility/new", data={"name": "Lansia dulu"}).status_code == 403
    from sponsorship.eligibility.models import DEFAULT_WEIGHTS

    factories.make_policy(status="active", actor=admin, name="Lansia dulu",
                          weights={**DEFAULT_WEIGHTS, "elderly": 60})
    # 5 x (11 - 4) + 60 - 2 months of arrears, against 5 x 10 - 2
    assert [(b.name, s) for b, s in service.preview_fill(p, actor=staff)] == [("Tua desil 4", 93)]
    page = get_page(login(staff), f"/allocations/pledge/{p.id}")
    assert "Lansia dulu v1" in page.select_one("[data-testid=policy-in-force]").text


def test_add_one_resident_found_by_nik_without_nik_in_any_url(staff, login, company_a):
    p = factories.make_pledge(sponsor=company_a, status="agreed", quota=2)
    make_residents(rows=[resident_row("1971015708450001", "Siti Aminah"),
                         resident_row("1971011708450002", "Budi")])
    client = login(staff)
    response = client.post(f"/allocations/pledge/{p.id}/search", data={"q": "1971015708450001"})
    assert response.status_code == 200
    from bs4 import BeautifulSoup

    page = BeautifulSoup(response.data, "html.parser")
    forms = page.select(f"form[action='/allocations/pledge/{p.id}/add']")
    assert len(forms) == 1 and "Siti Aminah" in forms[0].parent.parent.text
    assert all("1971015708450001" not in f.get("action", "") for f in page.select("form"))
    response = post_page(client, f"/allocations/pledge/{p.id}/add",
                         {"beneficiary_id": forms[0].select_one("input[name=beneficiary_id]")["value"]})
    assert "1971015708450001" not in response.headers["Location"]
    slots = get_page(client, f"/allocations/pledge/{p.id}").select_one("[data-testid=slots]")
    assert slots.text.strip() == "1 / 2"


def test_nik_lookup_falls_back_to_kk(staff, login):
    make_residents(rows=[resident_row("1971015708450001", "Siti Aminah", no_kk="1971010101200001")])
    response = post_page(login(staff), "/beneficiaries/find", {"nik": "1971010101200001"})
    assert response.headers["Location"].endswith("?q=1971010101200001")
