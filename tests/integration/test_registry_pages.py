"""Registry pages: search, NIK lookup without URLs, detail with full NIK for staff only."""
from __future__ import annotations

from tests.factories import make_residents, resident_row
from tests.pages import get_page, post_page


def test_name_search_is_case_and_accent_insensitive(staff, login):
    make_residents(rows=[resident_row("1971015708450001", "Sití Nurhaliza"),
                         resident_row("1971011708450002", "Budi Santoso")])
    client = login(staff)
    for q in ("siti", "SITI NUR", "nurha"):
        page = get_page(client, f"/beneficiaries/?q={q}")
        names = [a.text for a in page.select("[data-testid=beneficiaries] a")]
        assert names == ["Sití Nurhaliza"], q
    page = get_page(client, "/beneficiaries/?q=budi")
    assert "197101******0002" in page.text and "1971011708450002" not in page.text


def test_filters_by_kelurahan_segment_and_eligibility(staff, login):
    make_residents(rows=[resident_row("1971015708450001", "Ani", kelurahan="Bacang"),
                         resident_row("1971011708450002", "Budi", kelurahan="Pasir Putih",
                                      segmen_jkn="PBI_APBN", status_jkn="AKTIF")])
    client = login(staff)
    names = lambda url: [a.text for a in get_page(client, url).select("[data-testid=beneficiaries] a")]  # noqa: E731
    assert names("/beneficiaries/?region=19.71.01.1006") == ["Ani"]
    assert names("/beneficiaries/?segment=PBI_APBN") == ["Budi"]
    assert names("/beneficiaries/?eligible=1") == ["Ani"]
    assert names("/beneficiaries/?eligible=0") == ["Budi"]
    badges = [s["data-eligible"] for s in get_page(client, "/beneficiaries/").select("[data-eligible]")]
    assert badges == ["1", "0"]  # Ani, Budi (sorted by name)


def test_nik_lookup_is_a_post_and_detail_shows_full_nik_to_staff(staff, login):
    make_residents(rows=[resident_row("1971015708450001", "Siti Aminah", jenis_kelamin="L")])
    client = login(staff)
    response = post_page(client, "/beneficiaries/find", {"nik": "1971015708450001"})
    assert "1971015708450001" not in response.headers["Location"]
    page = get_page(client, response.headers["Location"])
    assert page.select_one("[data-testid=nik]").text == "1971015708450001"
    assert "tidak cocok dengan NIK" in page.text  # L but the NIK says a woman: flagged, not fixed
    assert page.select_one("[data-testid=eligibility]").text.strip() == "Layak disponsori"


def test_sponsor_and_verifier_cannot_open_the_registry(sponsor_a, verifier, login):
    ids = make_residents(1)
    for user in (sponsor_a, verifier):
        client = login(user)
        get_page(client, "/beneficiaries/", 403)
        get_page(client, f"/beneficiaries/{ids[0]}", 403)


def test_nik_never_reaches_the_audit_log(app_ctx, staff):
    from sponsorship.audit.models import AuditEvent
    from sponsorship.extensions import db

    make_residents(rows=[resident_row("1971015708450001", "Siti Aminah")])
    events = db.session.scalars(db.select(AuditEvent)).all()
    assert events  # the import is audited
    for e in events:
        assert "1971015708450001" not in str(e.changes) + str(e.note) + e.object_label
