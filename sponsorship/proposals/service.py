"""Aid proposal rules: intake, verification, the status life cycle, queues and the pipeline."""
from __future__ import annotations

import statistics
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from sponsorship import policy
from sponsorship.audit import service as audit
from sponsorship.auth.models import User
from sponsorship.core import uploads
from sponsorship.core.errors import DomainError
from sponsorship.core.models import utcnow
from sponsorship.core.workflow import Transition, Workflow
from sponsorship.extensions import db
from sponsorship.identity import cipher, clean_kk, clean_nik, mask
from sponsorship.proposals.models import (
    APPROVED,
    ATTACHMENT_KINDS,
    CHECKLIST,
    CLOSED,
    COST_CATEGORIES,
    DISBURSED,
    ELIGIBLE,
    IN_MINUTES,
    IN_VERIFICATION,
    INELIGIBLE,
    OPEN_STATUSES,
    RETURNED,
    STATUSES,
    SUBMITTED,
    VERIFIED_ELIGIBLE,
    VERIFIED_INELIGIBLE,
    AidCounter,
    AidProposal,
    Attachment,
    CostLine,
    FieldVerification,
    ProposalStep,
)
from sponsorship.regions import service as regions
from sponsorship.settings.service import get_setting

# The aid proposal's life cycle. Moves made through a form (verification, berita acara,
# payout) call `move()` from their own service function.
PROPOSAL_FLOW = Workflow(
    STATUSES,
    [
        Transition("take", frozenset({SUBMITTED}), IN_VERIFICATION, "proposal.take",
                   _l("Ambil untuk verifikasi")),
        Transition("assign", frozenset({SUBMITTED}), IN_VERIFICATION, "proposal.assign",
                   _l("Tugaskan verifikator")),
        Transition("verify_eligible", frozenset({IN_VERIFICATION}), VERIFIED_ELIGIBLE,
                   "proposal.verify_eligible", _l("Layak")),
        Transition("verify_ineligible", frozenset({IN_VERIFICATION}), VERIFIED_INELIGIBLE,
                   "proposal.verify_ineligible", _l("Tidak layak")),
        Transition("add_to_minutes", frozenset({VERIFIED_ELIGIBLE, RETURNED}), IN_MINUTES,
                   "proposal.add_to_minutes", _l("Masukkan ke berita acara")),
        Transition("remove_from_minutes", frozenset({IN_MINUTES}), VERIFIED_ELIGIBLE,
                   "proposal.remove_from_minutes", _l("Keluarkan dari berita acara")),
        Transition("approve", frozenset({IN_MINUTES}), APPROVED, "proposal.approve", _l("Setujui")),
        Transition("return", frozenset({IN_MINUTES}), RETURNED, "proposal.return", _l("Kembalikan"),
                   needs_note=True),
        Transition("deny", frozenset({IN_MINUTES}), CLOSED, "proposal.deny", _l("Tidak dibantu")),
        Transition("disburse", frozenset({APPROVED}), DISBURSED, "proposal.payout",
                   _l("Catat pencairan")),
        Transition("close", frozenset({DISBURSED}), CLOSED, "proposal.close",
                   _l("Tutup (bukti terima ada)"), style="secondary"),
        # A proposal found not eligible, or returned and not put in new minutes, ends here.
        Transition("close_unfunded", frozenset({VERIFIED_INELIGIBLE, RETURNED}), CLOSED,
                   "proposal.close_unfunded", _l("Tutup tanpa bantuan"), style="secondary",
                   needs_note=True),
    ],
)
# Moves offered as plain buttons on the proposal page (the others have their own forms).
BUTTON_MOVES = ("take", "close", "close_unfunded")

MAX_LINES = 20
MAX_AMOUNT = 1_000_000_000


# --- numbering ---------------------------------------------------------------------------

