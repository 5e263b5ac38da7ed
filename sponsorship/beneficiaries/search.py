"""Finding residents by name: the prefix of any word of the name, through an index made for it.

Each engine answers from its own word index, kept by the database itself (migration 0017):
- PostgreSQL: the table `beneficiary_name_word` (word, name_search, beneficiary_id), filled by a
  trigger, whose primary key is a B-tree in search order. A prefix is one index range read in
  page order, stopping after a page however common the word ("siti" among a million).
- SQLite: an FTS5 table over `name_search` with prefix indexes, filled by triggers.

Both split `name_search` (lower-cased, accents stripped: text.normalise) into words, so "nur"
finds "Siti Nurhaliza" and "siti nur" finds her too, while "iti" finds nobody.

`name_matches(q)` is the WHERE clause (any caller); `registry_order(q)` is the order the
registry list pages through, with the boundary lookup its keyset pagination needs.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import (
    Column,
    ColumnElement,
    Integer,
    MetaData,
    Select,
    Table,
    Text,
    and_,
    literal_column,
    or_,
    select,
    text,
)

from sponsorship.beneficiaries.models import Beneficiary
from sponsorship.beneficiaries.text import normalise
from sponsorship.extensions import db

FTS_TABLE = "beneficiary_name_fts"  # SQLite
_WORD = re.compile(r"[a-z0-9]+")
MAX_TERMS = 5  # a name has few words; more terms only slow the search down
AFTER_LAST_LETTER = "{"  # the character after "z" (and the digits): the end of a prefix range

# PostgreSQL's word table: engine-specific, so not a model (the drift check leaves it alone).
NAME_WORD = Table("beneficiary_name_word", MetaData(),
                  Column("word", Text), Column("name_search", Text), Column("beneficiary_id", Integer))


def search_terms(q: str) -> list[str]:
    """The words of a query as the index sees them: 'Siti  Nur-Aini' -> ['siti', 'nur', 'aini']."""
    return _WORD.findall(normalise(q))[:MAX_TERMS]


def _postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def _word_range(term: str) -> ColumnElement[bool]:
    return and_(NAME_WORD.c.word >= term, NAME_WORD.c.word < term + AFTER_LAST_LETTER)


def _other_terms(terms: list[str], column) -> list[ColumnElement[bool]]:
    # Every further term must begin a word of the same name (read from the index row itself).
    return [or_(column.like(f"{t}%"), column.like(f"% {t}%")) for t in terms[1:]]


def name_matches(q: str) -> ColumnElement[bool]:
    """Residents one of whose name words starts with each term of `q` (all terms must match)."""
    terms = search_terms(q)
    if not terms:
        return Beneficiary.id.is_(None)  # nothing searchable in the query: no match
    if _postgresql():
        ids = select(NAME_WORD.c.beneficiary_id).where(
            _word_range(terms[0]), *_other_terms(terms, NAME_WORD.c.name_search))
        return Beneficiary.id.in_(ids)
    # FTS5: "term"* is a prefix query on the word list; terms hold only [a-z0-9].
    match = " ".join(f'"{t}"*' for t in terms)
    rowids = select(literal_column("rowid")).select_from(text(FTS_TABLE)).where(
        literal_column(FTS_TABLE).op("MATCH")(match))
    return Beneficiary.id.in_(rowids)


@dataclass(frozen=True)
class Order:
    """How a filtered registry statement pages: its sort keys and the keys of a boundary row."""
    stmt: Select
    keys: tuple
    boundary: Callable[[int], tuple | None]


def registry_order(stmt: Select, q: str) -> Order:
    """Alphabetical by name; on PostgreSQL a name search pages by (matched word, name) instead,
    the order its word index is kept in, so that a page is one short index range."""
    B = Beneficiary
    q = (q or "").strip()
    terms = search_terms(q)
    if terms and _postgresql():
        W = NAME_WORD.c
        ranged = stmt.join(NAME_WORD, W.beneficiary_id == B.id).where(
            _word_range(terms[0]), *_other_terms(terms, W.name_search))

        def word_boundary(row_id: int) -> tuple | None:
            row = db.session.execute(
                select(W.word, W.name_search, W.beneficiary_id).where(
                    W.beneficiary_id == row_id, _word_range(terms[0]))
                .order_by(W.word).limit(1)).first()
            return tuple(row) if row else None

        return Order(ranged, (W.word, W.name_search, W.beneficiary_id), word_boundary)

    def name_boundary(row_id: int) -> tuple | None:
        row = db.session.execute(select(B.name_search, B.id).where(B.id == row_id)).first()
        return tuple(row) if row else None

    if q:
        stmt = stmt.where(name_matches(q))  # a query with no searchable word finds nobody
    return Order(stmt, (B.name_search, B.id), name_boundary)
