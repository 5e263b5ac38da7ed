"""Probabilistic record linkage (Fellegi-Sunter, through Splink) of residents' records.

The model's parameters are fixed priors, written below and documented beside each level, not
trained on each list: a 10-row import links as well as a 250,000-row one, and the same records
always give the same probabilities (nothing random). m is the probability of the level among
records of the same person as the agencies' lists write them (a NIK mistyped in ~2 % of rows,
a name variant in ~15 %, day and month swapped in ~3 %, a kelurahan out of date in ~5 %); u the
probability among records of two different residents of one city of ~250,000 (a birth date
shared by 1 pair in ~25,000, a kelurahan by 1 in ~40).

The backend is chosen in one place, `_db_api()`: DuckDB in process, the embedded default; Splink's
PostgreSQL backend when the app runs on PostgreSQL (Splink can run the same settings on Spark).
NIK and KK never reach the linkage tables in clear: each digit goes through a keyed substitution
per position (`_digits`), which keeps equality and the edit distance the comparison needs.
"""
from __future__ import annotations

import hmac
import logging
import random
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from sponsorship.linkage.names import name_tokens

# Above AUTO a match attaches by itself; between REVIEW and AUTO staff decide; below, a new person.
AUTO = 0.99
REVIEW = 0.60
MIN_POPULATION = 100_000


def _level(sql: str, label: str, m: float, u: float) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": label, "m_probability": m, "u_probability": u}


def _null(*cols: str) -> dict[str, Any]:
    sql = " OR ".join(f"{c}_l IS NULL OR {c}_r IS NULL" for c in cols)
    return {"sql_condition": sql, "label_for_charts": "null", "is_null_level": True}


def _comparison(name: str, levels: list[dict]) -> dict[str, Any]:
    return {"output_column_name": name, "comparison_description": name, "comparison_levels": levels}


COMPARISONS = [
    _comparison("name", [
        _null("name_key"),
        _level("name_key_l = name_key_r", "same (variants, case, spacing ignored)", 0.82, 0.0015),
        _level("name_sorted_l = name_sorted_r", "same words, other order", 0.03, 0.0002),
        _level("levenshtein(name_key_l, name_key_r) <= 2", "one or two letters apart", 0.10, 0.004),
        _level("name_first_l = name_first_r OR name_last_l = name_last_r", "first or last word", 0.03, 0.08),
        _level("ELSE", "different", 0.005, 0.9143),
    ]),
    _comparison("birth_date", [
        _null("birth_date"),
        _level("birth_date_l = birth_date_r", "same", 0.92, 0.00004),
        _level("birth_day_l = birth_month_r AND birth_month_l = birth_day_r AND birth_year_l = birth_year_r",
               "day and month swapped", 0.04, 0.00003),
        _level("birth_year_l = birth_year_r", "same year", 0.025, 0.0125),
        _level("ELSE", "different", 0.015, 0.98743),
    ]),
    _comparison("sex", [
        _null("sex"),
        _level("sex_l = sex_r", "same", 0.985, 0.5),
        _level("ELSE", "different", 0.015, 0.5),
    ]),
    _comparison("kelurahan", [
        _null("region"),
        _level("region_l = region_r", "same kelurahan", 0.90, 0.025),
        _level("kecamatan_l = kecamatan_r", "same kecamatan", 0.05, 0.12),
        _level("ELSE", "elsewhere", 0.05, 0.855),
    ]),
    _comparison("kk", [
        _null("kk"),
        _level("kk_l = kk_r", "same family card", 0.88, 0.00002),
        _level("ELSE", "different", 0.12, 0.99998),
    ]),
    _comparison("nik", [
        _null("nik"),
        _level("nik_l = nik_r", "same", 0.93, 0.000001),
        _level("levenshtein(nik_l, nik_r) <= 2", "one digit wrong or two swapped", 0.06, 0.00002),
        _level("substr(nik_l, 1, 12) = substr(nik_r, 1, 12)", "same region and birth date", 0.005, 0.00005),
        _level("ELSE", "different", 0.005, 0.999929),
    ]),
]
FIELDS = [c["output_column_name"] for c in COMPARISONS]

# Pairs are compared only when they share one of these (each cheap to index, together catching
# a mistyped NIK, a missing NIK, a variant name, a swapped date or a stale kelurahan).
BLOCKING = [
    "l.birth_date = r.birth_date AND l.name_first = r.name_first",
    "l.birth_date = r.birth_date AND l.region = r.region",
    "l.kk = r.kk",
    "l.name_key = r.name_key AND l.region = r.region",
    "l.name_key = r.name_key AND l.birth_year = r.birth_year",
    "l.birth_day = r.birth_month AND l.birth_month = r.birth_day AND l.birth_year = r.birth_year "
    "AND l.name_first = r.name_first",
]


@dataclass(frozen=True)
class Match:
    left: Any  # id of the record on the left (an incoming row, or a resident in a dedup run)
    right: Any  # id of the resident it may be
    probability: float
    agreed: dict[str, str]  # comparison -> the level it reached ("same", "day and month swapped", ...)

    @property
    def name_agrees(self) -> bool:
        return self.agreed.get("name") not in ("different", "first or last word", "null")

    @property
    def band(self) -> str:
        # A pair whose names disagree is never attached alone (twins share a KK, a birth date, a region).
        if self.probability >= AUTO and self.name_agrees:
            return "auto"
        return "review" if self.probability >= REVIEW else "new"


def _digit_tables(label: bytes) -> list[dict[str, str]]:
    from sponsorship.identity import cipher

    seed = hmac.digest(cipher().current.index_key, b"linkage digits " + label, "sha256")
    rnd = random.Random(seed)  # noqa: S311 - a keyed substitution, not a secret by itself
    tables = []
    for _ in range(16):
        digits = list("0123456789")
        rnd.shuffle(digits)
        tables.append(dict(zip("0123456789", digits, strict=True)))
    return tables


