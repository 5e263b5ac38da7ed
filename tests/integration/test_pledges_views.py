"""Staff create companies and pledges through the screens; refusals land beside the field."""
from sponsorship.pledges.models import Pledge
from sponsorship.sponsors.models import Sponsor
from tests import factories
from tests.pages import get_page, post_page


def _field_error(page, field_id):
    return page.select_one(f"#{field_id}-error").get_text(strip=True)


def test_staff_create_a_company_with_an_old_npwp(login, staff, db_session):
    client = login(staff)
    npwp16 = factories.valid_npwp(777)
    form = {"name": "PT Maju Jaya", "legal_form": "PT", "npwp": npwp16[1:3] + "." + npwp16[3:], "sector": ""}
    response = post_page(client, "/sponsors/new", form)
    sponsor = db_session.scalar(db_session.query(Sponsor).filter_by(name="PT Maju Jaya").statement)
    assert response.headers["Location"] == f"/sponsors/{sponsor.id}"
    assert sponsor.npwp == npwp16

    # the same NPWP again: refused beside the NPWP field, nothing stored
    page = get_page(client, "/sponsors/new")  # a fresh form
    response = client.post("/sponsors/new", data={**form, "name": "PT Lain", "npwp": npwp16})
    assert response.status_code == 200
    from bs4 import BeautifulSoup

    page = BeautifulSoup(response.data, "html.parser")
    assert "sudah terdaftar" in _field_error(page, "npwp")
    response = client.post("/sponsors/new", data={**form, "name": "PT Lain", "npwp": "01.234.567.8-999.000"})
    assert "NPWP tidak valid" in _field_error(BeautifulSoup(response.data, "html.parser"), "npwp")
    assert db_session.query(Sponsor).count() == 1