def next_number(kind: str, year: int) -> int:
    """The next number of a (kind, year) sequence, in the caller's transaction.

    An atomic UPDATE ... RETURNING on one counter row: concurrent callers queue on the row
    lock (PostgreSQL) or the write lock (SQLite), and a rolled-back transaction gives its
    number back, so numbers are unique and without gaps.
    """
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(insert(AidCounter).values(kind=kind, year=year, value=0)
                       .on_conflict_do_nothing(index_elements=["kind", "year"]))
    value = db.session.execute(
        update(AidCounter).where(AidCounter.kind == kind, AidCounter.year == year)
        .values(value=AidCounter.value + 1).returning(AidCounter.value)
    ).scalar_one()
    return int(value)


# --- moves -------------------------------------------------------------------------------

def move(proposal: AidProposal, name: str, *, actor, note: str | None = None,
         changes: dict | None = None) -> AidProposal:
    """The only way a proposal's status changes: the workflow's move, and the step it enters."""
    now = utcnow()
    t = PROPOSAL_FLOW.move(proposal, name, actor=actor, note=note, changes=changes,
                           values={"status_changed_at": now})
    db.session.add(ProposalStep(proposal_id=proposal.id, status=t.target, entered_at=now,
                                actor_id=getattr(actor, "id", None)))
    return proposal


# --- intake ------------------------------------------------------------------------------

def _text(data: dict, key: str, label, *, required: bool = True, max_len: int = 200) -> str | None:
    value = (data.get(key) or "").strip()
    if not value:
        if required:
            raise DomainError(_l("%(f)s wajib diisi.", f=label), field=key)
        return None
    if len(value) > max_len:
        raise DomainError(_l("%(f)s terlalu panjang.", f=label), field=key)
    return value


def clean_lines(lines: list[dict]) -> list[CostLine]:
    out = []
    for row in lines:
        category, qty, unit = row.get("category"), row.get("quantity"), row.get("unit_amount")
        if not category and not qty and not unit:
            continue  # an empty row of the form
        if category not in COST_CATEGORIES:
            raise DomainError(_l("Jenis biaya tidak dikenal."), field="lines")
        if not qty or int(qty) <= 0 or not unit or int(unit) <= 0:
            raise DomainError(_l("Setiap rincian biaya perlu jumlah dan nominal lebih dari nol."),
                              field="lines")
        qty, unit = int(qty), int(unit)
        if qty * unit > MAX_AMOUNT:
            raise DomainError(_l("Nominal rincian biaya terlalu besar."), field="lines")
        out.append(CostLine(category=category, description=(row.get("description") or "").strip()[:200]
                            or None, quantity=qty, unit_amount=unit, total=qty * unit))
    if not out:
        raise DomainError(_l("Isi paling sedikit satu rincian biaya."), field="lines")
    if len(out) > MAX_LINES:
        raise DomainError(_l("Terlalu banyak rincian biaya."), field="lines")
    return out


