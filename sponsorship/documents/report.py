"""The sponsor impact report for a period: pledges, people covered, premiums and aid payouts.

Every figure comes from the functions the pages use: people and person-months from billing's
rule (`billing.service.counts_in_month`), premiums due at the tariff billing charges that month,
invoiced / paid / outstanding from the invoices and their confirmed payments, and what a company
paying BPJS directly paid by its confirmed BPJS proofs. Staff issue it, a sponsor requests it
for its own company, and the schedule issues each ended quarter once.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import false, func, or_

from sponsorship import policy
from sponsorship.core.errors import DomainError
from sponsorship.core.formatting import BULAN, rupiah_resmi, tanggal_resmi, terbilang
from sponsorship.core.models import utcnow
from sponsorship.core.months import add_months
from sponsorship.documents import readiness, service
from sponsorship.documents.models import (
    IMPACT_REPORT,
    REQUESTED_BY_SPONSOR,
    REQUESTED_BY_STAFF,
    SCHEDULED,
    Document,
    ImpactReportIssue,
)
from sponsorship.extensions import db
from sponsorship.pledges.models import ACTIVE, CANCELLED, COMPLETED, DRAFT, PREMIUM, Pledge
from sponsorship.settings.service import get_setting


def month_resmi(month: date) -> str:
    return f"{BULAN[month.month - 1]} {month.year}"


def _months(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def person_months(alloc_start: date, alloc_end: date | None, start: date, end: date) -> int:
    lo, hi = max(alloc_start, start), min(alloc_end or end, end)
    return _months(lo, hi) if lo <= hi else 0


def billing_totals(sponsor_id: int, start: date, end: date) -> dict[str, int]:
    """Invoices of the months start..end (cancelled ones aside): count, invoiced, paid, outstanding.

    Paid is the sum of confirmed payments against those invoices; two aggregate queries.
    """
    from sponsorship.billing.models import CANCELLED as INVOICE_CANCELLED
    from sponsorship.billing.models import CONFIRMED, Invoice, Payment

    period_invoices = (Invoice.sponsor_id == sponsor_id, Invoice.month >= start, Invoice.month <= end,
                       Invoice.status != INVOICE_CANCELLED)
    count, invoiced = db.session.execute(
        db.select(func.count(Invoice.id), func.coalesce(func.sum(Invoice.amount), 0))
        .where(*period_invoices)).one()
    paid = db.session.scalar(
        db.select(func.coalesce(func.sum(Payment.amount), 0))
        .join(Invoice, Invoice.id == Payment.invoice_id)
        .where(*period_invoices, Payment.status == CONFIRMED))
    invoiced, paid = int(invoiced), int(paid or 0)
    return {"invoices": int(count), "invoiced": invoiced, "paid": paid, "outstanding": invoiced - paid}


def period_months(start: date, end: date) -> list[date]:
    return [add_months(start, i) for i in range(_months(start, end))]


def coverage(pledge_ids: list[int], start: date, end: date) -> dict[str, Any]:
    """People covered and person-months over start..end by the billing rule itself
    (billing.service.counts_in_month: reserved and active allocations, whole months, the
    month of a replacement to the newcomer), so the report says what the invoices say.

    One GROUP BY per month for the counts and premiums due (the tariff in force that month,
    as billing charges it), one query for the distinct people and their kecamatan.
    """
    from sponsorship.allocations.models import Allocation
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.billing.service import counts_in_month
    from sponsorship.regions.models import Region
    from sponsorship.settings.service import tariff_for

    ids = pledge_ids or [-1]
    months = period_months(start, end)
    person_months_total, due = 0, 0
    for month in months:
        count = db.session.scalar(
            db.select(func.count(Allocation.id))
            .where(Allocation.pledge_id.in_(ids), counts_in_month(month))) or 0
        if count:
            tariff = tariff_for(month, 3)
            person_months_total += count
            due += count * (tariff.participant_share if tariff else 0)
    in_period = or_(*(counts_in_month(m) for m in months)) if months else false()
    rows = db.session.execute(
        db.select(Allocation.beneficiary_id, func.coalesce(Region.kecamatan_name, "–"))
        .join(Beneficiary, Beneficiary.id == Allocation.beneficiary_id)
        .outerjoin(Region, Region.code == Beneficiary.region_code)
        .where(Allocation.pledge_id.in_(ids), in_period).distinct()).all()
    people = {beneficiary for beneficiary, _ in rows}
    by_kecamatan = Counter(kecamatan for _, kecamatan in {(b, k) for b, k in rows})
    return {"people": len(people), "person_months": person_months_total, "due": due,
            "by_kecamatan": by_kecamatan}


def stories_in(sponsor_id: int, start: date, end: date) -> list:
    from sponsorship.documents.models import ImpactStory

    return list(db.session.scalars(
        db.select(ImpactStory).where(ImpactStory.sponsor_id == sponsor_id, ImpactStory.month >= start,
                                     ImpactStory.month <= end, ImpactStory.consent_path.is_not(None))
        .order_by(ImpactStory.month, ImpactStory.id)))


def _photo_data_uri(story) -> str | None:
    import base64

    from sponsorship.core import uploads

    try:
        with uploads.open_upload(story.photo_path) as fh:
            data = fh.read()
    except FileNotFoundError:
        return None
    return f"data:{story.photo_mime};base64,{base64.b64encode(data).decode()}"


def impact_context(sponsor, start: date, end: date) -> dict[str, Any]:
    from sponsorship.billing.service import bpjs_paid_total
    from sponsorship.disbursements.models import Disbursement
    from sponsorship.proposals.models import COST_CATEGORIES

    pledges = db.session.scalars(
        db.select(Pledge).where(Pledge.sponsor_id == sponsor.id, Pledge.status.not_in([DRAFT, CANCELLED]))
        .order_by(Pledge.id)).all()
    ids = [p.id for p in pledges] or [-1]
    covered = coverage([p.id for p in pledges if p.is_premium], start, end)
    by_kecamatan = covered["by_kecamatan"]
    due = covered["due"]
    payouts = db.session.scalars(
        db.select(Disbursement).where(Disbursement.pledge_id.in_(ids), Disbursement.paid_on >= start,
                                      Disbursement.paid_on <= end)).all()
    by_category: dict[str, int] = defaultdict(int)
    for d in payouts:
        lines = d.proposal.lines
        requested = sum(line.total for line in lines) or 1
        for line in lines:  # the payout split as its request was
            label = str(COST_CATEGORIES.get(line.category, line.category))
            by_category[label] += d.amount * line.total // requested
    top = max(by_kecamatan.values(), default=0)
    chart = [{"label": k, "value": v, "width": round(300 * v / top) if top else 0}
             for k, v in sorted(by_kecamatan.items())]
    disbursed = sum(d.amount for d in payouts)
    billed = billing_totals(sponsor.id, start, end)
    direct = bpjs_paid_total(sponsor.id, start, end)
    paid_total = billed["paid"] + direct
    stories = [{"title": s.title, "text": s.text, "month": month_resmi(s.month), "photo": _photo_data_uri(s)}
               for s in stories_in(sponsor.id, start, end)]
    return {
        "title": "Laporan Dampak Program TJSL",
        "company": sponsor.name,
        "period": f"{month_resmi(start)} – {month_resmi(end)}",
        "pledges": [{"title": p.title, "programme": str(p.programme_label),
                     "amount": rupiah_resmi(p.total_amount)} for p in pledges],
        "people": covered["people"], "person_months": covered["person_months"],
        "premiums_due": rupiah_resmi(due), "premiums_due_words": terbilang(due),
        "invoices": billed["invoices"],
        "invoiced": rupiah_resmi(billed["invoiced"]), "invoiced_words": terbilang(billed["invoiced"]),
        "paid": rupiah_resmi(billed["paid"]), "paid_words": terbilang(billed["paid"]),
        "outstanding": rupiah_resmi(billed["outstanding"]),
        "outstanding_words": terbilang(billed["outstanding"]),
        "direct_paid": rupiah_resmi(direct) if direct else None,
        "premiums_paid": rupiah_resmi(paid_total), "premiums_paid_words": terbilang(paid_total),
        "by_kecamatan": chart,
        "payouts": len(payouts), "disbursed": rupiah_resmi(disbursed),
        "disbursed_words": terbilang(disbursed),
        "by_category": [{"label": k, "amount": rupiah_resmi(v)} for k, v in sorted(by_category.items())],
        "stories": stories,
        # photos are data: URIs made here from checked uploads; the fetcher serves only these
        "embedded_images": [s["photo"] for s in stories if s["photo"]],
        "report_date": tanggal_resmi(utcnow()),  # dated in WIB
    }


MAX_REPORT_MONTHS = 36


def issue_impact_report(sponsor, *, actor, start: date, end: date, requested_by: str | None = None
                        ) -> Document:
    """Issued by staff, requested by the sponsor itself (its own company only), or by the
    quarterly schedule (`actor=None`, see `issue_due_quarterly_reports`)."""
    if requested_by != SCHEDULED:
        if policy.can("document.issue", sponsor, user=actor):
            requested_by = REQUESTED_BY_STAFF
        else:
            policy.authorise("impact_report.request", sponsor, user=actor)
            requested_by = REQUESTED_BY_SPONSOR
    start, end = start.replace(day=1), end.replace(day=1)
    if end < start:
        raise DomainError(_l("Bulan akhir tidak boleh sebelum bulan awal."), field="end")
    if _months(start, end) > MAX_REPORT_MONTHS:
        raise DomainError(_l("Periode laporan paling lama %(n)s bulan.", n=MAX_REPORT_MONTHS), field="end")
    readiness.require_ready(IMPACT_REPORT, sponsor=sponsor)
    document = service.issue_document(
        kind=IMPACT_REPORT, template="documents/impact_report.html",
        context=impact_context(sponsor, start, end),
        title=f"Laporan dampak {sponsor.name} {month_resmi(start)}–{month_resmi(end)}",
        object_type="sponsor", object_id=sponsor.id, actor=actor, sponsor_id=sponsor.id)
    db.session.flush()
    db.session.add(ImpactReportIssue(sponsor_id=sponsor.id, period_start=start, period_end=end,
                                     requested_by=requested_by, document_id=document.id))
    return document


def quarter_of(day: date) -> tuple[date, date]:
    first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return first, add_months(first, 2)


def due_quarters(sponsor_id: int, today: date) -> list[tuple[date, date]]:
    """Ended quarters of the sponsor's premium pledges (the PKS promises a report each) that
    the schedule has not issued yet, oldest first."""
    pledges = db.session.scalars(db.select(Pledge).where(
        Pledge.sponsor_id == sponsor_id, Pledge.programme == PREMIUM,
        Pledge.status.in_((ACTIVE, COMPLETED)))).all()
    issued = {(r.period_start, r.period_end) for r in db.session.scalars(
        db.select(ImpactReportIssue).where(ImpactReportIssue.sponsor_id == sponsor_id,
                                           ImpactReportIssue.requested_by == SCHEDULED))}
    this_quarter, _ = quarter_of(today)
    due = set()
    for pledge in pledges:
        quarter, _ = quarter_of(pledge.start_month)
        while quarter < this_quarter and quarter <= pledge.end_month:
            period = (quarter, add_months(quarter, 2))
            if period not in issued:
                due.add(period)
            quarter = add_months(quarter, 3)
    return sorted(due)


def issue_due_quarterly_reports(today: date | None = None) -> dict[str, int]:
    """The quarterly reports the agreements promise, for every ended quarter not yet issued.

    Idempotent (a partial unique index keeps one scheduled report per sponsor and quarter).
    Meant for a scheduled job; `flask --app app issue-quarterly-reports` runs it once.
    """
    from sponsorship.sponsors.models import Sponsor

    today = today or date.today()
    counts = {"issued": 0, "not_ready": 0}
    sponsor_ids = db.session.scalars(db.select(Pledge.sponsor_id).where(
        Pledge.programme == PREMIUM, Pledge.status.in_((ACTIVE, COMPLETED))).distinct()).all()
    for sponsor_id in sorted(sponsor_ids):
        sponsor = db.session.get(Sponsor, sponsor_id)
        for start, end in due_quarters(sponsor_id, today):
            try:
                with db.session.begin_nested():
                    issue_impact_report(sponsor, actor=None, start=start, end=end, requested_by=SCHEDULED)
                counts["issued"] += 1
            except readiness.NotReady:
                counts["not_ready"] += 1
                break
    return counts


# ---- stories told with the resident's written consent ----

_NUMBER_RUN = re.compile(r"\d{8,}")
STORY_PHOTO_BYTES = 3 * 1024 * 1024


def _check_image(path) -> None:
    """The photo must decode as the image its first bytes claim (Pillow comes with WeasyPrint)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise DomainError(_l("Foto tidak dapat dibaca sebagai gambar JPG atau PNG."), field="photo") from None


