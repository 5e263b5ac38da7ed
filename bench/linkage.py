"""Record linkage quality and speed: a city's ground truth, three agency lists made from it with
the noise real lists carry, linked the way the registry import links them; prints precision and
recall against the truth, the time and the peak memory.

    .venv/bin/python bench/linkage.py                     # 250,000 residents
    .venv/bin/python bench/linkage.py --residents 20000   # while developing
    .venv/bin/python bench/linkage.py --residents 1000000 # a province

The lists: Dukcapil (95 % of residents, 0.5 % mistyped NIKs) becomes the registry; BPJS Kesehatan
(85 %) and Dinas Sosial (40 %) are then linked to it in turn, as the import does: a row of a NIK the
registry holds attaches at once; the others go through the Splink model (sponsorship/linkage/engine.py)
against the registry and land in the auto band (attach), the review band, or are new (and join the
registry before the next list). Noise: NIK digit errors and transpositions (~2 % of rows), NIKs a
spreadsheet rounded to 15 significant digits (0.5 %), no NIK in 5 % of the social-affairs list, name
variants (Muhammad/M./Muhamad, Siti/St., case, spacing, a typo), day and month swapped (2 %), a
stale kelurahan (5 % of Dinas Sosial), missing family cards. Seeded: the same figures every run.
"""
from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

GIVEN_M = ["Muhammad", "Ahmad", "Budi", "Rudi", "Hendra", "Agus", "Joko", "Slamet", "Yusuf", "Ridwan",
           "Fajar", "Andi", "Bambang", "Herman", "Irfan", "Supriadi", "Teguh", "Wahyu", "Rizki", "Dedi",
           "Eko", "Arif",
           "Bayu", "Dimas", "Fadli", "Gilang", "Hadi", "Imam", "Iwan", "Jefri", "Kurnia", "Lukman", "Rahmat",
           "Nanda", "Oki", "Panji", "Reza", "Surya", "Taufik", "Umar", "Yoga", "Zainal", "Abdul", "Hamzah"]
GIVEN_F = ["Siti", "Nur", "Dewi", "Sri", "Rina", "Yanti", "Aisyah", "Fitri", "Lestari", "Maya", "Ratna",
           "Wati",
           "Sari", "Indah", "Putri", "Rahmawati", "Ani", "Nurhaliza", "Kartini", "Hasanah", "Ayu", "Bunga",
           "Citra", "Dian", "Eka", "Fatimah", "Gita", "Hana", "Intan", "Juwita", "Kiki", "Lina", "Mega",
           "Nia",
           "Novi", "Okta", "Puspita", "Rosa", "Susi", "Tika", "Umi", "Vina", "Wulan", "Yuli", "Zahra"]
MIDDLE = ["", "", "", "Nur", "Dwi", "Tri", "Eka", "Adi", "Putra", "Sri", "Ayu", "Rahma", "Indra", "Fitri",
          "Kusuma", "Wira", "Cahya", "Bagus", "Dewi", "Puspa"]
LAST = ["Saputra", "Hidayat", "Santoso", "Wijaya", "Pratama", "Kurniawan", "Setiawan", "Lim", "Tan", "Ng",
        "Halim", "Susanto", "Gunawan", "Rahman", "Syahputra", "Sembiring", "Nasution", "Harahap", "Effendi",
        "Chandra", "Siregar", "Lubis", "Hasibuan", "Purba", "Simanjuntak", "Wibowo", "Nugroho", "Utomo",
        "Hartono", "Sulaiman", "Ramadhan", "Firmansyah", "Hakim", "Anwar", "Salim", "Basri", "Yusuf",
        "Irawan", "Permana", "Maulana", "Ismail", "Hasan", "Fauzi", "Arifin", "Rusli", "Zulkifli", "", ""]
VARIANTS = {"Muhammad": ["M.", "Muhamad", "Mohammad", "MUHAMMAD"], "Siti": ["St.", "SITI"],
            "Ahmad": ["Achmad", "Akhmad"], "Abdul": ["Abd."], "Nurhaliza": ["Nur Haliza"], "Nur": ["Noor"]}


