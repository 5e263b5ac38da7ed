"""Any kabupaten/kota by configuration: setup-city, a short journey in Kota Palu, the Palu demo,
and no city-specific text in the package, templates or migrations."""
from __future__ import annotations

import io
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from sponsorship.core.errors import DomainError
from sponsorship.extensions import db
from tests import factories
from tests.pages import after_job, get_page, post_page

ROOT = Path(__file__).resolve().parents[2]
PALU_KELURAHAN = "72.71.01.1004"  # Besusu Barat, Kecamatan Palu Timur
BACANG = "19.71.01.1006"  # a kelurahan of Pangkalpinang


def pdf_text(data: bytes) -> str:
    out = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


def _unconfigured():
    """An install nobody has set up yet: no city setting stored."""
    from sponsorship.settings.models import Setting

    db.session.execute(db.delete(Setting))
    db.session.commit()


# --- nothing city-specific outside the demo data ---------------------------------------------

# The demo city's names and codes: the name in both spellings, its Kemendagri code dotted or as a
# NIK's first digits, and its kecamatan.
DEMO_CITY = re.compile(r"pangkal ?pinang|19\.71|1971\d\d|bukit intan|gerunggang|girimaya|"
                       r"taman sari|pangkal balam|rangkui|gabek", re.IGNORECASE)
# Demo data (it may name its city), the shipped region data, compiled catalogs and caches.
DEMO_DATA = re.compile(r"(^|/)demo\.py$|^sponsorship/regions/data/|\.mo$|__pycache__")


def test_no_city_name_or_code_outside_the_demo_data():
    hits = []
    for folder in ("sponsorship", "templates", "static", "migrations"):
        for path in sorted((ROOT / folder).rglob("*")):
            rel = path.relative_to(ROOT).as_posix()
            if not path.is_file() or DEMO_DATA.search(rel) or path.suffix in (".png", ".jpg", ".ico"):
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8", errors="ignore").splitlines(), 1):
                if DEMO_CITY.search(line):
                    hits.append(f"{rel}:{n}: {line.strip()[:120]}")
    assert hits == []


# The head's title is "Wali Kota" in a kota and "Bupati" in a kabupaten: only the place that
# derives it from the area (regions/city.py) and the settings label may spell either one out.
HEAD_TITLE = re.compile(r"wali ?kota|bupati", re.IGNORECASE)
MAY_NAME_THE_TITLES = ("sponsorship/regions/city.py", "sponsorship/settings/service.py",
                       "sponsorship/documents/readiness.py")


def test_no_head_title_spelled_out_outside_the_area_setup():
    hits = []
    for folder in ("sponsorship", "templates"):
        for path in sorted((ROOT / folder).rglob("*")):
            rel = path.relative_to(ROOT).as_posix()
            if (not path.is_file() or DEMO_DATA.search(rel) or rel in MAY_NAME_THE_TITLES
                    or path.suffix not in (".py", ".html", ".txt")):
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                code = line.split("#", 1)[0] if path.suffix == ".py" else line
                if HEAD_TITLE.search(code):
                    hits.append(f"{rel}:{n}: {line.strip()[:120]}")
    assert hits == []


def test_the_grep_would_notice_the_city():
    assert DEMO_CITY.search('_("Tidak berdomisili di Kota Pangkalpinang.")')
    assert DEMO_CITY.search('kelurahan_code="19.71.01.1006"') and DEMO_CITY.search('nik = "1971015708450001"')
    assert not DEMO_DATA.search("sponsorship/beneficiaries/service.py")
    assert DEMO_DATA.search("sponsorship/proposals/demo.py")


# --- setup-city ------------------------------------------------------------------------------

@pytest.mark.parametrize("code, expected", [
    ("72.71", {"city_name": "Pemerintah Kota Palu", "area_name": "Kota Palu", "head_title": "Wali Kota",
               "mayor_title": "Wali Kota Palu", "secretary_title": "Sekretaris Daerah Kota Palu",
               "court_name": "Pengadilan Negeri Palu", "baznas_office": "Baznas Kota Palu",
               "city_short": "Palu"}),
    ("19.01", {"city_name": "Pemerintah Kabupaten Bangka", "area_name": "Kabupaten Bangka",
               "head_title": "Bupati", "mayor_title": "Bupati Bangka",
               "secretary_title": "Sekretaris Daerah Kabupaten Bangka",
               "court_name": "Pengadilan Negeri Bangka", "baznas_office": "Baznas Kabupaten Bangka"}),
])
def test_setup_city_on_an_empty_database(app, app_ctx, code, expected):
    from sponsorship.audit.models import AuditEvent
    from sponsorship.regions import service as regions
    from sponsorship.regions.city import missing
    from sponsorship.settings.service import get_setting

    _unconfigured()
    assert regions.choices() == [] and missing() == ["Wilayah kabupaten/kota belum dipilih."]
    result = app.test_cli_runner().invoke(args=["setup-city", code])
    assert result.exit_code == 0, result.output
    assert f"{expected['city_name']} ({code}) set up" in result.output
    db.session.expire_all()
    assert {key: get_setting(key) for key in expected} == expected
    assert get_setting("area_code") == code
    assert all(c.startswith(code + ".") for c, _ in regions.choices()) and regions.choices()
    # What the admin still fills in: the names of people and the address.
    assert "Nama kepala daerah" in missing() and "Alamat unit kerja" in missing()
    changed = db.session.scalars(db.select(AuditEvent).where(AuditEvent.object_type == "setting")).all()
    assert {key for e in changed for key in e.changes} >= set(expected)


