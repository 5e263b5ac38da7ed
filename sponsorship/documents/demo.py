"""Demo steps: the officials and accounts documents print (fictitious people), the Bank Sumsel
Babel agreement finalised, berita acara PDFs of final minutes and approval letters of approved ones."""
from __future__ import annotations

from datetime import date

from sponsorship.agreements import service as agreements
from sponsorship.agreements.models import DRAFT, Agreement
from sponsorship.documents import official
from sponsorship.documents.models import APPROVAL_LETTER, MINUTES, Document
from sponsorship.extensions import db
from sponsorship.settings.service import get_setting, set_setting

# Fictitious people and account: a demo must issue documents, and no document prints a placeholder.
DEMO_OFFICIALS = {
    "mayor_name": "Dr. H. Rahmat Hidayat, S.E., M.M.",
    "secretary_name": "Drs. Hendra Gunawan, M.Si.",
    "secretary_nip": "19700512 199503 1 002",
    "city_npwp": "001234564304000",
    "payee_bank": "Bank Sumsel Babel",
    "payee_account_number": "150.30.00001-9",
    "treasurer_name": "Siti Aminah, S.E.",
    "treasurer_nip": "19850317 201001 2 004",
}


def seed_officials(context: dict) -> dict:
    """Fill what documents need where the city left it empty (an admin's value stays)."""
    values = {**DEMO_OFFICIALS, "payee_account_name": f"Rekening Kas Umum Daerah {get_setting('city_name')}",
              "unit_address": f"Jl. Merdeka No. 4, {get_setting('city_short')}"}  # a made-up address
    for key, value in values.items():
        if not get_setting(key):
            set_setting(key, value, actor=context.get("staff"))
    return {}


def _bank_agreement(pledge, staff) -> Agreement:
    agreement = db.session.scalar(db.select(Agreement).where(Agreement.pledge_id == pledge.id))
    if agreement is None:
        agreement = agreements.create_agreement(pledge, actor=staff, data={
            "company_number": "045/PKS/BSB/XI/2025",
            "signing_date": date(2025, 11, 13),  # the day the cooperation was announced
            "signing_place": get_setting("city_short"),
            "city_signatory_name": get_setting("mayor_name"),
            "city_signatory_title": get_setting("mayor_title"),
            "company_signatory_name": "Ahmad Syarif Hidayatullah",
            "company_signatory_title": "Direktur Utama PT Bank Sumsel Babel",
        })
    if agreement.status == DRAFT:
        agreements.transition_agreement(agreement, "finalise", actor=staff)
    return agreement


def _minutes_documents(staff) -> list[Document]:
    from sponsorship.minutes.models import DRAFT as MINUTES_DRAFT
    from sponsorship.minutes.models import Minutes

    issued = []
    for minutes in db.session.scalars(db.select(Minutes).where(Minutes.status != MINUTES_DRAFT,
                                                               Minutes.number.is_not(None))):
        if official.service.current_version(official.MINUTES_OBJECT, minutes.id, MINUTES) is None:
            issued.append(official.issue_minutes_document(minutes, actor=staff))
        approved = minutes.approval is not None and minutes.approval.decision == "approved"
        if approved and official.service.current_version(official.MINUTES_OBJECT, minutes.id,
                                                         APPROVAL_LETTER) is None:
            issued.append(official.issue_approval_letter(minutes, actor=minutes.approval.approver or staff))
    return issued


def seed(context: dict) -> dict:
    staff = context["staff"]
    agreement = _bank_agreement(context["bank_pledge"], staff)
    _minutes_documents(staff)
    return {"bank_agreement": agreement}
