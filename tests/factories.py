"""Keyword-only builders for test data; each commits so HTTP requests can see it."""
from __future__ import annotations

import itertools
from datetime import date, time

from stdnum import luhn

DEFAULT_PASSWORD = "rahasia-uji-123"
# Tables filled once per test run (`load-regions`) and kept between tests.
REFERENCE_TABLES: tuple[str, ...] = ("region", "region_alias")
# The city every test runs in unless it sets up another: the demo's (conftest sets it up per test).
TEST_CITY, TEST_CITY_NAME = "19.71", "Pangkalpinang"

_seq = itertools.count(1)


def valid_npwp(n: int | None = None) -> str:
    """A structurally valid 16-digit NPWP, different for each call."""
    stem = f"01{(n if n is not None else next(_seq)) % 1_000_000:06d}"
    return "0" + stem + luhn.calc_check_digit(stem) + "323000"


def make_sponsor(*, name: str | None = None, npwp: str | None = None, **extra):
    from sponsorship.extensions import db
    from sponsorship.sponsors.service import create_sponsor

    n = next(_seq)
    data = {"name": name or f"PT Contoh {n}", "npwp": npwp or valid_npwp(n), "legal_form": "PT",
            "address": f"Jl. Contoh No. {n}", **extra}
    sponsor = create_sponsor(actor=None, data=data)
    db.session.commit()
    return sponsor


# What official documents print: a test city has every official, account and signatory filled in
# (documents/readiness.py refuses to issue otherwise); `empty_city()` takes them away again.
OFFICIALS = {
    "unit_address": "Jl. Uji No. 1",
    "mayor_name": "Budi Walikota", "secretary_name": "Sri Sekda", "secretary_nip": "19700101 199003 1 001",
    "city_npwp": "001234564304000", "payee_bank": "Bank Uji Daerah", "payee_account_number": "0012345678",
    "payee_account_name": "Rekening Kas Umum Daerah Kota Uji", "treasurer_name": "Tuti Bendahara",
    "treasurer_nip": "19850317 201001 2 004",
}


def complete_city() -> None:
    from sponsorship.extensions import db
    from sponsorship.settings.models import Setting

    for key, value in OFFICIALS.items():
        db.session.merge(Setting(key=key, value=value))
    db.session.commit()


def empty_city() -> None:
    """Every string setting empty: what a city that has filled in nothing looks like."""
    from sponsorship.extensions import db
    from sponsorship.settings.models import Setting
    from sponsorship.settings.service import SETTINGS

    for s in SETTINGS:
        if s.type is str:
            db.session.merge(Setting(key=s.key, value=""))
    db.session.commit()


def make_user(*, role: str, username: str | None = None, sponsor=None,
              password: str = DEFAULT_PASSWORD, is_company_admin: bool = False, full_name=None):
    from sponsorship.auth.service import create_user
    from sponsorship.extensions import db

    username = username or f"{role}{next(_seq)}"
    user = create_user(actor=None, username=username, full_name=full_name or username.title(),
                       role=role, password=password, sponsor_id=sponsor.id if sponsor else None,
                       is_company_admin=is_company_admin)
    db.session.commit()
    return user


def make_pledge(*, sponsor, programme: str = "premium", status: str = "draft", actor=None,
                title: str | None = None, quota: int = 10, months: int = 12,
                start_month: date = date(2026, 1, 1), total_amount: int = 100_000_000,
                workers_attested: bool = True, covers_arrears: bool = False,
                payment_route: str = "city"):
    """A pledge moved through the real transitions up to `status`."""
    from sponsorship.extensions import db
    from sponsorship.pledges import service

    data = {"programme": programme, "title": title or f"Komitmen {next(_seq)}",
            "workers_attested": workers_attested, "start_month": start_month,
            "covers_arrears": covers_arrears, "payment_route": payment_route}
    if programme == "premium":
        data.update(quota=quota, months=months)
    else:
        data.update(total_amount=total_amount, months=months)
    actor = actor or _system_staff()
    pledge = service.create_pledge(actor=actor, sponsor=sponsor, data=data)
    path = {"draft": [], "agreed": ["agree"], "active": ["agree", "activate"],
            "completed": ["agree", "activate", "complete"], "cancelled": ["cancel"]}[status]
    for move in path:
        if move == "activate" and programme == "premium":  # only a signed agreement starts it
            signed_agreement_record(pledge)
            move = "start"
        service.transition_pledge(pledge, move, actor=actor, note="uji")
    db.session.commit()
    return pledge