def make_truth(n: int, rng: random.Random, regions: list[str]) -> list[dict]:
    people, niks = [], set()
    start = date(1940, 1, 1)
    kk_serial = 0
    while len(people) < n:
        # A household: one family card, one kelurahan, 1-6 people.
        region = rng.choice(regions)
        kec = region.split(".")[2]
        kk_serial += 1
        kk = f"1971{kec}{kk_serial % 1_000_000:06d}{kk_serial // 1_000_000:02d}{rng.randrange(10, 100)}"[:16]
        for _ in range(rng.randrange(1, 7)):
            female = rng.random() < 0.5
            born = start + timedelta(days=rng.randrange(0, 365 * 82))
            day = born.day + (40 if female else 0)
            nik = f"1971{kec}{day:02d}{born.month:02d}{born.year % 100:02d}{rng.randrange(1, 10000):04d}"
            if nik in niks:
                continue
            niks.add(nik)
            tokens = [rng.choice(GIVEN_F if female else GIVEN_M), rng.choice(MIDDLE), rng.choice(LAST)]
            people.append({"person": len(people), "name": " ".join(t for t in tokens if t), "nik": nik,
                           "kk": kk, "sex": "P" if female else "L", "birth_date": born,
                           "region_code": region})
            if len(people) == n:
                break
    return people


def _nik_noise(nik: str, rng: random.Random, rate: float) -> str:
    r = rng.random()
    if r < rate * 0.6:  # one digit mistyped
        i = rng.randrange(4, 16)
        return nik[:i] + rng.choice([d for d in "0123456789" if d != nik[i]]) + nik[i + 1:]
    if r < rate:  # two neighbours swapped
        i = rng.randrange(4, 15)
        if nik[i] != nik[i + 1]:
            return nik[:i] + nik[i + 1] + nik[i] + nik[i + 2:]
    return nik


def _name_noise(name: str, rng: random.Random, rate: float) -> str:
    if rng.random() >= rate:
        return name
    tokens = name.split()
    kind = rng.random()
    if kind < 0.45 and tokens[0] in VARIANTS:
        tokens[0] = rng.choice(VARIANTS[tokens[0]])
        return " ".join(tokens)
    if kind < 0.65:
        return name.upper()
    if kind < 0.8 and len(tokens) > 1:
        return " ".join(tokens[:-2] + [tokens[-2] + tokens[-1]])  # spacing
    word = rng.randrange(len(tokens))
    t = tokens[word]
    if len(t) > 3:  # one letter typed wrong
        i = rng.randrange(1, len(t))
        tokens[word] = t[:i] + rng.choice("aiueonrst") + t[i + 1:]
    return " ".join(tokens)


def make_list(truth: list[dict], rng: random.Random, *, share: float, nik_errors: float, rounded: float,
              missing_nik: float, name_noise: float, swapped: float, stale: float, kk_missing: float,
              regions: list[str]) -> list[dict]:
    rows = []
    for p in truth:
        if rng.random() >= share:
            continue
        nik = _nik_noise(p["nik"], rng, nik_errors)
        if rng.random() < rounded:
            nik = nik[:15] + "0"  # 15 significant digits kept
        if rng.random() < missing_nik:
            nik = None
        born = p["birth_date"]
        if born.day <= 12 and born.day != born.month and rng.random() < swapped:
            born = born.replace(day=born.month, month=born.day)
        region = p["region_code"] if rng.random() >= stale else rng.choice(regions)
        rows.append({"id": f"r{len(rows)}", "person": p["person"],
                     "name": _name_noise(p["name"], rng, name_noise),
                     "nik": nik, "kk": None if rng.random() < kk_missing else p["kk"], "sex": p["sex"],
                     "birth_date": born, "region_code": region})
    rng.shuffle(rows)
    return rows


