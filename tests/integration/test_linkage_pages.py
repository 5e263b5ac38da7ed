"""The review queue's pages: the import preview counts what linkage found, a pair is shown side by
side with masked NIKs whose differing digits are marked, staff decide and undo merges, and the
whole-registry run answers from its button."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from sponsorship.beneficiaries.demo import to_csv
from sponsorship.extensions import db
from tests.pages import after_job, get_page, post_page

HEADER = ["nik", "no_kk", "nama", "jenis_kelamin", "tanggal_lahir", "kelurahan"]
REGISTERED = ["1971010707800041", "", "Budi Santoso", "L", "1980-07-07", "Bacang"]
# Same name, birth date and kelurahan, another NIK: a probable duplicate for staff.
PERHAPS = ["1971013108759999", "", "BUDI SANTOSO", "L", "1980-07-07", "Bacang"]


def _upload(client, rows, source):
    from io import BytesIO

    response = client.post("/beneficiaries/import", data={
        "source": source, "file": (BytesIO(to_csv(rows, header=HEADER)), f"{source}.csv")},
        content_type="multipart/form-data")
    return after_job(client, response).request.path  # the preview, once its job has run


def test_a_reviewer_sees_the_pair_and_settles_it(login, staff):
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.linkage.models import LinkCandidate, ResidentMerge

    client = login(staff)
    post_page(client, _upload(client, [REGISTERED], "dukcapil") + "/confirm", {})
    preview = _upload(client, [PERHAPS], "dinsos")
    page = get_page(client, preview)
    assert page.select_one("[data-count=review]").get_text(strip=True) == "1"
    assert page.select_one("[data-count=created]").get_text(strip=True) == "0"
    post_page(client, preview + "/confirm", {})
    assert db.session.scalar(select(func.count()).select_from(Beneficiary)) == 1

    queue = get_page(client, "/linkage/")
    candidate = db.session.scalar(select(LinkCandidate))
    assert "BUDI SANTOSO" in queue.select_one("[data-testid=candidates]").get_text()
    pair = get_page(client, f"/linkage/{candidate.id}")
    left = pair.select_one("[data-testid=nik-left]")
    right = pair.select_one("[data-testid=nik-right]")
    assert left.get_text(strip=True) == "197101******0041"
    assert right.get_text(strip=True) == "197101******9999"
    # The digits the masks show and that differ are marked, on both sides.
    assert [m.get_text() for m in right.select("mark")][-4:] == ["9", "9", "9", "9"]
    assert "1971010707800041" not in str(pair) and "1971013108759999" not in str(pair)
    assert "Dinas Sosial" in pair.get_text() and "Dukcapil" in pair.get_text()
    agreed = pair.select_one("[data-testid=agreed]").get_text()
    assert "Tanggal lahir: sama" in agreed and "NIK: berbeda" in agreed
    post_page(client, f"/linkage/{candidate.id}/decide", {"decision": "same"})
    db.session.expire_all()
    assert candidate.status == "same"
    assert db.session.scalar(select(func.count()).select_from(Beneficiary)) == 1
    assert "Tidak ada kemungkinan duplikat" in get_page(client, "/linkage/").get_text()
    assert db.session.scalar(select(func.count()).select_from(ResidentMerge)) == 0


def test_the_run_button_merges_and_the_merge_can_be_undone(login, staff):
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.linkage.models import ResidentMerge
    from sponsorship.linkage.service import new_resident
    from sponsorship.regions.service import lookup

    bacang = lookup()["bacang"]
    for nik, name in (("1971011203850031", "Muhammad Rizki"), ("1971011203850032", "M. Rizki")):
        new_resident(nik=nik, source="manual", values={"name": name, "sex": "L", "region_code": bacang,
                                                      "birth_date": date(1985, 3, 12)})
    db.session.commit()
    client = login(staff)
    assert get_page(client, "/linkage/").select_one("[data-testid=run-dedup]") is not None
    # The run is a background job: its page, then back to the queue with what it found.
    response = after_job(client, post_page(client, "/linkage/run", {}))
    assert "1 digabung otomatis" in response.get_data(as_text=True)
    merged = db.session.scalar(select(ResidentMerge))
    assert merged.status == "merged"
    page = get_page(client, "/linkage/")
    assert page.select_one(f"[data-testid=unmerge-{merged.id}]") is not None
    post_page(client, f"/linkage/merges/{merged.id}/unmerge", {})
    db.session.expire_all()
    assert merged.status == "unmerged"
    assert db.session.scalar(select(func.count()).select_from(Beneficiary).where(
        Beneficiary.merged_into_id.is_not(None))) == 0