def test_setup_city_again_keeps_what_the_admin_entered(app, app_ctx, admin):
    from sponsorship.settings.service import get_setting, update_settings

    _unconfigured()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["setup-city", "19.01"]).exit_code == 0
    update_settings(actor=admin, values={"court_name": "Pengadilan Negeri Sungailiat",
                                         "mayor_name": "Nama Bupati"})
    db.session.commit()
    assert runner.invoke(args=["setup-city", "19.01"]).exit_code == 0
    db.session.expire_all()
    assert get_setting("court_name") == "Pengadilan Negeri Sungailiat"
    assert get_setting("mayor_name") == "Nama Bupati" and get_setting("mayor_title") == "Bupati Bangka"
    # Another area: everything derived follows it.
    assert runner.invoke(args=["setup-city", "72.71"]).exit_code == 0
    db.session.expire_all()
    assert get_setting("court_name") == "Pengadilan Negeri Palu"
    assert get_setting("mayor_name") == ""  # Bangka's bupati is not Palu's wali kota: filled in again


@pytest.mark.parametrize("code", ["99.99", "72.71.01", "72", ""])
def test_setup_city_refuses_what_is_not_a_kabupaten_or_kota(app, app_ctx, code):
    from sponsorship.settings.service import get_setting

    _unconfigured()
    result = app.test_cli_runner().invoke(args=["setup-city", code])
    assert result.exit_code != 0 and "bukan kabupaten/kota" in result.output
    db.session.expire_all()
    assert get_setting("area_code") == ""


def test_the_first_run_page_sets_the_city_up_for_an_admin(app, app_ctx, login, admin, staff):
    from sponsorship.settings.service import get_setting

    _unconfigured()
    client = login(admin)
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/admin/setup/")
    page = get_page(client, "/admin/setup/")
    options = {o["value"]: o.text for o in page.select("select[name=area_code] option")}
    assert options["72.71"] == "Kota Palu — Sulawesi Tengah" and len(options) == 514 + 1
    post_page(client, "/admin/setup/", {"area_code": "72.71", "short_name": ""})
    db.session.expire_all()
    assert get_setting("city_name") == "Pemerintah Kota Palu"
    page = get_page(client, "/admin/setup/")
    assert "Nama kepala daerah" in page.select_one("[data-testid=missing]").text
    assert client.get("/").status_code == 200  # set up: home is home again
    assert login(staff).get("/admin/setup/").status_code == 403


# --- a journey in Kota Palu ------------------------------------------------------------------