def create_proposal(*, actor, data: dict, lines: list[dict], files: dict | None = None,
                    submitted_on: datetime | None = None) -> AidProposal:
    """Intake by staff. `files` maps an attachment kind to a FileStorage (or a list of them)."""
    policy.authorise("proposal.create", user=actor)
    nik = clean_nik(data.get("patient_nik"), field="patient_nik")
    kk = clean_kk(data.get("patient_kk"), field="patient_kk")
    kelurahan = data.get("kelurahan_code")
    if regions.get(kelurahan) is None:
        raise DomainError(_l("Pilih kelurahan."), field="kelurahan_code")
    letter_date = data.get("referral_letter_date")
    if not isinstance(letter_date, date):
        raise DomainError(_l("Tanggal surat rujukan wajib diisi."), field="referral_letter_date")
    if letter_date > date.today() + timedelta(days=1):
        raise DomainError(_l("Tanggal surat rujukan tidak boleh di masa depan."),
                          field="referral_letter_date")
    cost_lines = clean_lines(lines)
    applicant = _text(data, "applicant_name", _l("Nama pemohon"), required=False, max_len=120)
    relation = _text(data, "applicant_relation", _l("Hubungan dengan pasien"), required=False, max_len=60)
    if applicant and not relation:
        raise DomainError(_l("Isi hubungan pemohon dengan pasien."), field="applicant_relation")

    patient_name = _text(data, "patient_name", _l("Nama pasien"), max_len=120)
    from sponsorship.linkage.service import patient_for_intake

    patient = patient_for_intake(nik=nik, kk=kk, name=patient_name, region_code=kelurahan, actor=actor)
    now = submitted_on or utcnow()
    year = now.year
    seq = next_number("proposal", year)
    prefix = get_setting("aid_proposal_prefix")
    c = cipher()
    proposal = AidProposal(
        code=f"{prefix}-{year}-{seq:04d}", year=year, seq=seq, status=SUBMITTED, status_changed_at=now,
        patient_name=patient_name, beneficiary_id=patient.id, nik_last4=nik[-4:],
        patient_kk_enc=c.encrypt(kk, kind="kk") if kk else None,
        patient_kk_hash=c.blind_index(kk, kind="kk") if kk else None,
        nik_key_id=c.key_id,
        applicant_name=applicant, applicant_relation=relation if applicant else None,
        phone=_text(data, "phone", _l("Nomor telepon"), max_len=30),
        address=_text(data, "address", _l("Alamat"), max_len=300),
        kelurahan_code=kelurahan,
        referral_origin=_text(data, "referral_origin", _l("Faskes asal"), max_len=150),
        referral_destination=_text(data, "referral_destination", _l("Rumah sakit tujuan"), max_len=150),
        referral_city=_text(data, "referral_city", _l("Kota tujuan"), max_len=80),
        referral_letter_no=_text(data, "referral_letter_no", _l("Nomor surat rujukan"), max_len=80),
        referral_letter_date=letter_date,
        total_requested=sum(c.total for c in cost_lines),
        created_by_id=actor.id, created_at=now,
    )
    proposal.lines = cost_lines
    db.session.add(proposal)
    db.session.flush()
    db.session.add(ProposalStep(proposal_id=proposal.id, status=SUBMITTED, entered_at=now, actor_id=actor.id))
    audit.record_create(proposal, actor=actor)
    for kind, items in (files or {}).items():
        for fs in items if isinstance(items, list) else [items]:
            if fs is not None and fs.filename:
                add_attachment(proposal, actor=actor, kind=kind, file_storage=fs)
    return proposal


def add_attachment(proposal: AidProposal, *, actor, kind: str, file_storage) -> Attachment:
    """Store a file for the proposal; it goes again if the transaction does not commit."""
    if kind not in ATTACHMENT_KINDS:
        raise DomainError(_l("Jenis lampiran tidak dikenal."))
    kinds = uploads.IMAGE_KINDS if kind == "photo" else uploads.DEFAULT_KINDS
    stored = uploads.store_upload(file_storage, kinds=kinds, folder=f"proposals/{proposal.id}")
    att = Attachment(proposal_id=proposal.id, kind=kind, path=stored.path, sha256=stored.sha256,
                     size=stored.size, mime=stored.mime, original_name=stored.original_name,
                     uploaded_by_id=getattr(actor, "id", None))
    db.session.add(att)
    audit.record(actor=actor, action="attach", obj=proposal,
                 changes={"attachment": [None, f"{kind}: {stored.original_name} ({stored.sha256[:12]})"]})
    return att


# --- verification ------------------------------------------------------------------------

def take_for_verification(proposal: AidProposal, *, actor) -> AidProposal:
    move(proposal, "take", actor=actor, changes={"assigned_verifier_id": [None, actor.id]})
    proposal.assigned_verifier_id = actor.id
    proposal.first_contact_at = proposal.first_contact_at or utcnow()
    return proposal


def assign_verifier(proposal: AidProposal, *, actor, verifier: User) -> AidProposal:
    if verifier is None or not verifier.active or not policy.can("proposal.verify", proposal,
                                                                  user=verifier):
        raise DomainError(_l("Pilih verifikator Baznas yang aktif."), field="verifier_id")
    move(proposal, "assign", actor=actor, changes={"assigned_verifier_id": [None, verifier.id]})
    proposal.assigned_verifier_id = verifier.id
    proposal.first_contact_at = proposal.first_contact_at or utcnow()
    return proposal


