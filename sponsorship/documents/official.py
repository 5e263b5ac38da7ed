"""Berita acara, the mayor's approval letter and the field verification sheet as documents.

The minutes and proposals modules own their data; these functions turn their plain contexts
(`minutes_document_context`) into issued documents. No NIK, no diagnosis reaches a PDF.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from sponsorship.core.errors import DomainError
from sponsorship.core.formatting import rupiah_resmi, tanggal_resmi, tanggal_terbilang, terbilang
from sponsorship.documents import readiness, service
from sponsorship.documents.models import APPROVAL_LETTER, MINUTES, VERIFICATION_SHEET, Document
from sponsorship.identity import mask
from sponsorship.settings.service import get_setting

MINUTES_OBJECT = "aid_minutes"
PROPOSAL_OBJECT = "aid_proposal"
DECISION_WORDS = {"grant": "Dibantu", "deny": "Tidak dibantu"}


def minutes_pdf_context(ctx: dict[str, Any]) -> dict[str, Any]:
    """Adds the written-out forms a berita acara prints to the minutes module's plain context."""
    items = [{**i, "decision_label": DECISION_WORDS.get(i["decision"], i["decision"]),
              "amount_text": rupiah_resmi(i["amount"]), "requested_text": rupiah_resmi(i["requested"])}
             for i in ctx["items"]]
    granted = [i for i in items if i["decision"] == "grant" and not i.get("excluded")]
    totals = ctx["totals"]  # minutes.service.minutes_totals: the page shows the same figures
    meeting_time = ctx.get("meeting_time")
    return {
        **ctx,
        "title": "Berita Acara",
        "items": items,
        "granted": granted,
        "excluded": [i for i in items if i.get("excluded")],
        "opening_date": tanggal_terbilang(ctx["meeting_date"]),
        "meeting_date_text": tanggal_resmi(ctx["meeting_date"]),
        "meeting_time_text": f"{meeting_time:%H.%M} WIB" if meeting_time else "",
        "totals": totals,
        "decided_amount_text": rupiah_resmi(totals["decided_amount"]),
        "decided_amount_words": terbilang(totals["decided_amount"]),
        "excluded_amount_text": rupiah_resmi(totals["excluded_amount"]),
        "total_text": rupiah_resmi(totals["approved_amount"]),
        "total_words": terbilang(totals["approved_amount"]),
        "secretary_name": get_setting("secretary_name"),
        "secretary_title": get_setting("secretary_title"),
        "city_short": get_setting("city_short"),
    }


def _minutes_context(minutes) -> dict[str, Any]:
    from sponsorship.minutes.service import minutes_document_context

    return minutes_pdf_context(minutes_document_context(minutes))


def _issue_for(kind: str, template: str, context: dict, *, title: str, object_type: str, object_id: int,
               actor, number: str | None = None) -> Document:
    """Issue, or issue a new version when this object already has this kind of document."""
    previous = service.current_version(object_type, object_id, kind)
    return service.issue_document(kind=kind, template=template, context=context, title=title,
                                  object_type=object_type, object_id=object_id, actor=actor,
                                  number=None if previous else number, supersedes=previous)


def issue_minutes_document(minutes, *, actor) -> Document:
    if not minutes.number:
        raise DomainError(_l("Berita acara belum final dan belum bernomor."))
    readiness.require_ready(MINUTES, minutes=minutes)
    return _issue_for(MINUTES, "documents/berita_acara.html", _minutes_context(minutes),
                      title=f"Berita acara {minutes.number}", object_type=MINUTES_OBJECT,
                      object_id=minutes.id, actor=actor, number=minutes.number)


def issue_approval_letter(minutes, *, actor) -> Document:
    if minutes.approval is None or minutes.approval.decision != "approved":
        raise DomainError(_l("Surat persetujuan hanya untuk berita acara yang telah disetujui."))
    readiness.require_ready(APPROVAL_LETTER)
    context = _minutes_context(minutes)
    context.update(title="Surat Persetujuan", letter_date=tanggal_resmi(minutes.approval.decided_at.date()))
    return _issue_for(APPROVAL_LETTER, "documents/approval_letter.html", context,
                      title=f"Persetujuan {get_setting('head_title')} atas berita acara {minutes.number}",
                      object_type=MINUTES_OBJECT, object_id=minutes.id, actor=actor)


