"""The demo (`flask --app app seed-demo [--city CODE]`): Pangkalpinang unless another kabupaten/kota
is named, set up first with `setup-city`; safe to run again."""
from __future__ import annotations

from datetime import date

from stdnum import luhn

from sponsorship.auth import service as auth_service
from sponsorship.auth.models import ADMIN, APPROVER, SPONSOR, STAFF, VERIFIER, User
from sponsorship.extensions import db
from sponsorship.pledges import service as pledge_service
from sponsorship.pledges.models import AID_FUND, PREMIUM, Pledge
from sponsorship.settings.service import get_setting, seed_tariffs
from sponsorship.sponsors import service as sponsor_service
from sponsorship.sponsors.models import Sponsor

DEMO_PASSWORD = "pangkalpinang"  # noqa: S105 - demo only; the README says so
DEMO_CITY = "19.71"
# How a demo city writes its own name where Kemendagri spells it otherwise ("Kota Pangkal Pinang").
DEMO_SHORT_NAMES = {"19.71": "Pangkalpinang"}


def demo_npwp(serial: str) -> str:
    """A structurally valid, fictitious 16-digit NPWP from an 8-digit stem."""
    return "0" + serial + luhn.calc_check_digit(serial) + "323000"


BANK_NAME = "PT Bank Pembangunan Daerah Sumatera Selatan dan Bangka Belitung"

SPONSORS = [
    dict(name=BANK_NAME, short_name="Bank Sumsel Babel", legal_form="PERSERODA",
         npwp=demo_npwp("01308224"), sector="Perbankan", contact_name="Divisi Corporate Secretary",
         contact_email="csr@banksumselbabel.example", contact_phone="0717-000000",
         address="Jl. Jenderal Sudirman, {city}", listed_publicly=True),
    dict(name="PT Timah Sejahtera Bersama (fiktif)", short_name="Timah Sejahtera", legal_form="PT",
         npwp=demo_npwp("02417735"), sector="Pertambangan", contact_name="Bagian TJSL",
         contact_email="tjsl@timahsejahtera.example", contact_phone="0717-111111",
         address="Jl. Mayor Syafrie Rachman, {city}", listed_publicly=True),
    dict(name="PT Lada Putih Nusantara (fiktif)", short_name="Lada Putih", legal_form="PT",
         npwp=demo_npwp("03526649"), sector="Perkebunan", contact_name="Humas",
         contact_email="humas@ladaputih.example", contact_phone="0717-222222",
         address="Jl. Soekarno Hatta, {city}", listed_publicly=False),
]


def _sponsor(data: dict) -> Sponsor:
    found = db.session.scalar(db.select(Sponsor).where(Sponsor.npwp == data["npwp"]))
    data = {**data, "address": data["address"].format(city=get_setting("city_short"))}
    return found or sponsor_service.create_sponsor(actor=None, data=data)


def _user(username: str, full_name: str, role: str, sponsor: Sponsor | None = None,
          company_admin: bool = False) -> User:
    found = auth_service.find_user(username)
    return found or auth_service.create_user(
        actor=None, username=username, full_name=full_name, role=role, password=DEMO_PASSWORD,
        sponsor_id=sponsor.id if sponsor else None, is_company_admin=company_admin)


def _pledge(sponsor: Sponsor, title: str, data: dict, moves: list[str], actor: User) -> Pledge:
    found = db.session.scalar(db.select(Pledge).where(Pledge.sponsor_id == sponsor.id,
                                                      Pledge.title == title))
    if found:
        return found
    pledge = pledge_service.create_pledge(actor=actor, sponsor=sponsor, data={"title": title, **data})
    for move in moves:
        pledge_service.transition_pledge(pledge, move, actor=actor)
    return pledge


def seed_foundation(context: dict | None = None) -> dict:
    seed_tariffs()
    bank, second, third = (_sponsor(s) for s in SPONSORS)
    staff = _user("staf", "Staf Sekretariat Daerah", STAFF)
    _user("admin", "Administrator Sistem", ADMIN)
    _user("bsb", "CSR Bank Sumsel Babel", SPONSOR, bank, company_admin=True)
    _user("sponsor2", "TJSL Timah Sejahtera", SPONSOR, second, company_admin=True)
    _user("baznas", "Verifikator Baznas", VERIFIER)
    _user("walikota", get_setting("mayor_title"), APPROVER)
    bank_pledge = _pledge(
        bank, "Iuran JKN 500 warga kurang mampu 2026",
        {"programme": PREMIUM, "quota": 500, "months": 12, "start_month": date(2026, 1, 1),
         "workers_attested": True,
         "notes": "Kesepakatan 13 November 2025 bersama BPJS Kesehatan."},
        ["agree"], staff)
    fund = _pledge(
        second, "Dana transportasi rujukan dan pendamping pasien 2026",
        {"programme": AID_FUND, "total_amount": 150_000_000, "start_month": date(2026, 1, 1),
         "months": 12},
        ["agree", "activate"], staff)
    _pledge(third, f"Iuran JKN 100 warga Kecamatan {demo_kecamatan()}",
            {"programme": PREMIUM, "quota": 100, "months": 6, "start_month": date(2026, 7, 1)},
            [], staff)
    return {"bank": bank, "second": second, "third": third, "staff": staff,
            "bank_pledge": bank_pledge, "fund": fund}


# Each part of the domain adds its step: a function taking and returning the shared context.
DEMO_STEPS = [
    "sponsorship.demo:seed_foundation",
    "sponsorship.documents.signing:seed_demo",  # test certificates, before any signed document
    "sponsorship.eligibility.demo:seed",  # before residents are allocated under it
    "sponsorship.documents.demo:seed_officials",  # before anything issues a document
    "sponsorship.beneficiaries.demo:seed",
    "sponsorship.uhc.demo:seed",
    "sponsorship.proposals.demo:seed",
    "sponsorship.documents.demo:seed",
    "sponsorship.billing.demo:seed",  # after documents: signs the bank agreement
]


def demo_kecamatan() -> str:
    """A kecamatan of the demo city (its fifth by code, else its first), for the third pledge."""
    from sponsorship.regions.service import all_regions

    names = {r.kecamatan_code[-2:]: r.kecamatan_name for r in all_regions()}
    return names.get("05") or next(iter(sorted(names.items())), ("", "–"))[1]


def setup_demo_city(city: str | None = None) -> None:
    """Set the city up (the national data first if needed); refuses to switch a database that
    already runs another area."""
    from flask_babel import lazy_gettext as _l

    from sponsorship.core.errors import DomainError
    from sponsorship.regions.city import setup_city

    code = (city or get_setting("area_code") or DEMO_CITY).strip()
    current = get_setting("area_code")
    if current and current != code:
        raise DomainError(_l("Basis data ini sudah disiapkan untuk wilayah %(code)s.", code=current))
    setup_city(code, actor=None, short_name=DEMO_SHORT_NAMES.get(code))
    db.session.commit()


def seed_demo(city: str | None = None) -> None:
    import importlib

    setup_demo_city(city)
    context: dict = {}
    for target in DEMO_STEPS:
        module, _, attr = target.partition(":")
        context.update(getattr(importlib.import_module(module), attr)(context) or {})
        db.session.commit()