def record_verification(proposal: AidProposal, *, actor, data: dict, photos=()) -> FieldVerification:
    """The home visit; moves the proposal to verified_eligible or verified_ineligible."""
    recommendation = data.get("recommendation")
    if recommendation not in (ELIGIBLE, INELIGIBLE):
        raise DomainError(_l("Pilih rekomendasi layak atau tidak layak."), field="recommendation")
    name = "verify_eligible" if recommendation == ELIGIBLE else "verify_ineligible"
    PROPOSAL_FLOW.check(name, proposal, actor)  # a verifier; the assigned one, if any
    if proposal.verification is not None:
        raise DomainError(_l("Usulan ini sudah diverifikasi."))
    visit = data.get("visit_date")
    if not isinstance(visit, date):
        raise DomainError(_l("Tanggal kunjungan wajib diisi."), field="visit_date")
    if visit > date.today() + timedelta(days=1):
        raise DomainError(_l("Tanggal kunjungan tidak boleh di masa depan."), field="visit_date")
    reason = (data.get("reason") or "").strip()
    if not reason:
        raise DomainError(_l("Alasan rekomendasi wajib diisi."), field="reason")
    amount = data.get("recommended_amount") or 0
    if recommendation == INELIGIBLE:
        amount = 0
    elif amount <= 0:
        raise DomainError(_l("Isi nominal yang direkomendasikan."), field="recommended_amount")
    elif amount > proposal.total_requested:
        raise DomainError(_l("Nominal rekomendasi tidak boleh melebihi yang diajukan (%(n)s).",
                             n=f"Rp {proposal.total_requested:,}".replace(",", ".")),
                          field="recommended_amount")
    fv = FieldVerification(
        proposal_id=proposal.id, verifier_id=actor.id, visit_date=visit,
        notes=(data.get("notes") or "").strip() or None, recommendation=recommendation,
        reason=reason[:2000], recommended_amount=amount,
        **{key: bool(data.get(key)) for key in CHECKLIST},
    )
    db.session.add(fv)
    proposal.verification = fv
    audit.record_create(fv, actor=actor)
    for fs in photos:
        if fs is not None and fs.filename:
            add_attachment(proposal, actor=actor, kind="photo", file_storage=fs)
    proposal.recommended_amount = amount
    proposal.assigned_verifier_id = proposal.assigned_verifier_id or actor.id
    move(proposal, name, actor=actor, note=reason,
         changes={"recommended_amount": [None, amount]})
    return fv


def close_proposal(proposal: AidProposal, *, actor, note: str | None = None) -> AidProposal:
    if proposal.status == DISBURSED:
        if not any(a.kind == "receipt" for a in proposal.attachments):
            raise DomainError(_l("Unggah bukti terima sebelum usulan ditutup."))
        return move(proposal, "close", actor=actor, note=note)
    return move(proposal, "close_unfunded", actor=actor, note=note)


def simple_move(proposal: AidProposal, name: str, *, actor, note: str | None = None) -> AidProposal:
    """Moves offered as buttons on the proposal page."""
    if name == "take":
        return take_for_verification(proposal, actor=actor)
    if name in ("close", "close_unfunded"):
        return close_proposal(proposal, actor=actor, note=note)
    raise DomainError(_l("Tindakan ini dilakukan melalui formulirnya sendiri."))


# --- timeliness, queues, other help, pipeline --------------------------------------------

def targets() -> dict[str, float]:
    return {"first_contact": float(get_setting("aid_first_contact_days")),
            "payout": float(get_setting("aid_payout_days"))}


def overdue_clause(now: datetime | None = None):
    """SQL: proposals past their step's target (first contact after intake, payout after approval)."""
    now = now or utcnow()
    t = targets()
    return or_(
        and_(AidProposal.status == SUBMITTED,
             AidProposal.created_at < now - timedelta(days=t["first_contact"])),
        and_(AidProposal.status == APPROVED,
             AidProposal.approved_at < now - timedelta(days=t["payout"])),
    )


