"""PDF safety: user text is escaped, and WeasyPrint's fetcher reaches only our own print files."""
from __future__ import annotations

import base64
import io
import subprocess

import pytest
from pypdf import PdfReader

from sponsorship.extensions import db
from tests import factories
from tests.pages import post_page

HOSTILE = ('<img src="file:///etc/passwd"> <link rel="attachment" href="file:///etc/hostname"> '
           '<img src="http://127.0.0.1:9/track.png">')


def pdf_text(data: bytes) -> str:
    out = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


def has_attachment(data: bytes) -> bool:
    reader = PdfReader(io.BytesIO(data))
    names = reader.trailer["/Root"].get("/Names")
    if names and "/EmbeddedFiles" in names.get_object():
        return True
    return any(a.get_object().get("/Subtype") == "/FileAttachment"
               for p in reader.pages for a in (p.get("/Annots") or []))


@pytest.fixture
def fetchers(monkeypatch):
    """Every fetcher the renderer makes, to see what it served and what it refused."""
    from sponsorship.documents import render

    made = []
    original = render.make_fetcher

    def spy(*args, **kwargs):
        fetcher = original(*args, **kwargs)
        made.append(fetcher)
        return fetcher

    monkeypatch.setattr(render, "make_fetcher", spy)
    return made


def test_hostile_company_name_and_clause_fetch_nothing(login, staff, fetchers):
    company = factories.make_sponsor(name="PT Jahat " + HOSTILE[:60])
    pledge = factories.make_pledge(sponsor=company, status="agreed")
    client = login(staff)
    post_page(client, f"/pledges/{pledge.id}/agreement", {
        "signing_date": "2026-01-15", "signing_place": "Pangkalpinang",
        "city_signatory_name": "A", "city_signatory_title": "Wali Kota",
        "company_signatory_name": "Direktur X", "company_signatory_title": HOSTILE,
        "clauses": "## Pasal Jahat\n" + HOSTILE})
    post_page(client, f"/pledges/{pledge.id}/agreement/finalise", {"confirm": "y"})
    data = client.get(f"/pledges/{pledge.id}/agreement.pdf").data
    text = pdf_text(data)
    assert 'href="file:///etc/hostname"' in text  # shown as text, escaped
    assert '<img src="http://127.0.0.1:9/track.png">' in text
    assert not has_attachment(data)
    assert b"/EmbeddedFile" not in data and b"/FileAttachment" not in data
    assert fetchers, "the renderer did not use the restrictive fetcher"
    for fetcher in fetchers:
        assert fetcher.refused == []  # nothing in user text was even tried
        assert set(fetcher.served) <= {"print:emblem.svg", "data:image/png;base64"}


def test_the_fetcher_refuses_everything_but_our_print_files(app_ctx, fetchers):
    """Even raw markup (bypassing escaping) cannot make WeasyPrint read files or the network."""
    from sponsorship.documents.render import html_to_pdf, qr_data_uri

    ours = qr_data_uri("http://127.0.0.1:5000/verify/x")
    foreign = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\nfake").decode()
    html = ("<html><body><p>x</p>" + HOSTILE + f'<img src="{ours}"><img src="{foreign}">'
            '<img src="print:../../sponsorship/config.py"><img src="print:emblem.svg">'
            '<img src="/etc/passwd"><link rel="stylesheet" href="https://example.org/x.css">'
            "</body></html>")
    rendered = html_to_pdf(html, data_uris=[ours])
    fetcher = rendered.fetcher
    assert "file:///etc/passwd" in fetcher.refused
    assert "file:///etc/hostname" in fetcher.refused
    assert "http://127.0.0.1:9/track.png" in fetcher.refused
    assert foreign in fetcher.refused
    assert any("config.py" in url for url in fetcher.refused)
    assert fetcher.served.count("print:emblem.svg") == 1
    assert "data:image/png;base64" in fetcher.served
    assert not has_attachment(rendered.pdf)
    assert b"/EmbeddedFile" not in rendered.pdf and b"/FileAttachment" not in rendered.pdf


def test_stylesheets_go_through_the_same_fetcher(app_ctx):
    from sponsorship.documents.render import html_to_pdf

    html = '<html><head><style>@import url("file:///etc/passwd");</style></head><body>x</body></html>'
    assert "file:///etc/passwd" in html_to_pdf(html).fetcher.refused
    db.session.rollback()
