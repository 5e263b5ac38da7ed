"""Agreement rules: drafting, the draft -> final -> signed life cycle, addenda, the PDF context."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from sponsorship import policy
from sponsorship.agreements.clauses import DEFAULT_CLAUSES, fill
from sponsorship.agreements.models import DRAFT, FINAL, SIGNED, STATUSES, Agreement, AgreementTemplate
from sponsorship.audit import service as audit
from sponsorship.core.errors import DomainError
from sponsorship.core.formatting import (
    month_label,
    npwp,
    rupiah_resmi,
    tanggal_resmi,
    tanggal_terbilang,
    terbilang,
)
from sponsorship.core.models import utcnow
from sponsorship.core.uploads import StoredFile
from sponsorship.core.workflow import Transition, Workflow
from sponsorship.documents import readiness
from sponsorship.documents import service as documents
from sponsorship.documents.models import ADDENDUM, AGREEMENT, Document
from sponsorship.documents.render import render_pdf
from sponsorship.extensions import db
from sponsorship.pledges import service as pledge_service
from sponsorship.pledges.models import AGREED, CANCELLED, Pledge
from sponsorship.settings.service import get_setting

TEMPLATE = "documents/agreement.html"
ADDENDUM_TEMPLATE = "documents/addendum.html"

AGREEMENT_FLOW = Workflow(
    STATUSES,
    [
        Transition("finalise", frozenset({DRAFT}), FINAL, "agreement.finalise",
                   _l("Finalkan dan beri nomor")),
        Transition("sign", frozenset({FINAL}), SIGNED, "agreement.sign", _l("Catat penandatanganan")),
    ],
)

FIELDS = ("company_number", "signing_date", "signing_place", "city_signatory_name",
          "city_signatory_title", "company_signatory_name", "company_signatory_title")
BPJS_FIELDS = ("bpjs_signatory_name", "bpjs_signatory_title")

# What the agreement rests on, printed before its articles ("Dengan memperhatikan").
LEGAL_BASIS = (
    "Undang-Undang Nomor 23 Tahun 2014 tentang Pemerintahan Daerah sebagaimana telah beberapa kali "
    "diubah, terakhir dengan Undang-Undang Nomor 6 Tahun 2023",
    "Undang-Undang Nomor 40 Tahun 2007 tentang Perseroan Terbatas, Pasal 74",
    "Peraturan Pemerintah Nomor 47 Tahun 2012 tentang Tanggung Jawab Sosial dan Lingkungan Perseroan "
    "Terbatas",
    "Peraturan Pemerintah Nomor 28 Tahun 2018 tentang Kerja Sama Daerah",
    "Peraturan Presiden Nomor 82 Tahun 2018 tentang Jaminan Kesehatan sebagaimana telah beberapa kali "
    "diubah, terakhir dengan Peraturan Presiden Nomor 59 Tahun 2024",
    "Peraturan Menteri Dalam Negeri Nomor 22 Tahun 2020 tentang Tata Cara Kerja Sama Daerah dengan "
    "Daerah Lain dan Kerja Sama Daerah dengan Pihak Ketiga",
)


def template_key(pledge: Pledge) -> str:
    """Which default clauses a pledge's agreement starts from: they follow the money flow."""
    return "premium_direct" if pledge.pays_directly else pledge.programme


def template_clauses(programme: str) -> list[dict]:
    row = db.session.get(AgreementTemplate, programme)
    return [dict(c) for c in (row.clauses if row else DEFAULT_CLAUSES[programme])]


def save_template(*, actor, programme: str, clauses: list[dict]) -> AgreementTemplate:
    policy.authorise("agreement.templates", user=actor)
    if programme not in DEFAULT_CLAUSES:
        raise DomainError(_l("Program tidak dikenal."))
    if not clauses:
        raise DomainError(_l("Templat harus memuat paling sedikit satu pasal."), field="clauses")
    row = db.session.get(AgreementTemplate, programme)
    old = row.clauses if row else DEFAULT_CLAUSES[programme]
    if row is None:
        row = AgreementTemplate(programme=programme, clauses=clauses)
        db.session.add(row)
    else:
        row.clauses = clauses
    audit.record(actor=actor, action="update", object_type="agreement_template", object_id=None,
                 changes={"clauses": [len(old), len(clauses)]}, note=programme)
    return row