def _digits(value: str | None, tables: list[dict[str, str]]) -> str | None:
    if not value:
        return None
    return "".join(tables[i].get(ch, ch) for i, ch in enumerate(value[:16]))


def features(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the model compares, from {id, name, nik, kk, sex, birth_date, region_code} records."""
    nik_t, kk_t = _digit_tables(b"nik"), _digit_tables(b"kk")
    out = []
    for r in rows:
        tokens = name_tokens(r.get("name"))
        born: date | None = r.get("birth_date")
        region = r.get("region_code")
        out.append({
            "unique_id": str(r["id"]),
            "name_key": "".join(tokens) or None,
            "name_sorted": "".join(sorted(tokens)) or None,
            "name_first": tokens[0] if tokens else None,
            "name_last": tokens[-1] if len(tokens) > 1 else None,
            "nik": _digits(r.get("nik"), nik_t),
            "kk": _digits(r.get("kk"), kk_t),
            "sex": r.get("sex"),
            "birth_date": born.isoformat() if born else None,
            "birth_year": born.year if born else None,
            "birth_month": born.month if born else None,
            "birth_day": born.day if born else None,
            "region": region,
            "kecamatan": region[:8] if region else None,
        })
    return out


_COLUMNS = ["unique_id", "name_key", "name_sorted", "name_first", "name_last", "nik", "kk", "sex",
            "birth_date", "birth_year", "birth_month", "birth_day", "region", "kecamatan"]
_TYPES = {"birth_year": "INTEGER", "birth_month": "INTEGER", "birth_day": "INTEGER"}


def _as_table(rows: list[dict[str, Any]]):
    import pyarrow as pa

    schema = pa.schema([(c, pa.int32() if c in _TYPES else pa.string()) for c in _COLUMNS])
    return pa.Table.from_pylist(rows, schema=schema)


def backend_name() -> str:
    """LINKAGE_BACKEND, or for "auto": 'postgres' when the app's database is PostgreSQL, else
    'duckdb' (the embedded default)."""
    from flask import current_app

    from sponsorship.extensions import db

    on_postgres = db.engine.dialect.name == "postgresql"
    chosen = current_app.config.get("LINKAGE_BACKEND") or "auto"
    if chosen == "duckdb" or not on_postgres:  # Splink's PostgreSQL backend needs the app on it
        return "duckdb"
    return "postgres"


def _db_api():
    """The one place the linkage backend is chosen."""
    if backend_name() == "postgres":
        from sponsorship.extensions import db
        from sponsorship.linkage.pgbackend import PostgresLinkageAPI

        return PostgresLinkageAPI(db.engine)
    from splink import DuckDBAPI

    return DuckDBAPI()


def _label_map() -> dict[str, list[str]]:
    """comparison -> labels by gamma value (ELSE is 0, the null level -1)."""
    out = {}
    for c in COMPARISONS:
        levels = [lv for lv in c["comparison_levels"] if not lv.get("is_null_level")]
        out[c["output_column_name"]] = [lv["label_for_charts"] for lv in reversed(levels)]
    return out


def link(left: list[dict[str, Any]], right: list[dict[str, Any]] | None = None, *,
         prior: float | None = None, threshold: float = REVIEW) -> list[Match]:
    """Pairs at or above `threshold`: left x right (an import against the registry) or, without
    right, within left (a dedup run). `prior` is the probability that two records taken at random
    are the same person: by default one over the larger side, or over MIN_POPULATION when that is
    smaller (u above is a city's: a 10-row registry must not make every shared birth date likely)."""
    from splink import Linker, SettingsCreator

    if not left or (right is not None and not right):
        return []
    size = max(len(left), len(right or []), MIN_POPULATION)
    settings = SettingsCreator(
        link_type="link_only" if right is not None else "dedupe_only",
        comparisons=COMPARISONS,
        blocking_rules_to_generate_predictions=BLOCKING,
        probability_two_random_records_match=prior or 1.0 / size,
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
    )
    api = _db_api()
    tag = ascii_tag()
    tables = [api.register(_as_table(features(left)), table_name=f"lk_{tag}_a")]
    if right is not None:
        tables.append(api.register(_as_table(features(right)), table_name=f"lk_{tag}_b"))
    linker = Linker(tables if right is not None else tables[0], settings, log_level=logging.WARNING)
    try:
        predictions = linker.inference.predict(threshold_match_probability=threshold)
        records = predictions.as_record_list()
    finally:
        _drop(linker)
        if hasattr(api, "close"):
            api.close()
    labels = _label_map()
    matches = []
    for rec in records:
        left_id, right_id = rec["unique_id_l"], rec["unique_id_r"]
        if right is not None and str(rec.get("source_dataset_l", "")).endswith("_b"):
            left_id, right_id = right_id, left_id  # Splink may put either side first
        agreed = {}
        for f in FIELDS:
            gamma = rec.get(f"gamma_{f}")
            agreed[f] = "null" if gamma is None or gamma < 0 else labels[f][gamma]
        matches.append(Match(left_id, right_id, float(rec["match_probability"]), agreed))
    # Deterministic order whatever the backend returned.
    matches.sort(key=lambda m: (-m.probability, str(m.left), str(m.right)))
    return matches


def ascii_tag() -> str:
    return secrets.token_hex(4)


def _drop(linker) -> None:
    try:
        linker.table_management.delete_tables_created_by_splink_from_db()
    except Exception:  # noqa: BLE001 - cleaning up must not hide the result or the first error
        logging.getLogger(__name__).warning("linkage tables were not all removed", exc_info=True)
