"""The public /transparency page: aggregates only, unlisted companies unnamed, cacheable."""
from __future__ import annotations

from datetime import date

import pytest

from sponsorship.extensions import db
from sponsorship.uhc.models import CoverageFigure
from tests import factories
from tests.pages import get_page


@pytest.fixture
def world(app_ctx, staff):
    listed = factories.make_sponsor(name="PT Bank Terbuka", short_name="Bank Terbuka", listed_publicly=True,
                                    contact_name="Rina Marlina", contact_email="rina@bank.example",
                                    contact_phone="0812-7777-1234")
    hidden = factories.make_sponsor(name="PT Rahasia Dermawan", listed_publicly=False,
                                    contact_name="Budi Santoso")
    hidden2 = factories.make_sponsor(name="PT Diam Diam", listed_publicly=False)
    factories.make_pledge(sponsor=listed, status="active", quota=500, months=12, title="Iuran 500 warga")
    factories.make_pledge(sponsor=listed, status="draft", quota=50, months=12, title="Draf belum janji")
    factories.make_pledge(sponsor=hidden, status="agreed", quota=100, months=6, title="Komitmen rahasia A")
    factories.make_pledge(sponsor=hidden2, status="active", quota=40, months=12, title="Komitmen rahasia B")
    factories.make_pledge(sponsor=hidden, programme="aid_fund", status="active", total_amount=80_000_000,
                          title="Dana rahasia")
    factories.make_pledge(sponsor=listed, programme="aid_fund", status="cancelled", total_amount=9_000_000,
                          title="Dana batal")
    factories.make_user(role="sponsor", sponsor=listed, username="rina.bank", full_name="Rina Marlina")
    db.session.add(CoverageFigure(month=date(2025, 4, 1), population=242_285, registered=239_344,
                                  active=179_963))
    db.session.commit()
    return {"listed": listed, "hidden": hidden}


def section(soup, testid):
    return soup.select_one(f"[data-testid={testid}]").get_text(" ", strip=True)


def test_anyone_sees_listed_companies_by_name_and_the_rest_as_other_companies(app, world):
    soup = get_page(app.test_client(), "/transparency")
    premium = section(soup, "programme-premium")
    assert "Bank Terbuka Iuran 500 warga 500" in premium
    # 100 x 6 + 40 x 12 at Rp 35.000: 140 slots, Rp 37.800.000, from two companies.
    assert "Perusahaan lain (2) 2 komitmen 140" in premium and "Rp 37.800.000" in premium
    assert "Jumlah (3 komitmen) 640" in premium
    aid = section(soup, "programme-aid_fund")
    assert "Perusahaan lain (1) 1 komitmen Rp 80.000.000" in aid


def test_drafts_cancelled_pledges_and_unlisted_names_stay_off_the_page(app, world):
    page = app.test_client().get("/transparency").get_data(as_text=True)
    for secret in ("PT Rahasia Dermawan", "PT Diam Diam", "Komitmen rahasia", "Dana rahasia",
                   "Draf belum janji", "Dana batal"):
        assert secret not in page, secret


def test_no_personal_or_contact_data_is_published(app, world):
    page = app.test_client().get("/transparency").get_data(as_text=True)
    listed = world["listed"]
    for personal in ("Rina Marlina", "rina@bank.example", "0812-7777-1234", "rina.bank", "Budi Santoso",
                     listed.npwp, world["hidden"].npwp):
        assert personal not in page, personal


def test_open_needs_show_the_citys_activity_gap(app, world):
    needs = section(get_page(app.test_client(), "/transparency"), "open-needs")
    # April 2025: 80 % x 239.344 = 191.476 needed, 179.963 active -> 11.513 more.
    assert "75,19 %" in needs and "11.513" in needs


def test_the_page_is_cacheable_and_answers_not_modified(app, world):
    client = app.test_client()
    first = client.get("/transparency")
    assert first.headers["Cache-Control"] == "public, max-age=300"
    assert "Set-Cookie" not in first.headers
    again = client.get("/transparency", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_signed_in_users_see_the_same_public_page(login, sponsor_a, world):
    soup = get_page(login(sponsor_a), "/transparency")
    assert "Bank Terbuka" in section(soup, "programme-premium")


def test_slots_filled_and_still_open_once_allocations_count_them(app, world):
    from sponsorship.pledges.models import Pledge

    if not hasattr(Pledge, "allocated_count"):
        pytest.skip("the allocations part of the domain is not in this build yet")
    for title, filled in (("Iuran 500 warga", 120), ("Komitmen rahasia B", 40)):
        db.session.execute(db.update(Pledge).where(Pledge.title == title).values(allocated_count=filled))
    db.session.commit()
    soup = get_page(app.test_client(), "/transparency")
    premium = section(soup, "programme-premium")
    assert "Bank Terbuka Iuran 500 warga 500 120" in premium
    assert "Perusahaan lain (2) 2 komitmen 140 40" in premium
    # Agreed or active quota 500 + 100 + 40 = 640, of which 160 filled: 480 still open.
    assert section(soup, "open-slots") == "480"


def test_a_company_that_agrees_to_be_listed_appears_on_the_next_visit(app, world, staff):
    from sponsorship.sponsors.service import FIELDS, update_sponsor

    client = app.test_client()
    first = client.get("/transparency")
    assert "PT Rahasia Dermawan" not in first.get_data(as_text=True)
    hidden = world["hidden"]
    data = {key: getattr(hidden, key) for key in (*FIELDS, "name", "npwp")}
    update_sponsor(hidden, actor=staff, data={**data, "listed_publicly": True})  # as the staff form does
    db.session.commit()
    again = client.get("/transparency", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200
    assert "Perusahaan lain (1) 1 komitmen 40" in section(
        get_page(client, "/transparency"), "programme-premium")
    assert "PT Rahasia Dermawan" in again.get_data(as_text=True)


def test_aid_paid_per_month_and_proposals_waiting_without_any_patient(app, world):
    from sponsorship.disbursements.models import Disbursement

    fund = factories.make_pledge(sponsor=world["listed"], programme="aid_fund", status="active",
                                 total_amount=50_000_000, title="Dana rujukan terbuka")
    paid = [factories.make_proposal(status="disbursed", fund=fund, amount=amount,
                                    data=factories.proposal_data(patient_name=f"Pasien Rahasia {n}"))
            for n, amount in ((1, 5_000_000), (2, 2_400_000), (3, 1_000_000))]
    factories.make_proposal(status="approved", data=factories.proposal_data(patient_name="Pasien Menunggu"))
    factories.make_proposal(status="verified_eligible")
    factories.make_proposal(status="submitted")  # not yet found eligible: not counted
    # One payout in October, two in November (the factory pays on 23 November 2026).
    db.session.execute(db.update(Disbursement).where(Disbursement.proposal_id == paid[0].id)
                       .values(paid_on=date(2026, 10, 5)))
    db.session.commit()

    soup = get_page(app.test_client(), "/transparency")
    months = [tr.get_text(" ", strip=True) for tr in soup.select("[data-testid=aid-paid] tbody tr")]
    assert months == ["Oktober 2026 Rp 5.000.000", "November 2026 Rp 3.400.000"]
    # Committed listed fund 50.000.000 + unlisted 80.000.000 = 130.000.000, minus 8.400.000 paid.
    assert "Rp 121.600.000" in section(soup, "aid-paid")
    assert section(soup, "waiting-proposals") == "2"
    page = str(soup)
    for personal in ("Pasien Rahasia", "Pasien Menunggu", "1971014101900", "RSUD Depati Hamzah", "RJK/"):
        assert personal not in page, personal
