"""Demo residents of the demo city from two lists (Dukcapil, Dinsos) that disagree a little,
and 120 of them allocated to the Bank Sumsel Babel pledge. Fixed seed: reproducible; safe to rerun."""
from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta
from functools import lru_cache

from sqlalchemy import func, select

from sponsorship.beneficiaries.models import Beneficiary
from sponsorship.extensions import db
from sponsorship.regions.service import all_regions

FIRST_M = ["Ahmad", "Budi", "Rudi", "Hendra", "Agus", "Joko", "Slamet", "Yusuf", "Ridwan", "Fajar", "Andi",
           "Bambang", "Herman", "Irfan", "Supriadi", "Teguh", "Wahyu", "Rizki", "Dedi", "Eko"]
FIRST_F = ["Siti", "Nur", "Dewi", "Sri", "Rina", "Yanti", "Aisyah", "Fitri", "Lestari", "Maya", "Ratna",
           "Wati", "Sari", "Indah", "Putri", "Rahmawati", "Ani", "Nurhaliza", "Kartini", "Hasanah"]
LAST = ["Saputra", "Hidayat", "Santoso", "Wijaya", "Pratama", "Kurniawan", "Setiawan", "Lim", "Tan", "Ng",
        "Halim", "Susanto", "Gunawan", "Rahman", "Syahputra", "Sembiring", "Nasution", "Harahap", "Effendi",
        "Chandra"]
STREETS = ["Jl. Merdeka", "Jl. Sudirman", "Jl. Soekarno Hatta", "Jl. Depati Amir", "Jl. Ahmad Yani",
           "Jl. Mentok", "Gg. Melati", "Jl. Kampung Bintang", "Jl. Pasir Padi", "Jl. Koba"]
SEGMENTS = ["PBPU"] * 5 + ["BELUM"] * 3 + ["PBI_APBN"] * 2 + ["PBI_APBD", "BP", "PPU"]
HEADER = ["nik", "no_kk", "nama", "jenis_kelamin", "tanggal_lahir", "alamat", "rt", "rw", "kelurahan",
          "no_hp", "no_jkn", "segmen_jkn", "status_jkn", "tunggakan_bulan", "desil",
          "disabilitas", "penyakit_kronis", "hamil", "hpl", "pkh", "bpnt", "kepala_keluarga", "kk_perempuan",
          "balita", "bulan_tanpa_jaminan", "id_rumah_tangga"]
TODAY = date(2026, 12, 1)  # the demo's "now" for pregnancies (fixed: reproducible files)


@lru_cache(maxsize=8)
def shipped_kelurahan(area: str) -> tuple[tuple[str, str], ...]:
    """(code, name) of the kelurahan of `area` in the shipped national data (no database needed)."""
    from sponsorship.regions.load import shipped_rows

    return tuple((code, name) for code, name in shipped_rows()
                 if code.startswith(area + ".") and code.count(".") == 3)


def generate_rows(n: int, *, seed: int = 1971,
                  regions: list[tuple[str, str]] | None = None) -> list[list[str]]:
    """n residents with valid, unique NIKs (issued in their kelurahan's kecamatan) and consistent
    birth data.

    `regions` is (code, name) pairs; without them, the demo city's kelurahan from the shipped data."""
    from sponsorship.demo import DEMO_CITY

    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
    regions = regions or shipped_kelurahan(DEMO_CITY)
    seen: set[str] = set()
    rows = []
    start = date(1940, 1, 1)
    while len(rows) < n:
        code, name = rng.choice(regions)
        female = rng.random() < 0.5
        born = start + timedelta(days=rng.randrange(0, 365 * 80))
        kec = code[:8].replace(".", "")  # province, kabupaten/kota, kecamatan
        day = born.day + (40 if female else 0)
        nik = f"{kec}{day:02d}{born.month:02d}{born.year % 100:02d}{rng.randrange(1, 10000):04d}"
        if nik in seen:
            continue
        seen.add(nik)
        kk = f"{kec}{rng.randrange(1, 29):02d}{rng.randrange(1, 13):02d}{rng.randrange(0, 100):02d}" \
             f"{rng.randrange(1, 10000):04d}"
        first = rng.choice(FIRST_F if female else FIRST_M)
        segment = rng.choice(SEGMENTS)
        status = "AKTIF" if segment in ("PBI_APBN", "PBI_APBD", "PPU") or rng.random() < 0.3 else "NONAKTIF"
        if segment == "BELUM":
            status = ""
        arrears = rng.randrange(1, 25) if segment == "PBPU" and status == "NONAKTIF" else 0
        rows.append([
            nik, kk, f"{first} {rng.choice(LAST)}", "P" if female else "L", born.isoformat(),
            f"{rng.choice(STREETS)} No. {rng.randrange(1, 200)}", str(rng.randrange(1, 15)),
            str(rng.randrange(1, 8)), name if rng.random() < 0.7 else code,
            f"08{rng.randrange(10**9, 10**10)}",
            f"{rng.randrange(0, 10**13):013d}" if segment != "BELUM" else "", segment, status, str(arrears),
            str(rng.randrange(1, 11)) if rng.random() < 0.85 else "",
        ])
    # A stream of their own: the columns above stay what they were for a given seed.
    facts = random.Random(seed * 7919)  # noqa: S311 - reproducible demo data
    return [row + _vulnerabilities(row, facts) for row in rows]