def is_overdue(proposal: AidProposal, now: datetime | None = None, t: dict | None = None) -> bool:
    now = now or utcnow()
    t = t or targets()
    if proposal.status == SUBMITTED:
        return proposal.created_at < now - timedelta(days=t["first_contact"])
    if proposal.status == APPROVED and proposal.approved_at:
        return proposal.approved_at < now - timedelta(days=t["payout"])
    return False


def overdue_ids(proposals) -> set[int]:
    now, t = utcnow(), targets()  # the settings are read once, not per row
    return {p.id for p in proposals if is_overdue(p, now, t)}


def verifier_queue(user) -> dict:
    waiting = db.session.scalars(
        db.select(AidProposal).where(AidProposal.status == SUBMITTED)
        .order_by(AidProposal.created_at)).all()
    mine = db.session.scalars(
        db.select(AidProposal).where(AidProposal.status == IN_VERIFICATION,
                                     AidProposal.assigned_verifier_id == user.id)
        .order_by(AidProposal.status_changed_at)).all()
    # Approved proposals this verifier may pay: not those they verified (separation of duties).
    own = db.select(FieldVerification.proposal_id).where(FieldVerification.verifier_id == user.id)
    payable = db.session.scalars(
        db.select(AidProposal).where(AidProposal.status == APPROVED, AidProposal.id.not_in(own))
        .order_by(AidProposal.approved_at)).all()
    return {"waiting": waiting, "mine": mine, "payable": payable,
            "overdue": overdue_ids([*waiting, *payable])}


def status_counts() -> dict[str, int]:
    rows = db.session.execute(
        db.select(AidProposal.status, func.count()).group_by(AidProposal.status)).all()
    return {status: n for status, n in rows}


def overdue_count() -> int:
    return db.session.scalar(db.select(func.count()).select_from(AidProposal).where(overdue_clause())) or 0


def patient(proposal: AidProposal):
    """The registry resident the proposal is about (the kept one, if it was merged since)."""
    from sponsorship.linkage.service import live_resident

    return live_resident(proposal.patient)


def patient_nik(proposal: AidProposal) -> str:
    """The patient's NIK in clear, from the registry (for masking or a lookup; never for a URL, log
    or audit)."""
    resident = patient(proposal)
    return cipher().decrypt(resident.nik_encrypted, resident.nik_key_id) or "" if resident else ""


def other_help(proposal: AidProposal) -> dict:
    """What the patient already gets, read from the registry: aid paid in the last 12 months to the
    same resident or to the same household (the resident's family card, or the KK a proposal gave),
    and the premium slot the resident holds."""
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.disbursements.models import Disbursement

    since = date.today() - timedelta(days=365)
    resident = patient(proposal)
    people = {resident.id}
    c = cipher()
    kks = set()
    if resident.kk_number:
        kks.add(resident.kk_number)
        people |= set(db.session.scalars(db.select(Beneficiary.id).where(
            Beneficiary.kk_number == resident.kk_number)))
    if proposal.patient_kk_enc:
        kks.add(c.decrypt(proposal.patient_kk_enc, proposal.nik_key_id, kind="kk"))
    # Residents merged into this one count as this one.
    people |= set(db.session.scalars(db.select(Beneficiary.id).where(Beneficiary.merged_into_id.in_(people))))
    same = [AidProposal.beneficiary_id.in_(people)]
    # Under every configured key: proposals not yet moved to the current key are found too.
    for kk in kks:
        same.append(AidProposal.patient_kk_hash.in_(c.blind_indexes(kk, kind="kk")))
    same_person = {resident.id} | set(db.session.scalars(
        db.select(Beneficiary.id).where(Beneficiary.merged_into_id == resident.id)))
    rows = db.session.execute(
        db.select(AidProposal.code, AidProposal.id, Disbursement.amount, Disbursement.paid_on,
                  AidProposal.beneficiary_id.in_(same_person).label("same_nik"))
        .join(Disbursement, Disbursement.proposal_id == AidProposal.id)
        .where(or_(*same), AidProposal.id != proposal.id, Disbursement.paid_on >= since)
        .order_by(Disbursement.paid_on.desc())
    ).all()
    return {"aid": rows, "aid_total": sum(r.amount for r in rows), "premium": premium_slot(proposal)}