def test_company_list_search_and_pagination(app, login, staff, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    for name in ("PT Satu", "PT Dua", "PT Tiga"):
        factories.make_sponsor(name=name)
    special = factories.make_sponsor(name="CV Lada Emas", npwp=factories.valid_npwp(4321))
    client = login(staff)

    def names(url):
        return [a.get_text(strip=True) for a in get_page(client, url).select("tbody a")]

    assert names("/sponsors/?q=lada") == ["CV Lada Emas"]
    assert names(f"/sponsors/?q={special.npwp[3:9]}") == ["CV Lada Emas"]
    first, second, third = names("/sponsors/"), names("/sponsors/?page=2"), names("/sponsors/?page=3")
    assert len(first) == len(second) == 2 and third == []
    assert sorted(first + second) == sorted(["PT Satu", "PT Dua", "PT Tiga", "CV Lada Emas"])
    assert names("/sponsors/?page=abc") == first


def test_staff_create_a_premium_pledge_and_see_its_total_in_words(login, staff, company_a, db_session):
    client = login(staff)
    page = get_page(client, f"/pledges/new?sponsor_id={company_a.id}")
    assert "Rp 35.000" in page.get_text()  # the tariff in force is shown
    response = post_page(client, "/pledges/new", {
        "sponsor_id": company_a.id, "programme": "premium", "title": "Iuran 500 warga",
        "quota": "500", "months": "12", "start_month": "2026-01", "workers_attested": "y"})
    pledge = db_session.scalar(db_session.query(Pledge).filter_by(title="Iuran 500 warga").statement)
    assert response.headers["Location"] == f"/pledges/{pledge.id}"
    page = get_page(client, f"/pledges/{pledge.id}")
    assert page.select_one("[data-testid=pledge-total]").get_text(strip=True) == "Rp 210.000.000"
    assert "dua ratus sepuluh juta rupiah" in page.get_text()
    assert "Januari 2026 – Desember 2026" in page.get_text(" ", strip=True)
    assert {b["data-move"] for b in page.select("[data-move]")} == {"agree", "cancel"}


def test_aid_fund_amount_is_typed_as_people_write_it(login, staff, company_a, db_session):
    post_page(login(staff), "/pledges/new", {
        "sponsor_id": company_a.id, "programme": "aid_fund", "title": "Dana rujukan",
        "total_amount": "Rp 150.000.000"})
    pledge = db_session.scalar(db_session.query(Pledge).filter_by(title="Dana rujukan").statement)
    assert pledge.total_amount == 150_000_000 and pledge.quota is None


def test_premium_without_quota_is_refused_beside_the_field(login, staff, company_a):
    from bs4 import BeautifulSoup

    response = login(staff).post("/pledges/new", data={
        "sponsor_id": company_a.id, "programme": "premium", "title": "Tanpa kuota",
        "months": "12", "start_month": "2026-01"})
    assert response.status_code == 200
    assert "Kuota" in _field_error(BeautifulSoup(response.data, "html.parser"), "quota")


def test_moves_through_the_screen(login, staff, company_a):
    unattested = factories.make_pledge(sponsor=company_a, workers_attested=False)
    client = login(staff)
    detail = f"/pledges/{unattested.id}"
    # refused move with a referrer: back to the page with the reason
    response = client.post(f"{detail}/move/agree", data={}, headers={"Referer": detail})
    assert response.status_code == 302 and response.headers["Location"] == detail
    assert "BPJS" in get_page(client, detail).select_one(".alert-danger").get_text()
    # an illegal move without a referrer: a 409 page, never a 500
    response = client.post(f"{detail}/move/complete", data={})
    assert response.status_code == 409
    assert "tidak dapat dilakukan" in response.get_data(as_text=True)
    # editing an agreed pledge is refused
    agreed = factories.make_pledge(sponsor=company_a, status="agreed")
    response = client.post(f"/pledges/{agreed.id}/edit", data={"programme": "premium", "title": "x",
                                                               "quota": "1", "months": "1",
                                                               "start_month": "2026-01"})
    assert response.status_code == 200
    assert "selama berstatus draf" in response.get_data(as_text=True)


def test_pledge_list_filters(login, staff, company_a, company_b):
    factories.make_pledge(sponsor=company_a, title="A draf")
    factories.make_pledge(sponsor=company_a, title="A dana", programme="aid_fund", status="active")
    factories.make_pledge(sponsor=company_b, title="B batal", status="cancelled")
    client = login(staff)

    def titles(query):
        page = get_page(client, "/pledges/?" + query)
        return {a.get_text(strip=True) for a in page.select("tbody a[href^='/pledges/']")}

    assert titles("status=draft") == {"A draf"}
    assert titles("programme=aid_fund") == {"A dana"}
    assert titles(f"sponsor_id={company_b.id}") == {"B batal"}
    assert titles("status=bogus") == {"A draf", "A dana", "B batal"}


def _form_values(page):
    values = {}
    for field in page.select("form[method=post] input, form[method=post] select, form[method=post] textarea"):
        name = field.get("name")
        if not name or field.get("type") == "submit":
            continue
        if field.name == "select":
            chosen = field.find("option", selected=True) or field.find("option")
            values[name] = chosen["value"] if chosen else ""
        elif field.get("type") in ("checkbox", "radio"):
            if field.has_attr("checked"):
                values[name] = field.get("value", "y")
        elif field.name == "textarea":
            values[name] = field.get_text()
        else:
            values[name] = field.get("value", "")
    return values


def test_saving_an_unchanged_edit_form_changes_nothing(login, staff, company_a, db_session):
    from sponsorship.audit.models import AuditEvent

    pledge = factories.make_pledge(sponsor=company_a, quota=500)
    client = login(staff)
    before = db_session.query(AuditEvent).count()
    for url, detail in ((f"/sponsors/{company_a.id}/edit", f"/sponsors/{company_a.id}"),
                        (f"/pledges/{pledge.id}/edit", f"/pledges/{pledge.id}")):
        response = post_page(client, url, _form_values(get_page(client, url)))
        assert response.headers["Location"] == detail
    db_session.expire_all()
    assert db_session.query(AuditEvent).count() == before
    assert db_session.get(Sponsor, company_a.id).npwp == company_a.npwp
    assert db_session.get(Pledge, pledge.id).total_amount == 500 * 12 * 35_000
