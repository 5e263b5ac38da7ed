"""Registry name search through the word index, and keyset pages of the registry list."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from tests.factories import make_residents, resident_row
from tests.pages import get_page

NAMES = ["Siti Nurhaliza", "Nur Aini", "Ahmad Nurdin", "Budi Santoso", "Nurul Nurjanah", "Sitiah Rahma"]


def _residents(names):
    make_residents(rows=[resident_row(f"19710117084{n:05d}", name) for n, name in enumerate(names, 1)])


def _names(client, url):
    return [a.text for a in get_page(client, url).select("[data-testid=beneficiaries] a")]


def test_a_term_finds_the_prefix_of_any_word_and_nothing_inside_a_word(staff, login):
    _residents(NAMES)
    client = login(staff)
    assert sorted(_names(client, "/beneficiaries/?q=nur")) == [
        "Ahmad Nurdin", "Nur Aini", "Nurul Nurjanah", "Siti Nurhaliza"]  # Nurul Nurjanah once
    assert sorted(_names(client, "/beneficiaries/?q=siti")) == ["Siti Nurhaliza", "Sitiah Rahma"]
    assert _names(client, "/beneficiaries/?q=iti") == []
    assert _names(client, "/beneficiaries/?q=urhal") == []
    # Every term must begin a word of the same name, in any order.
    assert _names(client, "/beneficiaries/?q=siti+nur") == ["Siti Nurhaliza"]
    assert _names(client, "/beneficiaries/?q=nurh+SITI") == ["Siti Nurhaliza"]
    assert _names(client, "/beneficiaries/?q=budi+nur") == []


@pytest.mark.parametrize("q", ['nur"', "nur*", "nur%", "nur'--", "(NUR)", "n\u00fbr"])
def test_punctuation_and_operators_in_a_query_are_only_separators(staff, login, q):
    _residents(NAMES)
    client = login(staff)
    found = _names(client, f"/beneficiaries/?q={q}")
    assert "Nur Aini" in found and "Budi Santoso" not in found


def test_a_query_without_letters_or_digits_finds_nobody(staff, login):
    _residents(NAMES)
    assert _names(login(staff), "/beneficiaries/?q=%25%25") == []


def test_the_index_follows_renames_and_deletions(staff, login, app_ctx):
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.beneficiaries.text import normalise
    from sponsorship.extensions import db

    _residents(["Siti Nurhaliza", "Budi Santoso"])
    client = login(staff)
    siti = db.session.scalar(db.select(Beneficiary).where(Beneficiary.name == "Siti Nurhaliza"))
    siti.name, siti.name_search = "Siti Rahayu", normalise("Siti Rahayu")
    budi = db.session.scalar(db.select(Beneficiary.id).where(Beneficiary.name == "Budi Santoso"))
    db.session.execute(text("DELETE FROM source_record WHERE beneficiary_id = :id"), {"id": budi})
    db.session.execute(text("DELETE FROM beneficiary WHERE id = :id"), {"id": budi})
    from sponsorship.audit.enforce import audit_exempt

    with audit_exempt("a test renames and deletes residents directly"):
        db.session.commit()
    assert _names(client, "/beneficiaries/?q=nurh") == []
    assert _names(client, "/beneficiaries/?q=rahay") == ["Siti Rahayu"]
    assert _names(client, "/beneficiaries/?q=budi") == []


def _walk(client, url):
    """Follow the "next" links from `url`; the names of every page, and the last page's soup."""
    pages = []
    while url:
        page = get_page(client, url)
        pages.append([a.text for a in page.select("[data-testid=beneficiaries] a")])
        link = page.select_one("[data-testid=pagination] a[rel=next]")
        url = link["href"] if link else None
    return pages


def test_keyset_pages_cover_the_list_once_in_order_and_say_the_total(staff, login, app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 3)
    names = [f"Warga {c}" for c in "ABCDEFGH"]
    _residents(reversed(names))
    client = login(staff)
    pages = _walk(client, "/beneficiaries/")
    assert pages == [names[0:3], names[3:6], names[6:8]]
    first = get_page(client, "/beneficiaries/")
    total = first.select_one("[data-testid=pagination] [data-total]")
    assert total["data-total"] == "8" and total["data-estimated"] == "0"
    assert "8 warga" in total.text
    # The last page, then back one page from it.
    last = get_page(client, "/beneficiaries/?last=1")
    assert [a.text for a in last.select("[data-testid=beneficiaries] a")] == names[5:8]
    assert last.select_one("[data-testid=pagination] a[rel=next]") is None
    back = get_page(client, last.select_one("[data-testid=pagination] a[rel=prev]")["href"])
    assert [a.text for a in back.select("[data-testid=beneficiaries] a")] == names[2:5]
    assert first.select_one("[data-testid=pagination] a[rel=prev]") is None


def test_pages_of_a_search_keep_the_filter_and_no_name_reaches_a_url(staff, login, app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    _residents(["Siti A", "Siti B", "Siti C", "Siti D", "Siti E", "Budi F"])
    client = login(staff)
    page = get_page(client, "/beneficiaries/?q=siti")
    href = page.select_one("[data-testid=pagination] a[rel=next]")["href"]
    assert "q=siti" in href and "Siti" not in href and "after=" in href
    pages = _walk(client, "/beneficiaries/?q=siti")
    assert sorted(sum(pages, [])) == ["Siti A", "Siti B", "Siti C", "Siti D", "Siti E"]
    assert [len(p) for p in pages] == [2, 2, 1]


def test_a_cursor_whose_row_is_gone_starts_again_at_the_first_page(staff, login):
    _residents(["Ani", "Budi"])
    names = _names(login(staff), "/beneficiaries/?after=999999")
    assert names == ["Ani", "Budi"]


def test_downgrade_removes_the_engine_specific_word_index(migration_app):
    import flask_migrate

    from sponsorship.extensions import db

    with migration_app.app_context():
        flask_migrate.upgrade(revision="0017")
        names = set(inspect(db.engine).get_table_names())
        postgresql = db.engine.dialect.name == "postgresql"
        expected = "beneficiary_name_word" if postgresql else "beneficiary_name_fts"
        assert expected in names
        flask_migrate.downgrade(revision="0017-1")
        assert not {n for n in inspect(db.engine).get_table_names() if n.startswith("beneficiary_name_")}


def test_a_large_total_on_postgresql_is_the_planners_estimate_and_says_so(staff, login, monkeypatch):
    from sponsorship.core import pagination
    from sponsorship.extensions import db

    _residents(["Ani", "Budi", "Citra"])
    monkeypatch.setattr(pagination, "EXACT_COUNT_UP_TO", -1)  # every estimate counts as large
    client = login(staff)
    total = get_page(client, "/beneficiaries/").select_one("[data-testid=pagination] [data-total]")
    if db.engine.dialect.name == "postgresql":
        assert total["data-estimated"] == "1" and "sekitar" in total.text and "perkiraan" in total.text
    else:  # SQLite counts exactly: no planner estimate to read
        assert total["data-estimated"] == "0" and total["data-total"] == "3"