def _vulnerabilities(row: list[str], rng: random.Random) -> list[str]:
    """The social-affairs columns in roughly the proportions DTSEN and Susenas report: about 3 %
    with a disability, 1 in 8 adults with a chronic illness, PKH/BPNT mostly in the lowest deciles,
    a third heads of household (one in six of them women), a fifth with a child under five."""
    born = date.fromisoformat(row[4])
    age = (TODAY - born).days // 365
    female = row[3] == "P"
    decile = int(row[14]) if row[14] else 11
    pregnant = female and 18 <= age <= 45 and rng.random() < 0.06
    due = (TODAY + timedelta(days=rng.randrange(-30, 270))).isoformat() if pregnant else ""
    poor = decile <= 4
    head = rng.random() < 0.33 and age >= 20
    uncovered = rng.randrange(1, 37) if row[12] != "AKTIF" and rng.random() < 0.6 else 0
    yes = {True: "YA", False: ""}
    return [yes[rng.random() < 0.03], yes[age >= 20 and rng.random() < 0.12], yes[pregnant], due,
            yes[poor and rng.random() < 0.35], yes[poor and rng.random() < 0.45], yes[head],
            yes[rng.random() < 0.15], str(rng.choice((0, 0, 0, 0, 1, 1, 2))) if age < 50 else "0",
            str(uncovered), f"RT-{row[1][-10:]}"]


def to_csv(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode()


def seed(context: dict) -> dict:
    from sponsorship.allocations import service as allocations
    from sponsorship.beneficiaries.service import import_file

    staff = context.get("staff")
    count = db.session.scalar(select(func.count()).select_from(Beneficiary))
    if count < 2000:
        # The city's kelurahan as the region table names them (the NIKs are issued there too).
        regions = sorted((r.code, r.name) for r in all_regions())
        rows = generate_rows(2000, seed=1971, regions=regions)
        import_file(actor=staff, data=to_csv(rows), file_name="dukcapil-2026-01.csv", source="dukcapil")
        # Dinas Sosial's list covers 600 of them; a few dozen spell a name or a kelurahan differently.
        rng = random.Random(2026)  # noqa: S311 - reproducible demo data
        dinsos = [list(r) for r in rows[:600]]
        other_names = [regions[1][1], regions[3][1]]  # two kelurahan some rows are moved to
        for r in rng.sample(dinsos, 30):
            r[2] = r[2] + " Binti " + rng.choice(LAST) if r[3] == "P" else r[2].upper() + "D"
        for r in rng.sample(dinsos, 15):
            r[8] = other_names[0] if r[8] != other_names[0] else other_names[1]
        import_file(actor=staff, data=to_csv(dinsos), file_name="dinsos-dtks-2026-01.csv", source="dinsos")
        db.session.flush()
    pledge = context.get("bank_pledge")
    if pledge is not None and pledge.allocated_count < 120:
        need = 120 - pledge.allocated_count
        from sponsorship.eligibility.service import ranked

        allocations.fill_by_priority(pledge, actor=staff, beneficiary_ids=[i for i, _ in ranked(need)])
    return {}
