"""Demo coverage figures shaped like the seeds: activity dips below 80 % in mid-2025, then recovers."""
from __future__ import annotations

from datetime import date

from sponsorship.extensions import db
from sponsorship.settings.service import get_setting
from sponsorship.uhc import service
from sponsorship.uhc.models import CoverageFigure

SOURCE = "Laporan BPJS Kesehatan Cabang {city} (data demo)"  # the demo city's short name

# (month, population, registered, activity %): 1 April 2025 and November 2025 as the seeds
# report them (239.344 registered, 75,19 % active; 98,44 % and 81 %); the rest plausible.
SHAPE = [
    ((2025, 1), 242_050, 238_920, 77.40),
    ((2025, 2), 242_130, 239_050, 76.80),
    ((2025, 3), 242_210, 239_190, 76.05),
    ((2025, 4), 242_285, 239_344, 75.19),
    ((2025, 5), 242_360, 239_410, 74.62),
    ((2025, 6), 242_440, 239_260, 74.31),  # UHC prioritas lost on 1 June 2025
    ((2025, 7), 242_520, 239_120, 75.48),
    ((2025, 8), 242_600, 238_980, 77.02),
    ((2025, 9), 242_690, 238_900, 78.64),
    ((2025, 10), 242_780, 238_930, 79.86),
    ((2025, 11), 242_870, 239_081, 81.00),
    ((2025, 12), 242_960, 239_210, 81.12),
    ((2026, 1), 243_640, 239_860, 80.84),
    ((2026, 2), 243_720, 240_010, 80.95),
    ((2026, 3), 243_800, 240_180, 81.20),
    ((2026, 4), 243_880, 240_350, 81.37),
    ((2026, 5), 243_960, 240_470, 81.05),
    ((2026, 6), 244_040, 240_600, 81.48),
    ((2026, 7), 244_120, 240_760, 81.72),
    ((2026, 8), 244_200, 240_930, 81.90),
    ((2026, 9), 244_280, 241_080, 82.06),
    ((2026, 10), 244_360, 241_240, 82.21),
]


def prioritas(year: int, month: int, population: int) -> dict:
    """UHC Prioritas figures of a demo month: the APBD-funded share climbs from 17 % towards the
    20 % threshold, the city cleared its premium arrears in mid-2026 and applied in September."""
    step = (year - 2025) * 12 + month - 1  # 0 for January 2025
    share = 17.0 + 0.12 * step
    return {"city_funded": round(population * share / 100), "city_premium_arrears": step < 18,
            "bpjs_approval": "submitted" if step >= 20 else "not_submitted"}


def seed(context: dict) -> dict:
    """Record every month not recorded yet (running it twice changes nothing)."""
    staff = context.get("staff")
    have = set(db.session.scalars(db.select(CoverageFigure.month)))
    for (year, month), population, registered, activity in SHAPE:
        first = date(year, month, 1)
        if first in have:
            continue
        active = round(registered * activity / 100)
        data = {"month": first, "population": population, "registered": registered, "active": active,
                "source_note": SOURCE.format(city=get_setting("city_short")),
                **prioritas(year, month, population)}
        if staff is not None:
            service.record_figure(actor=staff, data=data)
        else:  # no staff account to sign the audit event: record it as the system
            db.session.add(CoverageFigure(**data))
    db.session.flush()
    return {}