def signed_agreement_record(pledge):
    """A signed agreement of `pledge` on record, without rendering it (rows only: its document
    row points at no real file). Tests of the agreement itself go through the real screens."""
    import hashlib
    import secrets

    from sponsorship.agreements.models import Agreement
    from sponsorship.documents.models import Document
    from sponsorship.extensions import db

    n = next(_seq)
    document = Document(kind="agreement", number=f"UJI/PKS/{n}", title="PKS uji", issued_by_name="uji",
                        sha256=hashlib.sha256(f"pks-{n}-{secrets.token_hex(8)}".encode()).hexdigest(),
                        size=1, page_count=1, storage_path="agreement/none.pdf",
                        token=secrets.token_urlsafe(24), object_type="agreement", object_id=0,
                        sponsor_id=pledge.sponsor_id)
    db.session.add(document)
    db.session.flush()
    agreement = Agreement(pledge=pledge, status="signed", city_number=document.number,
                          signing_date=date(2025, 12, 1), signing_place="Kota Uji",
                          city_signatory_name="Budi Walikota", city_signatory_title="Wali Kota",
                          company_signatory_name="Sari Direktur", company_signatory_title="Direktur",
                          clauses=[{"title": "Uji", "text": "Uji"}], document_id=document.id,
                          signed_on=date(2025, 12, 15), scan_path="agreements/none.pdf",
                          scan_sha256="0" * 64)
    db.session.add(agreement)
    db.session.flush()
    document.object_id = agreement.id
    return agreement


def _system_staff():
    from sponsorship.auth.models import User
    from sponsorship.extensions import db

    user = db.session.scalar(db.select(User).where(User.username == "factory-staff"))
    return user or make_user(role="staff", username="factory-staff")


# --- aid proposals -----------------------------------------------------------------------

PROPOSAL_PATH = ["submitted", "in_verification", "verified_eligible", "in_minutes", "approved",
                 "disbursed", "closed"]


def proposal_data(**extra) -> dict:
    n = next(_seq)
    # Each patient another person: born on another day (the NIK's date), not only another serial.
    born = f"{41 + n % 28:02d}{1 + (n // 28) % 12:02d}{90 - (n // 336) % 40:02d}"
    return {"patient_name": f"Pasien Uji {n}", "patient_nik": f"197101{born}{(n % 9999) + 1:04d}",
            "patient_kk": "1971010101200001", "phone": "081200000000",
            "address": "Jl. Uji No. 1", "kelurahan_code": "19.71.01.1006",
            "referral_origin": "RSUD Depati Hamzah", "referral_destination": "RSUP Dr. Mohammad Hoesin",
            "referral_city": "Palembang", "referral_letter_no": f"RJK/{n}/2026",
            "referral_letter_date": date(2026, 11, 20), **extra}


