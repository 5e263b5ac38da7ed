"""Every issued kind is an archival, tagged PDF (PDF/A-3b), stays one when signed, and its QR
code, read from the printed page, points at PUBLIC_BASE_URL.

veraPDF installs from no package registry this project uses, so the PDF/A claims are read back:
the XMP identification (pdfaid:part 3, conformance B), the output intent with its ICC profile,
every font embedded, the structure tree (poppler says "Tagged: yes"), no PDF 2.0 marker.
"""
from __future__ import annotations

import io
import re
import subprocess
from datetime import date

from pypdf import PdfReader

from sponsorship.extensions import db
from tests import factories


def issue_every_kind(staff, approver, company) -> dict:
    """One issued document of each kind, through the services that issue them."""
    from sponsorship.agreements import service as agreements
    from sponsorship.billing import service as billing
    from sponsorship.documents import official
    from sponsorship.documents.models import Document
    from sponsorship.documents.report import issue_certificate, issue_impact_report
    from sponsorship.minutes.models import Minutes

    agreement = factories.agreement_for(company, "final")
    agreements.issue_addendum(agreement, actor=staff,
                              clauses=[{"title": "Perubahan", "text": "Jangka waktu."}])
    factories.make_proposal(status="approved", approver=approver)
    minutes = db.session.scalar(db.select(Minutes).order_by(Minutes.id.desc()).limit(1))
    official.issue_minutes_document(minutes, actor=staff)
    official.issue_approval_letter(minutes, actor=staff)
    official.issue_verification_sheet(factories.make_proposal(status="verified_eligible"), actor=staff)
    issue_impact_report(company, actor=staff, start=date(2026, 1, 1), end=date(2026, 3, 1))
    factories.make_pledge(sponsor=company, programme="aid_fund", status="active")  # a piagam thanks one
    issue_certificate(company, actor=staff)
    payment = factories.payment_for(company)
    billing._issue_invoice_document(payment.invoice, actor=staff)  # noqa: SLF001 - the invoice PDF alone
    billing.decide_payment(payment, "confirm", actor=staff)  # issues the receipt
    db.session.commit()
    documents = {}
    for document in db.session.scalars(db.select(Document).order_by(Document.id)):
        # The first of each kind: later factory pledges record a signed agreement without a file.
        documents.setdefault(document.kind, document)
    return documents


def pdfa_facts(data: bytes) -> dict:
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode()
    intents = [i.get_object() for i in root.get("/OutputIntents", [])]
    fonts = subprocess.run(["pdffonts", "-"], input=data, capture_output=True, check=True).stdout.decode()
    info = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True).stdout.decode()
    struct = root.get("/StructTreeRoot")
    return {
        "part": re.search(r'pdfaid:part="?(\d)', xmp).group(1),
        "conformance": re.search(r'pdfaid:conformance="?([ABU])', xmp).group(1),
        "intent": [str(i["/S"]) for i in intents],
        "icc": all(len(i["/DestOutputProfile"].get_object().get_data()) > 1000 for i in intents),
        "fonts_embedded": [line.split()[-5] for line in fonts.splitlines()[2:]],
        "tagged": "Tagged:          yes" in info,
        "marked": bool(root.get("/MarkInfo", {}).get("/Marked")),
        "struct_kids": len(struct.get_object()["/K"]) if struct else 0,
        "version": str(root.get("/Version", reader.pdf_header[5:])),
        "lang": str(root.get("/Lang", "")),
        # PDF/A: what the Info dictionary says, the XMP must say too
        "info_vs_xmp": [(key, str(value)) for key, value in (reader.trailer.get("/Info") or {}).items()
                        if key in INFO_IN_XMP and not re.search(
                            INFO_IN_XMP[key].format(re.escape(str(value))), xmp)],
    }


INFO_IN_XMP = {"/Producer": r'pdf:Producer(="|>){}(<|")', "/Title": r">{}</rdf:li>",
               "/Creator": r'xmp:CreatorTool(="|>){}(<|")'}


def test_every_kind_is_pdfa_3b_tagged_and_the_signed_ones_stay_so(app_ctx, signing_certificates, staff,
                                                                   approver, company_a):
    from sponsorship.documents.models import KINDS, SIGNATURES
    from sponsorship.documents.service import read_bytes

    documents = issue_every_kind(staff, approver, company_a)
    assert set(documents) == set(KINDS)  # a new kind must be issued here too
    for kind, document in documents.items():
        facts = pdfa_facts(read_bytes(document))
        assert (facts["part"], facts["conformance"]) == ("3", "B"), kind
        assert facts["intent"] == ["/GTS_PDFA1"] and facts["icc"], kind
        assert facts["fonts_embedded"] and set(facts["fonts_embedded"]) == {"yes"}, kind
        assert facts["tagged"] and facts["marked"] and facts["struct_kids"] >= 1, kind
        assert not facts["version"].startswith("2"), kind  # PDF/A-3 is PDF 1.7
        assert facts["lang"] == "id", kind
        assert facts["info_vs_xmp"] == [], kind
        assert (document.signer_name is not None) == (kind in SIGNATURES), kind


def test_the_qr_code_read_from_the_page_points_at_the_public_address(app, app_ctx, staff, company_a,
                                                                    tmp_path):
    import zxingcpp
    from PIL import Image

    from sponsorship.documents.report import issue_impact_report
    from sponsorship.documents.service import read_bytes

    document = issue_impact_report(company_a, actor=staff, start=date(2026, 1, 1), end=date(2026, 3, 1))
    db.session.commit()
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", "-f", str(document.page_count),
                    "-l", str(document.page_count), "-", str(tmp_path / "page")], input=read_bytes(document),
                   capture_output=True, check=True)
    codes = zxingcpp.read_barcodes(Image.open(tmp_path / "page.png"))
    assert [c.text for c in codes if c.format == zxingcpp.BarcodeFormat.QRCode] == [
        f"{app.config['PUBLIC_BASE_URL']}/verify/{document.token}"]
    assert app.config["PUBLIC_BASE_URL"] == "https://csr.test"


def test_the_draft_preview_is_pdfa_too_and_carries_no_signature(app_ctx, signing_certificates, company_a):
    from sponsorship.agreements import service as agreements

    agreement = factories.agreement_for(company_a, "draft")
    data = agreements.preview_pdf(agreement)
    facts = pdfa_facts(data)
    assert (facts["part"], facts["conformance"], facts["tagged"]) == ("3", "B", True)
    assert "/AcroForm" not in PdfReader(io.BytesIO(data)).trailer["/Root"]
    text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()
    assert "DRAF" in text and "Ditandatangani secara elektronik" not in text
