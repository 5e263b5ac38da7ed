"""The public /transparency page: aggregates only, unlisted companies unnamed, cacheable."""
from __future__ import annotations

from datetime import date

import pytest

from sponsorship.extensions import db
from sponsorship.uhc.models import CoverageFigure
from tests import factories
from tests.conftest import get_page


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


def test_a_company_that_agrees_to_be_listed_appears_on_the_next_visit(app, world):
    client = app.test_client()
    first = client.get("/transparency")
    assert "PT Rahasia Dermawan" not in first.get_data(as_text=True)
    world["hidden"].listed_publicly = True
    db.session.commit()
    again = client.get("/transparency", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200
    assert "Perusahaan lain (1) 1 komitmen 40" in section(
        get_page(client, "/transparency"), "programme-premium")
    assert "PT Rahasia Dermawan" in again.get_data(as_text=True)