def make_proposal(*, status: str = "submitted", staff=None, verifier=None, approver=None, fund=None,
                  amount: int = 5_000_000, data: dict | None = None):
    """An aid proposal moved through the real services up to `status` (main path, or
    verified_ineligible / returned)."""
    from sponsorship.disbursements import service as payouts
    from sponsorship.extensions import db
    from sponsorship.minutes import service as minutes_service
    from sponsorship.proposals import service

    staff = staff or _system_staff()
    proposal = service.create_proposal(
        actor=staff, data=data or proposal_data(),
        lines=[{"category": "transport_air", "quantity": 1, "unit_amount": amount}])
    db.session.commit()
    if status == "submitted":
        return proposal
    verifier = verifier or _user_of("verifier", "factory-verifier")
    service.take_for_verification(proposal, actor=verifier)
    if status == "in_verification":
        db.session.commit()
        return proposal
    service.record_verification(proposal, actor=verifier, data={
        "visit_date": date(2026, 11, 21), "recommendation":
        "ineligible" if status == "verified_ineligible" else "eligible",
        "reason": "Kunjungan rumah", "recommended_amount": amount, "domicile_confirmed": True})
    db.session.commit()
    if status in ("verified_eligible", "verified_ineligible"):
        return proposal
    minutes = minutes_service.create_minutes(actor=staff, meeting_date=date(2026, 11, 22),
                                             place="Ruang rapat Setda", meeting_time=time(9, 0))
    minutes_service.add_attendee(minutes, actor=staff, name="Andi", title="Kabag Kesra", agency="Setda")
    minutes_service.add_item(minutes, proposal, actor=staff, amount=amount)
    db.session.commit()
    if status == "in_minutes":
        return proposal
    minutes_service.finalise_minutes(minutes, actor=staff)
    approver = approver or _user_of("approver", "factory-approver")
    if status == "returned":
        minutes_service.return_minutes(minutes, actor=approver, note="Lengkapi data")
        db.session.commit()
        return proposal
    minutes_service.approve_minutes(minutes, actor=approver)
    db.session.commit()
    if status == "approved":
        return proposal
    if fund is None:
        from sponsorship.pledges.models import Pledge

        fund = db.session.scalar(db.select(Pledge).where(Pledge.title == "factory-fund")) or make_pledge(
            sponsor=make_sponsor(), programme="aid_fund", status="active", title="factory-fund",
            total_amount=1_000_000_000)
    payouts.record_disbursement(proposal, actor=staff, pledge=fund, data={
        "amount": amount, "paid_on": date(2026, 11, 23), "method": "cash"})
    db.session.commit()
    if status == "closed":
        payouts.attach_receipt(proposal, proposal_payout(proposal), actor=staff, file_storage=pdf_file())
        db.session.commit()
    return proposal


def upload_file(kind: str = "pdf", name: str | None = None, size: int = 0):
    """A FileStorage as a browser would send it; content decides its type, not the name."""
    import io

    from werkzeug.datastructures import FileStorage

    heads = {"pdf": b"%PDF-1.4\n", "jpeg": b"\xff\xd8\xff\xe0", "png": b"\x89PNG\r\n\x1a\n",
             "exe": b"MZ\x90\x00"}
    data = heads[kind] + b"0" * max(size - len(heads[kind]), 32)
    return FileStorage(stream=io.BytesIO(data), filename=name or f"berkas.{kind}",
                       content_type="application/octet-stream")


def pdf_file(name: str = "bukti.pdf"):
    return upload_file("pdf", name)


def proposal_payout(proposal):
    from sponsorship.disbursements.models import Disbursement
    from sponsorship.extensions import db

    return db.session.scalar(db.select(Disbursement).where(Disbursement.proposal_id == proposal.id))


def _user_of(role: str, username: str):
    from sponsorship.auth.models import User
    from sponsorship.extensions import db

    user = db.session.scalar(db.select(User).where(User.username == username))
    return user or make_user(role=role, username=username)


def make_minutes(*, with_item: bool = False):
    """A draft berita acara with one attendee (and one proposal when `with_item`)."""
    from sponsorship.extensions import db
    from sponsorship.minutes import service as minutes_service

    staff = _system_staff()
    minutes = minutes_service.create_minutes(actor=staff, meeting_date=date(2026, 11, 22), place="Setda",
                                             meeting_time=time(9, 30))
    minutes_service.add_attendee(minutes, actor=staff, name="Andi", title="Kabag Kesra", agency="Setda")
    if with_item:
        proposal = make_proposal(status="verified_eligible")
        minutes_service.add_item(minutes, proposal, actor=staff)
    db.session.commit()
    return minutes


