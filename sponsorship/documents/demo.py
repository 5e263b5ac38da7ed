"""Demo step: the Bank Sumsel Babel agreement finalised, and berita acara PDFs of final minutes."""
from __future__ import annotations

from datetime import date

from sponsorship.agreements import service as agreements
from sponsorship.agreements.models import DRAFT, Agreement
from sponsorship.documents import official
from sponsorship.documents.models import MINUTES, Document
from sponsorship.extensions import db
from sponsorship.settings.service import get_setting


def _bank_agreement(pledge, staff) -> Agreement:
    agreement = db.session.scalar(db.select(Agreement).where(Agreement.pledge_id == pledge.id))
    if agreement is None:
        agreement = agreements.create_agreement(pledge, actor=staff, data={
            "company_number": "045/PKS/BSB/XI/2025",
            "signing_date": date(2025, 11, 13),  # the day the cooperation was announced
            "signing_place": get_setting("city_short"),
            "city_signatory_name": get_setting("mayor_name"),
            "city_signatory_title": get_setting("mayor_title"),
            "company_signatory_name": "[Nama Direktur Utama]",
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
    return issued


def seed(context: dict) -> dict:
    staff = context["staff"]
    agreement = _bank_agreement(context["bank_pledge"], staff)
    _minutes_documents(staff)
    return {"bank_agreement": agreement}