def add_story(sponsor, *, actor, month: date | None, title: str, text: str, photo, consent,
              consent_on: date | None):
    """A short anonymised story for the sponsor's reports: a photo (checked by its content) and
    the resident's signed consent form are required; no number that could be an NIK or KK."""
    from sponsorship.audit import service as audit
    from sponsorship.core import uploads
    from sponsorship.documents.models import ImpactStory

    policy.authorise("story.edit", sponsor, user=actor)
    title, text = (title or "").strip(), (text or "").strip()
    if not title:
        raise DomainError(_l("Judul cerita wajib diisi."), field="title")
    if not text or len(text) > 800:
        raise DomainError(_l("Cerita wajib diisi, paling panjang 800 karakter."), field="text")
    if _NUMBER_RUN.search(title + " " + text):
        raise DomainError(_l("Cerita tidak boleh memuat nomor identitas (NIK, KK) atau nomor panjang lain."),
                          field="text")
    if month is None:
        raise DomainError(_l("Bulan cerita wajib diisi."), field="month")
    if consent_on is None or consent_on > date.today():
        raise DomainError(_l("Tanggal persetujuan tertulis wajib diisi."), field="consent_on")
    folder = f"stories/{sponsor.id}"
    try:
        stored_photo = uploads.store_upload(photo, kinds=uploads.IMAGE_KINDS, max_bytes=STORY_PHOTO_BYTES,
                                            folder=folder)
    except DomainError as exc:
        raise DomainError(exc.message, field="photo") from None
    _check_image(uploads.resolve_upload(stored_photo.path))
    try:
        stored_consent = uploads.store_upload(consent, folder=folder)
    except DomainError as exc:
        raise DomainError(exc.message, field="consent") from None
    story = ImpactStory(sponsor_id=sponsor.id, month=month.replace(day=1), title=title[:120], text=text,
                        photo_path=stored_photo.path, photo_sha256=stored_photo.sha256,
                        photo_mime=stored_photo.mime, consent_path=stored_consent.path,
                        consent_on=consent_on, created_by_id=actor.id)
    db.session.add(story)
    db.session.flush()
    audit.record(actor=actor, action="story:add", obj=story, changes={"title": [None, story.title]},
                 note=f"sponsor #{sponsor.id}")
    return story


