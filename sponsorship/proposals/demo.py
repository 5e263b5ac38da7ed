"""Demo aid proposals: about 30 over every status, two berita acara, payouts from the demo fund.

Runs through the real services (so every record has its audit trail), then spreads the step
times over the past weeks so queues, overdue flags and the pipeline medians look lived in.
Idempotent: does nothing when demo proposals already exist.
"""
from __future__ import annotations

import io
from datetime import date, time, timedelta

from werkzeug.datastructures import FileStorage

from sponsorship.auth import service as auth_service
from sponsorship.auth.models import APPROVER, VERIFIER, User
from sponsorship.core.models import utcnow
from sponsorship.demo import DEMO_PASSWORD
from sponsorship.extensions import db
from sponsorship.minutes import service as minutes_service
from sponsorship.proposals import service
from sponsorship.proposals.models import AidProposal, ProposalStep
from sponsorship.regions import service as regions
from sponsorship.settings.service import get_setting

# (name, sex, birth date, kecamatan, kelurahan code within the city, destination, city): the code is
# taken in the demo city when it has it, else the city's n-th kelurahan.
PATIENTS = [
    ("Siti Aminah", "F", date(1968, 3, 14), "01", "01.1006", "RSUP Dr. Mohammad Hoesin", "Palembang"),
    ("Abdul Rahman", "M", date(1955, 7, 2), "02", "02.1001", "RSCM", "Jakarta"),
    ("Nur Aisyah", "F", date(2019, 1, 23), "03", "03.1004", "RSAB Harapan Kita", "Jakarta"),
    ("Hendra Saputra", "M", date(1980, 11, 5), "04", "04.1001", "RSUP Dr. M. Hoesin", "Palembang"),
    ("Marlina", "F", date(1975, 5, 30), "05", "05.1001", "RS Kanker Dharmais", "Jakarta"),
    ("Yusuf Effendi", "M", date(1949, 9, 9), "06", "06.1001", "RSPAD Gatot Soebroto", "Jakarta"),
    ("Rohani", "F", date(1962, 12, 1), "07", "07.1002", "RSUP Dr. Mohammad Hoesin", "Palembang"),
    ("Ahmad Fauzi", "M", date(1990, 4, 18), "01", "01.1004", "RS Jantung Harapan Kita", "Jakarta"),
    ("Dewi Lestari", "F", date(1985, 8, 27), "02", "02.1001", "RSUP Dr. Mohammad Hoesin", "Palembang"),
    ("Samsul Bahri", "M", date(1958, 2, 11), "03", "03.1004", "RSCM", "Jakarta"),
]
# (category, quantity, unit amount) sets: air transport with a companion, sea with lodging...
COSTS = [
    [("transport_air", 1, 2_400_000), ("companion_transport", 1, 2_400_000), ("accommodation", 5, 250_000)],
    [("transport_sea", 2, 650_000), ("companion_transport", 2, 650_000), ("accommodation", 7, 200_000)],
    [("transport_air", 2, 1_900_000), ("accommodation", 3, 300_000)],
    [("transport_land", 1, 1_200_000), ("transport_sea", 1, 700_000), ("other", 1, 500_000)],
]
# How many proposals end in each status (30 in all).
PLAN = [("submitted", 5), ("in_verification", 4), ("verified_eligible", 3), ("verified_ineligible", 2),
        ("in_minutes", 4), ("approved", 3), ("returned", 2), ("disbursed", 3), ("closed", 4)]

RECEIPT_PDF = b"%PDF-1.4\n% demo receipt\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _nik(i: int, sex: str, born: date, kecamatan_code: str) -> str:
    day = born.day + (40 if sex == "F" else 0)
    return f"{kecamatan_code.replace('.', '')}{day:02d}{born.month:02d}{born.year % 100:02d}{1000 + i:04d}"


def _kelurahan(suffix: str, i: int, codes: list[str]) -> str:
    code = f"{get_setting('area_code')}.{suffix}"
    return code if code in codes else codes[i % len(codes)]


def _user(username: str, full_name: str, role: str) -> User:
    return auth_service.find_user(username) or auth_service.create_user(
        actor=None, username=username, full_name=full_name, role=role, password=DEMO_PASSWORD)


def _receipt(i: int) -> FileStorage:
    return FileStorage(stream=io.BytesIO(RECEIPT_PDF), filename=f"kwitansi-{i}.pdf",
                       content_type="application/pdf")