def test_a_programme_in_kota_palu_says_palu_throughout(app, login, staff, approver, company_a):
    from sponsorship.allocations import service as allocations
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.minutes.models import Minutes
    from sponsorship.proposals import service as proposals

    factories.set_up_city("72.71")
    anonymous = get_page(app.test_client(), "/login").text
    assert "Kota Palu" in anonymous and "Pemerintah Kota Palu" in anonymous
    assert "Pangkal" not in anonymous

    # A company's pledge and its agreement: Palu signs, the Palu court settles disputes.
    pledge = factories.make_pledge(sponsor=company_a, status="agreed", quota=2, months=12,
                                   title="Iuran JKN 2 warga Palu")
    client = login(staff)
    form = get_page(client, f"/pledges/{pledge.id}/agreement")
    assert form.select_one("input[name=signing_place]")["value"] == "Palu"
    assert form.select_one("input[name=city_signatory_title]")["value"] == "Wali Kota Palu"
    post_page(client, f"/pledges/{pledge.id}/agreement", {
        "company_number": "01/PKS/2026", "signing_date": "2026-01-15", "signing_place": "Palu",
        "city_signatory_name": "Budi", "city_signatory_title": "Wali Kota Palu",
        "company_signatory_name": "Sari", "company_signatory_title": "Direktur"})
    post_page(client, f"/pledges/{pledge.id}/agreement/finalise", {"confirm": "y"})
    text = pdf_text(client.get(f"/pledges/{pledge.id}/agreement.pdf").data)
    assert "Pemerintah Kota Palu" in text.title() or "PEMERINTAH KOTA PALU" in text
    assert "Pengadilan Negeri Palu" in text and "Wali Kota Palu" in text and "penduduk Kota Palu" in text
    assert "Pangkal" not in text

    # A list of Palu residents: a Pangkalpinang kelurahan is refused with its line.
    rows = (b"nik,nama,kelurahan,segmen_jkn,status_jkn,tunggakan_bulan,desil\n"
            b"7271015708450001,Siti Palu,Besusu Barat,PBPU,NONAKTIF,2,2\n"
            b"7271011708450002,Budi Palu,72.71.01.1006,PBPU,NONAKTIF,3,3\n"
            b"1971011708450003,Cici Babel,Bacang,PBPU,NONAKTIF,4,1\n")
    upload = {"source": "manual", "file": (io.BytesIO(rows), "warga-palu.csv")}
    response = after_job(client, post_page(client, "/beneficiaries/import", upload,
                                           content_type="multipart/form-data"))
    preview = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert preview.select_one("[data-count=created]").text == "2"
    assert 'Kelurahan "Bacang" tidak dikenal' in preview.select_one("[data-testid=invalid-rows]").text
    batch_url = response.request.path
    post_page(client, f"{batch_url}/confirm", {})
    residents = db.session.scalars(db.select(Beneficiary).order_by(Beneficiary.id)).all()
    assert [r.region_code for r in residents] == [PALU_KELURAHAN, "72.71.01.1006"]
    allocations.fill_by_priority(pledge, actor=staff, beneficiary_ids=[r.id for r in residents])
    db.session.commit()
    assert get_page(client, f"/allocations/pledge/{pledge.id}").select_one(
        "[data-testid=slots]").text.strip() == "2 / 2"

    # An aid proposal: only Palu's kelurahan are offered, a Pangkalpinang one is refused.
    options = [o["value"] for o in get_page(client, "/proposals/new").select(
        "select[name=kelurahan_code] option") if o["value"]]
    assert len(options) == 46 and all(o.startswith("72.71.") for o in options)
    with pytest.raises(DomainError) as refused:
        proposals.create_proposal(
            actor=staff, data=factories.proposal_data(kelurahan_code=BACANG),
            lines=[{"category": "transport_air", "quantity": 1, "unit_amount": 100_000}])
    assert refused.value.field == "kelurahan_code"
    db.session.rollback()
    factories.make_proposal(status="in_minutes", data=factories.proposal_data(
        kelurahan_code=PALU_KELURAHAN, patient_nik="7271014101900001", patient_kk="7271010101200001"))
    minutes = db.session.scalar(db.select(Minutes))
    post_page(client, f"/minutes/{minutes.id}/finalise", {"confirm": "y"})
    db.session.expire_all()
    assert "menunggu Wali Kota" in get_page(client, "/minutes/").text
    text = pdf_text(client.get(f"/documents/minutes/{minutes.id}/berita-acara.pdf").data)
    assert "Wali Kota Palu" in text and "Besusu Barat" in text and "Pangkal" not in text
    approver_client = login(approver)
    post_page(approver_client, f"/minutes/{minutes.id}/approve", {"note": "Setuju"})
    db.session.expire_all()
    letter = pdf_text(approver_client.get(f"/documents/minutes/{minutes.id}/approval-letter.pdf").data)
    assert "SURAT PERSETUJUAN WALI KOTA" in letter and "Baznas Kota Palu" in letter
    assert "Pangkal" not in letter


def test_a_kabupaten_says_bupati(app, login, staff):
    factories.set_up_city("19.01")
    proposal = factories.make_proposal(status="in_minutes", data=factories.proposal_data(
        kelurahan_code="19.01.01.1001", patient_nik="1901014101900001", patient_kk="1901010101200001"))
    client = login(staff)
    from sponsorship.minutes.models import Minutes

    minutes = db.session.scalar(db.select(Minutes))
    post_page(client, f"/minutes/{minutes.id}/finalise", {"confirm": "y"})
    assert "menunggu Bupati" in get_page(client, "/minutes/").text
    assert proposal.code in get_page(client, "/proposals/").text
    text = pdf_text(client.get(f"/documents/minutes/{minutes.id}/berita-acara.pdf").data)
    assert "Bupati Bangka" in text and "Wali Kota" not in text


# --- the demo for another city ---------------------------------------------------------------