def initial_data(pledge: Pledge) -> dict[str, Any]:
    return {
        "signing_date": date.today(),
        "signing_place": get_setting("city_short"),
        "city_signatory_name": get_setting("mayor_name"),
        "city_signatory_title": get_setting("mayor_title"),
        "company_signatory_name": pledge.sponsor.contact_name or "",
        "company_signatory_title": "",
    }


def _apply(agreement: Agreement, data: dict) -> None:
    for name in FIELDS:
        value = data.get(name)
        if isinstance(value, str):
            value = value.strip() or None
        if value is None and name != "company_number":
            raise DomainError(_l("Wajib diisi."), field=name)
        setattr(agreement, name, value)
    agreement.bpjs_party = bool(data.get("bpjs_party"))
    for name in BPJS_FIELDS:
        value = (data.get(name) or "").strip() or None
        if agreement.bpjs_party and value is None:
            raise DomainError(_l("Wajib diisi bila BPJS Kesehatan menjadi PIHAK KETIGA."), field=name)
        setattr(agreement, name, value if agreement.bpjs_party else None)
    if "clauses" in data:
        if not data["clauses"]:
            raise DomainError(_l("Perjanjian harus memuat paling sedikit satu pasal."), field="clauses")
        agreement.clauses = [{"title": c["title"], "text": c["text"]} for c in data["clauses"]]


def create_agreement(pledge: Pledge, *, actor, data: dict) -> Agreement:
    policy.authorise("agreement.edit", pledge, user=actor)
    if pledge.status == CANCELLED:
        raise DomainError(_l("Komitmen yang dibatalkan tidak dapat dibuatkan perjanjian."))
    if db.session.scalar(db.select(Agreement.id).where(Agreement.pledge_id == pledge.id)):
        raise DomainError(_l("Komitmen ini sudah memiliki perjanjian."))
    agreement = Agreement(pledge=pledge, status=DRAFT, clauses=template_clauses(template_key(pledge)))
    with db.session.no_autoflush:
        _apply(agreement, data)
    db.session.add(agreement)
    audit.record_create(agreement, actor=actor)
    return agreement


def update_agreement(agreement: Agreement, *, actor, data: dict) -> Agreement:
    policy.authorise("agreement.edit", agreement, user=actor)
    if agreement.status != DRAFT:
        raise DomainError(_l("Perjanjian yang sudah final tidak dapat diubah; buat addendum."))
    with db.session.no_autoflush:
        _apply(agreement, data)
    audit.record_update(agreement, actor=actor)
    return agreement


def placeholders(pledge: Pledge) -> dict[str, str]:
    values = {
        "perusahaan": pledge.sponsor.name,
        "nilai": rupiah_resmi(pledge.total_amount),
        "terbilang": terbilang(pledge.total_amount),
        "kota": get_setting("area_name"),
        "kepala": get_setting("head_title"),
        "pengadilan": get_setting("court_name"),
        "bulan": str(pledge.months or ""),
        "rekening": "rekening {bank} nomor {number} atas nama {name}".format(
            bank=get_setting("payee_bank"), number=get_setting("payee_account_number"),
            name=get_setting("payee_account_name")),
    }
    if pledge.is_premium:
        values.update(kuota=str(pledge.quota), iuran=rupiah_resmi(pledge.monthly_amount),
                      mulai=month_label(pledge.start_month), selesai=month_label(pledge.end_month))
    return values


def agreement_context(agreement: Agreement, *, number: str | None = None) -> dict[str, Any]:
    """Plain values only: what the PKS template prints (no model objects reach it)."""
    pledge, sponsor = agreement.pledge, agreement.pledge.sponsor
    values = placeholders(pledge)
    return {
        "title": "Perjanjian Kerja Sama",
        "subject": pledge.title,
        "city_number": number or agreement.city_number,
        "company_number": agreement.company_number,
        "opening_date": tanggal_terbilang(agreement.signing_date),
        "signing_date": tanggal_resmi(agreement.signing_date),
        "signing_place": agreement.signing_place,
        "city_name": get_setting("city_name"),
        "city_address": get_setting("unit_address"),
        "legal_basis": LEGAL_BASIS,
        "pays_directly": pledge.pays_directly,
        "bpjs": {"name": agreement.bpjs_signatory_name, "title": agreement.bpjs_signatory_title}
        if agreement.bpjs_party else None,
        "city_signatory": {"name": agreement.city_signatory_name, "title": agreement.city_signatory_title},
        "company": {"name": sponsor.name, "address": sponsor.address, "npwp": npwp(sponsor.npwp)},
        "company_signatory": {"name": agreement.company_signatory_name,
                              "title": agreement.company_signatory_title},
        "programme": pledge.programme,
        "amount": rupiah_resmi(pledge.total_amount),
        "amount_words": terbilang(pledge.total_amount),
        "clauses": [{"title": c["title"], "text": fill(c["text"], values)} for c in agreement.clauses],
    }


