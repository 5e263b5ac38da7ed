"""Pledge rules: creating, editing while draft, and the status life cycle."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from sponsorship.audit import service as audit
from sponsorship.core.errors import DomainError
from sponsorship.core.models import utcnow
from sponsorship.core.months import first_of_month
from sponsorship.core.workflow import Transition, Workflow
from sponsorship.extensions import db
from sponsorship.pledges.models import (
    ACTIVE,
    AGREED,
    CANCELLED,
    CITY,
    COMPLETED,
    DRAFT,
    PAYMENT_ROUTES,
    PREMIUM,
    PROGRAMMES,
    STATUSES,
    Pledge,
)
from sponsorship.settings.service import tariff_for
from sponsorship.sponsors.models import Sponsor

PLEDGE_FLOW = Workflow(
    STATUSES,
    [
        Transition("agree", frozenset({DRAFT}), AGREED, "pledge.agree", _l("Tandai disepakati")),
        # An aid fund starts when staff say so; a premium pledge only when its agreement is signed
        # (agreements/service.py makes the "start" move on signing).
        Transition("activate", frozenset({AGREED}), ACTIVE, "pledge.activate", _l("Mulai berjalan")),
        Transition("start", frozenset({AGREED}), ACTIVE, "pledge.start",
                   _l("Mulai berjalan (PKS ditandatangani)")),
        Transition("complete", frozenset({ACTIVE}), COMPLETED, "pledge.complete", _l("Tandai selesai"),
                   style="secondary"),
        Transition("cancel", frozenset({DRAFT, AGREED}), CANCELLED, "pledge.cancel", _l("Batalkan"),
                   style="danger", needs_note=True),
    ],
    stale_message=_l("Status komitmen baru saja diubah oleh pengguna lain. "
                     "Muat ulang halaman lalu periksa kembali."),
)

MAX_QUOTA = 100_000
MAX_MONTHS = 60


def _apply(pledge: Pledge, data: dict) -> None:
    programme = data.get("programme")
    if programme not in PROGRAMMES:
        raise DomainError(_l("Program tidak dikenal."), field="programme")
    title = (data.get("title") or "").strip()
    if not title:
        raise DomainError(_l("Judul komitmen wajib diisi."), field="title")
    pledge.programme = programme
    pledge.title = title
    route = data.get("payment_route") or CITY
    if route not in PAYMENT_ROUTES:
        raise DomainError(_l("Cara pembayaran iuran tidak dikenal."), field="payment_route")
    pledge.payment_route = route if programme == PREMIUM else CITY
    pledge.notes = (data.get("notes") or "").strip() or None
    attested = bool(data.get("workers_attested"))
    if attested and not pledge.workers_attested:
        pledge.workers_attested_at = utcnow()
    if not attested:
        pledge.workers_attested_at = None
    pledge.workers_attested = attested
    pledge.covers_arrears = bool(data.get("covers_arrears")) and programme == PREMIUM

    if programme == PREMIUM:
        quota, months, start = data.get("quota"), data.get("months"), data.get("start_month")
        if not quota or not 0 < quota <= MAX_QUOTA:
            raise DomainError(_l("Kuota orang harus antara 1 dan %(n)s.", n=MAX_QUOTA), field="quota")
        if not months or not 0 < months <= MAX_MONTHS:
            raise DomainError(_l("Jumlah bulan harus antara 1 dan %(n)s.", n=MAX_MONTHS), field="months")
        if start is None:
            raise DomainError(_l("Bulan mulai wajib diisi."), field="start_month")
        start = first_of_month(start)
        tariff = tariff_for(start, 3)
        if tariff is None:
            raise DomainError(_l("Belum ada tarif JKN kelas 3 yang berlaku pada bulan mulai."),
                              field="start_month")
        pledge.quota, pledge.months, pledge.start_month = quota, months, start
        pledge.monthly_amount = tariff.participant_share
        pledge.total_amount = quota * months * tariff.participant_share
    else:
        amount = data.get("total_amount")
        if not amount or amount <= 0:
            raise DomainError(_l("Nilai dana harus lebih dari nol."), field="total_amount")
        pledge.quota = pledge.monthly_amount = None
        pledge.months = data.get("months") or None
        start = data.get("start_month")
        pledge.start_month = first_of_month(start) if start else None
        pledge.total_amount = int(amount)


def create_pledge(*, actor, sponsor: Sponsor, data: dict) -> Pledge:
    pledge = Pledge(status=DRAFT)
    with db.session.no_autoflush:
        _apply(pledge, data)
    pledge.sponsor = sponsor
    db.session.add(pledge)
    audit.record_create(pledge, actor=actor)
    return pledge


def update_pledge(pledge: Pledge, *, actor, data: dict) -> Pledge:
    if pledge.status != DRAFT:
        raise DomainError(_l("Komitmen hanya dapat diubah selama berstatus draf."))
    with db.session.no_autoflush:
        _apply(pledge, data)
    audit.record_update(pledge, actor=actor)
    return pledge


def transition_pledge(pledge: Pledge, name: str, *, actor, note: str | None = None) -> Pledge:
    """The only way a pledge's status changes."""
    t = PLEDGE_FLOW.check(name, pledge, actor)
    if t.needs_note and not (note or "").strip():
        raise DomainError(_l("Alasan wajib diisi."), field="note")
    if t.target == AGREED and pledge.programme == PREMIUM and not pledge.workers_attested:
        raise DomainError(_l(
            "Komitmen iuran belum dapat disepakati: perusahaan belum menyatakan seluruh "
            "pekerjanya terdaftar di BPJS Kesehatan (syarat Donasi JKN)."
        ))
    if t.name == "activate" and pledge.programme == PREMIUM:
        raise DomainError(_l("Komitmen iuran JKN mulai berjalan hanya melalui perjanjian kerja sama "
                             "yang telah ditandatangani: catat penandatanganannya di halaman PKS."))
    if t.name == "start" and not has_signed_agreement(pledge):
        raise DomainError(_l("Perjanjian kerja sama komitmen ini belum ditandatangani."))
    PLEDGE_FLOW.move(pledge, name, actor=actor, note=note)
    return pledge


def has_signed_agreement(pledge: Pledge) -> bool:
    from sponsorship.agreements.models import SIGNED, Agreement

    return db.session.scalar(db.select(Agreement.id).where(Agreement.pledge_id == pledge.id,
                                                           Agreement.status == SIGNED)) is not None


def offered_moves(pledge: Pledge, user) -> list:
    """The moves the pledge page offers: a premium pledge starts from its agreement's page."""
    hidden = {"start", "activate"} if pledge.programme == PREMIUM else {"start"}
    return [t for t in PLEDGE_FLOW.available(pledge, user) if t.name not in hidden]
