"""Milliseconds per page of the app's document path against bare WeasyPrint on the same HTML.

Builds a fresh SQLite database with the demo foundation, then times, in one process:
  * the cooperation agreement (PKS) of the Bank Sumsel Babel pledge, issued the app's way
    (number, Jinja, restrictive fetcher, WeasyPrint, sha256, file written, audit), rolled back;
  * a berita acara of 200 proposals (synthetic context), rendered the app's way;
and each one's final HTML rendered by bare WeasyPrint (default fetcher, file:// for the
emblem). Prints median CPU ms (time.process_time, so a busy machine skews less), pages,
ms per page and the ratio app / bare.

Then the cost of the electronic signature: the same PKS issued unsigned (no certificate
installed) and signed (a test certificate installed: PAdES by pyHanko, as an incremental
update), and the verification of the signed bytes; prints both, the difference and the ratio.
Both app and bare render PDF/A-3b with tags (render.PDF_OPTIONS), so the ratio compares like
with like.

    .venv/bin/python bench/documents.py [--runs 5]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def median_ms(fn, runs: int) -> tuple[float, object]:
    """Median CPU milliseconds of `fn` (this process only: other load on the box does not count)."""
    times, result = [], None
    for _ in range(runs):
        start = time.process_time()
        result = fn()
        times.append((time.process_time() - start) * 1000)
    return statistics.median(times), result


def bare(html: str, css: str, print_root: Path) -> int:
    import weasyprint

    html = html.replace('src="print:', f'src="{print_root.as_uri()}/')
    from sponsorship.documents.render import PDF_OPTIONS

    document = weasyprint.HTML(string=html).render(stylesheets=[weasyprint.CSS(string=css)])
    document.write_pdf(**PDF_OPTIONS)
    return len(document.pages)


def _admin():
    from sponsorship.auth.models import ADMIN, User
    from sponsorship.extensions import db

    return db.session.scalar(db.select(User).where(User.role == ADMIN).limit(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    import flask_migrate

    from sponsorship import create_app

    tmp = Path(tempfile.mkdtemp(prefix="bench-documents-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.db'}", "INSTANCE_PATH": str(tmp),
                      "UPLOAD_DIR": str(tmp / "uploads"), "SECRET_KEY": "bench",
                      "SIGNING_DIR": str(tmp / "signing"), "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
                      "TESTING": True})  # TESTING: a signed kind may be issued without a certificate
    with app.app_context():
        import logging

        logging.getLogger("alembic").setLevel(logging.WARNING)
        flask_migrate.upgrade(revision="heads")
    with app.test_request_context():
        import weasyprint  # noqa: F401 - import cost kept out of the timings

        from sponsorship.agreements import service as agreements
        from sponsorship.demo import seed_foundation
        from sponsorship.documents import official
        from sponsorship.documents import service as documents
        from sponsorship.documents.render import PRINT_ROOT, render_pdf
        from sponsorship.extensions import db

        context = seed_foundation({})
        db.session.commit()
        pledge, staff = context["bank_pledge"], context["staff"]
        agreement = agreements.create_agreement(pledge, actor=staff, data={
            **agreements.initial_data(pledge), "company_signatory_name": "Direktur",
            "company_signatory_title": "Direktur Utama"})
        db.session.commit()
        css = (PRINT_ROOT / "print.css").read_text()

        def issue_agreement():
            doc = documents.issue_document(
                kind="agreement", template=agreements.TEMPLATE,
                context=agreements.agreement_context(agreement, number="400.7/0001/SETDA/2026"),
                title="bench", object_type="agreement", object_id=agreement.id, actor=staff,
                sponsor_id=pledge.sponsor_id, number="400.7/0001/SETDA/2026")
            pages = doc.page_count
            db.session.rollback()
            return pages

        minutes_context = official.minutes_pdf_context(official.synthetic_minutes_context(200))

        def berita_acara():
            return render_pdf("documents/berita_acara.html", {**minutes_context, "doc": {
                "number": minutes_context["number"], "version": 1, "issued_at": documents.utcnow(),
                "token": "x" * 32}}, qr_url="http://127.0.0.1:5000/verify/" + "x" * 32)

        issue_agreement()  # warm-up: fonts, Jinja cache
        rows = []
        app_ms, pages = median_ms(issue_agreement, args.runs)
        doc = {"number": "400.7/0001/SETDA/2026", "version": 1, "issued_at": documents.utcnow(),
               "token": "x" * 32}
        html = render_pdf(agreements.TEMPLATE, {**agreements.agreement_context(agreement), "doc": doc},
                          qr_url="http://127.0.0.1:5000/verify/" + "x" * 32).html
        bare_ms, _ = median_ms(lambda: bare(html, css, PRINT_ROOT), args.runs)
        rows.append(("agreement (PKS), issued", pages, app_ms, bare_ms))

        app_ms, rendered = median_ms(berita_acara, args.runs)
        bare_ms, _ = median_ms(lambda: bare(rendered.html, css, PRINT_ROOT), args.runs)
        rows.append(("berita acara, 200 proposals", rendered.pages, app_ms, bare_ms))

        # The electronic signature: the same PKS unsigned, then with a certificate installed.
        from sponsorship.documents import signing

        unsigned_ms, _ = median_ms(issue_agreement, args.runs)
        signing.install_test_certificate("mayor", actor=_admin())
        db.session.commit()
        issue_agreement()  # warm-up: key loaded once per process, pyHanko imported
        signed_ms, _ = median_ms(issue_agreement, args.runs)
        doc = documents.issue_document(
            kind="agreement", template=agreements.TEMPLATE,
            context=agreements.agreement_context(agreement, number="400.7/0001/SETDA/2026"),
            title="bench", object_type="agreement", object_id=agreement.id, actor=staff,
            sponsor_id=pledge.sponsor_id, number="400.7/0001/SETDA/2026")
        signed_bytes = documents.read_bytes(doc)
        assert doc.signer_name and signing.validate(signed_bytes).ok
        db.session.rollback()
        verify_ms, _ = median_ms(lambda: signing.validate(signed_bytes), args.runs)

    print(f"{'document':32} {'pages':>5} {'app ms':>8} {'ms/page':>8} {'bare ms':>8} {'ratio':>6}")
    for name, pages, app_ms, bare_ms in rows:
        ratio = app_ms / bare_ms
        print(f"{name:32} {pages:5d} {app_ms:8.0f} {app_ms / pages:8.1f} {bare_ms:8.0f} {ratio:6.2f}")
    print("targets: ratio < 1.3; berita acara of 200 proposals < 3000 ms")
    print()
    print(f"{'PKS issue':32} {'ms':>8}")
    print(f"{'unsigned':32} {unsigned_ms:8.0f}")
    print(f"{'signed (PAdES B-B)':32} {signed_ms:8.0f}")
    print(f"{'signing adds':32} {signed_ms - unsigned_ms:8.0f}   ratio signed/unsigned "
          f"{signed_ms / unsigned_ms:.2f}")
    print(f"{'validating the signed PDF':32} {verify_ms:8.0f}")
    print("target: signing adds at most 100 ms")


if __name__ == "__main__":
    main()
