"""Registry pages: search, NIK lookup without URLs, detail with full NIK for staff only."""
from __future__ import annotations

import itertools

from sponsorship.beneficiaries.demo import HEADER, generate_rows, to_csv
from tests.conftest import get_page, post_page


def make_residents(n: int = 5, *, rows=None, source: str = "dukcapil", seed: int = 7) -> list[int]:
    """Import n generated residents (or the given rows) through the real import; return their ids."""
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.beneficiaries.service import import_file
    from sponsorship.extensions import db

    rows = rows if rows is not None else generate_rows(n, seed=seed)
    result = import_file(actor=None, data=to_csv(rows), file_name="uji.csv", source=source)
    assert result["invalid"] == []
    db.session.commit()
    return list(db.session.scalars(db.select(Beneficiary.id).order_by(Beneficiary.id)))


_serial = itertools.count(1)


def registry_resident(**kw) -> int:
    """One new eligible resident (a different NIK on each call); returns its id."""
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.beneficiaries.service import import_file
    from sponsorship.extensions import db

    n = next(_serial)
    import_file(actor=None, data=to_csv([resident_row(f"197101170846{n:04d}", f"Warga Uji {n}", **kw)]),
                file_name="uji.csv", source="manual")
    db.session.commit()
    masked = f"197101******{n:04d}"
    return db.session.scalar(db.select(Beneficiary.id).where(Beneficiary.nik_masked == masked))


def registry_pledge(company):
    """An agreed premium pledge with free slots."""
    from tests import factories

    return factories.make_pledge(sponsor=company, status="agreed", quota=50)


def registry_allocation(company) -> int:
    from sponsorship.allocations import service
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.extensions import db
    from tests import factories

    pledge = registry_pledge(company)
    alloc = service.allocate(pledge, db.session.get(Beneficiary, registry_resident()),
                             actor=factories._system_staff())
    db.session.commit()
    return alloc.id


def registry_discrepancy() -> int:
    from sponsorship.beneficiaries.models import Discrepancy
    from sponsorship.beneficiaries.service import import_file
    from sponsorship.extensions import db

    n = next(_serial)
    nik = f"197101170846{n:04d}"
    for source, name in (("dukcapil", "Nama Satu"), ("dinsos", "Nama Dua")):
        import_file(actor=None, data=to_csv([resident_row(nik, name)]), file_name="x.csv", source=source)
    db.session.commit()
    return db.session.scalar(db.select(Discrepancy.id).order_by(Discrepancy.id.desc()))


def registry_batch() -> int:
    """A previewed, not yet confirmed import."""
    from sponsorship.beneficiaries.service import preview_import
    from sponsorship.extensions import db

    n = next(_serial)
    data = to_csv([resident_row(f"197101170846{n:04d}", "Baru")])
    batch, _, _ = preview_import(actor=None, data=data, file_name="p.csv", source="manual")
    db.session.commit()
    return batch.id


def resident_row(nik: str, name: str, **kw) -> list[str]:
    values = dict.fromkeys(HEADER, "")
    values.update(nik=nik, nama=name, kelurahan="Bacang", segmen_jkn="PBPU", status_jkn="NONAKTIF",
                  tunggakan_bulan="2")
    values.update(kw)
    return [values[h] for h in HEADER]


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
    for e in db.session.scalars(db.select(AuditEvent)):
        assert "1971015708450001" not in str(e.changes) + str(e.note) + e.object_label
