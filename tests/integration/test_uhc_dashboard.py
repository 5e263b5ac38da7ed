"""The city dashboard: numbers checked against hand-computed figures, downloads, forms, access."""
from __future__ import annotations

import io
import json
from datetime import date

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook

from sponsorship.extensions import db
from sponsorship.settings.service import update_settings
from sponsorship.uhc.models import CoverageFigure
from tests import factories
from tests.pages import get_page, post_page


@pytest.fixture
def figures(app_ctx):
    """Three months: April and May 2025 below the activity threshold, November 2025 above it."""
    rows = [(date(2025, 4, 1), 242_285, 239_344, 179_963),
            (date(2025, 5, 1), 242_360, 239_410, 178_657),
            (date(2025, 11, 1), 242_870, 239_081, 193_656)]
    for month, population, registered, active in rows:
        db.session.add(CoverageFigure(month=month, population=population, registered=registered,
                                      active=active))
    db.session.commit()


@pytest.fixture
def pledges(company_a, company_b):
    """Premium pledges: 500 agreed (A), 200 active (B), 100 draft (A), 300 cancelled (B); a fund of A."""
    factories.make_pledge(sponsor=company_a, status="agreed", quota=500, months=12)
    factories.make_pledge(sponsor=company_b, status="active", quota=200, months=6)
    factories.make_pledge(sponsor=company_a, status="draft", quota=100, months=6)
    factories.make_pledge(sponsor=company_b, status="cancelled", quota=300, months=12)
    factories.make_pledge(sponsor=company_a, programme="aid_fund", status="active", total_amount=150_000_000)


def text_of(soup, testid):
    return soup.select_one(f"[data-testid={testid}]").get_text(" ", strip=True)


def test_dashboard_shows_the_latest_month_the_gap_and_what_pledges_cover(login, staff, figures, pledges):
    soup = get_page(login(staff), "/uhc/")
    # November 2025: 239.081 / 242.870 = 98,44 %; 193.656 / 239.081 = 81,00 %.
    assert text_of(soup, "coverage") == "98,44 %"
    assert text_of(soup, "activity") == "81,00 %"
    assert text_of(soup, "gap") == "0"
    # Agreed 500 + active 200 = 700; with the 100 in draft 800; cancelled never counts.
    assert text_of(soup, "slots-firm") == "700"
    assert "800" in text_of(soup, "slots-with-drafts")
    # A (500 x 12 + 100 x 6) x Rp 35.000 = Rp 231.000.000; B 200 x 6 x 35.000 = Rp 42.000.000.
    table = text_of(soup, "pledges-by-company")
    assert "PT Alpha Sejahtera Iuran JKN (premi) 600 Rp 231.000.000" in table
    assert "PT Beta Makmur Iuran JKN (premi) 200 Rp 42.000.000" in table
    assert "PT Alpha Sejahtera Dana bantuan non-medis – Rp 150.000.000" in table
    assert "800 Rp 273.000.000" in text_of(soup, "programme-premium")
    rows = soup.select("[data-testid=chart-trend] tbody tr")
    assert [r["data-month"] for r in rows] == ["2025-11", "2025-05", "2025-04"]
    assert "75,19 %" in rows[2].get_text()


def test_the_gap_arithmetic_below_the_threshold_is_spelled_out(login, staff, figures, app_ctx):
    db.session.execute(db.delete(CoverageFigure).where(CoverageFigure.month == date(2025, 11, 1)))
    db.session.commit()
    soup = get_page(login(staff), "/uhc/")
    # May 2025: 80 % x 239.410 = 191.528 needed; 191.528 - 178.657 = 12.871.
    assert text_of(soup, "gap") == "12.871"
    steps = text_of(soup, "gap-arithmetic")
    assert "80,0 % × 239.410 = 191.528" in steps
    assert "191.528 − 178.657 = 12.871" in steps


def test_the_activity_threshold_comes_from_the_settings(login, staff, admin, figures, app_ctx):
    update_settings(actor=admin, values={"uhc_activity_threshold": 82.0})
    db.session.commit()
    soup = get_page(login(staff), "/uhc/")
    # 82 % x 239.081 = 196.046,42 -> 196.047; minus 193.656 active = 2.391.
    assert text_of(soup, "gap") == "2.391"