# ---- a certificate of appreciation (piagam penghargaan) ----

def certificate_context(sponsor) -> dict[str, Any]:
    from sponsorship.pledges.models import AID_FUND

    pledges = db.session.scalars(db.select(Pledge).where(
        Pledge.sponsor_id == sponsor.id, Pledge.status.in_((ACTIVE, COMPLETED))).order_by(Pledge.id)).all()
    premium = [p for p in pledges if p.is_premium]
    starts = [p.start_month for p in premium if p.start_month]
    ends = [p.end_month for p in premium if p.end_month]
    covered = coverage([p.id for p in premium], min(starts), max(ends)) if starts else None
    fund = sum(p.total_amount for p in pledges if p.programme == AID_FUND)
    return {
        "title": "Piagam Penghargaan",
        "company": sponsor.name,
        "people": covered["people"] if covered else 0,
        "person_months": covered["person_months"] if covered else 0,
        "premium_total": rupiah_resmi(sum(p.total_amount for p in premium)),
        "fund_total": rupiah_resmi(fund) if fund else None,
        "date_text": tanggal_resmi(utcnow()),  # dated in WIB
        "mayor_name": get_setting("mayor_name"),
        "mayor_title": get_setting("mayor_title"),
    }


def issue_certificate(sponsor, *, actor) -> Document:
    from sponsorship.documents.models import CERTIFICATE

    policy.authorise("document.issue", sponsor, user=actor)
    active = db.session.scalar(db.select(func.count(Pledge.id)).where(
        Pledge.sponsor_id == sponsor.id, Pledge.status.in_((ACTIVE, COMPLETED))))
    if not active:
        raise DomainError(_l("Piagam diberikan kepada perusahaan dengan komitmen yang berjalan atau "
                             "selesai."))
    readiness.require_ready(CERTIFICATE, sponsor=sponsor)
    return service.issue_document(
        kind=CERTIFICATE, template="documents/certificate.html", context=certificate_context(sponsor),
        title=f"Piagam penghargaan {sponsor.name}", object_type="sponsor", object_id=sponsor.id,
        actor=actor, sponsor_id=sponsor.id)