def aid_attachment_url() -> str:
    """The URL of a stored attachment (a PDF) of a fresh proposal."""
    from sponsorship.extensions import db
    from sponsorship.proposals import service

    proposal = make_proposal()
    att = service.add_attachment(proposal, actor=_system_staff(), kind="ktp", file_storage=pdf_file())
    db.session.commit()
    return f"/proposals/{proposal.id}/attachments/{att.id}"


def aid_payout():
    """The payout of a fresh proposal paid by staff (awaiting its receipt)."""
    return proposal_payout(make_proposal(status="disbursed"))


# --- the registry and allocations ---------------------------------------------------------

def resident_row(nik: str, name: str, **kw) -> list[str]:
    """One CSV row of the registry import: an eligible resident of Bacang (desil 3, PBPU not active)
    unless `kw` says otherwise."""
    from sponsorship.beneficiaries.demo import HEADER

    values = dict.fromkeys(HEADER, "")
    values.update(nik=nik, nama=name, kelurahan="Bacang", segmen_jkn="PBPU", status_jkn="NONAKTIF",
                  tunggakan_bulan="2", desil="3")
    values.update(kw)
    return [values[h] for h in HEADER]


def make_residents(n: int = 5, *, rows=None, source: str = "dukcapil", seed: int = 7) -> list[int]:
    """Import n generated residents (or the given rows) through the real import; return the ids of
    all residents."""
    from sponsorship.beneficiaries.demo import generate_rows, to_csv
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.beneficiaries.service import import_file
    from sponsorship.extensions import db

    rows = rows if rows is not None else generate_rows(n, seed=seed)
    result = import_file(actor=None, data=to_csv(rows), file_name="uji.csv", source=source)
    assert result["invalid"] == []
    db.session.commit()
    return list(db.session.scalars(db.select(Beneficiary.id).order_by(Beneficiary.id)))


_serial = itertools.count(1)  # NIKs of registry_* residents: 197101170846NNNN


def registry_resident(**kw) -> int:
    """One new eligible resident (a different NIK on each call); returns its id."""
    from sponsorship.beneficiaries.demo import to_csv
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.beneficiaries.service import import_file
    from sponsorship.extensions import db

    n = next(_serial)
    import_file(actor=None, data=to_csv([resident_row(f"197101170846{n:04d}", distinct_name(n), **kw)]),
                file_name="uji.csv", source="manual")
    db.session.commit()
    masked = f"197101******{n:04d}"
    return db.session.scalar(db.select(Beneficiary.id).where(Beneficiary.nik_masked == masked))