def test_seed_demo_for_palu_builds_the_same_demo_with_palu_kelurahan(app, app_ctx):
    from sponsorship.auth.models import User
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.proposals.models import AidProposal
    from sponsorship.settings.service import get_setting

    _unconfigured()
    result = app.test_cli_runner().invoke(args=["seed-demo", "--city", "72.71"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert get_setting("city_name") == "Pemerintah Kota Palu"
    regions = set(db.session.scalars(db.select(Beneficiary.region_code).distinct()))
    assert len(regions) > 30 and all(code.startswith("72.71.") for code in regions)
    proposal_codes = db.session.scalars(db.select(AidProposal.kelurahan_code)).all()
    assert proposal_codes and all(code.startswith("72.71.") for code in proposal_codes)
    mayor = db.session.scalar(db.select(User).where(User.username == "walikota"))
    assert mayor.full_name == "Wali Kota Palu"
    post_page(app.test_client(), "/login", {"username": "walikota", "password": "pangkalpinang"})
    # Another city on the same database is refused, not mixed in.
    again = app.test_cli_runner().invoke(args=["seed-demo", "--city", "19.71"])
    assert again.exit_code != 0 and "72.71" in again.output


def test_the_demo_residents_nik_match_their_kelurahan():
    from sponsorship.beneficiaries.demo import generate_rows, shipped_kelurahan

    rows = generate_rows(50, seed=3, regions=shipped_kelurahan("72.71"))
    names = dict((name, code) for code, name in shipped_kelurahan("72.71"))
    for row in rows:
        code = names.get(row[8], row[8])
        assert row[0][:6] == code[:8].replace(".", "")
    assert date(1940, 1, 1) <= date.fromisoformat(rows[0][4])


# --- the letterhead emblem -------------------------------------------------------------------

def _png() -> bytes:
    import segno

    buf = io.BytesIO()
    segno.make("lambang").save(buf, kind="png", scale=2)
    return buf.getvalue()


def test_an_uploaded_emblem_prints_on_the_letterhead_through_the_locked_fetcher(
        app, login, admin, staff, monkeypatch):
    from sponsorship.documents import render
    from sponsorship.regions.city import emblem_path

    made = []
    original = render.make_fetcher
    monkeypatch.setattr(render, "make_fetcher", lambda *a, **k: made.append(original(*a, **k)) or made[-1])
    client = login(admin)
    refused = client.post("/admin/setup/emblem", data={"e-emblem": (io.BytesIO(b"%PDF-1.4 bukan gambar"),
                                                                    "lambang.png")},
                          content_type="multipart/form-data")
    assert refused.status_code == 422 and "diperiksa dari isinya" in refused.get_data(as_text=True)
    assert emblem_path() is None
    post_page(client, "/admin/setup/emblem", {"e-emblem": (io.BytesIO(_png()), "lambang.png")},
              content_type="multipart/form-data")
    assert emblem_path().startswith("letterhead/")
    minutes = factories.make_minutes(with_item=True)
    staff_client = login(staff)
    post_page(staff_client, f"/minutes/{minutes.id}/finalise", {"confirm": "y"})
    assert staff_client.get(f"/documents/minutes/{minutes.id}/berita-acara.pdf").status_code == 200
    assert made and all(f.refused == [] for f in made)
    assert "data:image/png;base64" in made[-1].served and "print:emblem.svg" not in made[-1].served


def test_the_invoice_names_the_account_once_the_admin_filled_it(app, login, admin, staff, sponsor_a):
    from sponsorship.billing import service as billing
    from sponsorship.documents.models import Document
    from sponsorship.settings.service import update_settings

    factories.set_up_city("72.71")
    pledge = factories.make_pledge(sponsor=sponsor_a.sponsor, status="active", quota=2, months=12)
    rows = [factories.resident_row("7271015708450001", "Siti Palu", kelurahan="Besusu Barat")]
    for beneficiary_id in factories.make_residents(rows=rows):
        factories.make_allocation(pledge, beneficiary_id, date(2026, 1, 1))
    update_settings(actor=admin, values={"payee_bank": "Bank Sulteng", "payee_account_number": "001-234-567",
                                         "payee_account_name": "Kas Daerah Kota Palu"})
    db.session.commit()
    billing.bill_month(date(2026, 1, 1), actor=staff)
    db.session.commit()
    doc = db.session.scalar(db.select(Document).where(Document.kind == "invoice"))
    text = pdf_text(login(sponsor_a).get(f"/documents/{doc.id}.pdf").data)
    assert "Bank Sulteng nomor 001-234-567" in text and "Kas Daerah Kota Palu" in text
    assert "PEMERINTAH KOTA PALU" in text.upper() and "Pangkal" not in text