def link_list(rows: list[dict], registry: list[dict], engine, stats: dict) -> None:
    """As the import does: exact NIK first, then the model; new rows join the registry."""
    by_nik = {r["nik"]: r for r in registry if r["nik"]}
    registered = {r["person"] for r in registry}
    rest = []
    for row in rows:
        found = by_nik.get(row["nik"]) if row["nik"] else None
        if found is not None:
            stats["exact"] += 1
            stats["exact_wrong"] += found["person"] != row["person"]
        else:
            rest.append(row)
    best: dict = {}
    for m in engine.link(rest, registry, prior=1.0 / max(len(registry), engine.MIN_POPULATION)):
        best.setdefault(m.left, m)
    by_id = {r["id"]: r for r in registry}
    for row in rest:
        truly_there = row["person"] in registered
        stats["needing_link"] += truly_there
        m = best.get(row["id"])
        band = m.band if m is not None else "new"
        if band == "auto":
            stats["auto"] += 1
            right = by_id[m.right]["person"] == row["person"]
            stats["auto_right"] += right
        elif band == "review":
            stats["review"] += 1
            stats["review_right"] += by_id[m.right]["person"] == row["person"]
            stats["review_truly_there"] += truly_there
        else:
            stats["new"] += 1
            stats["new_but_there"] += truly_there
            registry.append({**row, "id": f"n{len(registry)}"})
    stats["rows"] += len(rows)
    stats["true_matches"] += sum(1 for row in rows if row["person"] in registered)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=250_000)
    parser.add_argument("--seed", type=int, default=1971)
    args = parser.parse_args()

    from sponsorship import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "bench",
                      "NIK_ENCRYPTION_KEY": "bench linkage key " * 3,
                      "INSTANCE_PATH": tempfile.mkdtemp(prefix="bench-linkage-")})
    with app.app_context():
        from sponsorship.linkage import engine
        from sponsorship.regions.service import shipped_regions

        regions = [r["code"] for r in shipped_regions() if r["code"].startswith("19.71.")]
        rng = random.Random(args.seed)
        t0 = time.perf_counter()
        truth = make_truth(args.residents, rng, regions)
        common = {"regions": regions, "rounded": 0.005}
        dukcapil = make_list(truth, rng, share=0.95, nik_errors=0.005, missing_nik=0, name_noise=0.03,
                             swapped=0.0, stale=0.0, kk_missing=0.0, **{**common, "rounded": 0})
        bpjs = make_list(truth, rng, share=0.85, nik_errors=0.02, missing_nik=0, name_noise=0.12,
                         swapped=0.02, stale=0.02, kk_missing=0.3, **common)
        dinsos = make_list(truth, rng, share=0.40, nik_errors=0.02, missing_nik=0.05, name_noise=0.15,
                           swapped=0.02, stale=0.05, kk_missing=0.1, **common)
        generated = time.perf_counter() - t0
        registry = [{**r, "id": f"d{i}"} for i, r in enumerate(dukcapil)]
        stats = dict.fromkeys(["rows", "true_matches", "exact", "exact_wrong", "needing_link", "auto",
                               "auto_right", "review", "review_right", "review_truly_there", "new",
                               "new_but_there"], 0)
        t1 = time.perf_counter()
        for rows in (bpjs, dinsos):
            link_list(rows, registry, engine, stats)
        linked = time.perf_counter() - t1
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    s = stats
    attach_right = s["exact"] - s["exact_wrong"] + s["auto_right"]
    print(f"residents {args.residents:,}; lists: dukcapil {len(dukcapil):,} (the registry), "
          f"bpjs {len(bpjs):,}, dinsos {len(dinsos):,}; backend duckdb")
    print(f"rows linked {s['rows']:,}: exact NIK {s['exact']:,}, to the model {s['rows'] - s['exact']:,} "
          f"(of which {s['needing_link']:,} are a registered resident)")
    print(f"auto-attach band (model): {s['auto']:,} pairs, "
          f"precision {s['auto_right'] / max(s['auto'], 1):.4f}, "
          f"recall {s['auto_right'] / max(s['needing_link'], 1):.4f}")
    print(f"every attach (exact NIK + auto): precision {attach_right / max(s['exact'] + s['auto'], 1):.4f}, "
          f"recall {attach_right / max(s['true_matches'], 1):.4f}")
    print(f"review band: {s['review']:,} pairs, precision {s['review_right'] / max(s['review'], 1):.4f}; "
          f"auto + review recall {(s['auto_right'] + s['review_right']) / max(s['needing_link'], 1):.4f}")
    print(f"new: {s['new']:,} (of which {s['new_but_there']:,} were registered: missed)")
    print(f"time: generate {generated:.1f} s, link both lists {linked:.1f} s; peak memory {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
