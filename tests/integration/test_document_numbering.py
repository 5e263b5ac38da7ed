"""Document numbers: format per kind from settings; yearly sequences never repeat or skip."""
from __future__ import annotations

import threading

import pytest

from sponsorship.core.errors import DomainError
from sponsorship.extensions import db


def test_number_follows_the_setting_and_restarts_each_year(app_ctx, admin):
    from sponsorship.documents.service import allocate_number
    from sponsorship.settings.service import update_settings

    assert allocate_number("agreement", 2026) == "400.7/0001/SETDA/2026"
    assert allocate_number("agreement", 2026) == "400.7/0002/SETDA/2026"
    assert allocate_number("agreement", 2027) == "400.7/0001/SETDA/2027"
    assert allocate_number("addendum", 2026) == "400.7/0001/ADD/SETDA/2026"
    update_settings(actor=admin, values={"number_format_agreement": "180/{seq:03d}/HK/{year}"})
    assert allocate_number("agreement", 2026) == "180/003/HK/2026"
    db.session.commit()


@pytest.mark.parametrize("fmt", ["{seq.__class__}", "{year}", "{seq}/{secret}", "{seq"])
def test_a_number_format_may_use_only_seq_and_year(app_ctx, fmt):
    from sponsorship.documents.service import check_number_format

    with pytest.raises(DomainError):
        check_number_format(fmt)


def test_a_rolled_back_issue_gives_its_number_back(app_ctx):
    from sponsorship.documents.service import next_sequence

    assert next_sequence("berita_acara_test", 2026) == 1
    db.session.commit()
    assert next_sequence("berita_acara_test", 2026) == 2
    db.session.rollback()
    assert next_sequence("berita_acara_test", 2026) == 2


@pytest.mark.concurrency
def test_concurrent_issuers_never_repeat_or_skip(app):
    """8 threads x 10 numbers, every fourth transaction rolled back: 1..60 exactly once each."""
    from sponsorship.core.db import write_intent
    from sponsorship.documents.service import next_sequence

    if app.config["SQLALCHEMY_DATABASE_URI"].endswith(":memory:"):
        pytest.skip("needs a file or server database")
    taken: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def worker(n: int) -> None:
        try:
            with app.app_context():
                barrier.wait()
                for i in range(10):
                    with write_intent():
                        seq = next_sequence("concurrency", 2026)
                        if (n + i) % 4 == 0:
                            db.session.rollback()
                            continue
                        db.session.commit()
                    with lock:
                        taken.append(seq)
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sorted(taken) == list(range(1, len(taken) + 1))
    assert len(taken) == 60


def test_the_file_of_an_issue_that_does_not_commit_is_removed(app_ctx, staff, company_a):
    from datetime import date

    from sponsorship.documents.report import issue_impact_report
    from sponsorship.documents.service import document_root, read_bytes

    def files() -> set:
        return {p for p in document_root().rglob("*.pdf")}

    before = files()
    issue_impact_report(company_a, actor=staff, start=date(2026, 1, 1), end=date(2026, 6, 1))
    assert len(files() - before) == 1  # written before the commit decides
    with db.session.begin_nested():  # a savepoint released on the way (as billing runs have)
        pass
    db.session.rollback()  # a later step failed
    assert files() == before
    kept = issue_impact_report(company_a, actor=staff, start=date(2026, 1, 1), end=date(2026, 6, 1))
    db.session.commit()
    assert len(files() - before) == 1 and read_bytes(kept).startswith(b"%PDF")