def distinct_name(n: int) -> str:
    """A resident's name unlike every other n's (record linkage would take 'Warga Uji 11' and
    'Warga Uji 12' of NIKs one digit apart for one person written twice)."""
    import hashlib

    digest = hashlib.sha256(str(n).encode()).digest()
    return "Warga " + "".join("bcdfghjklmnprstvwz"[b % 18] + "aiueo"[b // 18 % 5] for b in digest[:4]).title()


def registry_pledge(company):
    """An agreed premium pledge with free slots."""
    return make_pledge(sponsor=company, status="agreed", quota=50)


def registry_allocation(company) -> int:
    from sponsorship.allocations import service
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.extensions import db

    pledge = registry_pledge(company)
    alloc = service.allocate(pledge, db.session.get(Beneficiary, registry_resident()), actor=_system_staff())
    db.session.commit()
    return alloc.id


def registry_discrepancy() -> int:
    from sponsorship.beneficiaries.demo import to_csv
    from sponsorship.beneficiaries.models import Discrepancy
    from sponsorship.beneficiaries.service import import_file
    from sponsorship.extensions import db

    n = next(_serial)
    nik = f"197101170846{n:04d}"
    for source, name in (("dukcapil", "Nama Satu"), ("dinsos", "Nama Dua")):
        import_file(actor=None, data=to_csv([resident_row(nik, name)]), file_name="x.csv", source=source)
    db.session.commit()
    return db.session.scalar(db.select(Discrepancy.id).order_by(Discrepancy.id.desc()))


def registry_batch() -> int:
    """A previewed, not yet confirmed import."""
    from sponsorship.beneficiaries.demo import to_csv
    from sponsorship.beneficiaries.service import preview_import
    from sponsorship.extensions import db

    n = next(_serial)
    data = to_csv([resident_row(f"197101170846{n:04d}", "Baru")])
    batch, _, _ = preview_import(actor=None, data=data, file_name="p.csv", source="manual")
    db.session.commit()
    return batch.id


def make_policy(*, status: str = "draft", actor=None, **rules):
    """An eligibility policy with the default rules unless `rules` says otherwise (a draft, or
    activated by an admin when status="active")."""
    from sponsorship.eligibility import service
    from sponsorship.eligibility.models import default_policy
    from sponsorship.extensions import db

    actor = actor or _user_of("admin", "admin-kebijakan")
    data = {**service.policy_data(default_policy()), "name": "Kebijakan uji",
            "effective_from": date(2026, 1, 1), **rules}
    policy = service.create_draft(actor=actor, data=data)
    if status == "active":
        service.activate(policy, actor=actor)
    db.session.commit()
    return policy


def make_allocation(pledge, beneficiary_id, start, end=None, status="active", reason=None):
    """An allocation row written directly (flushed, not committed): `end` makes it ended."""
    from sponsorship.allocations.models import Allocation
    from sponsorship.extensions import db

    if end is not None and status != "ended":
        status, reason = "ended", reason or "deceased"
    a = Allocation(pledge_id=pledge.id, beneficiary_id=beneficiary_id, start_month=start, end_month=end,
                   status=status, end_reason=reason)
    db.session.add(a)
    db.session.flush()
    return a


# --- billing ------------------------------------------------------------------------------

def invoice_for(company, *, persons: int = 10, month: date = date(2026, 1, 1)):
    """An issued invoice of an active premium pledge of `company` (Rp 35.000 x persons)."""
    from sponsorship.billing.models import Invoice
    from sponsorship.billing.service import due_date
    from sponsorship.extensions import db

    pledge = make_pledge(sponsor=company, status="active", quota=persons, months=12)
    invoice = Invoice(pledge_id=pledge.id, sponsor_id=company.id, month=month, persons=persons,
                      tariff=35_000, amount=persons * 35_000, due_on=due_date(month), status="issued")
    db.session.add(invoice)
    db.session.commit()
    return invoice


def payment_for(company, *, amount: int = 100_000):
    """A pending payment (with a stored PDF proof) by the company's sponsor user."""
    from sponsorship.auth.models import User
    from sponsorship.billing import service
    from sponsorship.extensions import db

    invoice = invoice_for(company)
    payer = db.session.scalar(db.select(User).where(User.sponsor_id == company.id).limit(1)) or \
        make_user(role="sponsor", sponsor=company)
    payment = service.record_payment(invoice, actor=payer, amount=amount, reference="TRF-001",
                                     paid_on=date(2026, 1, 8), proof=pdf_file())
    db.session.commit()
    return payment


# --- documents ----------------------------------------------------------------------------

def agreement_for(company, status: str = "draft"):
    """A fresh agreed pledge of `company` with an agreement moved to `status` (draft or final)."""
    from sponsorship.agreements import service
    from sponsorship.auth.models import User
    from sponsorship.extensions import db

    pledge = make_pledge(sponsor=company, status="agreed")
    staff = db.session.scalar(db.select(User).where(User.username == "factory-staff"))
    agreement = service.create_agreement(pledge, actor=staff, data={
        "signing_date": date(2026, 1, 15), "signing_place": "Pangkalpinang", "city_signatory_name": "A",
        "city_signatory_title": "Wali Kota", "company_signatory_name": "B",
        "company_signatory_title": "Direktur"})
    if status == "final":
        service.transition_agreement(agreement, "finalise", actor=staff)
    db.session.commit()
    return agreement


def issued_minutes():
    """Final minutes with their berita acara issued."""
    from sponsorship.documents.official import issue_minutes_document
    from sponsorship.extensions import db
    from sponsorship.minutes import service

    minutes = make_minutes(with_item=True)
    staff = _system_staff()
    service.finalise_minutes(minutes, actor=staff)
    issue_minutes_document(minutes, actor=staff)
    db.session.commit()
    return minutes


def city_setting_rows(code: str = TEST_CITY, short_name: str | None = TEST_CITY_NAME) -> dict:
    """The settings `setup-city CODE` writes, as plain values (the region table must be loaded)."""
    from sponsorship.regions.city import area_settings

    return area_settings(code, short_name=short_name)


def set_up_city(code: str, short_name: str | None = None) -> dict:
    """Point this test's settings at another kabupaten/kota, as `setup-city` would (no audit)."""
    from sponsorship.extensions import db
    from sponsorship.settings.models import Setting

    values = city_setting_rows(code, short_name)
    for key, value in values.items():
        row = db.session.get(Setting, key) or Setting(key=key)
        row.value = value
        db.session.add(row)
    db.session.commit()
    return values


def direct_pledge(company, *, persons: int = 2, start_month: date = date(2026, 1, 1)):
    """An active premium pledge paid directly to BPJS, with `persons` residents allocated."""
    from sponsorship.allocations import service
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.extensions import db

    pledge = make_pledge(sponsor=company, status="active", quota=max(persons, 1), months=12,
                         start_month=start_month, payment_route="direct")
    for _ in range(persons):
        service.allocate(pledge, db.session.get(Beneficiary, registry_resident()), actor=_system_staff(),
                         start_month=start_month)
    db.session.commit()
    return pledge


def bpjs_payment_for(company, *, month: date = date(2026, 1, 1)):
    """A pending proof of a month paid directly to BPJS (2 residents x Rp 35.000)."""
    from sponsorship.auth.models import User
    from sponsorship.billing import service
    from sponsorship.extensions import db

    pledge = direct_pledge(company)
    payer = db.session.scalar(db.select(User).where(User.sponsor_id == company.id).limit(1)) or \
        make_user(role="sponsor", sponsor=company)
    row = service.record_bpjs_payment(pledge, actor=payer, month=month, amount=70_000,
                                      reference="BPJS-0001", paid_on=date(2026, 1, 8),
                                      proof=pdf_file("bukti-bpjs.pdf"))
    db.session.commit()
    return row


def link_candidate() -> int:
    """An open probable duplicate: two registry residents, as a whole-registry run queues them."""
    from sponsorship.extensions import db
    from sponsorship.linkage.models import LinkCandidate

    a, b = registry_resident(), registry_resident()
    candidate = LinkCandidate(kind="registry", beneficiary_id=a, other_id=b, probability=0.9,
                              agreed={"name": "one or two letters apart", "birth_date": "same"})
    db.session.add(candidate)
    db.session.commit()
    return candidate.id


def resident_merge() -> int:
    """Two registry residents merged (through the service), not yet undone."""
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.extensions import db
    from sponsorship.linkage.service import merge

    a, b = registry_resident(), registry_resident()
    record = merge(db.session.get(Beneficiary, a), db.session.get(Beneficiary, b), actor=None)
    db.session.commit()
    return record.id