def premium_slot(proposal: AidProposal) -> str | None:
    """The premium slot the patient holds in the registry's allocations, if any."""
    from sponsorship.allocations.models import HOLDING, Allocation
    from sponsorship.pledges.models import Pledge

    resident = patient(proposal)
    if resident is None:
        return None
    row = db.session.execute(
        db.select(Pledge.title, Allocation.status, Allocation.start_month)
        .join(Pledge, Pledge.id == Allocation.pledge_id)
        .where(Allocation.beneficiary_id == resident.id, Allocation.status.in_(HOLDING))
    ).first()
    if row is None:
        return None
    return f"{row.title} ({row.status}, {row.start_month:%m/%Y})"


def pipeline(days: int = 90) -> dict:
    """Counts per status, waiting time at the current step, median days per step."""
    now = utcnow()
    counts = status_counts()
    waiting = db.session.scalars(
        db.select(AidProposal).where(AidProposal.status.in_(OPEN_STATUSES))
        .order_by(AidProposal.status_changed_at).limit(200)).all()
    # Time spent in each status: from entering it to entering the next one (window function,
    # SQLite >= 3.25 and PostgreSQL alike); the median is taken here (SQLite has no percentile).
    step = db.select(
        ProposalStep.status, ProposalStep.entered_at,
        func.lead(ProposalStep.entered_at).over(
            partition_by=ProposalStep.proposal_id,
            order_by=(ProposalStep.entered_at, ProposalStep.id)).label("left_at"),
    ).subquery()
    rows = db.session.execute(
        db.select(step.c.status, step.c.entered_at, step.c.left_at)
        .where(step.c.left_at.is_not(None), step.c.left_at >= now - timedelta(days=days))
    ).all()
    spans: dict[str, list[float]] = {}
    for status, entered, left in rows:
        entered, left = _as_utc(entered), _as_utc(left)
        spans.setdefault(status, []).append((left - entered).total_seconds() / 86400)
    medians = {s: round(statistics.median(v), 1) for s, v in spans.items()}
    return {"counts": counts, "waiting": waiting, "medians": medians, "overdue": overdue_ids(waiting),
            "overdue_count": overdue_count(), "now": now, "days": days}


def _as_utc(value):
    """Window-function results skip the column type: parse SQLite's text, tag naive as UTC."""
    from datetime import UTC

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def verification_document_context(proposal: AidProposal) -> dict:
    """The field-verification sheet's data as plain values (seam for the documents part).

    The NIK appears masked; no diagnosis is stored, so none can leak into the sheet.
    """
    v = proposal.verification
    return {
        "kind": "lembar_verifikasi_lapangan",
        "code": proposal.code,
        "patient_name": proposal.patient_name,
        "patient_nik_masked": mask(patient_nik(proposal)),
        "applicant_name": proposal.applicant_name,
        "applicant_relation": proposal.applicant_relation,
        "address": proposal.address,
        "kelurahan": proposal.kelurahan.name,
        "kecamatan": proposal.kelurahan.kecamatan_name,
        "referral": {"origin": proposal.referral_origin, "destination": proposal.referral_destination,
                     "city": proposal.referral_city, "letter_no": proposal.referral_letter_no,
                     "letter_date": proposal.referral_letter_date},
        "cost_lines": [{"category": c.category, "description": c.description, "quantity": c.quantity,
                        "unit_amount": c.unit_amount, "total": c.total} for c in proposal.lines],
        "total_requested": proposal.total_requested,
        "verification": None if v is None else {
            "visit_date": v.visit_date,
            "verifier_name": v.verifier.full_name if v.verifier else None,
            "checklist": {key: bool(getattr(v, key)) for key in CHECKLIST},
            "notes": v.notes, "recommendation": v.recommendation, "reason": v.reason,
            "recommended_amount": v.recommended_amount,
        },
    }