def verification_context(proposal) -> dict[str, Any]:
    from sponsorship.proposals.models import CHECKLIST, COST_CATEGORIES, RECOMMENDATIONS

    v = proposal.verification
    return {
        "title": "Lembar Verifikasi Lapangan",
        "code": proposal.code,
        "patient_name": proposal.patient_name,
        "nik_masked": mask(proposal.nik_last4),
        "address": proposal.address,
        "kelurahan": proposal.kelurahan.name,
        "kecamatan": proposal.kelurahan.kecamatan_name,
        "referral": f"{proposal.referral_origin} → {proposal.referral_destination}, {proposal.referral_city}",
        "referral_letter": f"{proposal.referral_letter_no}, {tanggal_resmi(proposal.referral_letter_date)}",
        "lines": [{"category": str(COST_CATEGORIES.get(c.category, c.category)),
                   "description": (c.description or "").strip() or "–",
                   "total": rupiah_resmi(c.total)} for c in proposal.lines],
        "requested": rupiah_resmi(proposal.total_requested),
        "visit_date": tanggal_resmi(v.visit_date),
        "checklist": [{"label": str(label), "ok": bool(getattr(v, key))} for key, label in CHECKLIST.items()],
        "notes": (v.notes or "").strip(),
        "recommendation": str(RECOMMENDATIONS.get(v.recommendation, v.recommendation)),
        "reason": (v.reason or "").strip(),
        "recommended": rupiah_resmi(v.recommended_amount),
        "recommended_words": terbilang(v.recommended_amount),
        "verifier_name": v.verifier.full_name if v.verifier else "",
        "city_short": get_setting("city_short"),
    }


def issue_verification_sheet(proposal, *, actor) -> Document:
    if proposal.verification is None:
        raise DomainError(_l("Usulan ini belum diverifikasi di lapangan."))
    readiness.require_ready(VERIFICATION_SHEET)
    return _issue_for(VERIFICATION_SHEET, "documents/verification_sheet.html", verification_context(proposal),
                      title=f"Verifikasi lapangan {proposal.code}", object_type=PROPOSAL_OBJECT,
                      object_id=proposal.id, actor=actor)


def synthetic_minutes_context(n: int, *, meeting_date: date = date(2025, 11, 13)) -> dict[str, Any]:
    """A berita acara of `n` proposals with made-up names (benchmarks, layout tests)."""
    items = [{
        "code": f"BNM-2025-{i:04d}", "patient_name": f"Pasien Contoh {i}", "kelurahan": "Kelurahan Contoh",
        "kecamatan": "Kecamatan Contoh", "destination": "RSUP Dr. Mohammad Hoesin, Palembang",
        "requested": 7_500_000, "recommended": 6_000_000, "decision": "grant" if i % 7 else "deny",
        "amount": 6_000_000 if i % 7 else 0, "note": None, "excluded": False, "exclusion_reason": None,
        "cost_lines": [],
    } for i in range(1, n + 1)]
    return {
        "kind": "berita_acara_bantuan", "id": 0, "number": "400.9/0001/SETDA/2025", "status": "final",
        "meeting_date": meeting_date, "place": "Ruang Rapat Sekretariat Daerah", "summary": None,
        "finalised_at": None,
        "attendees": [{"name": f"Peserta {k}", "nip": f"19700101 199003 1 00{k}", "title": "Anggota",
                       "agency": get_setting("baznas_office")} for k in range(1, 6)],
        "items": items, "total_granted": sum(i["amount"] for i in items), "approval": None,
        "meeting_time": None,
        "totals": {"decided": n, "excluded": 0, "approved": n,
                   "granted": sum(1 for i in items if i["decision"] == "grant"),
                   "denied": sum(1 for i in items if i["decision"] == "deny"),
                   "decided_amount": sum(i["amount"] for i in items), "excluded_amount": 0,
                   "approved_amount": sum(i["amount"] for i in items)},
        "mayor_name": get_setting("mayor_name"), "mayor_title": get_setting("mayor_title"),
        "city_name": get_setting("city_name"), "unit_name": get_setting("unit_name"),
    }