def seed(context: dict) -> dict:
    baznas2 = _user("baznas2", "Verifikator Baznas 2", VERIFIER)
    if db.session.scalar(db.select(db.func.count()).select_from(AidProposal)):
        return {"baznas2": baznas2}
    staff = context["staff"]
    fund = context["fund"]
    baznas = _user("baznas", "Verifikator Baznas", VERIFIER)
    walikota = _user("walikota", get_setting("mayor_title"), APPROVER)
    codes = sorted(code for code, _label in regions.choices())
    now = utcnow()
    targets = [status for status, n in PLAN for _ in range(n)]
    made: list[tuple[AidProposal, str]] = []
    for i, target in enumerate(targets):
        name, sex, born, _kec, suffix, dest, city = PATIENTS[i % len(PATIENTS)]
        kel = _kelurahan(suffix, i, codes)
        kec = kel[:8].replace(".", "")
        nik = _nik(i, sex, born, kel[:8])
        lines = [{"category": c, "quantity": q, "unit_amount": u} for c, q, u in COSTS[i % len(COSTS)]]
        data = {
            "patient_name": name if i < len(PATIENTS) else f"{name} ({i + 1})",
            "patient_nik": nik, "patient_kk": f"{kec}0101{10 + i % 80:02d}{i + 1:04d}",
            "applicant_name": None if i % 3 else "Keluarga pasien",
            "applicant_relation": None if i % 3 else "Anak",
            "phone": f"0812{7100000 + i:07d}", "address": f"Jl. Demo No. {i + 1}", "kelurahan_code": kel,
            "referral_origin": "RSUD Depati Hamzah", "referral_destination": dest, "referral_city": city,
            "referral_letter_no": f"445/{300 + i}/RSUD/2026",
            "referral_letter_date": date.today() - timedelta(days=3),
        }
        days_ago = 2 + (len(targets) - i) * 1.5
        proposal = service.create_proposal(actor=staff, data=data, lines=lines,
                                           submitted_on=now - timedelta(days=days_ago))
        made.append((proposal, target))
        if target == "submitted":
            continue
        verifier = baznas2 if i % 4 == 0 else baznas
        service.take_for_verification(proposal, actor=verifier)
        if target == "in_verification":
            continue
        eligible = target != "verified_ineligible"
        service.record_verification(proposal, actor=verifier, data={
            "visit_date": date.today() - timedelta(days=1),
            "recommendation": "eligible" if eligible else "ineligible",
            "reason": "Keluarga kurang mampu; rujukan sah; pendamping diperlukan." if eligible
            else "Biaya perjalanan sudah ditanggung perusahaan tempat anak pasien bekerja.",
            "recommended_amount": proposal.total_requested - (i % 3) * 200_000,
            "domicile_confirmed": True, "referral_authentic": True, "economically_in_need": eligible,
            "no_double_aid": eligible, "companion_needed": i % 2 == 0,
            "notes": "Kunjungan bersama RT setempat."})

    setda = f"Setda {get_setting('area_name')}"
    attendees = [("Drs. H. Fakhruddin", "Asisten Pemerintahan dan Kesra", setda),
                 ("Hj. Rusmawati, S.Sos.", "Kepala Bagian Kesejahteraan Rakyat", setda),
                 ("Ir. Zulkarnain", "Wakil Ketua", get_setting("baznas_office")),
                 ("dr. Maya Sari", "Kepala Bidang Pelayanan Kesehatan", "Dinas Kesehatan")]

    def minutes_with(items, when: date, place: str):
        m = minutes_service.create_minutes(
            actor=staff, meeting_date=when, place=place, meeting_time=time(9, 0),
            summary="Rapat pleno pembahasan usulan bantuan non-medis pasien rujukan.")
        for name, title, agency in attendees:
            minutes_service.add_attendee(m, actor=staff, name=name, title=title, agency=agency)
        for p in items:
            minutes_service.add_item(m, p, actor=staff, amount=p.recommended_amount)
        db.session.flush()
        return m

    decided = [p for p, t in made if t in ("approved", "returned", "disbursed", "closed")]
    first = minutes_with(decided, date.today() - timedelta(days=9), "Ruang Rapat Sekretariat Daerah")
    minutes_service.finalise_minutes(first, actor=staff)
    by_proposal = {item.proposal_id: item for item in first.items}
    exclusions = {by_proposal[p.id].id: "Data KK belum sesuai dengan domisili; mohon dilengkapi."
                  for p, t in made if t == "returned"}
    minutes_service.approve_minutes(first, actor=walikota, note="Disetujui sesuai berita acara.",
                                    exclusions=exclusions)
    waiting = minutes_with([p for p, t in made if t == "in_minutes"], date.today() - timedelta(days=1),
                           f"Ruang Rapat {get_setting('head_title')}")
    minutes_service.finalise_minutes(waiting, actor=staff)

    from sponsorship.disbursements import service as payouts

    for i, (p, t) in enumerate(made):
        if t not in ("disbursed", "closed"):
            continue
        # Separation of duties: the other verifier (or staff) pays what one verified.
        payer = staff if p.verifier_id == baznas2.id else baznas2
        payout = payouts.record_disbursement(p, actor=payer, pledge=fund, data={
            "amount": p.approved_amount, "paid_on": date.today() - timedelta(days=2), "method": "transfer",
            "bank_name": "Bank Sumsel Babel", "account_number": f"1500{i:06d}",
            "account_holder": p.patient_name})
        if t == "closed":
            payouts.attach_receipt(p, payout, actor=payer, file_storage=_receipt(i))
    db.session.flush()
    _spread_times(made, now)
    return {"baznas2": baznas2, "minutes_waiting": waiting, "minutes_approved": first}


# Days each step took in the demo: a visit within a day or two, the meeting within a week...
STEP_DAYS = {"in_verification": 0.6, "verified_eligible": 1.5, "verified_ineligible": 1.5,
             "in_minutes": 4.0, "approved": 2.0, "returned": 2.0, "disbursed": 1.5, "closed": 1.0}


def _spread_times(made, now) -> None:
    """Step times after intake: sequential, realistic gaps, never in the future."""
    for index, (proposal, _target) in enumerate(made):
        steps = db.session.scalars(db.select(ProposalStep).where(ProposalStep.proposal_id == proposal.id)
                                   .order_by(ProposalStep.id)).all()
        at = proposal.created_at
        for n, step in enumerate(steps):
            if n:
                at = min(at + timedelta(days=STEP_DAYS.get(step.status, 1.0) * (1 + (index % 3) * 0.4)),
                         now - timedelta(hours=len(steps) - n))
            step.entered_at = at
            if step.status == "approved":
                proposal.approved_at = at
            if step.status == "disbursed":
                proposal.disbursed_at = at
            if step.status == "in_verification":
                proposal.first_contact_at = at
        proposal.status_changed_at = at