def test_charts_get_their_data_from_json_blocks_not_inline_script(login, staff, figures, pledges):
    client = login(staff)
    response = client.get("/uhc/")
    soup = BeautifulSoup(response.data, "html.parser")

    for script in soup.find_all("script"):
        assert script.get("src") or script.get("type") == "application/json", script
    trend = json.loads(soup.find(id="chart-json-trend").string)
    assert trend["labels"] == ["2025-04", "2025-05", "2025-11"]
    activity = next(s for s in trend["series"] if s["key"] == "activity")
    assert activity["data"] == [75.19, 74.62, 81.0]
    assert soup.find("canvas", attrs={"data-chart": "chart-json-trend"}) is not None
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_trend_xlsx_holds_the_table(login, staff, figures):
    response = login(staff).get("/uhc/export/trend.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("Bulan", "Penduduk", "Terdaftar", "Aktif", "Kepesertaan (%)", "Keaktifan (%)")
    assert rows[1][1:6] == (242_285, 239_344, 179_963, 98.79, 75.19)
    assert len(rows) == 4


def test_pledges_xlsx_holds_the_company_rows(login, staff, pledges):
    response = login(staff).get("/uhc/export/pledges.xlsx")
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert ("PT Alpha Sejahtera", "Iuran JKN (premi)", 2, 600, 231_000_000) in rows
    assert login(staff).get("/uhc/export/nothing.xlsx").status_code == 404


def test_staff_record_a_month_through_the_form(login, staff, app_ctx):
    client = login(staff)
    post_page(client, "/uhc/figures/new", {"month": "2025-04", "population": "242285",
                                            "registered": "239344", "active": "179963",
                                            "source_note": "BPJS"})
    soup = get_page(client, "/uhc/")
    assert text_of(soup, "activity") == "75,19 %"
    # Same month again: refused beside the month field, nothing added.
    response = client.post("/uhc/figures/new", data={"month": "2025-04", "population": "1",
                                                     "registered": "1", "active": "1"})
    assert response.status_code == 200
    assert "sudah tercatat" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(CoverageFigure.id))) == 1


def test_staff_correct_a_month(login, staff, figures, app_ctx):
    april = db.select(CoverageFigure.id).where(CoverageFigure.month == date(2025, 4, 1))
    figure_id = db.session.scalar(april)
    client = login(staff)
    post_page(client, f"/uhc/figures/{figure_id}/edit", {"month": "2025-04", "population": "242285",
                                                         "registered": "239344", "active": "180000"})
    db.session.expire_all()
    assert db.session.get(CoverageFigure, figure_id).active == 180_000


def test_csv_import_page_lists_every_bad_line_and_saves_nothing(login, staff, app_ctx):
    client = login(staff)
    data = (b"bulan,penduduk,terdaftar,aktif\n2025-04,242285,239344,179963\n"
            b"April,242360,239410,178657\n2025-06,242440,abc,1\n")
    response = client.post("/uhc/figures/import", data={"file": (io.BytesIO(data), "bpjs.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    soup = BeautifulSoup(response.data, "html.parser")
    lines = [tr.find("td").get_text() for tr in soup.select("[data-testid=import-problems] tbody tr")]
    assert lines == ["3", "4"]
    assert db.session.scalar(db.select(db.func.count(CoverageFigure.id))) == 0
    good = b"bulan,penduduk,terdaftar,aktif\n2025-04,242285,239344,179963\n"
    post_page(client, "/uhc/figures/import", {"file": (io.BytesIO(good), "bpjs.csv")},
              content_type="multipart/form-data")
    assert db.session.scalar(db.select(db.func.count(CoverageFigure.id))) == 1


def test_approver_home_shows_where_the_city_stands(login, approver, figures):
    soup = get_page(login(approver), "/")
    summary = text_of(soup, "uhc-summary")
    assert "98,44 %" in summary and "81,00 %" in summary
    assert "bulan lalu 74,62 %" in summary


# One persona per test: requests share the test's app context, where Flask-Login caches the user.
@pytest.mark.parametrize("role, dashboard, record", [
    ("admin", 200, 200), ("staff", 200, 200), ("approver", 200, 403), ("verifier", 403, 403),
    ("sponsor_a", 403, 403),
])
def test_who_may_see_the_dashboard_and_who_may_record(request, login, role, dashboard, record):
    client = login(request.getfixturevalue(role))
    assert client.get("/uhc/").status_code == dashboard
    assert client.get("/uhc/export/trend.xlsx").status_code == dashboard
    assert client.get("/uhc/figures/new").status_code == record
    assert client.get("/uhc/figures/import").status_code == record


def test_signed_out_visitors_are_sent_to_login(app):
    response = app.test_client().get("/uhc/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_dashboard_makes_a_handful_of_queries_whatever_the_number_of_pledges(login, staff, figures,
                                                                                  app_ctx):
    from sqlalchemy import event

    for n in range(12):
        company = factories.make_sponsor(name=f"PT Banyak {n}")
        factories.make_pledge(sponsor=company, status="agreed", quota=10 + n, months=12)
        factories.make_pledge(sponsor=company, programme="aid_fund", status="active", total_amount=1_000_000)
    client = login(staff)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        first = get_page(client, "/uhc/")
        on_miss = len(statements)
        statements.clear()
        get_page(client, "/uhc/")
        on_hit = len(statements)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(first.select("[data-testid=pledges-by-company] tbody tr")) == 24
    assert on_miss <= 8, on_miss  # user, version, settings, figures, slots, pledges by company
    assert on_hit <= 3, on_hit  # user and the data version: the body comes from the cache