def preview_pdf(agreement: Agreement) -> bytes:
    """The PDF as it would look now, watermarked DRAF; never stored, numbered or audited."""
    return render_pdf(TEMPLATE, agreement_context(agreement, number=agreement.city_number),
                      draft=agreement.status == DRAFT).pdf


def transition_agreement(agreement: Agreement, name: str, *, actor, signed_on: date | None = None,
                         scan: StoredFile | None = None) -> Agreement:
    """The only way an agreement's status changes."""
    t = AGREEMENT_FLOW.check(name, agreement, actor)
    changes: dict[str, list] = {}
    if t.target == FINAL:
        readiness.require_ready(AGREEMENT, agreement=agreement)
        number = documents.allocate_number(AGREEMENT, agreement.signing_date.year)
        document = documents.issue_document(
            kind=AGREEMENT, template=TEMPLATE, context=agreement_context(agreement, number=number),
            title=f"PKS {agreement.pledge.sponsor.name}: {agreement.pledge.title}",
            object_type="agreement", object_id=agreement.id, actor=actor,
            sponsor_id=agreement.pledge.sponsor_id, number=number)
        agreement.city_number, agreement.document, agreement.finalised_at = number, document, utcnow()
        changes["city_number"] = [None, number]
    elif t.target == SIGNED:
        if signed_on is None:
            raise DomainError(_l("Tanggal penandatanganan wajib diisi."), field="signed_on")
        if scan is None:
            raise DomainError(_l("Pindaian perjanjian yang telah ditandatangani wajib diunggah."),
                              field="scan")
        agreement.signed_on, agreement.scan_path, agreement.scan_sha256 = signed_on, scan.path, scan.sha256
        changes.update(signed_on=[None, signed_on.isoformat()], scan_sha256=[None, scan.sha256])
    AGREEMENT_FLOW.move(agreement, name, actor=actor, changes=changes)
    if t.target == SIGNED and agreement.pledge.status == AGREED:
        # A signed agreement starts the programme; the pledge moves through its own workflow.
        pledge_service.transition_pledge(agreement.pledge, "start", actor=actor,
                                         note=f"PKS {agreement.city_number} ditandatangani")
    return agreement


def addenda(agreement: Agreement) -> list[Document]:
    return list(db.session.scalars(
        db.select(Document).where(Document.object_type == "agreement", Document.object_id == agreement.id,
                                  Document.kind == ADDENDUM).order_by(Document.id)))


def issue_addendum(agreement: Agreement, *, actor, clauses: list[dict]) -> Document:
    """A change after finalising: a new numbered document that refers to the original."""
    policy.authorise("agreement.edit", agreement, user=actor)
    if agreement.status not in (FINAL, SIGNED):
        raise DomainError(_l("Addendum hanya untuk perjanjian yang sudah final."))
    if not clauses:
        raise DomainError(_l("Addendum harus memuat paling sedikit satu pasal."), field="clauses")
    readiness.require_ready(ADDENDUM, agreement=agreement)
    seq = len(addenda(agreement)) + 1
    context = agreement_context(agreement)
    values = placeholders(agreement.pledge)
    context.update(title="Addendum Perjanjian Kerja Sama", addendum_seq=seq,
                   original_number=agreement.city_number,
                   opening_date=tanggal_terbilang(date.today()), signing_date=tanggal_resmi(date.today()),
                   clauses=[{"title": c["title"], "text": fill(c["text"], values)} for c in clauses])
    return documents.issue_document(
        kind=ADDENDUM, template=ADDENDUM_TEMPLATE, context=context,
        title=f"Addendum {seq} PKS {agreement.city_number}", object_type="agreement",
        object_id=agreement.id, actor=actor, sponsor_id=agreement.pledge.sponsor_id)
