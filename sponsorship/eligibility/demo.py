"""The demo's eligibility policies: "Donasi JKN 2026" in force with the defaults, and a draft that
lowers the desil cut-off to 3 so its what-if shows a difference. Safe to run again."""
from __future__ import annotations

from datetime import date

from sponsorship.auth import service as auth_service
from sponsorship.eligibility import service
from sponsorship.eligibility.models import DEFAULT_WEIGHTS, EligibilityPolicy
from sponsorship.extensions import db

NAME = "Donasi JKN 2026"
DEFAULTS = {"name": NAME, "effective_from": date(2026, 1, 1), "exclude_pbi": True, "exclude_ppu": True,
            "unknown_jkn": "check", "decile_cutoff": 4, "no_decile": "assess", "one_per": "none",
            "elderly_age": 60, "weights": dict(DEFAULT_WEIGHTS),
            "notes": "Syarat Donasi JKN: warga kota, bukan PBI atau PPU, JKN tidak aktif, desil 1-4 DTSEN."}


def seed(context: dict) -> dict:
    admin = auth_service.find_user("admin")
    if admin is None:
        return {}
    found = db.session.scalars(db.select(EligibilityPolicy).where(EligibilityPolicy.name == NAME)).all()
    if not found:
        policy = service.create_draft(actor=admin, data=DEFAULTS)
        service.activate(policy, actor=admin)
        draft = {**DEFAULTS, "decile_cutoff": 3, "effective_from": date(2027, 1, 1),
                 "notes": "Usulan: kuota terbatas, dahulukan desil 1-3."}
        service.create_draft(actor=admin, data=draft)
        db.session.flush()
    return {}
